"""The part of NNI's ``nni.utils`` that trial scripts use: `merge_parameter`, with which
NNI's examples let the tuner's parameters override parsed command-line arguments."""

from __future__ import annotations

from typing import Any


def merge_parameter(base_params: Any, override_params: dict[str, Any] | None) -> Any:
    """Set each of `override_params` on `base_params` (an argparse Namespace or a dict) and
    return it. A value is converted to the type the base value has (an int parameter for an
    ``int`` argument) only where nothing is lost: an int to a float, a whole float to an
    int; any other mismatch, and a key the base lacks, is an error, as in NNI."""
    if override_params is None:
        return base_params
    is_dict = isinstance(base_params, dict)
    for key, value in override_params.items():
        present = key in base_params if is_dict else hasattr(base_params, key)
        if not present:
            raise ValueError(f"merge_parameter: the base parameters have no {key!r} to "
                             "override; add it to the argument parser (or the dict) first.")
        current = base_params[key] if is_dict else getattr(base_params, key)
        if current is not None and value is not None and type(current) is not type(value):
            value = _same_type(key, current, value)
        if is_dict:
            base_params[key] = value
        else:
            setattr(base_params, key, value)
    return base_params


def _same_type(key: str, current: Any, value: Any) -> Any:
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (isinstance(current, int) and not isinstance(current, bool)
            and isinstance(value, float) and value.is_integer()):
        return int(value)
    raise TypeError(f"merge_parameter: {key!r} is {type(current).__name__} in the base "
                    f"parameters, but the tuner gave {value!r} ({type(value).__name__}).")
