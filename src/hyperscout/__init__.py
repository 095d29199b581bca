"""hyperscout: hyperparameter optimisation and neural architecture search.

The trial API (`get_next_parameter`, `report_intermediate_result`, ...) is imported
eagerly and needs only the standard library, so a trial script that does
``import hyperscout`` starts fast; everything heavier (numpy, the engine) loads on first
use of its name.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from .errors import (
    ConfigError,
    EngineError,
    ExperimentNotFound,
    HyperscoutError,
    MetricError,
    SearchSpaceError,
    SearchSpaceExhausted,
    StoreError,
    TrialNotFound,
    TrialStopped,
)
from .trial import (
    checkpoint_dir,
    get_budget,
    get_current_parameter,
    get_experiment_id,
    get_next_parameter,
    get_previous_budget,
    get_sequence_id,
    get_trial_dir,
    get_trial_id,
    load_checkpoint_dir,
    report_final_result,
    report_intermediate_result,
    should_stop,
)

__version__ = "0.1.0"

_LAZY = {
    "Experiment": "hyperscout.engine",
    "ExperimentConfig": "hyperscout.config",
    "load_config": "hyperscout.config",
    "optimize": "hyperscout.engine",
    "OptimizeResult": "hyperscout.engine",
    "SearchSpace": "hyperscout.space",
    "HyperParameters": "hyperscout.space",
    "Store": "hyperscout.store",
    "TrialState": "hyperscout.states",  # enum is ~5 ms: not for every command trial
}

__all__ = [
    "ConfigError",
    "EngineError",
    "Experiment",
    "ExperimentConfig",
    "ExperimentNotFound",
    "HyperParameters",
    "HyperscoutError",
    "MetricError",
    "OptimizeResult",
    "SearchSpace",
    "SearchSpaceError",
    "SearchSpaceExhausted",
    "Store",
    "StoreError",
    "TrialNotFound",
    "TrialState",
    "TrialStopped",
    "checkpoint_dir",
    "get_budget",
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_previous_budget",
    "get_sequence_id",
    "get_trial_dir",
    "get_trial_id",
    "load_checkpoint_dir",
    "load_config",
    "optimize",
    "report_final_result",
    "report_intermediate_result",
    "should_stop",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hyperscout' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
