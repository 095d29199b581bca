"""Grid search: try every config of a finite search space once, in the space's grid order."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Tuner


class GridTuner(Tuner):
    """Walks `space.grid()` in order, skipping configs already running or finished.

    The next suggestion is always the first unvisited grid point, so the order is the same
    for every seed, and a tuner rebuilt with `observe` picks up where the original stopped.
    Each parameter must have finitely many values: a continuous `Float` needs `step` or `q`,
    a `Normal` needs `q`; otherwise the constructor raises the space's `SearchSpaceError`
    naming the parameter. After the last point, `ask` raises `SearchSpaceExhausted`.

    Example:
        >>> tuner = GridTuner({"units": {"_type": "choice", "_value": [32, 64]}})
        >>> [tuner.ask().params["units"] for _ in range(2)]
        [32, 64]
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None):
        super().__init__(space, direction=direction, seed=seed)
        next(iter(self.space.grid()), None)  # raises now, naming the first continuous parameter
        self._cursor = iter(self.space.grid())  # every point before it is visited

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        for config in self._cursor:
            if not self._is_visited(config):
                return config
        raise self._exhausted()
