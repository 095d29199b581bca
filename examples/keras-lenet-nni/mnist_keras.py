"""NNI's MNIST LeNet trial written with Keras: the tuner chooses conv_size, hidden_size,
dropout_rate, batch_size and learning_rate (search_space.json); each epoch's validation
accuracy is an intermediate result and the last one the final result, reported by
`hyperscout.keras.ReportCallback` through NNI's trial API.

Run by config.yml (``hyperscout create --config config.yml``), or by hand, standalone, with
the defaults. The MNIST IDX files are read from ``$HYPERSCOUT_DATA/mnist`` (see
`hyperscout.datasets`).
"""

from __future__ import annotations

import argparse

import nni

import hyperscout.keras  # picks an installed Keras backend before Keras loads
import keras
from hyperscout.datasets import load_mnist

DEFAULTS = {"conv_size": 5, "hidden_size": 512, "dropout_rate": 0.5, "batch_size": 32,
            "learning_rate": 0.001}


def build(params):
    size = params["conv_size"]
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, size, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, size, activation="relu", padding="same"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(params["hidden_size"], activation="relu"),
        keras.layers.Dropout(params["dropout_rate"]),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train", type=int, default=None, help="use the first N images")
    args = parser.parse_args()
    params = {**DEFAULTS, **nni.get_next_parameter()}
    x, y = load_mnist(split="train")
    if args.train:
        x, y = x[:args.train], y[:args.train]
    x = x.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    build(params).fit(x, y, batch_size=params["batch_size"], epochs=args.epochs,
                      validation_split=0.2, verbose=2,
                      callbacks=[hyperscout.keras.ReportCallback("val_accuracy")])


if __name__ == "__main__":
    main()
