"""The part of NNI's ``nni.utils`` that trial scripts use: `merge_parameter`, with which
NNI's examples let the tuner's parameters override parsed command-line arguments."""

from __future__ import annotations

from typing import Any


def merge_parameter(base_params: Any, override_params: dict[str, Any] | None) -> Any:
    """Set each of `override_params` on `base_params` (an argparse Namespace or a dict) and
    return it. A value is converted to the type the base value has (an int parameter for an
    ``int`` argument); a key the base lacks is an error, as a misspelt one would be."""
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
            try:
                value = type(current)(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"merge_parameter: {key!r} is {type(current).__name__} in the base "
                    f"parameters, and {value!r} cannot be converted to it") from exc
        if is_dict:
            base_params[key] = value
        else:
            setattr(base_params, key, value)
    return base_params
