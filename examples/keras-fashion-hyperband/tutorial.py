"""The Keras Tuner Fashion-MNIST tutorial, run by hyperscout: the tutorial's code with
``import keras_tuner as kt`` replaced by ``import hyperscout.keras as kt``.

An MLP (Flatten, Dense(units), Dense(10)) with `units` in 16..256 step 32 and Adam's
learning rate in {1e-2, 1e-3, 1e-4}, searched by Hyperband (max_epochs=10, factor=3) with
EarlyStopping(patience=3) on a 20% validation split; then the best configuration is
retrained for its best number of epochs and evaluated on the test split.

    KERAS_BACKEND=torch python examples/keras-fashion-hyperband/tutorial.py \
        --data ../shared/datasets/fashion-mnist

`--data` is a folder with the official Fashion-MNIST IDX files (default
``~/.hyperscout/data/fashion-mnist``; add `--download` to fetch them). `--small N` trains on
the first N images and `--max-epochs` lowers the Hyperband budget, for a quick check.
"""

from __future__ import annotations

import argparse

import keras

import hyperscout.keras as kt  # was: import keras_tuner as kt
from hyperscout.datasets import load_fashion_mnist


def model_builder(hp):
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28)))
    model.add(keras.layers.Flatten())

    # Tune the number of units in the first Dense layer: between 16 and 256, step 32
    hp_units = hp.Int("units", min_value=16, max_value=256, step=32)
    model.add(keras.layers.Dense(units=hp_units, activation="relu"))
    model.add(keras.layers.Dense(10))

    # Tune the learning rate of the optimizer among 0.01, 0.001 and 0.0001
    hp_learning_rate = hp.Choice("learning_rate", values=[1e-2, 1e-3, 1e-4])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=hp_learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="folder of the Fashion-MNIST IDX files")
    parser.add_argument("--download", action="store_true", help="fetch missing files")
    parser.add_argument("--small", type=int, default=None, help="use the first N images")
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--final-epochs", type=int, default=50,
                        help="epochs of the retraining run that finds the best epoch")
    parser.add_argument("--directory", default="my_dir")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)

    img_train, label_train = load_fashion_mnist(args.data, split="train", download=args.download)
    img_test, label_test = load_fashion_mnist(args.data, split="test", download=args.download)
    if args.small:
        img_train, label_train = img_train[:args.small], label_train[:args.small]
        img_test, label_test = img_test[:args.small], label_test[:args.small]
    # Normalize pixel values between 0 and 1
    img_train = img_train.astype("float32") / 255.0
    img_test = img_test.astype("float32") / 255.0

    tuner = kt.Hyperband(model_builder, objective="val_accuracy", max_epochs=args.max_epochs,
                         factor=3, directory=args.directory, project_name="intro_to_kt",
                         seed=args.seed)
    stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    tuner.search(img_train, label_train, epochs=50, validation_split=0.2,
                 callbacks=[stop_early])

    # Get the optimal hyperparameters
    best_hps = tuner.get_best_hyperparameters(num_trials=1)[0]
    print(f"The search is done. The best number of units in the first dense layer is "
          f"{best_hps.get('units')} and the best learning rate for the optimizer is "
          f"{best_hps.get('learning_rate')}.")

    # Build the model with the optimal hyperparameters and train it to find the best epoch
    model = tuner.hypermodel.build(best_hps)
    history = model.fit(img_train, label_train, epochs=args.final_epochs, validation_split=0.2)
    val_acc_per_epoch = history.history["val_accuracy"]
    best_epoch = val_acc_per_epoch.index(max(val_acc_per_epoch)) + 1
    print(f"Best epoch: {best_epoch}")

    # Re-instantiate the hypermodel and train it with the best number of epochs
    hypermodel = tuner.hypermodel.build(best_hps)
    hypermodel.fit(img_train, label_train, epochs=best_epoch, validation_split=0.2)
    eval_result = hypermodel.evaluate(img_test, label_test)
    print("[test loss, test accuracy]:", eval_result)
    best = tuner.oracle.get_best_trials(1)[0]
    return {"best_val_accuracy": best.score, "test_accuracy": float(eval_result[1]),
            "best_epoch": best_epoch, "trials": len(tuner.oracle.trials)}


if __name__ == "__main__":
    main()
