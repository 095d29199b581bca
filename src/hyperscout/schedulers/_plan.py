"""`BudgetPlan`: what a multi-fidelity run will spend, before it starts.

Keras Tuner and NNI users cannot predict what Hyperband will spend; this is printed
before a run starts and by ``hyperscout plan``: per bracket and rung, how many
configurations get how much resource, the totals, and where ``max_trials`` cuts it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    """`configs` configurations trained up to `budget`, continuing from `previous_budget`."""

    configs: int
    budget: float
    previous_budget: float = 0.0


@dataclass(frozen=True)
class Bracket:
    index: int
    rungs: tuple[Rung, ...]

    @property
    def trials(self) -> int:
        return sum(r.configs for r in self.rungs)

    @property
    def resource(self) -> float:
        """Resource spent when promoted trials continue from their parent's checkpoint."""
        return sum(r.configs * (r.budget - r.previous_budget) for r in self.rungs)

    @property
    def resource_restarting(self) -> float:
        """Resource spent when every trial trains from scratch."""
        return sum(r.configs * r.budget for r in self.rungs)


@dataclass(frozen=True)
class BudgetPlan:
    """The brackets of a run (one per bracket and iteration), and what caps it.

    `open_ended` plans (ASHA) have no fixed end: they list their rungs, and the run goes
    on until `max_trials`, `max_duration` or the search space ends it."""

    scheduler: str
    brackets: tuple[Bracket, ...]
    unit: str = "budget"
    open_ended: bool = False

    @property
    def trials(self) -> int:
        return sum(b.trials for b in self.brackets)

    @property
    def resource(self) -> float:
        return sum(b.resource for b in self.brackets)

    @property
    def resource_restarting(self) -> float:
        return sum(b.resource_restarting for b in self.brackets)

    def render(self, max_trials: int | None = None, max_duration: float | None = None) -> str:
        """The plan as a table, with the totals and what `max_trials` / `max_duration` do."""
        lines = [f"{self.scheduler} plan ({self.unit} per trial):"]
        lines.append(f"  {'bracket':>7}  {'rung':>4}  {'configs':>7}  {self.unit:>10}  "
                     f"{'from':>8}")
        for bracket in self.brackets:
            for i, rung in enumerate(bracket.rungs):
                lines.append(f"  {bracket.index if i == 0 else '':>7}  {i:>4}  "
                             f"{rung.configs if not self.open_ended else '-':>7}  "
                             f"{_num(rung.budget):>10}  {_num(rung.previous_budget):>8}")
        if self.open_ended:
            lines.append("  rungs fill as results arrive; the run ends at max_trials, "
                         "max_duration or when the search space is exhausted")
            lines.append(_caps(max_trials, max_duration, None))
            return "\n".join(lines)
        lines.append(f"  total: {self.trials} trials, {_num(self.resource)} {self.unit} when "
                     f"promoted trials continue from checkpoints "
                     f"({_num(self.resource_restarting)} if every trial starts from scratch)")
        lines.append(_caps(max_trials, max_duration, self))
        return "\n".join(lines)

    def cut_at(self, max_trials: int) -> tuple[int, float]:
        """(trials, resource) run before `max_trials` stops the plan, taking trials in
        plan order (a bracket's rungs in turn)."""
        trials, resource = 0, 0.0
        for bracket in self.brackets:
            for rung in bracket.rungs:
                take = min(rung.configs, max_trials - trials)
                trials += take
                resource += take * (rung.budget - rung.previous_budget)
                if trials >= max_trials:
                    return trials, resource
        return trials, resource


def _caps(max_trials: int | None, max_duration: float | None, plan: BudgetPlan | None) -> str:
    parts = []
    if max_trials is None:
        parts.append("no max_trials")
    elif plan is None:
        parts.append(f"max_trials={max_trials} ends it after {max_trials} trials")
    elif max_trials >= plan.trials:
        parts.append(f"max_trials={max_trials} does not cut it")
    else:
        trials, resource = plan.cut_at(max_trials)
        parts.append(f"max_trials={max_trials} cuts it to about {trials} trials and "
                     f"{_num(resource)} {plan.unit} ({100 * resource / plan.resource:.0f}% of "
                     "the plan)")
    if max_duration is not None:
        parts.append(f"max_duration={max_duration:g}s may end it sooner")
    return "  " + "; ".join(parts)


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.3g}"
