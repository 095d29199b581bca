"""`Hyperband` (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018): brackets of
synchronous successive halving that trade many configurations on a small budget against
few on a large one.

With maximum budget R (in units of the minimum budget) and reduction factor eta there are
s_max + 1 brackets, s_max = floor(log_eta R). Bracket s starts
n = ceil((s_max + 1) / (s + 1) * eta^s) configurations at budget r = R * eta^-s; rung i
of it runs floor(n * eta^-i) of them at r * eta^i, the best of the rung before. Each
promoted trial continues its parent's checkpoint when the trial keeps one.

Two faces over this one algorithm: Keras Tuner's (`max_epochs`, `factor`,
`hyperband_iterations`) and NNI's (`R`, `eta`); `create_scheduler` maps both names.
``brackets="keras_tuner"`` sizes the brackets as Keras Tuner 1.4 documents and does (see
`keras_tuner_brackets`), so a search moved from it spends the same epochs on the same
number of trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..tuners import Tuner
from ._base import Job, Scheduler, check_positive
from ._plan import Bracket, BudgetPlan, Rung

_EPS = 1e-9  # log_eta R is computed in floating point: 81 = 3^4 must give 4, not 3.999


@dataclass
class _BracketState:
    index: int
    s: int
    sizes: list[int]  # configurations per rung (cut when the space runs out)
    budgets: list[float]
    rungs: list[list[int]] = field(default_factory=list)  # job ids per rung
    promote: list[list[int]] = field(default_factory=list)  # per rung: parents still to launch
    done: bool = False
    planned: list[int] = field(default_factory=list)  # the plan's sizes, never cut

    def __post_init__(self) -> None:
        self.planned = list(self.sizes)


def hyperband_brackets(max_budget: float, eta: float, min_budget: float = 1.0
                       ) -> list[tuple[int, list[int], list[float]]]:
    """The paper's brackets, largest s first: (s, configs per rung, budget per rung)."""
    ratio = max_budget / min_budget
    s_max = math.floor(math.log(ratio) / math.log(eta) + _EPS)
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s - _EPS)
        r = max_budget * eta ** (-s)
        sizes = [math.floor(n * eta ** (-i) + _EPS) for i in range(s + 1)]
        out.append((s, sizes, [r * eta**i for i in range(s + 1)]))
    return out


def keras_tuner_brackets(max_budget: float, eta: float, min_budget: float = 1.0
                         ) -> list[tuple[int, list[int], list[float]]]:
    """Keras Tuner's sizing of the same brackets, largest s first.

    The brackets and their order are the paper's; what differs is rounding. A bracket's
    last rung holds ceil(1 + log_eta R) / (s + 1) configurations (the paper: s_max + 1,
    from the floored log), each rung before it eta times more, rounded up (the paper
    rounds down); budgets are R * eta^-k rounded up to whole units. When R is not a power
    of eta this trains more configurations for longer: for max_epochs=10, factor=3, 30
    trials and 120 epochs against the paper's 22 and 74.
    """
    ratio = max_budget / min_budget
    log_ratio = math.log(ratio) / math.log(eta)
    s_max = math.floor(log_ratio + _EPS)
    end = math.ceil(1 + log_ratio - _EPS)
    out = []
    for s in range(s_max, -1, -1):
        sizes = [math.ceil(end / (s + 1) * eta ** (s - i) - _EPS) for i in range(s + 1)]
        budgets = [max(min_budget, max_budget * eta ** (i - s)) for i in range(s + 1)]
        out.append((s, sizes, budgets))
    return out


_BRACKETS = {"paper": hyperband_brackets, "keras_tuner": keras_tuner_brackets}


