"""The markdown report of the black-box-optimisation benchmark, computed from the cache.

Per problem and budget: each competitor's median best loss over the seeds and its simple
regret (median best minus the optimum). Overall, per budget: the mean rank (rank by median
best on each problem, ties averaged, then averaged over problems) and the mean normalised
score, 100 * (R - m) / (R - optimum), where m is the competitor's median best and R that of
random search (hyperscout's) on the problem: 0 is random search, 100 the optimum, negative
is worse than random. A real task's optimum is the best loss any competitor found.

Everything above `KEEP_MARKER` is regenerated; hand-written analysis below it is kept.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for machine.py
import machine
from runner import Cache, best_at

KEEP_MARKER = "<!-- Everything below this line is written by hand and kept across runs. -->"
RANDOM_REFERENCE = ("hs-random", "hyperopt-random")  # the first one present is "random search"
FOCUS = "hs-tpe"  # the "where it loses" section is about this competitor
FOCUS_PEER = "optuna-tpe"
VERSIONED = (
    "hyperscout",
    "optuna",
    "hyperopt",
    "smac",
    "ConfigSpace",
    "hebo",
    "torch",
    "gpytorch",
    "scikit-learn",
    "numpy",
    "scipy",
    "pandas",
)


@dataclass
class Results:
    """What the tables are computed from.

    Attributes:
        problems: name -> known optimum or None, in report order.
        tuners: competitor names, in report order.
        seeds: competitor name -> the seeds it is planned for.
        budgets: ascending.
        best: (problem, tuner, budget) -> best loss of each finished seed.
        by_seed: the same, by seed.
        errors: (tuner, problem, seed) -> the error of a failed run.
    """

    problems: dict[str, float | None]
    tuners: list[str]
    seeds: dict[str, list[int]]
    budgets: list[int]
    best: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)
    by_seed: dict[tuple[str, str, int], dict[int, float]] = field(default_factory=dict)
    errors: dict[tuple[str, str, int], str] = field(default_factory=dict)
    optimum: dict[str, float | None] = field(default_factory=dict)

    def median(self, problem: str, tuner: str, budget: int) -> float | None:
        values = self.best.get((problem, tuner, budget))
        return statistics.median(values) if values else None


def collect(
    cache: Cache,
    problems: dict[str, float | None],
    tuners: list[str],
    seeds: dict[str, list[int]],
    budgets: list[int],
    budget_aware: Mapping[str, bool],
) -> Results:
    res = Results(problems, tuners, seeds, sorted(budgets))
    for p, known in problems.items():
        seen: list[float] = []
        for t in tuners:
            for s in seeds[t]:
                for b in res.budgets:
                    record = cache.result(p, t, b, s, budget_aware[t])
                    if record is None:
                        continue
                    if record["error"]:
                        res.errors[(t, p, s)] = record["error"]
                    value = best_at(record, b)
                    if value is not None:
                        res.best.setdefault((p, t, b), []).append(value)
                        res.by_seed.setdefault((p, t, b), {})[s] = value
                        seen.append(value)
        res.optimum[p] = known if known is not None else (min(seen) if seen else None)
    return res


# -- the figures --------------------------------------------------------------------------
def reference(res: Results) -> str | None:
    return next((t for t in RANDOM_REFERENCE if t in res.tuners), None)


def score(res: Results, problem: str, tuner: str, budget: int) -> float | None:
    """The normalised score: 0 = random search's median best, 100 = the optimum."""
    ref, opt = reference(res), res.optimum[problem]
    m = res.median(problem, tuner, budget)
    r = res.median(problem, ref, budget) if ref else None
    if m is None or r is None or opt is None or r - opt <= 0:
        return None
    return 100 * (r - m) / (r - opt)


