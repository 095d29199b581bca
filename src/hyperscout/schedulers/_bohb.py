"""`BOHB` (Falkner, Klein & Hutter, "BOHB: Robust and Efficient Hyperparameter
Optimization at Scale", ICML 2018): Hyperband whose new configurations come from a model.

Each new configuration of a bracket is, with probability `random_fraction`, the tuner's
(random search by default, as in the paper); otherwise it is proposed by hyperscout's
TPE fitted on the results at the largest budget that has enough of them (at least the
number of parameters + 2): the most trustworthy fidelity that is already informative.
Everything else is Hyperband: brackets, rungs, promotions, checkpoint hand-over.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..states import TrialState
from ..tuners import TPETuner, Tuner
from ._base import _Config, check_positive
from ._hyperband import Hyperband
from ._plan import BudgetPlan


class BOHB(Hyperband):
    """Hyperband with a TPE model per budget.

    Args:
        tuner, max_budget, eta, min_budget, iterations, integer_budget, brackets: as for
            `Hyperband`.
        random_fraction: Share of new configurations drawn by the tuner instead of the
            model (keeps exploring; the paper's rho, 1/3).
        min_points: Results a budget needs before its model is used (default: number of
            parameters + 2, the paper's N_min + 1).
        gamma: Share of a budget's results that form TPE's good group (the paper's 15%).
    """

    name = "bohb"

    def __init__(self, tuner: Tuner, *, max_budget: float, eta: float = 3,
                 min_budget: float = 1, iterations: int = 1,
                 integer_budget: bool | None = None, brackets: str = "paper",
                 random_fraction: float = 1 / 3, min_points: int | None = None,
                 gamma: float = 0.15) -> None:
        super().__init__(tuner, max_budget=max_budget, eta=eta, min_budget=min_budget,
                         iterations=iterations, integer_budget=integer_budget,
                         brackets=brackets)
        if not (isinstance(random_fraction, (int, float)) and 0 <= random_fraction <= 1):
            from ..errors import ConfigError

            raise ConfigError(f"bohb option `random_fraction` must be a number in [0, 1], "
                              f"but got {random_fraction!r}.")
        check_positive("bohb", "gamma", gamma)
        if min_points is not None:
            check_positive("bohb", "min_points", min_points, integer=True, minimum=2,
                           open_low=False)
        self.random_fraction = float(random_fraction)
        self.gamma = gamma
        self.min_points = min_points if min_points is not None else len(tuner.space) + 2

    def plan(self) -> BudgetPlan:
        plan = super().plan()
        return BudgetPlan("bohb", plan.brackets, plan.unit)

    def _new_config(self) -> int | None:
        if self._exhausted:
            return None
        rng = np.random.default_rng([self.tuner.seed, 7919, len(self._configs)])
        data = self._model_data()
        if data is None or rng.random() < self.random_fraction:
            return super()._new_config()
        model = TPETuner(self.tuner.space, direction=self.direction,
                         seed=int(rng.integers(2**31)), n_startup_trials=1, gamma=self.gamma)
        for params, value in data:
            model.observe(params, value)
        for config in self._configs:  # configurations running now count as tried
            if not config.told:
                model.observe(config.params, None, state=TrialState.RUNNING)
        try:
            params = model.ask().params
        except Exception:  # noqa: BLE001 - the model ran out: the tuner proposes instead
            return super()._new_config()
        if self.tuner._is_visited(self.tuner.space.from_params(params)):
            return super()._new_config()
        tuner_id = self.tuner.observe(params, None, state=TrialState.RUNNING)
        self._configs.append(_Config(dict(params), tuner_id))
        return len(self._configs) - 1

    def _model_data(self) -> list[tuple[dict[str, Any], float]] | None:
        """(params, value) at the largest budget with at least `min_points` results."""
        by_budget: dict[float, list[tuple[dict[str, Any], float]]] = {}
        for job_id, value in self.results.items():
            job = self.jobs[job_id]
            if value is not None and job.budget is not None:
                by_budget.setdefault(job.budget, []).append((job.params, value))
        usable = [b for b, rows in by_budget.items() if len(rows) >= self.min_points]
        return by_budget[max(usable)] if usable else None
