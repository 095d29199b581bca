"""Small helpers on plain JSON values shared by the parameter kinds and the space: checking
numbers, converting user input (tuples, numpy scalars) to plain JSON, and the identity key
that decides when two values are "the same" choice."""

from __future__ import annotations

import json
import math
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import SearchSpaceError


def is_number(value: Any) -> bool:
    """True for ints and floats (Python or numpy), False for bools and everything else."""
    return isinstance(value, (Real, np.number)) and not isinstance(value, (bool, np.bool_))


def as_number(value: Any, field: str, name: str) -> int | float:
    """Return `value` as a plain finite Python int or float, keeping which of the two it is.

    Raises:
        SearchSpaceError: naming the field and the parameter, when `value` is not a finite
            number (bools are rejected: ``True`` is not a bound).
    """
    if not is_number(value):
        raise SearchSpaceError(
            f"`{field}` must be a number for parameter {name!r}, but got {value!r} "
            f"({type(value).__name__}). Pass an int or a float."
        )
    number = int(value) if isinstance(value, (Integral, np.integer)) else float(value)
    if not math.isfinite(number):
        raise SearchSpaceError(
            f"`{field}` must be finite for parameter {name!r}, but got {number!r}. "
            "Pass a finite bound."
        )
    return number


def as_integer(value: Any, field: str, name: str) -> int:
    """Like `as_number`, but the number must be integral (``3.0`` is accepted as ``3``)."""
    number = as_number(value, field, name)
    if number != int(number):
        raise SearchSpaceError(
            f"`{field}` must be an integer for parameter {name!r}, but got {number!r}. "
            "Round it, or use a Float parameter."
        )
    return int(number)


def plain_json(value: Any, what: str = "value") -> Any:
    """Return a deep copy of `value` made of plain JSON types.

    Tuples become lists and numpy scalars and arrays become Python values, so that a value
    survives a trip through JSON unchanged (the store and the trial see JSON).

    Raises:
        SearchSpaceError: for values JSON cannot hold (sets, objects, NaN, non-string keys).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if is_number(value):
        number = int(value) if isinstance(value, (Integral, np.integer)) else float(value)
        if isinstance(number, float) and not math.isfinite(number):
            raise SearchSpaceError(
                f"{what} must be finite to be stored as JSON, but got {number!r}."
            )
        return number
    if isinstance(value, np.ndarray):
        return plain_json(value.tolist(), what)
    if isinstance(value, (list, tuple)):
        return [plain_json(item, what) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise SearchSpaceError(
                f"{what} must have string keys to be stored as JSON, but got {value!r}."
            )
        return {key: plain_json(item, what) for key, item in value.items()}
    raise SearchSpaceError(
        f"{what} must be a JSON value (None, bool, number, str, list or dict), but got "
        f"{value!r} ({type(value).__name__})."
    )


def _unify_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_unify_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _unify_numbers(item) for key, item in value.items()}
    return value


def identity_key(value: Any) -> str:
    """The string that identifies a plain JSON value: ``1`` and ``1.0`` are the same value,
    ``True`` and ``1`` are not (Python's ``==`` would say they are), dicts compare unordered."""
    return json.dumps(_unify_numbers(value), sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, floats written repr-exact."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
