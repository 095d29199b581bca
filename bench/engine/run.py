"""Engine-overhead benchmark: trivial trials through hyperscout's whole engine (store on),
side by side with Optuna on SQLite and Ray Tune, at several concurrencies.

Every setting (framework x trial kind x concurrency) runs in a fresh Python process
(`cases.py`) with a fresh temporary store, so no measurement inherits another one's imports,
worker pools or databases. The cheap settings run `--repeats` times, interleaved, and the
median counts; the slow peers (Optuna on SQLite, Ray Tune) run once, since they are tens of
times away from hyperscout and their noise does not change a ratio.

    python bench/engine/run.py            # full run (~5 min on 2 cores), writes
                                          # bench/results/engine.md
    python bench/engine/run.py --quick    # smoke run (~1 min), prints only
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_info, render

DEFAULT_OUTPUT = HERE.parent / "results" / "engine.md"
CHEAP = ("hyperscout-function", "hyperscout-command", "optuna-memory", "floor", "python-start")
FUNCTION_CASES = ("hyperscout-function", "optuna-sqlite", "optuna-memory")
COMMAND_CASES = ("hyperscout-command", "floor", "optuna-command")


@dataclass
class Setting:
    """One measured point: a case at a concurrency with a number of trials."""

    case: str
    concurrency: int
    trials: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def result(self) -> dict[str, Any] | None:
        """The median over the runs of every numeric figure (None if no run succeeded)."""
        if not self.runs:
            return None
        merged: dict[str, Any] = dict(self.runs[0])
        for key, value in self.runs[0].items():
            values = [r[key] for r in self.runs if isinstance(r.get(key), (int, float))]
            if isinstance(value, (int, float)) and len(values) == len(self.runs):
                merged[key] = statistics.median(values)
        merged["repeats"] = len(self.runs)
        return merged


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trials",
        type=int,
        default=None,
        help="function trials per setting, same for every framework (default 200; 20 with --quick)",
    )
    parser.add_argument(
        "--command-trials",
        type=int,
        default=None,
        help="command trials per setting (default 40; 6 with --quick)",
    )
    parser.add_argument(
        "--ray-trials",
        type=int,
        default=None,
        help="Ray Tune trials per setting; Ray runs ~1 trial/s here (default 20; 3 with --quick)",
    )
    parser.add_argument(
        "--concurrency",
        default="1,2,8",
        help="comma-separated concurrencies (n_jobs, max_concurrent_trials)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs of each cheap setting, median reported (default 3; 1 with --quick)",
    )
    parser.add_argument("--no-ray", action="store_true", help="skip Ray Tune")
    parser.add_argument(
        "--cases",
        default=None,
        help="comma-separated subset of the cases in cases.py (default all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: few trials, one repeat, no results file unless --output is given",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"markdown results file (default {DEFAULT_OUTPUT.relative_to(HERE.parents[1])};"
        " none with --quick)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds before one setting is abandoned"
    )
    parser.add_argument(
        "--max-noise",
        type=float,
        default=10.0,
        metavar="PCT",
        help="with --wait-idle: run a setting again when other processes took more than PCT "
        "%% of the CPU while it ran (default 10)",
    )
    parser.add_argument(
        "--retries", type=int, default=3, help="with --wait-idle: reruns of a noisy setting"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each setting, wait up to SECONDS for the machine to be idle (other "
        "processes under 10%% of the CPU for 2 s); for shared machines",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.trials = args.trials or (20 if quick else 200)
    args.command_trials = args.command_trials or (6 if quick else 40)
    args.starts = 5 if quick else 15  # serial interpreter starts per python-start run
    args.ray_trials = args.ray_trials or (3 if quick else 20)
    args.repeats = args.repeats or (1 if quick else 3)
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.cases = args.cases.split(",") if args.cases else None
    if args.output is None and not quick:
        args.output = DEFAULT_OUTPUT
    return args


def plan(args: argparse.Namespace) -> list[Setting]:
    settings = [Setting("python-start", 1, args.starts)]
    for c in args.concurrency:
        settings += [Setting(case, c, args.trials) for case in FUNCTION_CASES]
        settings += [Setting(case, c, args.command_trials) for case in COMMAND_CASES]
        settings.append(Setting("ray-function", c, args.ray_trials))
    for s in settings:
        if args.cases is not None and s.case not in args.cases:
            s.error = "skipped (--cases)"
    return settings


def run_setting(setting: Setting, root: Path, args: argparse.Namespace) -> float:
    """Run `setting` once (fresh process, fresh store) and keep its result or error.

    With `--wait-idle`, a run during which other processes took more than `--max-noise` %
    of the CPU is thrown away and run again (at most `--retries` times; the last one
    counts). Returns the seconds spent waiting for an idle machine."""
    label = f"{setting.case} c={setting.concurrency} n={setting.trials}"
    waited = 0.0
    for attempt in range(args.retries + 1):
        waited += _wait_idle(args.wait_idle) if args.wait_idle > 0 else 0.0
        print(f"  {label} ...", end=" ", file=sys.stderr, flush=True)
        result = _run_once(setting, root, args.timeout)
        if isinstance(result, str):
            setting.error = result
            print(f"FAILED ({result})", file=sys.stderr, flush=True)
            return waited
        noisy = result["foreign_cpu_pct"] > args.max_noise
        note = f" [other processes: {result['foreign_cpu_pct']:.0f}% CPU]" if noisy else ""
        if noisy and args.wait_idle > 0 and attempt < args.retries:
            print(_summary(result) + note + ", again", file=sys.stderr, flush=True)
            continue
        print(_summary(result) + note, file=sys.stderr, flush=True)
        setting.runs.append(result)
        break
    return waited


def _run_once(setting: Setting, root: Path, timeout: float) -> dict[str, Any] | str:
    """One run in a fresh process with a fresh store: its result, or why there is none."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{setting.case}-", dir=root))
    command = [
        sys.executable,
        str(HERE / "cases.py"),
        setting.case,
        "--trials",
        str(setting.trials),
        "--concurrency",
        str(setting.concurrency),
        "--workdir",
        str(workdir),
    ]
    env = dict(os.environ, HYPERSCOUT_HOME=str(workdir), RAY_AUTH_MODE="disabled")
    before = _cpu_clock()
    try:
        done = subprocess.run(
            command,
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=workdir,
        )
    except subprocess.TimeoutExpired:
        return f"no result within {timeout:.0f} s"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"exit code {done.returncode}: {tail[:300]}"
    return {**json.loads(lines[-1]), **_foreign_cpu(before)}


