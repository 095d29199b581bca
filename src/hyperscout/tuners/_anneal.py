"""`AnnealTuner`: annealing search (the strategy of NNI's and Hyperopt's ``anneal``).

Each suggestion picks a good earlier trial (by rank, the best most likely) and draws every
parameter close to that trial's value, with a neighbourhood that shrinks as trials
accumulate: wide early (close to random search), narrow late (local refinement). Numbers
move by a Gaussian step in the space's unit encoding (where each prior is uniform); a
choice keeps its value with a probability that grows the same way. Cheap, model-free,
and strong on smooth low-dimensional problems with a modest budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ..space import Boolean, Choice, Fixed, UnitEncoding
from ._base import Tuner


class AnnealTuner(Tuner):
    """Annealing around good trials (NNI name ``Anneal``).

    Args:
        space, direction, seed: as for every `Tuner`.
        n_startup_trials: random trials before annealing starts.
        avg_best_idx: mean rank (0 = best) of the trial a suggestion starts from; ranks are
            drawn from an exponential distribution with this mean.
        shrink_coef: how fast the neighbourhood narrows: after n results its width (the
            standard deviation of a step, as a fraction of the range) is
            ``1 / (1 + shrink_coef * n) ** 2``: 0.25 after 10 results, 0.02 after 60.
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 n_startup_trials: int = 5, avg_best_idx: float = 2.0,
                 shrink_coef: float = 0.1) -> None:
        super().__init__(space, direction=direction, seed=seed)
        if isinstance(n_startup_trials, bool) or not isinstance(n_startup_trials, int) \
                or n_startup_trials < 1:
            raise ConfigError("Anneal option `n_startup_trials` must be a whole number >= 1, "
                              f"but got {n_startup_trials!r}.")
        for name, value in (("avg_best_idx", avg_best_idx), ("shrink_coef", shrink_coef)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"Anneal option `{name}` must be a number > 0, but got {value!r}.")
        self.n_startup_trials = n_startup_trials
        self.avg_best_idx = float(avg_best_idx)
        self.shrink_coef = float(shrink_coef)
        self._encoding = UnitEncoding(self.space, choices="index")

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        scored = [t for t in self.trials if t.value is not None]
        if len(scored) < self.n_startup_trials:
            return self.space.sample(rng)
        sign = 1.0 if self.direction == "maximize" else -1.0
        ranked = sorted(scored, key=lambda t: (-sign * t.value, t.id))  # type: ignore[operator]
        rank = min(int(rng.exponential(self.avg_best_idx)), len(ranked) - 1)
        x = self._encoding.encode(ranked[rank].config)
        width = 1.0 / (1.0 + self.shrink_coef * len(scored)) ** 2
        column = 0
        for param in self.space:
            if isinstance(param, Fixed):
                continue
            if param.name not in ranked[rank].config:  # inactive there: any value
                x[column] = rng.random()
            elif isinstance(param, (Choice, Boolean)):
                if rng.random() < width:  # re-draw a choice with the neighbourhood's odds
                    x[column] = rng.random()
            else:
                x[column] = float(np.clip(x[column] + rng.normal(0.0, width), 0.0, 1.0))
            column += 1
        return self._encoding.decode(x)
