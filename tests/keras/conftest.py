"""Keras tests run on the torch backend (no TensorFlow here); skipped without Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="Keras 3 is not installed (pip install keras)")


def make_data(n: int = 240, features: int = 6, seed: int = 0):
    """A small two-class problem a Dense layer learns in a few epochs."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")
    return x, y


@pytest.fixture
def data():
    return make_data()


def build_model(hp):
    """A one-hidden-layer classifier with two tuned parameters (8 configurations)."""
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(hp.Int("units", 4, 16, step=4), activation="relu"),
        keras.layers.Dense(2),
    ])
    model.compile(optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3])),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