def run_all(settings: list[Setting], args: argparse.Namespace) -> float:
    """Run every setting not skipped; return the seconds spent waiting for an idle machine."""
    waited = 0.0
    with tempfile.TemporaryDirectory(prefix="hs-engine-bench-") as tmp:
        root = Path(tmp)
        for repeat in range(args.repeats):  # interleaved, so slow drifts spread over all
            print(f"round {repeat + 1}/{args.repeats}", file=sys.stderr)
            for s in settings:
                if s.case in CHEAP and s.error is None:
                    waited += run_setting(s, root, args)
        print("slow peers (one run each)", file=sys.stderr)
        for s in settings:
            if s.case not in CHEAP and s.error is None:
                waited += run_setting(s, root, args)
    return waited


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    info = machine_info()
    info["command"] = "python " + " ".join(
        shlex.quote(a) for a in [_shown_path(sys.argv[0]), *sys.argv[1:]]
    )
    settings = plan(args)
    ray_missing = args.no_ray or importlib.util.find_spec("ray") is None
    if ray_missing:
        reason = "skipped (--no-ray)" if args.no_ray else "not installed (pip install 'ray[tune]')"
        for s in settings:
            if s.case == "ray-function":
                s.error = reason
    info["waited_s"] = run_all(settings, args)
    info["load_after"] = os.getloadavg()
    info["duration_s"] = time.monotonic() - started
    markdown = render(settings, args, info, previous=_read(args.output))
    print(markdown)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(markdown)
        print(f"wrote {args.output} ({info['duration_s']:.0f} s)", file=sys.stderr)
    return 0


def _summary(result: dict[str, Any]) -> str:
    if "trials_per_s" in result:
        return f"{result['trials_per_s']:.1f} trials/s"
    return ", ".join(f"{k} {v:.1f}" for k, v in result.items() if k.endswith("_ms"))


def _cpu_clock() -> tuple[float, float, float]:
    """(wall, CPU seconds busy on the whole machine, CPU seconds of our reaped children)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic(), busy, children.ru_utime + children.ru_stime


def _wait_idle(max_wait: float, *, threshold: float = 10.0, window: float = 2.0) -> float:
    """Wait (up to `max_wait` s) until the machine was under `threshold` % busy for
    `window` s; return the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < max_wait:
        before = _cpu_clock()
        time.sleep(window)
        after = _cpu_clock()
        busy = 100 * (after[1] - before[1]) / ((after[0] - before[0]) * (os.cpu_count() or 1))
        if busy < threshold:
            break
    return time.monotonic() - start - window


def _foreign_cpu(before: tuple[float, float, float]) -> dict[str, float]:
    """Share of the machine's CPU that other processes used while a setting ran (noise).

    Ray's daemons outlive the process that reaps them, so they count as foreign."""
    after = _cpu_clock()
    wall = after[0] - before[0]
    foreign = (after[1] - before[1]) - (after[2] - before[2])
    return {"foreign_cpu_pct": max(0.0, 100 * foreign / (wall * (os.cpu_count() or 1)))}


def _shown_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _read(path: Path | None) -> str | None:
    return path.read_text() if path is not None and path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
