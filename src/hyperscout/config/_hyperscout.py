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
    "direction": Field("direction", direction),
    "max_trials": Field("max_trials", whole(0)),
    "max_duration": Field("max_duration", duration),
    "concurrency": Field("concurrency", whole(1)),
    "trial_timeout": Field("trial_timeout", duration),
    "max_failed_trials": Field("max_failed_trials", whole(0)),
    "max_retries": Field("max_retries", retries),
    "gpus_per_trial": Field("gpus_per_trial", whole(0)),
    "gpu_indices": Field("gpu_indices", gpu_indices),
    "max_trials_per_gpu": Field("max_trials_per_gpu", whole(1)),
    "seed": Field("seed", whole(0)),
}

# `tuners.create(name, space, direction=..., seed=..., **tuner_args)`: these cannot be
# tuner args; the fix for each.
_RESERVED_ARGS = {
    "direction": "set `direction` at the top level",
    "seed": "set `seed` at the top level",
    "space": "the search space goes in `search_space` or `search_space_file`",
}


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
    values.update(_tuner(doc, data))
    values["search_space"] = search_space(
        doc, data, inline_key="search_space", file_key="search_space_file"
    )
    return build(doc, values, "hyperscout")


def _tuner(doc: Document, data: dict[str, Any]) -> dict[str, Any]:
    """`tuner: tpe` with an optional `tuner_args:` mapping, or `tuner: {name: tpe, args: {...}}`."""
    tuner = data.get("tuner")
    args: Any = data.get("tuner_args")
    args_path: Key = ("tuner_args",)
    if isinstance(tuner, dict):
        for key in tuner:
            if key not in ("name", "args"):
                raise unknown_field(doc, ("tuner", key), ["name", "args"], label=LABEL)
        if tuner.get("args") is not None:
            if args is not None:
                raise doc.error(
                    args_path,
                    "set the tuner's arguments once: in `tuner.args` or "
                    "in `tuner_args`, but both are set.",
                )
            args, args_path = tuner["args"], ("tuner", "args")
        tuner = tuner.get("name")
        if tuner is None:
            raise doc.error(
                ("tuner",), "`tuner.name` is missing: name the tuner, for example `name: random`."
            )
        name = text(doc, ("tuner", "name"), tuner)
    else:
        name = "auto" if tuner is None else text(doc, ("tuner",), tuner)
    args = {} if args is None else dict(mapping(doc, args_path, args))
    for key in args:
        if key in _RESERVED_ARGS:
            raise doc.error(
                (*args_path, key),
                f"`{dotted((*args_path, key))}` cannot be a tuner argument: {_RESERVED_ARGS[key]}.",
            )
        if not isinstance(key, str):
            raise doc.error(
                (*args_path, key), f"`{dotted(args_path)}` keys must be text, but got {key!r}."
            )
    return {"tuner": name, "tuner_args": args}
