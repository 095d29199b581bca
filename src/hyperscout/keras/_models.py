"""Model plumbing of a trial: fresh callbacks per fit, compile overrides, weights loaded
with the optimizer's state."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def copy_callbacks(callbacks: list[Any]) -> list[Any]:
    """A fresh copy of the user's callbacks for each fit (EarlyStopping and friends keep
    state), as Keras Tuner does."""
    try:
        return copy.deepcopy(callbacks)
    except Exception as exc:
        raise ConfigError(
            f"the callbacks passed to search() cannot be copied ({exc}); each fit gets its "
            "own copy, so every callback must support copy.deepcopy.") from exc


def load_weights(model: Any, path: Path) -> None:
    """Load weights saved by `save_weights`, with the optimizer's state when the model has
    an optimizer (a promoted configuration then continues training exactly; Keras skips
    the optimizer's variables unless it is built first)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not getattr(optimizer, "built", True):
        with contextlib.suppress(Exception):  # an optimizer that cannot be built early
            optimizer.build(model.trainable_variables)
    model.load_weights(str(path))


def recompile(model: Any, overrides: dict[str, Any]) -> None:
    config = getattr(model, "_compile_config", None)
    previous = dict(getattr(config, "config", {}) or {}) if config is not None else {}
    previous.update(overrides)
    model.compile(**{k: v for k, v in previous.items()
                     if k in ("optimizer", "loss", "metrics", "loss_weights",
                              "weighted_metrics", "run_eagerly", "steps_per_execution",
                              "jit_compile")})
