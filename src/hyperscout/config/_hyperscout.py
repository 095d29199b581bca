"""hyperscout's own config file: its keys are `ExperimentConfig`'s field names, plus
`search_space_file` (the space in a JSON or YAML file) and a `tuner` that may be a
mapping ``{name: ..., args: {...}}``."""

from __future__ import annotations

from typing import Any

from ._common import build, code_directory, search_space
from ._document import Document, Key, dotted
from ._fields import (
    Field,
    Schema,
    Special,
    direction,
    duration,
    function_name,
    gpu_indices,
    gpu_memory,
    gpu_share,
    mapping,
    read_fields,
    retries,
    text,
    unknown_field,
    whole,
)
from ._model import ExperimentConfig

LABEL = "hyperscout"

SCHEMA: Schema = {
    "search_space": Special(),
    "search_space_file": Special(),
    "trial_command": Field("trial_command", text),
    "trial_code_directory": Special(),
    "trial_function": Field("trial_function", function_name),
    "name": Field("name", text),
    "tuner": Special(),
    "tuner_args": Special(),
    "scheduler": Special(),
    "scheduler_args": Special(),
    "assessor": Special(),
    "assessor_args": Special(),
    "direction": Field("direction", direction),
    "max_trials": Field("max_trials", whole(0)),
    "max_duration": Field("max_duration", duration),
    "concurrency": Field("concurrency", whole(1)),
    "trial_timeout": Field("trial_timeout", duration),
    "max_failed_trials": Field("max_failed_trials", whole(0)),
    "max_retries": Field("max_retries", retries),
    "gpus_per_trial": Field("gpus_per_trial", gpu_share),
    "gpu_indices": Field("gpu_indices", gpu_indices),
    "max_trials_per_gpu": Field("max_trials_per_gpu", whole(1)),
    "gpu_memory_per_trial": Field("gpu_memory_per_trial", gpu_memory),
    "seed": Field("seed", whole(0)),
    "executor": Field("executor", text),
    "executor_args": Field("executor_args", mapping),
}

# `tuners.create(name, space, direction=..., seed=..., **tuner_args)`: these cannot be
# tuner args; the fix for each.
_RESERVED_ARGS = {
    "direction": "set `direction` at the top level",
    "seed": "set `seed` at the top level",
    "space": "the search space goes in `search_space` or `search_space_file`",
}
_DEFAULTS = {"tuner": "auto", "scheduler": "fifo", "assessor": None}
_EXAMPLES = {"tuner": "random", "scheduler": "hyperband", "assessor": "median"}


def read(doc: Document, data: dict[str, Any], *, elsewhere: dict[str, str]) -> ExperimentConfig:
    """An `ExperimentConfig` from the top-level mapping of a hyperscout config file."""
    values = read_fields(doc, (), data, SCHEMA, label=LABEL, elsewhere=elsewhere)
    if values.get("trial_command") is None and values.get("trial_function") is None:
        raise doc.error(
            (),
            "no trial: set `trial_command` (a shell command that runs one "
            "trial) or `trial_function` ('package.module:function').",
        )
    if values.get("trial_command") is not None and values.get("trial_function") is not None:
        raise doc.error(
            ("trial_function",),
            "set only one of `trial_command` and `trial_function`, but both are set.",
        )
    values["trial_code_directory"] = code_directory(
        doc, ("trial_code_directory",), data.get("trial_code_directory")
    )
    for kind in ("tuner", "scheduler", "assessor"):
        values.update(_component(doc, data, kind))
    values["search_space"] = search_space(
        doc, data, inline_key="search_space", file_key="search_space_file"
    )
    return build(doc, values, "hyperscout")


def _component(doc: Document, data: dict[str, Any], kind: str) -> dict[str, Any]:
    """`tuner: tpe` with an optional `tuner_args:` mapping, or `tuner: {name: tpe, args:
    {...}}`; the same for `scheduler` and `assessor`."""
    value = data.get(kind)
    args: Any = data.get(f"{kind}_args")
    args_path: Key = (f"{kind}_args",)
    if isinstance(value, dict):
        for key in value:
            if key not in ("name", "args"):
                raise unknown_field(doc, (kind, key), ["name", "args"], label=LABEL)
        if value.get("args") is not None:
            if args is not None:
                raise doc.error(
                    args_path,
                    f"set the {kind}'s arguments once: in `{kind}.args` or "
                    f"in `{kind}_args`, but both are set.",
                )
            args, args_path = value["args"], (kind, "args")
        value = value.get("name")
        if value is None:
            raise doc.error(
                (kind,), f"`{kind}.name` is missing: name the {kind}, for example "
                f"`name: {_EXAMPLES[kind]}`."
            )
        name = text(doc, (kind, "name"), value)
    else:
        name = _DEFAULTS[kind] if value is None else text(doc, (kind,), value)
    args = {} if args is None else dict(mapping(doc, args_path, args))
    for key in args:
        if key in _RESERVED_ARGS:
            raise doc.error(
                (*args_path, key),
                f"`{dotted((*args_path, key))}` cannot be a {kind} argument: "
                f"{_RESERVED_ARGS[key]}.",
            )
        if not isinstance(key, str):
            raise doc.error(
                (*args_path, key), f"`{dotted(args_path)}` keys must be text, but got {key!r}."
            )
    return {kind: name, f"{kind}_args": args}