def ranks(res: Results, budget: int) -> tuple[dict[str, float], list[str]]:
    """Mean rank per competitor, and the problems it is over.

    Ranked are the competitors with results on every problem, over all problems; a
    competitor still missing some (a run in progress, a failure) gets no rank. Early in a
    run, when none has them all, the ranking is over the problems every competitor with
    any result has finished."""
    done = {
        t: [p for p in res.problems if res.median(p, t, budget) is not None] for t in res.tuners
    }
    ranked = [t for t in res.tuners if len(done[t]) == len(res.problems)]
    if not ranked:
        ranked = [t for t in res.tuners if done[t]]
    problems = [p for p in res.problems if all(p in done[t] for t in ranked)]
    totals = dict.fromkeys(ranked, 0.0)
    for p in problems:
        medians = {t: res.median(p, t, budget) for t in ranked}
        for t, m in medians.items():
            below = sum(1 for v in medians.values() if v < m)
            ties = sum(1 for v in medians.values() if v == m)
            totals[t] += below + (ties + 1) / 2  # ties share the average of their ranks
    return ({t: v / len(problems) for t, v in totals.items()} if problems else {}), problems


def mean_score(res: Results, tuner: str, budget: int) -> tuple[float | None, int]:
    scores = [s for p in res.problems if (s := score(res, p, tuner, budget)) is not None]
    return (statistics.fmean(scores) if scores else None), len(scores)


# -- rendering ----------------------------------------------------------------------------
def render(
    res: Results,
    *,
    timing: list[dict[str, Any]],
    info: dict[str, Any],
    run_records: list[dict[str, Any]],
    unavailable: dict[str, str],
    previous: str | None,
) -> str:
    parts = [
        _header(res, info),
        _overall(res),
        _head_to_head(res),
        _focus(res),
        _timing(res, timing, run_records),
        *[_per_problem(res, b) for b in res.budgets],
        _failures(res, unavailable, timing),
        _method(res, info),
    ]
    kept = previous.split(KEEP_MARKER, 1)[1] if previous and KEEP_MARKER in previous else "\n"
    return "\n\n".join(parts) + "\n\n" + KEEP_MARKER + kept


def _header(res: Results, info: dict[str, Any]) -> str:
    mode = info["mode"]
    banner = (
        (
            "**QUICK RUN**: a smoke run with few problems, seeds and competitors; the "
            "figures are indicative only. The full benchmark is `python bench/bbo/run.py "
            "--full`.\n\n"
        )
        if mode == "quick"
        else ""
    )
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    seeds = sorted({len(s) for s in res.seeds.values()})
    slow = [t for t, s in res.seeds.items() if len(s) != max(seeds)]
    seed_line = f"{max(seeds)} per competitor" + (
        f" ({min(seeds)} for {', '.join(slow)})" if slow else ""
    )
    return f"""# Black-box optimisation: hyperscout's tuners against their peers ({mode})

Generated by `bench/bbo/run.py`; see [bench/README.md](../README.md). Every competitor
minimises the same problems in the same process, with the same budgets and seeds, through one
ask/tell loop; all runs are single-threaded (`OMP_NUM_THREADS=1`) and reproducible
(`PYTHONHASHSEED=0`).

{banner}- date: {info["date"]}
- command: `{info["command"]}`
- machine: {info["nproc"]} CPUs, {info["cpu"]}; Python {info["python"]}
- versions: {versions}
- hyperscout revision: {info["revision"]} (imported from {info["hyperscout_path"]})
- load average (1/5/15 min) as the report was written: {info["load"]}; other processes share this machine, so timings are noisier than ranks
- budgets: {", ".join(map(str, res.budgets))} trials; seeds: {seed_line}
- runs: {info["runs_done"]} of {info["runs_planned"]} planned runs are in the cache ({info["cache"]}); this invocation ran {info["runs_now"]} of them and took {info["wall_min"]:.1f} min"""


