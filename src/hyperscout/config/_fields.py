"""The vocabulary the three formats are described in: a schema maps each key a mapping
may hold to a rule (`Field`: sets an `ExperimentConfig` field through a converter;
`Unsupported`: known, ignored with a `ConfigWarning`; `Ignored`: known, silently
ignored; `Special`: the format's own code reads it), and `read_fields` checks a mapping
against its schema. Converters check one value and raise `ConfigError` naming the file,
the line, the field and the fix."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..durations import parse_duration
from ..errors import ConfigError
from ._document import Document, Key, dotted
from ._model import DIRECTIONS, ExperimentConfig, normalize_retries

Converter = Callable[[Document, Key, Any], Any]


@dataclass(frozen=True)
class Field:
    """A key that sets the `ExperimentConfig` field `target` through `convert`."""

    target: str
    convert: Converter


@dataclass(frozen=True)
class Unsupported:
    """A key the format knows that hyperscout ignores, with a warning saying `why`; none when
    the value is one of `harmless` (the format's default, which asks for nothing missing)."""

    why: str = "is not supported by hyperscout yet and is ignored."
    harmless: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Ignored:
    """A key that only describes the experiment (NNI's `authorName`): accepted silently."""


@dataclass(frozen=True)
class Special:
    """A key the format's reader handles itself (the tuner, the search space, ...)."""


Rule = Field | Unsupported | Ignored | Special
Schema = Mapping[str, Rule]

# Fields whose value may be written as null in a file: those that default to None.
_NULLABLE = {f.name for f in dataclasses.fields(ExperimentConfig) if f.default is None}


def read_fields(
    doc: Document,
    path: Key,
    data: Any,
    schema: Schema,
    *,
    label: str,
    elsewhere: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check each key of the mapping `data` (found at `path`) against `schema`.

    Returns the `ExperimentConfig` fields its `Field` keys set; warns for `Unsupported`
    keys and leaves `Special` ones to the caller.

    Raises:
        ConfigError: `data` is not a mapping, a key is unknown (suggesting the closest known
            one; `elsewhere` maps keys of the other formats to their format's name), or a
            value is malformed.
    """
    values: dict[str, Any] = {}
    for key, value in mapping(doc, path, data).items():
        child = (*path, key)
        if not isinstance(key, str):
            inside = f"in `{dotted(path)}`" if path else "at the top level"
            raise doc.error(child, f"field names must be text, but got {key!r} {inside}.")
        rule = schema.get(key)
        if rule is None:
            raise unknown_field(doc, child, schema, label=label, elsewhere=elsewhere)
        if isinstance(rule, Field):
            if value is None and rule.target in _NULLABLE:
                values[rule.target] = None
            else:
                values[rule.target] = rule.convert(doc, child, value)
        elif isinstance(rule, Unsupported) and not _same_as_any(value, rule.harmless):
            doc.warn(child, f"`{dotted(child)}` {rule.why}")
    return values


def unknown_field(
    doc: Document,
    path: Key,
    known: Mapping[str, Any] | list[str],
    *,
    label: str,
    elsewhere: Mapping[str, str] | None = None,
) -> ConfigError:
    key = str(path[-1])
    names = list(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6) or [
        n for n in names if n.lower() == key.lower()
    ]
    message = f"unknown field `{dotted(path)}` in this {label} config."
    if close:
        message += f" Did you mean `{close[0]}`?"
    if elsewhere and key in elsewhere:
        message += f" (`{key}` is a field of {elsewhere[key]} configs; use one format's names.)"
    if not close:
        message += f" The fields known here are: {', '.join(names)}."
    return doc.error(path, message)


def _same_as_any(value: Any, candidates: tuple[Any, ...]) -> bool:
    # type() too, so that 0 does not pass for False
    return any(type(value) is type(c) and value == c for c in candidates)


# -- converters -----------------------------------------------------------------------------


def mapping(doc: Document, path: Key, value: Any) -> dict[Any, Any]:
    if isinstance(value, dict):
        return value
    what = f"`{dotted(path)}`" if path else "a config file"
    raise doc.error(
        path,
        f"{what} must be a mapping of `key: value` lines (indented below "
        f"it), but got {_show(value)}.",
    )


def text(doc: Document, path: Key, value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, (int, float)):  # a bare number or boolean where text belongs
        fix = f'Quote it: `{path[-1]}: "{value}"`.'
    else:
        fix = f"Write it as `{path[-1]}: <text>`."
    raise doc.error(path, f"`{dotted(path)}` must be non-empty text, but got {_show(value)}. {fix}")


def whole(minimum: int) -> Converter:
    """A converter for a whole number >= `minimum`."""

    def convert(doc: Document, path: Key, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        if isinstance(value, str) and value.strip().isdigit():
            fix = f"Remove the quotes: `{path[-1]}: {value.strip()}`."
        else:
            fix = f"For example `{path[-1]}: {max(minimum, 1)}`."
        raise doc.error(
            path,
            f"`{dotted(path)}` must be a whole number >= {minimum}, but got {_show(value)}. {fix}",
        )

    return convert


def gpu_share(doc: Document, path: Key, value: Any) -> float | int:
    """A whole number of GPUs, or a share of one (0.5: two trials per GPU)."""
    from ._model import check_gpus_per_trial

    try:
        return check_gpus_per_trial(value)  # type: ignore[return-value]
    except ConfigError as exc:
        raise doc.error(path, str(exc).replace("`gpus_per_trial`", f"`{dotted(path)}`")) from None


def gpu_memory(doc: Document, path: Key, value: Any) -> float | str:
    from ._model import check_gpu_memory

    try:
        return check_gpu_memory(value)  # type: ignore[return-value]
    except ConfigError as exc:
        raise doc.error(path, str(exc)) from None


def duration(doc: Document, path: Key, value: Any) -> float | None:
    try:
        return parse_duration(value, name=dotted(path))
    except ConfigError as exc:
        raise doc.error(path, str(exc)) from None


def direction(doc: Document, path: Key, value: Any) -> str:
    if value in DIRECTIONS:
        return str(value)
    fix = (
        f" Write it in lower case: `{str(value).lower()}`."
        if str(value).lower() in DIRECTIONS
        else ""
    )
    raise doc.error(
        path, f"`{dotted(path)}` must be 'maximize' or 'minimize', but got {_show(value)}.{fix}"
    )


def gpu_indices(doc: Document, path: Key, value: Any) -> list[int]:
    """GPU indices as NNI writes them: a list ``[0, 1]``, a string ``"0,1"`` or one int."""
    items: Any = value
    if isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        items = [int(p) if p.isdigit() else p for p in parts]
    ok = (
        isinstance(items, list)
        and items
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in items)
    )
    if not ok:
        raise doc.error(
            path,
            f'`{dotted(path)}` must list GPU indices, like [0, 1] or "0,1", '
            f"but got {_show(value)}.",
        )
    if len(set(items)) != len(items):
        raise doc.error(
            path, f"`{dotted(path)}` lists a GPU twice: {_show(value)}. Keep each index once."
        )
    return list(items)


def retries(doc: Document, path: Key, value: Any) -> dict[str, int]:
    try:
        return normalize_retries(value)
    except ConfigError as exc:
        raise doc.error(path, str(exc)) from None


def function_name(doc: Document, path: Key, value: Any) -> str:
    name = text(doc, path, value)
    module, _, attribute = name.partition(":")
    if not module.strip() or not attribute.strip():
        raise doc.error(
            path, f"`{dotted(path)}` must be written 'package.module:function', but got {name!r}."
        )
    return name


def _show(value: Any) -> str:
    return "nothing (null)" if value is None else repr(value)
