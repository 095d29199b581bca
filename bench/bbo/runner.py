"""The benchmark loop: plan the runs, run the missing ones, keep every result in a cache.

A run is one competitor on one problem with one seed for a number of trials. It records
every trial's loss and the competitor's own time for it (ask + tell, not the objective),
so the best-so-far at any smaller budget is read off the trajectory: one 100-trial run
gives the 25- and 50-trial results too. Budget-aware competitors (SMAC sizes its initial
design from the budget) get one run per budget instead.

Results are appended, one JSON line per run, to ``cache/runs.jsonl`` as soon as a run ends,
so an interrupted run resumes where it stopped and the report can be rebuilt at any time.
Each report also writes the runs it used to ``bench/results/bbo-runs.jsonl.gz``, which is
committed: the cache starts from it, so a fresh clone reproduces the report
(``--report-only``) and a later session resumes the full run instead of starting over.
Runs execute in worker processes (`--jobs`, one by default), each replaced after a few
runs so that no peer's memory or global state builds up.
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import io
import json
import multiprocessing
import sys
import time
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / "cache"
RUNS_CACHE = CACHE_DIR / "runs.jsonl"
SNAPSHOT = HERE.parent / "results" / "bbo-runs.jsonl.gz"
RUNS_PER_WORKER = 25


@dataclass(frozen=True, order=True)
class Run:
    """One (problem, competitor, trials, seed) to run; `trials` is the largest budget
    asked for, or the budget itself for a budget-aware competitor."""

    problem: str
    tuner: str
    trials: int
    seed: int

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.problem, self.tuner, self.trials, self.seed)


def all_problems() -> dict[str, Any]:
    """Every problem by name, in report order."""
    from problems import synthetic_problems
    from tasks_sklearn import real_problems

    return {p.name: p for p in synthetic_problems() + real_problems()}


def plan(
    problems: list[str],
    tuners: list[str],
    budgets: list[int],
    seeds: list[int],
    slow_seeds: list[int],
) -> list[Run]:
    """The runs that give every (problem, tuner, budget, seed) result; cheap competitors
    first and, within one, seed by seed, so a partial run has whole seeds to report."""
    from peers import competitor

    runs: list[Run] = []
    for name in sorted(tuners, key=lambda t: competitor(t).slow):
        c = competitor(name)
        trials = sorted(budgets) if c.budget_aware else [max(budgets)]
        for seed in slow_seeds if c.slow else seeds:
            runs += [Run(p, name, n, seed) for p in problems for n in trials]
    return runs


# -- the cache ----------------------------------------------------------------------------
class Cache:
    """The finished runs, keyed by `Run.key`: the committed snapshot, then the JSON-lines
    file of this machine's runs (the last line wins)."""

    def __init__(self, path: Path = RUNS_CACHE, snapshot: Path | None = SNAPSHOT):
        self.path = path
        self.records: dict[tuple[str, str, int, int], dict[str, Any]] = {}
        if snapshot is not None and snapshot.exists():
            with gzip.open(snapshot, "rt") as f:
                self._read(f)
        if path.exists():
            with path.open() as f:
                self._read(f)

    def _read(self, lines: Iterable[str]) -> None:
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line being written right now
                continue
            self.records[_key(record)] = record

    def forget(self, tuners: Iterable[str]) -> int:
        """Drop every run of `tuners` (after a change to their code) from the cache file and
        from memory; the next snapshot leaves them out too. Returns how many were dropped."""
        drop = set(tuners)
        keys = [k for k in self.records if k[1] in drop]
        for key in keys:
            del self.records[key]
        if self.path.exists():
            kept = [line for line in self.path.read_text().splitlines()
                    if line.strip() and _tuner_of(line) not in drop]
            self.path.write_text("".join(line + "\n" for line in kept))
        return len(keys)

    def write_snapshot(self, path: Path = SNAPSHOT) -> None:
        """Write every run, compacted (no tracebacks, times to the microsecond), gzipped and
        in a stable order, so that the committed file changes only where runs changed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw) as f:
            for key in sorted(self.records):
                record = {k: v for k, v in self.records[key].items() if k != "traceback"}
                record["tuner_s"] = [round(t, 6) for t in record["tuner_s"]]
                f.write(json.dumps(record, sort_keys=True) + "\n")

    def add(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")
        self.records[_key(record)] = record

    def has(self, run: Run, *, retry_failed: bool = False) -> bool:
        record = self.records.get(run.key)
        return record is not None and not (retry_failed and record["error"])

    def result(
        self, problem: str, tuner: str, budget: int, seed: int, budget_aware: bool
    ) -> dict[str, Any] | None:
        """The record that gives `budget` trials of this (problem, tuner, seed): the run of
        exactly that budget, else (not budget-aware) the longest run of at least that many."""
        exact = self.records.get((problem, tuner, budget, seed))
        if exact is not None or budget_aware:
            return exact
        longer = [
            r
            for (p, t, n, s), r in self.records.items()
            if (p, t, s) == (problem, tuner, seed) and n >= budget
        ]
        return max(longer, key=lambda r: r["trials"]) if longer else None


def _tuner_of(line: str) -> str | None:
    try:
        return json.loads(line)["tuner"]
    except (json.JSONDecodeError, KeyError):
        return None


def _key(record: dict[str, Any]) -> tuple[str, str, int, int]:
    return (record["problem"], record["tuner"], record["trials"], record["seed"])


def best_at(record: dict[str, Any], budget: int) -> float | None:
    """The best loss of the first `budget` trials; None if the run failed before them."""
    values = record["values"][:budget]
    return min(values) if len(values) == budget else None


# -- one run ------------------------------------------------------------------------------
def execute(run: Run) -> dict[str, Any]:
    """Run `run` in this process and return its record (an error is recorded, not raised)."""
    from peers import competitor

    record: dict[str, Any] = {
        **asdict(run),
        "values": [],
        "tuner_s": [],
        "eval_s": 0.0,
        "error": None,
        "date": _now(),
    }
    problem, c = all_problems()[run.problem], competitor(run.tuner)
    started = time.perf_counter()
    adapter = None
    warnings.simplefilter("ignore")  # peers warn per trial (fallbacks, convergence)
    try:
        if (why := c.unavailable()) is not None:
            raise RuntimeError(why)
        adapter = c.build(problem.space, seed=run.seed, budget=run.trials)
        for _ in range(run.trials):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                token, params = adapter.ask()
            t1 = time.perf_counter()
            loss = problem(params)
            t2 = time.perf_counter()
            adapter.tell(token, loss)
            t3 = time.perf_counter()
            record["values"].append(loss)
            record["tuner_s"].append(round(t1 - t0 + t3 - t2, 6))
            record["eval_s"] += t2 - t1
    except Exception as exc:  # noqa: BLE001 (a peer may fail any way: record it, go on)
        lines = traceback.format_exception_only(type(exc), exc)
        record["error"] = "".join(lines).strip()[-500:]
        record["traceback"] = traceback.format_exc()[-3000:]
    finally:
        if adapter is not None:
            adapter.close()
    record["wall_s"] = round(time.perf_counter() - started, 3)
    record["eval_s"] = round(record["eval_s"], 3)
    return record


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- many runs ----------------------------------------------------------------------------
def run_all(
    runs: Iterable[Run],
    cache: Cache,
    *,
    jobs: int = 1,
    retry_failed: bool = False,
    log: Any = sys.stdout,
) -> int:
    """Run every run the cache lacks, `jobs` at a time; returns how many ran."""
    todo = [r for r in runs if not cache.has(r, retry_failed=retry_failed)]
    if not todo:
        return 0
    print(f"{len(todo)} runs to do ({jobs} at a time); cache: {cache.path}", file=log, flush=True)
    started, done = time.monotonic(), 0
    # multiprocessing.Pool, not ProcessPoolExecutor: the executor's max_tasks_per_child can
    # hang on Python 3.11 when every worker retires at once.
    with multiprocessing.get_context("forkserver").Pool(
        jobs, maxtasksperchild=RUNS_PER_WORKER
    ) as pool:
        try:
            for record in pool.imap_unordered(execute, todo):
                cache.add(record)
                done += 1
                print(
                    _progress(record, done, len(todo), time.monotonic() - started),
                    file=log,
                    flush=True,
                )
        except BaseException:
            pool.terminate()
            raise
    return done


def _progress(record: dict[str, Any], done: int, total: int, elapsed: float) -> str:
    eta = elapsed / done * (total - done)
    what = f"{record['problem']} {record['tuner']} n={record['trials']} seed={record['seed']}"
    if record["error"]:
        outcome = f"FAILED: {record['error'].splitlines()[-1][:200]}"
    else:
        outcome = (
            f"best {min(record['values']):.6g}, tuner {sum(record['tuner_s']):.1f} s, "
            f"objective {record['eval_s']:.1f} s"
        )
    return f"[{done}/{total} {elapsed / 60:.1f} min, eta {eta / 60:.0f} min] {what}: {outcome}"
