"""Decision overhead of the schedulers and assessors at 1000 trials (issue goal: under
10 ms per promotion or stop decision).

Measures hyperscout's own decision code, not training: `ask` + `tell` of ASHA and
Hyperband once 1000 jobs exist, and the median, patience and curve-fitting assessors' `report` +
`assess` for a running trial once 1000 trials with 100-step curves have completed. The
engine's own time per trial is measured too, in a real experiment of that many trivial
function trials under ASHA and the median assessor: from the scheduler's ask to the
trial's start, and from its last report to the scheduler's tell (SQLite commits
included).

    python bench/multifidelity/overhead.py [--trials 1000] [--output FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from machine import cpu_model, git_revision, timestamp

SPACE = {"lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
         "units": {"_type": "quniform", "_value": [16, 256, 32]}}


def _stats(samples: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1e3 for s in samples)
    return statistics.median(ms), ms[int(0.99 * (len(ms) - 1))], ms[-1]


def scheduler_overhead(name: str, n: int, **options) -> list[float]:
    """Seconds per ask + tell for the last 100 of `n` jobs (random tuner, so the tuner's
    own cost is negligible and the scheduler's is what is timed)."""
    from hyperscout import tuners
    from hyperscout.schedulers import create_scheduler

    tuner = tuners.create("random", SPACE, direction="maximize", seed=0)
    sched = create_scheduler(name, tuner, **options)
    times, running = [], []
    import random

    rng = random.Random(0)
    for i in range(n):
        t0 = time.perf_counter()
        job = sched.ask()
        t1 = time.perf_counter()
        if job is None:
            break
        running.append((job, t1 - t0))
        if len(running) >= 8 or i == n - 1:  # 8 workers: finish one in random order
            job, ask_s = running.pop(rng.randrange(len(running)))
            t2 = time.perf_counter()
            sched.tell(job.id, rng.random(), "succeeded")
            times.append(ask_s + time.perf_counter() - t2)
    return times[-100:]


def assessor_overhead(name: str, n: int, steps: int = 100, **options) -> list[float]:
    """Seconds per report + assess of a running trial after `n` completed trials."""
    import random

    from hyperscout.assessors import create_assessor

    rng = random.Random(0)
    assessor = create_assessor(name, "maximize", **options)
    for t in range(n):
        base = rng.random()
        for s in range(steps):
            assessor.report(t, s, base * (1 - 0.97**s))
        assessor.finish(t, "succeeded")
    times = []
    for s in range(steps):
        t0 = time.perf_counter()
        assessor.report(n, s, 0.5 * (1 - 0.97**s))
        assessor.assess(n)
        times.append(time.perf_counter() - t0)
    return times


def _budget_trial(params: dict) -> float:
    import hyperscout

    budget = int(hyperscout.get_budget(1))
    for step in range(1, budget + 1):
        hyperscout.report_intermediate_result(params["lr"] * step, step=step)
    return params["lr"] * budget


def engine_overhead(n: int) -> dict[str, list[float]]:
    """Seconds of engine time per trial in a real `n`-trial ASHA + median experiment with
    function trials: from the scheduler's ask to the trial's start (`ask_to_start`), and
    from its last report to the scheduler's tell (`report_to_tell`), last 100 trials."""
    import tempfile

    from hyperscout import Experiment

    with tempfile.TemporaryDirectory() as storage:
        exp = Experiment(_budget_trial, SPACE, tuner="random", scheduler="asha",
                         scheduler_args={"max_budget": 27, "eta": 3}, assessor="median",
                         assessor_args={"start_step": 2}, max_trials=n, concurrency=2,
                         storage=storage, seed=0, progress=False)
        exp.run()
        trials = exp.trials()[-100:]
        return {"ask_to_start": [t.ask_to_start for t in trials if t.ask_to_start is not None],
                "report_to_tell": [t.report_to_tell for t in trials
                                   if t.report_to_tell is not None]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--output", default=str(HERE.parent / "results" / "multifidelity.md"))
    parser.add_argument("--no-output", action="store_true")
    args = parser.parse_args()
    n = args.trials
    rows = [
        ("asha (ask + tell)", scheduler_overhead("asha", n, max_budget=81, eta=3)),
        ("hyperband (ask + tell)", scheduler_overhead("hyperband", n, max_budget=81, eta=3,
                                                      iterations=6)),
        ("median assessor (report + assess)", assessor_overhead("median", n, start_step=5)),
        ("patience assessor (report + assess)", assessor_overhead("patience", n, patience=5)),
        ("curvefitting assessor (report + assess)",
         assessor_overhead("curvefitting", n, epoch_num=100, start_step=5)),
    ]
    engine = engine_overhead(n)
    rows += [(f"engine, {name} (ASHA + median, function trials)", samples)
             for name, samples in engine.items()]
    lines = [f"## Decision overhead at {n} trials", "",
             ("`python bench/multifidelity/overhead.py` — hyperscout's own decision code per "
              "promotion or stop decision (goal: under 10 ms at 1000 trials)."), "",
             "| decision | median ms | p99 ms | max ms |", "|---|---:|---:|---:|"]
    for label, samples in rows:
        med, p99, worst = _stats(samples)
        lines.append(f"| {label} | {med:.3f} | {p99:.3f} | {worst:.3f} |")
    import os
    import platform

    lines += ["", (f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}; hyperscout {git_revision()}; {timestamp()}. "
                   "Other benchmark runs shared the machine, so these are upper bounds.")]
    text = "\n".join(lines)
    print(text)
    if not args.no_output:
        Path(args.output).write_text(_merge(Path(args.output), text, "## Decision overhead"))


def _merge(path: Path, section: str, key: str) -> str:
    """The results file with its sections that start with `key` replaced by `section`."""
    old = path.read_text() if path.exists() else "# Multi-fidelity search and early stopping\n"
    parts = old.split("\n## ")
    kept = [parts[0]] + ["## " + p for p in parts[1:] if not ("## " + p).startswith(key)]
    return "\n".join(k.rstrip("\n") + "\n" for k in kept) + "\n" + section + "\n"


if __name__ == "__main__":
    main()
