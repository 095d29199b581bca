"""Pick a Keras backend that is installed, before Keras is first imported.

Keras 3 reads its backend from ``KERAS_BACKEND`` or ``~/.keras/keras.json`` and falls back
to TensorFlow. Many of our users have PyTorch or JAX and no TensorFlow, and a stray
``keras.json`` may name a backend that is not installed; then ``import keras`` fails. When
the backend Keras would use is not installed, hyperscout sets ``KERAS_BACKEND`` to the first
installed one of torch, jax and tensorflow. A backend that is set and installed is never
changed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

_MODULES = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax", "numpy": "numpy",
            "openvino": "openvino"}


def configured_backend() -> str:
    """The backend Keras would load now."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    try:
        return str(json.loads((home / "keras.json").read_text()).get("backend", "tensorflow"))
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def choose_backend() -> str:
    """Set ``KERAS_BACKEND`` to an installed backend if the configured one is missing;
    return the backend Keras will use."""
    backend = configured_backend()
    if "keras" in sys.modules or _installed(backend):
        return backend
    for candidate in ("torch", "jax", "tensorflow"):
        if _installed(candidate):
            os.environ["KERAS_BACKEND"] = candidate
            return candidate
    return backend  # importing keras will say what is missing


def _installed(backend: str) -> bool:
    module = _MODULES.get(backend, backend)
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
