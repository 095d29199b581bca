"""`PBT`, population based training (Jaderberg et al., "Population Based Training of
Neural Networks", 2017): a population trains in generations of `interval` budget; after
each generation, the worst `quantile` of it copies the checkpoint of a member of the best
`quantile` (exploit) and continues with that member's hyperparameters perturbed (explore).

Every member's generation is a trial whose `parent` is the checkpoint it continues, so a
trial loads `load_checkpoint_dir()` and trains from `get_previous_budget()` to
`get_budget()` exactly as under Hyperband. Generations are synchronous: the next starts
once every member of the last has reported, which keeps the population's ranking (and
a resumed run) exact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..space import Boolean, Choice, Fixed, Float, Int, Normal, UnitEncoding
from ..states import TrialState
from ..tuners import Tuner
from ._base import Job, Scheduler, _Config, check_positive
from ._plan import Bracket, BudgetPlan, Rung


class PBT(Scheduler):
    """Population based training.

    Args:
        tuner: Proposes the first generation.
        max_budget: The budget each member trains up to in the end.
        interval: The budget of one generation (between exploit/explore steps).
        population_size: Members trained side by side.
        quantile: Share of the population that is replaced (the worst) and that is copied
            from (the best).
        resample_probability: Chance that a perturbed parameter is drawn afresh from the
            search space instead of being nudged.
        factors: A numeric parameter is multiplied by one of these; a choice moves to a
            neighbouring value.
        integer_budget: Round budgets to whole numbers; default: when `max_budget` and
            `interval` are whole.
    """

    name = "pbt"

    def __init__(self, tuner: Tuner, *, max_budget: float, interval: float,
                 population_size: int = 8, quantile: float = 0.25,
                 resample_probability: float = 0.25,
                 factors: tuple[float, ...] | list[float] = (0.8, 1.2),
                 integer_budget: bool | None = None) -> None:
        super().__init__(tuner)
        check_positive("pbt", "max_budget", max_budget)
        check_positive("pbt", "interval", interval)
        check_positive("pbt", "population_size", population_size, integer=True, minimum=2,
                       open_low=False)
        if not (isinstance(quantile, (int, float)) and 0 < quantile <= 0.5):
            raise ConfigError(f"pbt option `quantile` must be in (0, 0.5], but got {quantile!r}.")
        if not (isinstance(resample_probability, (int, float)) and 0 <= resample_probability <= 1):
            raise ConfigError("pbt option `resample_probability` must be in [0, 1], but got "
                              f"{resample_probability!r}.")
        factors = tuple(factors)
        if not factors or not all(isinstance(f, (int, float)) and f > 0 for f in factors):
            raise ConfigError(f"pbt option `factors` must be positive numbers, but got {factors!r}.")
        self.max_budget, self.interval = max_budget, interval
        self.population_size, self.quantile = population_size, quantile
        self.resample_probability, self.factors = float(resample_probability), factors
        self.integer_budget = (float(max_budget).is_integer() and float(interval).is_integer()
                               if integer_budget is None else integer_budget)
        self.generations = max(1, math.ceil(max_budget / interval - 1e-9))
        self._encoding = UnitEncoding(tuner.space, choices="index")
        # job id of each member in each generation (None: not launched yet)
        self._members: list[list[int | None]] = [[None] * population_size
                                                  for _ in range(self.generations)]

    def budget(self, generation: int) -> float:
        b = min((generation + 1) * self.interval, self.max_budget)
        return float(max(1, round(b))) if self.integer_budget else float(b)

    def plan(self) -> BudgetPlan:
        rungs = tuple(Rung(self.population_size, self.budget(g),
                           self.budget(g - 1) if g else 0.0) for g in range(self.generations))
        return BudgetPlan("pbt", (Bracket(0, rungs),))

    # -- asking -----------------------------------------------------------------------
    def _next(self) -> Job | None:
        g = self._generation()
        if g is None:
            self._finish(f"PBT trained its population of {self.population_size} for "
                         f"{self.generations} generations")
            return None
        slots = self._members[g]
        if None not in slots:
            return None  # the generation is running: wait for all of it
        m = slots.index(None)
        if g == 0:
            config = self._new_config()
            if config is None:
                if m == 0:
                    self._finish(self.message or "the search space is exhausted")
                else:  # a smaller population: what the space allowed
                    self.population_size = m
                    for row in self._members:
                        del row[m:]
                return None
            job = self._job(config, self.budget(0), None, 0, 0)
        else:
            config, parent = self._exploit_or_continue(g - 1, m)
            job = self._job(config, self.budget(g), parent, 0, g)
        slots[m] = job.id
        return job

    def _generation(self) -> int | None:
        """The first generation with a member not launched or not finished; None at the
        end. (Generation g + 1 only starts once all of g has finished.)"""
        for g, slots in enumerate(self._members):
            if any(j is None or j not in self.results for j in slots):
                return g
        return None

    def _exploit_or_continue(self, g: int, m: int) -> tuple[int, Job]:
        """Member m's (configuration, job to continue) after generation g: its own if it
        ranks above the worst `quantile`, else a perturbed copy of one of the best."""
        ids = [j for j in self._members[g] if j is not None]
        ranked = sorted(ids, key=self._rank_key)
        k = max(1, int(len(ranked) * self.quantile))
        own = self.jobs[ids[m]]
        if len(ranked) <= k or own.id not in ranked[-k:]:
            return own.config, own
        rng = np.random.default_rng([self.tuner.seed, 104729, g, m])
        source = self.jobs[ranked[int(rng.integers(k))]]
        params = self._explore(source.params, rng)
        tuner_id = self.tuner.observe(params, None, state=TrialState.RUNNING)
        self._configs.append(_Config(params, tuner_id))
        return len(self._configs) - 1, source

    def _explore(self, params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
        """`params` perturbed: each parameter nudged (numbers times a factor, choices to a
        neighbour) or, with `resample_probability`, drawn afresh."""
        space = self.tuner.space
        config = space.from_params(params)
        u = self._encoding.encode(config)
        prior = self._encoding.encode(space.sample(rng))
        for param in space:
            dims = self._encoding.slices[param.name]
            if dims.stop == dims.start or isinstance(param, Fixed):
                continue
            d = dims.start
            if param.name not in config:
                u[d] = prior[d]  # inactive now: a fresh value in case it becomes active
            elif rng.random() < self.resample_probability:
                u[d] = prior[d]
            elif isinstance(param, (Float, Int, Normal)):
                value = config[param.name] * float(self.factors[int(rng.integers(len(self.factors)))])
                if isinstance(param, (Float, Int)):
                    value = min(max(value, param.low), param.high)
                if isinstance(param, Int):
                    value = round(value)
                try:
                    u[d] = float(np.clip(self._encoding.encode_value(param, value), 0, 1))
                except (ValueError, TypeError, KeyError):
                    u[d] = prior[d]
            elif isinstance(param, (Choice, Boolean)):
                n = len(param.values) if isinstance(param, Choice) else 2
                i = min(int(u[d] * n), n - 1)
                j = i + (1 if rng.random() < 0.5 else -1)
                if not 0 <= j < n:  # at an end: the only neighbour
                    j = i - 1 if j >= n else i + 1
                u[d] = (min(max(j, 0), n - 1) + 0.5) / n
        return space.to_params(self._encoding.decode(u))

    # -- results ----------------------------------------------------------------------
    def _restore_job(self, job: Job) -> None:
        if job.rung is None:
            return
        slots = self._members[job.rung]
        slots[slots.index(None)] = job.id
