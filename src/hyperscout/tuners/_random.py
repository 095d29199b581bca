"""Random search (Bergstra & Bengio, "Random Search for Hyper-Parameter Optimization", JMLR
2012): every suggestion is an independent draw from the search space's own distributions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Tuner


class RandomTuner(Tuner):
    """Draws each config independently with `space.sample`, ignoring results.

    It is the baseline every other tuner should beat, and the reference implementation of
    the `Tuner` contract: the base class adds ids, history, no duplicates and exhaustion.

    Example:
        >>> tuner = RandomTuner({"lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]}}, seed=0)
        >>> s = tuner.ask()
        >>> 1e-4 <= s.params["lr"] <= 1e-1
        True
        >>> tuner.tell(s.id, 0.9)
    """

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        return self.space.sample(rng)
