"""`AutoTuner`: picks the algorithm from the search space and the results so far, and
switches as results arrive. All algorithms read one shared history, so a switch loses
nothing and replay after a crash gives the same choices.

The rule (checked before every suggestion):

1. up to 20 searchable parameters and fewer than `gp_max_results` results: ``gp``, the
   most sample-efficient on small budgets of expensive trials;
2. otherwise, when more than half of over 20 parameters are choices (a large discrete,
   architecture-like space): ``evolution``, which needs no model of a combinatorial space;
3. otherwise: ``tpe``, whose cost grows only linearly with the results.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..space import Boolean, Choice, Fixed
from ._base import Tuner
from ._evolution import EvolutionTuner
from ._gp import GPTuner
from ._tpe import TPETuner

GP_MAX_PARAMETERS = 20


class AutoTuner(Tuner):
    """The default tuner: GP, TPE or evolution by the rule in the module docstring.

    Args:
        space, direction, seed: as for every `Tuner`.
        gp_max_results: from this many results on, GP hands over to TPE.

    Example:
        >>> tuner = AutoTuner({"x": {"_type": "uniform", "_value": [0, 1]}}, seed=0)
        >>> tuner.algorithm
        'gp'
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 gp_max_results: int = 200) -> None:
        super().__init__(space, direction=direction, seed=seed)
        self.gp_max_results = gp_max_results
        searchable = [p for p in self.space if not isinstance(p, Fixed)]
        self._n_params = len(searchable)
        self._n_choices = sum(isinstance(p, (Choice, Boolean)) for p in searchable)
        self._delegates: dict[str, Tuner] = {}

    @property
    def algorithm(self) -> str:
        """The algorithm the next suggestion will come from."""
        n_results = sum(t.value is not None for t in self.trials)
        if self._n_params <= GP_MAX_PARAMETERS and n_results < self.gp_max_results:
            return "gp"
        if self._n_params > GP_MAX_PARAMETERS and self._n_choices * 2 > self._n_params:
            return "evolution"
        return "tpe"

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        return self._delegate(self.algorithm)._suggest(rng)

    def _on_tell(self, trial: Any) -> None:
        # the algorithm that will use this result sees it now (TPE encodes it on arrival)
        self._delegate(self.algorithm)._on_tell(trial)

    def _delegate(self, name: str) -> Tuner:
        if name not in self._delegates:
            cls = {"gp": GPTuner, "tpe": TPETuner, "evolution": EvolutionTuner}[name]
            tuner = cls(self.space, direction=self.direction, seed=self.seed)
            # one history for all: the delegate reads this tuner's trials and visited set
            tuner._trials = self._trials
            tuner._visited = self._visited
            self._delegates[name] = tuner
        return self._delegates[name]
