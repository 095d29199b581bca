"""One measured setting of the engine-overhead benchmark, run in a fresh process.

``python bench/engine/cases.py CASE --trials N --concurrency C --workdir DIR`` runs one
setting and prints one JSON line (the last line of stdout) with its wall time and
trials/s. `run.py` starts one such process per setting, so no measurement inherits another
one's imports, worker pools, threads or open databases.

Every trial is trivial (it returns at once), so what is measured is the framework's own
cost per trial: asking, storing, launching, collecting, telling. Every framework searches
at random, so a search algorithm's own cost is not in the figures. The clock starts after
the framework is imported and covers the whole search: creating the experiment (study,
tuner), every trial, and shutting the workers down. Ray's ``ray.init`` is timed apart.

Cases:
    hyperscout-function  `hyperscout.optimize` on a Python function, store on
    hyperscout-command   `hyperscout.Experiment` on the shell command `TRIAL_COMMAND`
    optuna-sqlite        ``optuna.create_study(storage="sqlite:///...")`` + ``study.optimize``
    optuna-memory        the same with Optuna's in-memory storage (reference: no store)
    optuna-command       optuna-sqlite whose objective runs `PEER_COMMAND` in a subprocess
    ray-function         Ray Tune ``Tuner`` on a function trainable (``ray.init`` apart)
    floor                the trial command through the barest launcher pool, nothing stored
    python-start         one interpreter start alone: ``python -c pass``, the trial command
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

PYTHON = shlex.quote(sys.executable)
TRIAL_CODE = "import hyperscout; hyperscout.report_final_result(1)"
TRIAL_COMMAND = f'{PYTHON} -c "{TRIAL_CODE}"'  # what a hyperscout command trial runs
PEER_CODE = "import hyperscout; print(1)"  # the same imports; the value goes to stdout
SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}
# Random search everywhere (Optuna's RandomSampler, Ray's default generator), so what is
# measured is each framework's loop and storage, not its search algorithm's cost.
TUNER = "random"


def objective(params: dict[str, Any]) -> float:
    """The trivial function trial: returns at once."""
    return params["x"]


# -- hyperscout -----------------------------------------------------------------------------


def hyperscout_function(n_trials: int, concurrency: int, workdir: str) -> dict[str, Any]:
    from hyperscout import optimize  # imports the engine (numpy, scipy) before the clock

    usage = _cpu_seconds()
    start = time.perf_counter()
    result = optimize(
        objective,
        SPACE,
        tuner=TUNER,
        max_trials=n_trials,
        n_jobs=concurrency,
        seed=0,
        storage=workdir,
        progress=False,
    )
    wall = time.perf_counter() - start
    return {
        **_rate(n_trials, wall),
        **_cpu_per_trial(usage, n_trials),
        **_stored_overheads(result.trials),
    }


def hyperscout_command(n_trials: int, concurrency: int, workdir: str) -> dict[str, Any]:
    from hyperscout import Experiment

    usage = _cpu_seconds()
    start = time.perf_counter()
    experiment = Experiment(
        TRIAL_COMMAND,
        SPACE,
        tuner=TUNER,
        max_trials=n_trials,
        concurrency=concurrency,
        seed=0,
        storage=workdir,
        code_dir=workdir,
        progress=False,
    )
    experiment.run()
    wall = time.perf_counter() - start
    return {
        **_rate(n_trials, wall),
        **_cpu_per_trial(usage, n_trials),
        **_stored_overheads(experiment.trials()),
    }


def _stored_overheads(trials: list[Any]) -> dict[str, Any]:
    """hyperscout's own overhead figures, read back from the store (milliseconds)."""
    figures: dict[str, Any] = {
        "succeeded": sum(t.state.value == "succeeded" for t in trials),
        "stored": len(trials),
    }
    for name in ("ask_to_start", "report_to_tell"):
        values = sorted(1e3 * v for t in trials if (v := getattr(t, name)) is not None)
        figures[f"{name}_mean_ms"] = statistics.fmean(values) if values else None
        figures[f"{name}_p95_ms"] = _percentile(values, 0.95) if values else None
    return figures


# -- Optuna ---------------------------------------------------------------------------------


def optuna_study(
    n_trials: int, concurrency: int, workdir: str, *, storage: bool, command: bool = False
) -> dict[str, Any]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def trivial(trial: Any) -> float:
        return trial.suggest_float("x", 0.0, 1.0)

    def via_subprocess(trial: Any) -> float:
        trial.suggest_float("x", 0.0, 1.0)
        out = subprocess.run(
            [sys.executable, "-c", PEER_CODE], check=True, capture_output=True, text=True
        ).stdout
        return float(out)

    url = f"sqlite:///{os.path.join(workdir, 'optuna.db')}" if storage else None
    start = time.perf_counter()
    sampler = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(storage=url, sampler=sampler, direction="maximize")
    study.optimize(via_subprocess if command else trivial, n_trials=n_trials, n_jobs=concurrency)
    wall = time.perf_counter() - start
    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    return {**_rate(n_trials, wall), "succeeded": done, "stored": len(study.trials)}