def _overall(res: Results) -> str:
    ref = reference(res)
    rows = []
    rank_by_budget = {b: ranks(res, b) for b in res.budgets}
    for t in res.tuners:
        cells = [_num(rank_by_budget[b][0].get(t), 2) for b in res.budgets]
        scores = [mean_score(res, t, b) for b in res.budgets]
        # a mean over some of the problems is not comparable with a mean over all of them
        cells += [_num(s, 1) + ("" if k == len(res.problems) or s is None
                                else f" ({k} of {len(res.problems)})") for s, k in scores]
        n = max((k for _, k in scores), default=0)
        rows.append(f"| {t} | " + " | ".join(cells) + f" | {n} |")
    head = (
        " | ".join(f"rank @{b}" for b in res.budgets)
        + " | "
        + " | ".join(f"score @{b}" for b in res.budgets)
    )
    counts = ", ".join(f"{len(rank_by_budget[b][1])} @{b}" for b in res.budgets)
    return f"""## Overall

Mean rank (1 = best; over {counts} problems, among the competitors that finished all of them;
"-" for one still missing some) and mean
normalised score (0 = random search `{ref}`, 100 = the optimum; higher is better, not clipped) per budget;
a score over only some of the problems (a run in progress) says over how many.

| competitor | {head} | problems scored |
|---|{"---:|" * (2 * len(res.budgets) + 1)}
""" + "\n".join(rows)


def head_to_head(res: Results, mine: str, peer: str, budget: int) -> tuple[int, int, int]:
    """Wins, ties and losses of `mine` against `peer` over every (problem, seed) both
    have finished at `budget` (the lower best loss wins; within 1e-9 relative is a tie)."""
    wins = ties = losses = 0
    for p in res.problems:
        a, b = res.by_seed.get((p, mine, budget), {}), res.by_seed.get((p, peer, budget), {})
        for seed in a.keys() & b.keys():
            x, y = a[seed], b[seed]
            if abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-12):
                ties += 1
            elif x < y:
                wins += 1
            else:
                losses += 1
    return wins, ties, losses


def _head_to_head(res: Results) -> str:
    mine = [t for t in res.tuners if t.startswith("hs-") and t not in RANDOM_REFERENCE]
    peers = [t for t in res.tuners if not t.startswith("hs-")]
    tables = []
    for b in res.budgets:
        rows = []
        for m in mine:
            cells = []
            for q in peers:
                w, t, l = head_to_head(res, m, q, b)
                cells.append(f"{w}-{t}-{l}" if w + t + l else "-")
            rows.append(f"| {m} | " + " | ".join(cells) + " |")
        tables.append(f"""At {b} trials:

| wins-ties-losses | {" | ".join(peers)} |
|---|{"---:|" * len(peers)}
""" + "\n".join(rows))
    return """## Head to head, run by run

Each hyperscout tuner against each peer on every (problem, seed) that both have finished:
how often its best loss was lower (win), equal (tie) or higher (loss). Unlike the overall
table this uses every finished run, so it already compares against the slow peers while
they have only some seeds done; it weighs every run alike and says nothing about margins.

""" + "\n\n".join(tables)


