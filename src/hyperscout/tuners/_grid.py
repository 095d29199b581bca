"""Grid search: try every config of a finite search space once, in the space's grid order;
refine continuous parameters round by round."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..space import Parameter, UnitEncoding
from ._base import Tuner


class GridTuner(Tuner):
    """Walks `space.grid()` in order, skipping configs already running or finished.

    The next suggestion is always the first unvisited grid point, so the order is the same
    for every seed, and a tuner rebuilt with `observe` picks up where the original stopped.
    A space whose parameters all have finitely many values is walked once, then `ask`
    raises `SearchSpaceExhausted`. A continuous parameter (a `Float` without `step` or
    `q`, a `Normal` without `q`) gets finer and finer points instead, as NNI's grid search
    does: the middle of its prior's range (of the CDF: the median for a log or normal
    one), then the middles of its halves, quarters, ...; each round tries the configs
    that use a point of that round, so the walk covers the space ever more finely and
    ends only when no new point can be told apart (an experiment needs `max_trials` or
    `max_duration` with such a space).

    Example:
        >>> tuner = GridTuner({"units": {"_type": "choice", "_value": [32, 64]}})
        >>> [tuner.ask().params["units"] for _ in range(2)]
        [32, 64]
        >>> lr = GridTuner({"lr": {"_type": "uniform", "_value": [0, 1]}})
        >>> [lr.ask().params["lr"] for _ in range(3)]
        [0.5, 0.25, 0.75]
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None):
        super().__init__(space, direction=direction, seed=seed)
        self._cursor = iter(self.space.grid() if self.space.is_finite else self._rounds())

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        for config in self._cursor:  # every point before it is visited
            if not self._is_visited(config):
                return config
        raise self._exhausted()

    def _rounds(self) -> Iterator[dict[str, Any]]:
        """The refining grid: round k gives each continuous parameter the midpoints of
        2**j equal cells of its CDF for every j <= k, and yields the configs in which
        some active continuous parameter takes a point new in round k."""
        encoding = UnitEncoding(self.space, choices="index")
        continuous = {p.name for p in self.space if not p.is_finite}
        for k in itertools.count():
            level: dict[str, dict[Any, int]] = {}

            def values(param: Parameter, k: int = k,
                       level: dict[str, dict[Any, int]] = level) -> Iterable[Any]:
                if param.name not in continuous:
                    return param.grid_values()
                points = level.setdefault(param.name, {})
                if not points:
                    for j in range(k + 1):
                        for i in range(2**j):
                            points.setdefault(
                                encoding.decode_value(param, (i + 0.5) / 2**j), j)
                return list(points)

            yielded = False
            for config in self.space.grid(values):
                if k == 0 or any(level[name].get(value) == k for name, value in config.items()
                                 if name in continuous):
                    yielded = True
                    yield config
            if k > 0 and not yielded:
                return  # no new point is reachable (a range too narrow to split, or the
                # continuous parameters are never active): the space is used up