# -- Ray Tune -------------------------------------------------------------------------------


def ray_function(n_trials: int, concurrency: int, workdir: str) -> dict[str, Any]:
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray
    from ray import tune

    def trainable(config: dict[str, Any]) -> dict[str, float]:
        return {"score": config["x"]}

    n_cpus = os.cpu_count() or 1
    # Ray's socket paths must stay under 107 bytes: a short folder directly in /tmp
    ray_dir = tempfile.mkdtemp(prefix="hsray-", dir="/tmp")
    start = time.perf_counter()
    ray.init(
        _temp_dir=ray_dir,
        num_cpus=n_cpus,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
    )
    init = time.perf_counter() - start
    # `concurrency` trials must fit at once on the machine's CPUs; actors are reused
    # between trials (Ray's default for function trainables starts a fresh actor per trial).
    per_trial = {"cpu": min(1.0, n_cpus / concurrency)}
    tuner = tune.Tuner(
        tune.with_resources(trainable, per_trial),
        param_space={"x": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(
            num_samples=n_trials,
            max_concurrent_trials=concurrency,
            metric="score",
            mode="max",
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(storage_path=os.path.join(workdir, "results"), verbose=0),
    )
    start = time.perf_counter()
    results = tuner.fit()
    wall = time.perf_counter() - start
    ray.shutdown()
    shutil.rmtree(ray_dir, ignore_errors=True)
    return {
        **_rate(n_trials, wall),
        "ray_init_s": init,
        "succeeded": len(results) - results.num_errors,
        "stored": len(results),
    }


# -- the Python-start floor -----------------------------------------------------------------


def floor(n_trials: int, concurrency: int, workdir: str) -> dict[str, Any]:
    """`n_trials` trial commands through the barest launcher: `concurrency` processes at
    a time (``posix_spawn`` of ``/bin/sh -c``, refilled as soon as any one exits), no store."""
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    argv = ["/bin/sh", "-c", TRIAL_COMMAND]
    start = time.perf_counter()
    running = launched = 0
    while launched < n_trials or running:
        if launched < n_trials and running < concurrency:
            os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
            launched += 1
            running += 1
            continue
        _, status = os.wait()
        running -= 1
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{TRIAL_COMMAND!r} failed")
    wall = time.perf_counter() - start
    os.close(devnull)
    return _rate(n_trials, wall)


def python_start(n_trials: int, concurrency: int, workdir: str) -> dict[str, Any]:
    """Median wall time of one interpreter start, alone, launched as a command trial is
    (through ``/bin/sh -c``): bare, and running the trial command standalone."""
    return {
        "python_pass_ms": _median_start(f"{PYTHON} -c pass", n_trials),
        "python_report_ms": _median_start(TRIAL_COMMAND, n_trials),
    }


def _median_start(command: str, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        done = subprocess.run(["/bin/sh", "-c", command], check=False, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"{command!r} failed: {done.stderr.decode()[-300:]}")
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


# -- helpers --------------------------------------------------------------------------------


def _rate(n_trials: int, wall: float) -> dict[str, float]:
    return {"trials": n_trials, "wall_s": wall, "trials_per_s": n_trials / wall}


def _cpu_seconds() -> tuple[float, float]:
    me, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def _cpu_per_trial(before: tuple[float, float], n_trials: int) -> dict[str, float]:
    """CPU milliseconds per trial of the engine process and of its (reaped) children."""
    after = _cpu_seconds()
    return {
        "engine_cpu_ms": 1e3 * (after[0] - before[0]) / n_trials,
        "trial_cpu_ms": 1e3 * (after[1] - before[1]) / n_trials,
    }


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


CASES = {
    "hyperscout-function": hyperscout_function,
    "hyperscout-command": hyperscout_command,
    "optuna-sqlite": lambda n, c, d: optuna_study(n, c, d, storage=True),
    "optuna-memory": lambda n, c, d: optuna_study(n, c, d, storage=False),
    "optuna-command": lambda n, c, d: optuna_study(n, c, d, storage=True, command=True),
    "ray-function": ray_function,
    "floor": floor,
    "python-start": python_start,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--workdir", default=None, help="fresh folder for the store")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="hs-bench-")
    os.environ["HYPERSCOUT_HOME"] = workdir  # nothing may touch ~/.hyperscout
    result = CASES[args.case](args.trials, args.concurrency, workdir)
    print(json.dumps({"case": args.case, "concurrency": args.concurrency, **result}), flush=True)


if __name__ == "__main__":
    main()
