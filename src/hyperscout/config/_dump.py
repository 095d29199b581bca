"""`dump_config`: an `ExperimentConfig` as a readable hyperscout config file (what
``hyperscout experiment show`` prints, and a way to turn an NNI file into hyperscout's)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ._model import RETRY_CLASSES, ExperimentConfig
from ._yaml import dump_yaml

_DURATIONS = ("max_duration", "trial_timeout")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_ALWAYS = ("tuner", "direction")
_LOADER_SET = ("source", "format", "search_space")  # search_space goes last, on its own


def dump_config(config: ExperimentConfig) -> str:
    """The config as hyperscout YAML that `load_config` reads back to an equal config
    (apart from `source` and `format`, which say where a config was read from).

    Fields at their default value are left out, durations get a unit (``2h``), and the
    search space comes last.

    Example:
        >>> config = ExperimentConfig(search_space={"x": {"_type": "choice", "_value": [1, 2]}},
        ...                           trial_command="python3 trial.py", max_duration=7200.0)
        >>> print(dump_config(config))  # doctest: +ELLIPSIS
        # hyperscout experiment config
        trial_command: python3 trial.py
        ...
        max_duration: 2h
        ...
    """
    data: dict[str, Any] = {}
    fields = sorted(dataclasses.fields(config), key=lambda f: f.name != "name")  # name first
    for f in fields:
        value = getattr(config, f.name)
        if f.name in _LOADER_SET or (f.name not in _ALWAYS and value == _default(f)):
            continue
        if f.name in _DURATIONS and value is not None:
            value = format_duration(value)
        elif f.name == "max_retries":
            value = _retries(value)
        data[f.name] = value
    data["search_space"] = config.search_space
    header = "# hyperscout experiment config\n"
    if config.source:
        header += f"# read from {config.source} ({config.format})\n"
    return header + dump_yaml(data)


def format_duration(seconds: float) -> str | float:
    """The largest unit that writes `seconds` exactly (``5400.0 -> "90m"``); else the number."""
    for unit, size in _UNITS:
        if seconds >= size and float(seconds) % size == 0:
            return f"{int(seconds // size)}{unit}"
    return seconds


def _retries(value: dict[str, int]) -> int | dict[str, int]:
    counts = {value.get(name, 0) for name in RETRY_CLASSES}
    return counts.pop() if len(counts) == 1 else dict(value)


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default
