"""`ASHA`, asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur,
Hardt, Recht & Talwalkar, MLSys 2020): successive halving without a barrier, for many
workers.

Rung k trains configurations up to min_budget * eta^k, and the top rung (k = log_eta
(max_budget / min_budget), rounded) up to max_budget, so its step is between sqrt(eta)
and eta^1.5. Whenever a worker
is free, the highest rung that has a configuration in its top 1/eta (of the results it
holds so far) not yet promoted promotes it to the next rung; if there is none, a new
configuration starts in rung 0. A promotion may come later than the synchronous
algorithm's would, and a mistaken one is never undone, but no worker ever waits.
"""

from __future__ import annotations

import math

from ..tuners import Tuner
from ._base import Job, Scheduler, check_positive
from ._plan import Bracket, BudgetPlan, Rung

_EPS = 1e-9


class ASHA(Scheduler):
    """Asynchronous successive halving.

    Args:
        tuner: Proposes the new configurations of rung 0.
        max_budget: The most resource one configuration gets (the top rung).
        min_budget: The resource of rung 0 (Ray Tune's ``grace_period``).
        eta: The reduction factor: a rung promotes its best 1/eta.
        integer_budget: Round budgets to whole numbers (epochs); default: when
            `max_budget` and `min_budget` are whole.
    """

    name = "asha"

    def __init__(self, tuner: Tuner, *, max_budget: float, min_budget: float = 1,
                 eta: float = 3, integer_budget: bool | None = None) -> None:
        super().__init__(tuner)
        check_positive("asha", "max_budget", max_budget)
        check_positive("asha", "min_budget", min_budget)
        check_positive("asha", "eta", eta, minimum=1.0)
        if min_budget > max_budget:
            from ..errors import ConfigError

            raise ConfigError(f"asha: `min_budget` ({min_budget}) must not exceed "
                              f"`max_budget` ({max_budget}).")
        self.max_budget, self.min_budget, self.eta = max_budget, min_budget, eta
        self.integer_budget = (float(max_budget).is_integer() and float(min_budget).is_integer()
                               if integer_budget is None else integer_budget)
        top = math.floor(math.log(max_budget / min_budget) / math.log(eta) + 0.5)
        budgets = [min_budget * eta**k for k in range(top)] + [max_budget]
        self.budgets = [float(max(1, round(b))) if self.integer_budget else b for b in budgets]
        self._rungs: list[list[int]] = [[] for _ in self.budgets]
        self._promoted: list[set[int]] = [set() for _ in self.budgets]  # job ids moved up

    def plan(self) -> BudgetPlan:
        rungs = tuple(Rung(0, b, self.budgets[k - 1] if k else 0.0)
                      for k, b in enumerate(self.budgets))
        return BudgetPlan("asha", (Bracket(0, rungs),), open_ended=True)

    def _next(self) -> Job | None:
        for k in range(len(self._rungs) - 2, -1, -1):
            parent = self._promotable(k)
            if parent is not None:
                self._promoted[k].add(parent)
                job = self._job(self.jobs[parent].config, self.budgets[k + 1],
                                self.jobs[parent], 0, k + 1)
                self._rungs[k + 1].append(job.id)
                return job
        config = self._new_config()
        if config is None:
            return None
        job = self._job(config, self.budgets[0], None, 0, 0)
        self._rungs[0].append(job.id)
        return job

    def _promotable(self, k: int) -> int | None:
        """The best job of rung `k` in the rung's top 1/eta that is not promoted yet."""
        ended = [i for i in self._rungs[k] if i in self.results]
        top = sorted(ended, key=self._rank_key)[: int(len(ended) / self.eta + _EPS)]
        for job_id in top:
            if self.results[job_id] is not None and job_id not in self._promoted[k]:
                return job_id
        return None

    def _restore_job(self, job: Job) -> None:
        if job.rung is None:
            return
        self._rungs[job.rung].append(job.id)
        if job.parent is not None and job.rung > 0:
            self._promoted[job.rung - 1].add(job.parent)
