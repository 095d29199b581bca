"""Keras tests run on the torch backend (no TensorFlow here); skipped without Keras."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras", reason="Keras 3 is not installed (pip install keras)")

from keras_helpers import make_data  # noqa: E402


@pytest.fixture
def data():
    return make_data()
