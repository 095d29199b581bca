"""Timing mode: each competitor's own cost per suggestion with N observations, and memory.

In a fresh process per (competitor, N): build the competitor on the 6-D mixed space of the
`mixed-hpo` problem (log-float, int, two choices, quantised float, float), feed it N random
configs with their losses through `observe`, then time `asks` rounds of ask + tell (the tell
gets the config's true loss). The mean is the figure to compare: SMAC's random-forest facade
refits its model on every 8th ask and hands out cheap configs in between, so the default of
8 asks holds exactly one refit.
Budget-aware competitors skip their initial design (`warm_start`), so the asks exercise
the model.
Memory is the peak growth of the process's resident set (sampled every 5 ms) from just
after the competitor is built (imports done) to the end, so it counts native buffers
(torch, the random forest) that tracemalloc would miss.

    python bench/bbo/timing.py --tuner hs-tpe --n-obs 1000     # prints one JSON line
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Benchmark the hyperscout of this checkout, whatever an editable install points at.
sys.path.insert(1, str(HERE.parents[1] / "src"))


def measure(tuner: str, n_obs: int, asks: int, max_seconds: float, seed: int = 0) -> dict[str, Any]:
    import numpy as np
    from nni_space import flatten_space, sample
    from peers import competitor
    from problems import MIXED_HPO_SPACE, _mixed_hpo

    c = competitor(tuner)
    if (why := c.unavailable()) is not None:
        raise RuntimeError(why)
    rng = np.random.default_rng(seed)
    specs = flatten_space(MIXED_HPO_SPACE)
    adapter = c.build(MIXED_HPO_SPACE, seed=seed, budget=n_obs + asks, warm_start=True)
    rss = _RSSPeak()
    started = time.perf_counter()
    for _ in range(n_obs):
        params = sample(specs, rng)
        adapter.observe(params, _mixed_hpo(params))
    observe_s = time.perf_counter() - started
    times: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(times) < asks and (not times or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        token, params = adapter.ask()
        t1 = time.perf_counter()
        loss = _mixed_hpo(params)
        t2 = time.perf_counter()
        adapter.tell(token, loss)
        times.append(t1 - t0 + time.perf_counter() - t2)
    growth_mib = rss.stop()
    adapter.close()
    return {
        "tuner": tuner,
        "n_obs": n_obs,
        "asks": len(times),
        "ms_mean": 1000 * statistics.fmean(times),  # amortised: SMAC refits every few asks
        "ms_median": 1000 * statistics.median(times),
        "ms_max": 1000 * max(times),
        "observe_ms": 1000 * observe_s / max(n_obs, 1),
        "rss_growth_mib": growth_mib,
    }


class _RSSPeak:
    """The peak of this process's resident memory above its level at creation, sampled
    every 5 ms by a thread (ru_maxrss would hide growth below an earlier import's peak)."""

    def __init__(self) -> None:
        self._base = self._peak = _rss_bytes()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self._peak = max(self._peak, _rss_bytes())

    def stop(self) -> float:
        """The growth in MiB."""
        self._done.set()
        self._thread.join()
        self._peak = max(self._peak, _rss_bytes())
        return (self._peak - self._base) / 2**20


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_timing(
    tuner: str, n_obs: int, *, asks: int, max_seconds: float, timeout: float
) -> dict[str, Any]:
    """`measure` in a fresh Python process; a failure or timeout is recorded, not raised."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--tuner",
        tuner,
        "--n-obs",
        str(n_obs),
        "--asks",
        str(asks),
        "--max-seconds",
        str(max_seconds),
    ]
    record: dict[str, Any] = {"tuner": tuner, "n_obs": n_obs, "asks": 0, "error": None}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        record["error"] = f"no result within {timeout:.0f} s"
        return record
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode == 0 and lines:
        return {**record, **json.loads(lines[-1])}
    tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
    record["error"] = f"exit code {done.returncode}: {tail[:300]}"
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuner", required=True)
    parser.add_argument("--n-obs", type=int, required=True)
    parser.add_argument("--asks", type=int, default=8)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="stop asking after this long (at least one ask)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):  # HEBO prints its GP's jitter
        result = measure(args.tuner, args.n_obs, args.asks, args.max_seconds)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