def _focus(res: Results) -> str:
    if FOCUS not in res.tuners:
        return f"## Where {FOCUS} loses\n\n{FOCUS} is not in this run."
    ref = reference(res)
    lines, rows = [], []
    for b in res.budgets:
        worse_than_random, behind_peer = [], []
        for p in res.problems:
            m, r = res.median(p, FOCUS, b), res.median(p, ref, b) if ref else None
            q = res.median(p, FOCUS_PEER, b)
            if m is None:
                continue
            if r is not None and m > r:
                worse_than_random.append(p)
            s, sq = score(res, p, FOCUS, b), score(res, p, FOCUS_PEER, b)
            if q is not None and m > q and s is not None and sq is not None and sq - s >= 10:
                behind_peer.append(f"{p} ({s:.0f} vs {sq:.0f})")
        lines.append(
            f"- @{b}: worse than random search on {len(worse_than_random)} problems"
            + (f": {', '.join(worse_than_random)}" if worse_than_random else "")
        )
        if FOCUS_PEER in res.tuners:
            lines.append(
                f"- @{b}: 10+ score points behind {FOCUS_PEER} on {len(behind_peer)}"
                + (f": {', '.join(behind_peer)}" if behind_peer else "")
            )
    b = res.budgets[-1]
    for p in res.problems:
        medians = {t: m for t in res.tuners if (m := res.median(p, t, b)) is not None}
        if FOCUS not in medians:
            continue
        order = sorted(medians, key=medians.__getitem__)
        winner = order[0]
        rank = 1 + sum(1 for v in medians.values() if v < medians[FOCUS])
        rows.append(
            f"| {p} | {rank} of {len(order)} | {_num(score(res, p, FOCUS, b), 1)} | "
            f"{_num(score(res, p, FOCUS_PEER, b), 1)} | {winner} ({_num(score(res, p, winner, b), 1)}) |"
        )
    return f"""## Where {FOCUS} loses (generated)

{chr(10).join(lines)}

Per problem at {b} trials (normalised score; the winner is the best median):

| problem | {FOCUS} rank | {FOCUS} score | {FOCUS_PEER} score | best (score) |
|---|---:|---:|---:|---|
""" + "\n".join(rows)


