"""Assessors: stop a running trial early from its learning curve (NNI's assessors).

>>> from hyperscout.assessors import create_assessor
>>> median = create_assessor("Medianstop", "maximize", start_step=2)

See docs/schedulers.md.
"""

from __future__ import annotations

from ._base import Assessor
from ._curvefitting import CurveFitting, extrapolate
from ._median import MedianStop
from ._patience import Patience
from ._registry import available_assessors, create_assessor

__all__ = ["Assessor", "CurveFitting", "MedianStop", "Patience", "available_assessors",
           "create_assessor", "extrapolate"]
