"""Experiment configuration: the `ExperimentConfig` model and the config-file loader
(hyperscout YAML, NNI v1 and v2). See docs/config-file.md."""

from ._document import ConfigWarning
from ._dump import dump_config
from ._loader import config_from_dict, detect_format, load_config
from ._model import ExperimentConfig, normalize_retries

__all__ = [
    "ConfigWarning",
    "ExperimentConfig",
    "config_from_dict",
    "detect_format",
    "dump_config",
    "load_config",
    "normalize_retries",
]