def _timing(res: Results, timing: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    by = {(r["tuner"], r["n_obs"]): r for r in timing}
    ns = sorted({r["n_obs"] for r in timing})
    top = max(res.budgets)
    rows = []
    for t in res.tuners:
        cells = []
        for n in ns:
            r = by.get((t, n))
            if r is None or r.get("error"):
                cells.append("-" if r is None else "failed")
                continue
            short = f" ({r['asks']} asks)" if r["asks"] < r.get("asks_asked", r["asks"]) else ""
            cells.append(_ms(r["ms_mean"]) + short)
        last = by.get((t, ns[-1])) if ns else None
        rss = "-" if not last or last.get("error") else f"{last['rss_growth_mib']:.1f}"
        per_run = [
            sum(r["tuner_s"])
            for r in runs
            if r["tuner"] == t and r["trials"] == top and not r["error"]
        ]
        run_s = f"{statistics.median(per_run):.1f}" if per_run else "-"
        rows.append(f"| {t} | " + " | ".join(cells) + f" | {rss} | {run_s} |")
    asks = max((r.get("asks_asked", r["asks"]) for r in timing), default=0)
    head = " | ".join(f"ms @{n} obs" for n in ns)
    return f"""## Time per suggestion and memory

The competitor's own time (ms) for one ask + tell on the 6-D mixed space of `mixed-hpo`
after N random observations fed through `observe`: the mean over {asks} asks (fewer where
marked: the asks ran past the time limit), each (competitor, N) in a fresh process
(see `bench/bbo/timing.py`). Peak RSS growth: the resident memory's peak above its level
after the imports and construction, while feeding {ns[-1] if ns else "-"} observations and asking.
The last column is the median total tuner time (all asks and tells, objective excluded) of
a {top}-trial benchmark run, over all problems and seeds.

| competitor | {head} | peak RSS growth (MiB) | tuner s per {top}-trial run |
|---|{"---:|" * (len(ns) + 2)}
""" + "\n".join(rows)


def _per_problem(res: Results, budget: int) -> str:
    head = " | ".join(res.tuners)
    rows = []
    for p, known in res.problems.items():
        medians = {t: res.median(p, t, budget) for t in res.tuners}
        best = min((m for m in medians.values() if m is not None), default=None)
        opt = res.optimum[p]
        cells = []
        for t in res.tuners:
            m = medians[t]
            if m is None:
                cells.append("-")
                continue
            text = f"{m:.4g} ({_regret(m - opt)})" if opt is not None else f"{m:.4g}"
            cells.append(f"**{text}**" if m == best else text)
        shown = (
            f"{opt:.4g}" + ("" if known is not None else " (best seen)") if opt is not None else "-"
        )
        rows.append(f"| {p} | {shown} | " + " | ".join(cells) + " |")
    return f"""## Per problem at {budget} trials

Median best loss over the seeds (simple regret: median best minus the optimum); bold is the
best median. A real task's optimum is the best loss any competitor found (regret 0 there).

| problem | optimum | {head} |
|---|---:|{"---:|" * len(res.tuners)}
""" + "\n".join(rows)


def _failures(res: Results, unavailable: dict[str, str], timing: list[dict[str, Any]]) -> str:
    lines = [f"- {t}: {why}" for t, why in unavailable.items()]
    by_tuner: dict[str, list[tuple[str, int, str]]] = {}
    for (t, p, s), error in sorted(res.errors.items()):
        by_tuner.setdefault(t, []).append((p, s, error))
    for t, failed in by_tuner.items():
        p, s, error = failed[0]
        last = error.strip().splitlines()[-1][:300]
        lines.append(f"- {t}: {len(failed)} failed runs, e.g. {p} seed {s}: `{last}`")
    lines += [
        f"- timing {r['tuner']} @{r['n_obs']}: {r['error']}" for r in timing if r.get("error")
    ]
    return "## Failures\n\n" + ("\n".join(lines) if lines else "None: every planned run finished.")


def _method(res: Results, info: dict[str, Any]) -> str:
    notes = "\n".join(f"- `{t}`: {info['notes'].get(t, '')}" for t in res.tuners)
    return f"""## How it is measured

Competitors (peers with their defaults; each seeded with the run's seed):

{notes}

Problems (all minimised; spaces in NNI's search_space.json form, mapped onto each peer's own
space as `bench/bbo/peers.py` describes): Branin, Hartmann 3-D and 6-D; Rosenbrock, Ackley,
Levy, Styblinski-Tang and Michalewicz at 5 and 10 dimensions; Rosenbrock and Ackley at 5-D
under a fixed random rotation about a shifted optimum; `mixed-sphere` (four integers, two
floats, a quantised float and a categorical offset); `mixed-hpo` (log-float, int, two
choices, quantised float, float, with interactions); `conditional` (a nested choice of three
branches with their own sub-parameters and objectives, plus a shared float); and three
scikit-learn tasks scored by the negative 3-fold CV accuracy: SVC on digits (1000 rows; C,
gamma, kernel), HistGradientBoosting on breast_cancer (six hyperparameters) and an
MLPClassifier on digits (600 rows; six hyperparameters).

A run records every trial's loss, so the best at 25 and 50 trials comes from the 100-trial
run's trajectory; SMAC, which sizes its initial design from the budget, runs once per budget.
Medians are over the seeds a competitor finished (the count is in the header)."""


# -- helpers ------------------------------------------------------------------------------
def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _regret(value: float) -> str:
    return "0" if value == 0 else f"{value:.2g}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def machine_info() -> dict[str, Any]:
    return {
        "date": machine.timestamp(),
        "nproc": os.cpu_count(),
        "cpu": machine.cpu_model(),
        "python": platform.python_version(),
        "versions": {name: machine.version(name) for name in VERSIONED},
        "revision": machine.git_revision(),
        "hyperscout_path": _hyperscout_path(),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _hyperscout_path() -> str:
    spec = importlib.util.find_spec("hyperscout")
    return str(Path(spec.origin).parent) if spec and spec.origin else "not found"


def print_summary(text: str, file: Any = sys.stdout) -> None:
    """The tables of the report, without the prose around them, for the terminal."""
    keep = [
        line
        for line in text.split(KEEP_MARKER)[0].splitlines()
        if line.startswith(("|", "#", "- @"))
    ]
    print("\n".join(keep), file=file)
