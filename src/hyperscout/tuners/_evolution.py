"""`EvolutionTuner`: regularized (aging) evolution (Real, Aggarwal, Huang & Le, "Regularized
Evolution for Image Classifier Architecture Search", AAAI 2019).

The population is the `population_size` most recently finished trials: the oldest dies as
each new one arrives, whatever its value, which keeps the search from clinging to a lucky
early result. Each suggestion runs a tournament over `sample_size` random members and
mutates the winner in exactly one active parameter. Mutation works in the space's unit
encoding (where each parameter's prior is uniform): a number moves by a Gaussian step or is
redrawn from its prior, a choice takes another value. Parameters that a mutation activates
are drawn from their priors, and those it deactivates are dropped, so every child is a
valid config of a conditional space.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ..space import Boolean, Choice, Fixed, UnitEncoding
from ._base import Tuner, TunerTrial


class EvolutionTuner(Tuner):
    """Regularized evolution with tournament selection (NNI name ``Evolution``).

    Args:
        space, direction, seed: as for every `Tuner`.
        population_size: how many of the latest finished trials form the population; the
            first this many trials are random.
        sample_size: tournament size: the best of this many random members is the parent
            (default 5, or `population_size` when that is smaller).
        mutation_scale: standard deviation of a numeric step, as a fraction of the range.

    Example:
        >>> tuner = EvolutionTuner({"x": {"_type": "uniform", "_value": [-5, 5]}}, seed=0,
        ...                        direction="minimize", population_size=10, sample_size=3)
        >>> for _ in range(60):
        ...     s = tuner.ask()
        ...     tuner.tell(s.id, (s.params["x"] - 1.0) ** 2)
        >>> abs(tuner.best.params["x"] - 1.0) < 0.2
        True
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 population_size: int = 20, sample_size: int | None = None,
                 mutation_scale: float = 0.1) -> None:
        super().__init__(space, direction=direction, seed=seed)
        if sample_size is None:  # 5, or the whole population when it is smaller
            sample_size = min(5, population_size) if isinstance(population_size, int) else 5
        for name, value in (("population_size", population_size), ("sample_size", sample_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"Evolution option `{name}` must be a whole number >= 1, but got {value!r}.")
        if sample_size > population_size:
            raise ConfigError(
                f"Evolution option `sample_size` ({sample_size}) must be <= `population_size` "
                f"({population_size}): a tournament draws from the population.")
        if isinstance(mutation_scale, bool) or not isinstance(mutation_scale, (int, float)) \
                or not 0 < mutation_scale <= 1:
            raise ConfigError(
                f"Evolution option `mutation_scale` must be in (0, 1], but got {mutation_scale!r}.")
        self.population_size = population_size
        self.sample_size = sample_size
        self.mutation_scale = float(mutation_scale)
        self._encoding = UnitEncoding(self.space, choices="index")
        self._columns = {}
        column = 0
        for param in self.space:
            if not isinstance(param, Fixed):
                self._columns[param.name] = column
                column += 1

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        population = self._population()
        if len(population) < self.population_size or not self._columns:
            return self.space.sample(rng)
        contenders = rng.choice(len(population), size=self.sample_size, replace=False)
        sign = 1.0 if self.direction == "maximize" else -1.0
        parent = max((population[i] for i in contenders),
                     key=lambda t: (sign * t.value, -t.id))  # type: ignore[operator]
        return self._mutate(parent.config, rng)

    def _population(self) -> list[TunerTrial]:
        """The latest finished trials with a value, oldest first (aging: the rest died)."""
        scored = [t for t in self.trials if t.value is not None]
        return scored[-self.population_size:]

    def _mutate(self, config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        mutable = [n for n in config if n in self._columns]
        if not mutable:
            return self.space.sample(rng)
        name = mutable[int(rng.integers(len(mutable)))]
        x = self._encoding.encode(config)
        column = self._columns[name]
        param = self.space[name]
        if isinstance(param, (Choice, Boolean)):
            n = len(param.values) if isinstance(param, Choice) else 2
            current = min(int(x[column] * n), n - 1)
            other = (current + 1 + int(rng.integers(n - 1))) % n if n > 1 else current
            x[column] = (other + 0.5) / n
        elif rng.random() < 0.5:
            x[column] = float(np.clip(x[column] + rng.normal(0.0, self.mutation_scale), 0, 1))
        else:
            x[column] = rng.random()
        child = self._encoding.decode(x)
        for new in set(child) - set(config):  # newly active: drawn from its prior
            if new in self._columns:
                x[self._columns[new]] = rng.random()
        return self._encoding.decode(x)
