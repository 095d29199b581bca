"""Assessors by name, NNI's names accepted."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ._base import Assessor
from ._curvefitting import CurveFitting
from ._median import MedianStop
from ._patience import Patience

_CLASSES: dict[str, type[Assessor]] = {"median": MedianStop, "patience": Patience,
                                       "curvefitting": CurveFitting}
_ALIASES = {"median": "median", "medianstop": "median", "medianstopassessor": "median",
            "patience": "patience", "threshold": "patience", "earlystopping": "patience",
            "curvefitting": "curvefitting", "curvefittingassessor": "curvefitting"}
NOT_YET_AVAILABLE: tuple[str, ...] = ()



def available_assessors() -> list[str]:
    return list(_CLASSES)


def create_assessor(name: str, direction: str = "maximize", **options: Any) -> Assessor:
    """Build the assessor called `name` (NNI's ``Medianstop`` works too).

    NNI's ``optimize_mode`` is accepted and must agree with `direction`. Raises
    `ConfigError` for an unknown name or option."""
    key = name.lower().replace("_", "").replace("-", "")
    canonical = _ALIASES.get(key)
    if canonical is None:
        hint = " (not available yet)" if key in NOT_YET_AVAILABLE else ""
        raise ConfigError(f"unknown assessor {name!r}{hint}; available: "
                          f"{', '.join(_CLASSES)}.")
    options = dict(options)
    mode = options.pop("optimize_mode", None)
    if mode is not None and mode != direction:
        raise ConfigError(f"assessor {name}: optimize_mode {mode!r} disagrees with the "
                          f"experiment's direction {direction!r}; drop optimize_mode.")
    cls = _CLASSES[canonical]
    try:
        return cls(direction, **options)
    except TypeError as exc:
        import inspect

        known = [p for p in inspect.signature(cls.__init__).parameters
                 if p not in ("self", "direction")]
        raise ConfigError(f"assessor {canonical}: {exc}. Its options are: "
                          f"{', '.join(known)}.") from None
