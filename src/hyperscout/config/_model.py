"""`ExperimentConfig`: the one plain description of an experiment that every front end
produces (hyperscout YAML, NNI v1 and v2 files, the Python API) and the engine consumes.
It is stored with the experiment, so `resume` rebuilds the run from the store alone."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

DIRECTIONS = ("maximize", "minimize")
RETRY_CLASSES = ("failed", "timeout", "stale")


@dataclass
class ExperimentConfig:
    """Everything needed to run (and re-run) an experiment.

    Exactly one of `trial_command` (a shell command run in `trial_code_directory`, NNI's
    trial command) and `trial_function` (``"package.module:function"``) is set for an
    experiment that can be started from the CLI; the Python API may instead pass a callable
    to `Experiment` directly. `search_space` is a JSON value: NNI's search_space.json form,
    or hyperscout's own form (``{"parameters": [...]}``, see `SearchSpace.to_dict`).
    """

    search_space: Any
    trial_command: str | None = None
    trial_code_directory: str = "."
    trial_function: str | None = None
    name: str | None = None
    tuner: str = "auto"
    tuner_args: dict[str, Any] = field(default_factory=dict)
    scheduler: str = "fifo"  # fifo, hyperband, asha
    scheduler_args: dict[str, Any] = field(default_factory=dict)
    assessor: str | None = None  # median, patience; None: no early stopping
    assessor_args: dict[str, Any] = field(default_factory=dict)
    direction: str = "maximize"
    max_trials: int | None = None
    max_duration: float | None = None  # seconds
    concurrency: int = 1
    trial_timeout: float | None = None  # seconds
    max_failed_trials: int | None = None
    max_retries: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RETRY_CLASSES, 0))
    gpus_per_trial: float | None = None  # None: leave CUDA_VISIBLE_DEVICES alone; <1: a share
    gpu_indices: list[int] | None = None  # None: every GPU nvidia-smi reports
    max_trials_per_gpu: int = 1
    gpu_memory_per_trial: float | str | None = None  # MiB, or "auto": measured, then packed
    seed: int | None = None
    executor: str = "local"  # "local", "in_process" (a Python function only) or "ray"
    executor_args: dict[str, Any] = field(default_factory=dict)  # Ray: address, resources, ...
    source: str | None = None  # the config file it was read from, if any
    format: str = "hyperscout"  # "hyperscout", "nni-v1" or "nni-v2"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check field types and ranges; raise `ConfigError` naming the field and the fix."""
        if isinstance(self.direction, str) and self.direction.lower() in DIRECTIONS:
            self.direction = self.direction.lower()  # "MAXIMIZE" as NNI's optimize_mode
        if self.direction not in DIRECTIONS:
            raise ConfigError(
                f"`direction` must be 'maximize' or 'minimize', but got {self.direction!r}."
            )
        if self.trial_command is not None and self.trial_function is not None:
            raise ConfigError(
                "set only one of `trial_command` and `trial_function`, but both are set."
            )
        for name in ("max_trials", "max_failed_trials"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ConfigError(f"`{name}` must be a whole number >= 0, but got {value!r}.")
        for name in ("concurrency", "max_trials_per_gpu"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"`{name}` must be a whole number >= 1, but got {value!r}.")
        self.gpus_per_trial = check_gpus_per_trial(self.gpus_per_trial)
        self.gpu_memory_per_trial = check_gpu_memory(self.gpu_memory_per_trial)
        if self.gpu_memory_per_trial is not None and self.executor == "local":
            if not self.gpus_per_trial or self.gpus_per_trial > 1:
                raise ConfigError(
                    "`gpu_memory_per_trial` packs trials of one GPU each: set `gpus_per_trial` "
                    f"to 1 (or a fraction), not {self.gpus_per_trial!r}.")
            if self.max_trials_per_gpu != 1:
                raise ConfigError(
                    "set one way to share GPUs: `gpu_memory_per_trial` (by memory) or "
                    "`max_trials_per_gpu` (by count), not both.")
        for name in ("tuner", "scheduler", "assessor"):
            value = getattr(self, name)
            if not (isinstance(value, str) and value) and not (name == "assessor" and value is None):
                raise ConfigError(f"`{name}` must be a name (text), but got {value!r}.")
            args = getattr(self, f"{name}_args")
            if not isinstance(args, dict) or not all(isinstance(k, str) for k in args):
                raise ConfigError(f"`{name}_args` must be a mapping of option names to values, "
                                  f"but got {args!r}.")
        if self.executor not in ("local", "in_process", "ray"):
            raise ConfigError(f"`executor` must be 'local', 'in_process' or 'ray', but got "
                              f"{self.executor!r}.")
        if not isinstance(self.executor_args, dict):
            raise ConfigError(f"`executor_args` must be a mapping (for Ray: address, "
                              f"cpus_per_trial, ...), but got {self.executor_args!r}.")
        if self.executor == "ray":
            from ..executors import RayOptions
            from ..executors._ray import check_gpu_packing

            check_gpu_packing(RayOptions.from_args(self.executor_args),  # fails here, by name
                              self.gpu_memory_per_trial)
        self.max_retries = normalize_retries(self.max_retries)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_dict` reads it back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown experiment config fields {unknown}; known ones: {sorted(known)}.")
        return cls(**data)


def normalize_retries(value: int | dict[str, int] | None) -> dict[str, int]:
    """`max_retries` as a dict per failure class; an int applies to every class."""
    if value is None:
        value = 0
    if isinstance(value, bool):
        raise ConfigError(f"`max_retries` must be an int or a dict, but got {value!r}.")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"`max_retries` must be >= 0, but got {value}.")
        return dict.fromkeys(RETRY_CLASSES, value)
    if not isinstance(value, dict):
        raise ConfigError(f"`max_retries` must be an int or a dict, but got {value!r}.")
    unknown = sorted(set(value) - set(RETRY_CLASSES))
    if unknown:
        raise ConfigError(
            f"`max_retries` has unknown failure classes {unknown}; use {list(RETRY_CLASSES)}."
        )
    out = dict.fromkeys(RETRY_CLASSES, 0)
    for key, count in value.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ConfigError(f"`max_retries[{key!r}]` must be a whole number >= 0, but got {count!r}.")
        out[key] = count
    return out


def check_gpus_per_trial(value: Any) -> float | int | None:
    """None, a whole number of GPUs >= 0, or a share of one GPU (0 < share < 1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
            value > 1 and float(value) != int(value)):
        raise ConfigError(
            f"`gpus_per_trial` must be a whole number >= 0 or a share of one GPU between 0 "
            f"and 1 (0.5: two trials per GPU), but got {value!r}.")
    return int(value) if float(value).is_integer() else float(value)


_UNITS = {"b": 1 / 2**20, "kib": 1 / 1024, "kb": 1e3 / 2**20, "mib": 1.0, "mb": 1e6 / 2**20,
          "gib": 1024.0, "gb": 1e9 / 2**20}


def check_gpu_memory(value: Any) -> float | str | None:
    """None, ``"auto"``, or an amount of GPU memory: MiB as a number, or text with a unit
    (``"10GiB"``, ``"512MiB"``, ``"12GB"``); returned in MiB."""
    if value is None or value == "auto":
        return value
    amount = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = text[len(number):] or "mib"
        try:
            amount = float(number) * _UNITS[unit]
        except (ValueError, KeyError):
            amount = None
    if amount is None or not amount > 0:
        raise ConfigError(
            f"`gpu_memory_per_trial` must be 'auto' (measured from the first trials) or an "
            f"amount such as 8GiB or 4096 (MiB), but got {value!r}.")
    return amount
