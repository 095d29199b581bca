"""Black-box-optimisation benchmark: hyperscout's tuners against Optuna, Hyperopt, SMAC3 and
HEBO on synthetic, mixed, conditional and real (scikit-learn) problems.

    python bench/bbo/run.py --quick     # ~9 min on 2 cores: 5 problems, 3 seeds, budgets
                                        # 25/50, no SMAC-BB or HEBO; writes the results file
    python bench/bbo/run.py --full      # everything; hours. Resumable: results are cached
                                        # per run in bench/bbo/cache/runs.jsonl
    mkdir -p bench/bbo/cache && nohup nice -n 10 python bench/bbo/run.py --full --jobs 2 \\
        > bench/bbo/cache/full.log 2>&1 &
    python bench/bbo/run.py --full --report-only   # the report from what the cache holds
    python bench/bbo/run.py --full --forget hs-gp   # drop a tuner's runs after changing it

The cache starts from the committed bench/results/bbo-runs.jsonl.gz (the runs behind the
committed report), so a fresh clone can rebuild the report and a later session resumes.

Filters: --tuners, --problems (names, or a kind: synthetic, mixed, conditional, real),
--budgets, --seeds. Writes bench/results/bbo.md (or --output) and prints its tables.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy: every competitor gets one thread
# For the worker and timing processes: SMAC's suggestions depend on Python's string hashing
# (set order), so without a fixed hash seed a SMAC run would not reproduce.
os.environ.setdefault("PYTHONHASHSEED", "0")

import argparse
import json
import shlex
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Benchmark the hyperscout of this checkout, whatever an editable install points at.
sys.path.insert(1, str(HERE.parents[1] / "src"))

import report
import runner
from peers import competitor, competitors
from timing import run_timing

DEFAULT_OUTPUT = HERE.parent / "results" / "bbo.md"
QUICK_PROBLEMS = ("branin", "ackley-5-rotated", "mixed-hpo", "conditional", "svm-digits")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {', '.join(QUICK_PROBLEMS)}; seeds 0-2; budgets 25,50; "
        "no slow competitors; 2 jobs",
    )
    mode.add_argument("--full", action="store_true", help="every problem and competitor (default)")
    parser.add_argument(
        "--tuners",
        help="comma-separated competitors (default: all of the mode; "
        "hs-<name> works for any hyperscout tuner)",
    )
    parser.add_argument("--problems", help="comma-separated problem names or kinds")
    parser.add_argument("--budgets", help="comma-separated trial budgets (default 25,50,100)")
    parser.add_argument("--seeds", help="seeds, e.g. 0-9 or 0,3 (default 0-9; 0-2 with --quick)")
    parser.add_argument("--slow-seeds", help="seeds of the slow competitors (default the first 5)")
    parser.add_argument("--jobs", type=int, help="runs at a time (default 1; 2 with --quick)")
    parser.add_argument("--retry-failed", action="store_true", help="rerun runs that failed")
    parser.add_argument(
        "--forget",
        help="comma-separated competitors whose cached runs to drop first (after their code "
        "changed), e.g. hs-gp,hs-auto",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="run nothing: write the report from the cache"
    )
    parser.add_argument("--no-timing", action="store_true", help="skip the timing mode")
    parser.add_argument(
        "--timing-obs",
        help="observation counts of the timing mode (default 100,300,1000; 100,1000 with --quick)",
    )
    parser.add_argument(
        "--timing-only",
        action="store_true",
        help="run the timing mode only (then the report from the cache)",
    )
    parser.add_argument(
        "--timing-asks",
        type=int,
        default=8,
        help="timed asks per setting (8 holds one refit of SMAC's forest)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=runner.CACHE_DIR,
        help="folder of runs.jsonl, and of timing.jsonl unless it is the default "
        "(bench/bbo/cache; its timings are kept in bench/results/bbo-timing.jsonl)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results file")
    parser.add_argument("--no-output", action="store_true", help="print only; write no file")
    args = parser.parse_args(argv)
    args.mode = "quick" if args.quick else "full"
    quick = args.quick
    args.budgets = _ints(args.budgets or ("25,50" if quick else "25,50,100"))
    args.seeds = _ints(args.seeds or ("0-2" if quick else "0-9"))
    args.slow_seeds = _ints(args.slow_seeds) if args.slow_seeds else args.seeds[:5]
    args.jobs = args.jobs or (2 if quick else 1)
    args.timing_obs = _ints(args.timing_obs or ("100,1000" if quick else "100,300,1000"))
    args.timing_seconds = 45.0 if quick else 300.0  # asking stops after this (>= 1 ask)
    args.timing_timeout = 150.0 if quick else 900.0
    everything = runner.all_problems()
    if args.problems:
        wanted = args.problems.split(",")
        args.problems = [n for n, p in everything.items() if n in wanted or p.kind in wanted]
        unknown = set(wanted) - set(args.problems) - {p.kind for p in everything.values()}
        if unknown:
            parser.error(f"unknown problems {sorted(unknown)}; known: {', '.join(everything)}")
    else:
        args.problems = list(QUICK_PROBLEMS) if quick else list(everything)
    if args.tuners:
        args.tuners = args.tuners.split(",")
        for name in args.tuners:
            try:
                competitor(name)
            except KeyError as exc:
                parser.error(str(exc))
    else:
        args.tuners = [c.name for c in competitors() if not (quick and c.slow)]
    for name in args.forget.split(",") if args.forget else []:
        try:
            competitor(name)
        except KeyError as exc:
            parser.error(f"--forget: {exc}")
    return args


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(HERE.parents[1]))
    except ValueError:
        return str(path)


def _ints(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        out += list(range(int(low), int(high or low) + 1))
    return out


def _forget_timing(path: Path, tuners: list[str]) -> int:
    """Drop the timing records of `tuners` from `path`; returns how many."""
    if not path.exists():
        return 0
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    kept = [line for line in lines if json.loads(line)["tuner"] not in tuners]
    path.write_text("".join(line + "\n" for line in kept))
    return len(lines) - len(kept)


def _timing_path(args: argparse.Namespace) -> Path:
    """Timings of the default cache are committed beside the results (a timing run needs an
    idle machine, so it is not redone at will); another cache keeps its own."""
    if args.cache.resolve() == runner.CACHE_DIR.resolve():
        return runner.SNAPSHOT.parent / "bbo-timing.jsonl"
    return args.cache / "timing.jsonl"


def timings(args: argparse.Namespace, available: list[str]) -> list[dict]:
    """Each competitor's timing records, measuring those the timing cache lacks."""
    cached: dict[tuple[str, int, int], dict] = {}
    path = _timing_path(args)
    if path.exists():
        for line in path.read_text().splitlines():
            r = json.loads(line)
            cached[(r["tuner"], r["n_obs"], r.get("asks_asked", 0))] = r
    out = []
    for t in args.tuners:
        for n in args.timing_obs:
            key = (t, n, args.timing_asks)
            r = cached.get(key)
            if r is None and t in available and not args.report_only and not args.no_timing:
                print(f"  timing {t} with {n} observations ...", end=" ", flush=True)
                r = run_timing(
                    t,
                    n,
                    asks=args.timing_asks,
                    max_seconds=args.timing_seconds,
                    timeout=args.timing_timeout,
                )
                r["asks_asked"] = args.timing_asks
                print(r.get("error") or f"{r['ms_mean']:.1f} ms/suggestion", flush=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a") as f:
                    f.write(json.dumps(r) + "\n")
            if r is not None:
                out.append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.simplefilter("ignore")
    started = time.monotonic()
    unavailable = {t: why for t in args.tuners if (why := competitor(t).unavailable())}
    available = [t for t in args.tuners if t not in unavailable]
    seeds = {t: args.slow_seeds if competitor(t).slow else args.seeds for t in args.tuners}
    runs = runner.plan(args.problems, available, args.budgets, args.seeds, args.slow_seeds)
    # the committed snapshot belongs to the default cache; another --cache starts empty
    own = args.cache.resolve() == runner.CACHE_DIR.resolve()
    cache = runner.Cache(args.cache / "runs.jsonl", snapshot=runner.SNAPSHOT if own else None)
    if args.forget:
        dropped = cache.forget(args.forget.split(","))
        dropped_timing = _forget_timing(_timing_path(args), args.forget.split(","))
        print(f"forgot {dropped} cached runs and {dropped_timing} timings of {args.forget}",
              flush=True)
        if own:  # else the committed snapshot would bring them back
            cache.write_snapshot()
    ran = 0
    if not (args.report_only or args.timing_only):
        print(
            f"{args.mode} run: {len(args.problems)} problems x {len(available)} competitors, "
            f"budgets {args.budgets}, {len(runs)} runs planned",
            flush=True,
        )
        for t, why in unavailable.items():
            print(f"  skipping {t}: {why}", flush=True)
        ran = runner.run_all(runs, cache, jobs=args.jobs, retry_failed=args.retry_failed)
    timing = timings(args, available)
    all_problems = runner.all_problems()
    res = report.collect(
        cache,
        {p: all_problems[p].optimum for p in args.problems},
        args.tuners,
        seeds,
        args.budgets,
        {t: competitor(t).budget_aware for t in args.tuners},
    )
    planned = {r.key for r in runs}
    info = {
        **report.machine_info(),
        "mode": args.mode,
        "command": shlex.join(
            ["python", "bench/bbo/run.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "runs_done": sum(1 for k in planned if k in cache.records),
        "runs_planned": len(planned),
        "runs_now": ran,
        "wall_min": (time.monotonic() - started) / 60,
        "cache": _shown(args.cache / "runs.jsonl"),
        "notes": {t: competitor(t).note for t in args.tuners},
    }
    records = [r for k, r in cache.records.items() if k in planned]
    previous = args.output.read_text() if args.output.exists() else None
    text = report.render(
        res,
        timing=timing,
        info=info,
        run_records=records,
        unavailable=unavailable,
        previous=previous,
    )
    report.print_summary(text)
    if not args.no_output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"\nwrote {args.output}", flush=True)
        if own:
            cache.write_snapshot()
            print(f"wrote {_shown(runner.SNAPSHOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