class Hyperband(Scheduler):
    """Hyperband over the tuner's configurations.

    Args:
        tuner: Proposes each bracket's new configurations.
        max_budget: R, the most resource one configuration gets (epochs, ...).
        eta: The reduction factor: each rung keeps the best 1/eta.
        min_budget: The least resource a configuration gets (R is counted in its units).
        iterations: How many times the whole set of brackets runs.
        integer_budget: Round budgets to whole numbers (epochs); default: when
            `max_budget` and `min_budget` are whole.
        brackets: How brackets are sized: ``"paper"`` (Li et al., the default) or
            ``"keras_tuner"`` (Keras Tuner's rounding, more and longer trials when
            `max_budget` is not a power of `eta`; what ``hyperscout.keras.Hyperband``
            uses).

    When the brackets in hand all wait for their rungs to finish and a worker is free, the
    next bracket starts early, so concurrent workers never idle at a barrier.
    """

    name = "hyperband"

    def __init__(self, tuner: Tuner, *, max_budget: float, eta: float = 3,
                 min_budget: float = 1, iterations: int = 1,
                 integer_budget: bool | None = None, brackets: str = "paper") -> None:
        super().__init__(tuner)
        check_positive("hyperband", "max_budget", max_budget)
        check_positive("hyperband", "eta", eta, minimum=1.0)
        check_positive("hyperband", "min_budget", min_budget)
        check_positive("hyperband", "iterations", iterations, integer=True, minimum=1,
                       open_low=False)
        if min_budget > max_budget:
            raise _config_error(f"`min_budget` ({min_budget}) must not exceed `max_budget` "
                                f"({max_budget}).")
        self.max_budget, self.eta, self.min_budget = max_budget, eta, min_budget
        self.iterations = iterations
        if brackets not in _BRACKETS:
            raise _config_error(f"`brackets` must be one of {', '.join(map(repr, _BRACKETS))}, "
                                f"but got {brackets!r}.")
        self.brackets = brackets
        self.integer_budget = (float(max_budget).is_integer() and float(min_budget).is_integer()
                               if integer_budget is None else integer_budget)
        self._brackets: list[_BracketState] = []
        for it in range(iterations):
            for s, sizes, budgets in _BRACKETS[brackets](max_budget, eta, min_budget):
                index = len(self._brackets)
                budgets = [self._round(b) for b in budgets]
                self._brackets.append(_BracketState(index, s, sizes, budgets,
                                                    [[] for _ in sizes], [[] for _ in sizes]))
        self._rung_of: dict[int, tuple[int, int]] = {}

    def _round(self, budget: float) -> float:
        if not self.integer_budget:
            return budget
        whole = math.ceil(budget - _EPS) if self.brackets == "keras_tuner" else round(budget)
        return float(min(max(1, whole), self.max_budget))

    def plan(self) -> BudgetPlan:
        brackets = []
        for b in self._brackets:
            rungs = tuple(Rung(n, r, b.budgets[i - 1] if i else 0.0)
                          for i, (n, r) in enumerate(zip(b.sizes, b.budgets)))
            brackets.append(Bracket(b.index, rungs))
        return BudgetPlan("hyperband", tuple(brackets))

    # -- asking -----------------------------------------------------------------------
    def _next(self) -> Job | None:
        for bracket in self._brackets:
            if bracket.done:
                continue
            job = self._next_in(bracket)
            if job is not None:
                return job
        if all(b.done for b in self._brackets):
            self._finish("every Hyperband bracket has run")
        return None

    def _next_in(self, b: _BracketState) -> Job | None:
        rung = self._current_rung(b)
        if rung is None:
            return None
        if rung == 0:
            if len(b.rungs[0]) >= b.sizes[0]:
                return None
            config = self._new_config()
            if config is None:  # exhausted: the bracket goes on with the configs it has
                if not b.rungs[0]:
                    b.done = True
                    return None
                b.sizes[0] = len(b.rungs[0])
                self._check_rung(b, 0)  # the rung may be complete now: promote from it
                return None if b.done else self._next_in(b)
            job = self._job(config, b.budgets[0], None, b.index, 0)
        else:
            if not b.promote[rung]:
                return None
            parent = self.jobs[b.promote[rung].pop(0)]
            job = self._job(parent.config, b.budgets[rung], parent, b.index, rung)
        b.rungs[rung].append(job.id)
        self._rung_of[job.id] = (b.index, rung)
        return job

    def _current_rung(self, b: _BracketState) -> int | None:
        """The highest rung that has begun (the only one that can still take jobs)."""
        for i in range(len(b.rungs) - 1, -1, -1):
            if b.rungs[i] or b.promote[i]:
                return i
        return 0

    # -- results ----------------------------------------------------------------------
    def _restore_job(self, job: Job) -> None:
        if job.bracket is None or job.rung is None:
            return  # an adopted job: no bracket
        b = self._brackets[job.bracket]
        b.rungs[job.rung].append(job.id)
        self._rung_of[job.id] = (job.bracket, job.rung)

    def _on_result(self, job: Job, replay: bool = False) -> None:
        where = self._rung_of.get(job.id)
        if where is not None:
            self._check_rung(self._brackets[where[0]], where[1], replay)

    def _check_rung(self, b: _BracketState, rung: int, replay: bool = False) -> None:
        """Once every job of `rung` has ended, pick the ones the next rung promotes."""
        ids = b.rungs[rung]
        if len(ids) < b.sizes[rung] or any(i not in self.results for i in ids):
            return
        if rung + 1 >= len(b.rungs):
            b.done = True
            return
        if b.rungs[rung + 1] and not replay:
            return  # already promoted
        ranked = sorted(ids, key=self._rank_key)
        valid = [i for i in ranked if self.results[i] is not None]
        planned = b.sizes[rung + 1]
        if len(ids) < b.planned[rung]:  # a short rung (exhausted space): keep 1/eta
            planned = min(planned, max(1, int(len(ids) / self.eta + _EPS)))
        chosen = valid[:planned]
        if not chosen:
            b.done = True
            return
        b.sizes[rung + 1] = len(chosen)
        launched = {self.jobs[i].parent for i in b.rungs[rung + 1]}
        b.promote[rung + 1] = [i for i in chosen if i not in launched]


def _config_error(message: str) -> Exception:
    from ..errors import ConfigError

    return ConfigError(f"hyperband: {message}")
