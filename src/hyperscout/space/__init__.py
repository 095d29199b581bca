"""What can be searched: parameter kinds, conditions, `SearchSpace`, NNI's JSON format,
Keras Tuner's define-by-run `HyperParameters` and the unit-cube `UnitEncoding` that
model-based tuners share. See docs/search-space.md."""

from __future__ import annotations

from ._base import Condition, Parameter
from ._encoding import UnitEncoding
from ._hyperparameters import HyperParameters
from ._params import Boolean, Choice, Fixed, Float, Int, Normal
from ._space import Config, SearchSpace, as_space

__all__ = [
    "Boolean",
    "Choice",
    "Condition",
    "Config",
    "Fixed",
    "Float",
    "HyperParameters",
    "Int",
    "Normal",
    "Parameter",
    "SearchSpace",
    "UnitEncoding",
    "as_space",
]
