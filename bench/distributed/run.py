"""hyperscout on a Ray cluster against Ray Tune itself, side by side in one run.

One local multi-node Ray cluster (`ray.cluster_utils.Cluster`: a head with no CPUs for
trials and two worker nodes, 16 logical CPUs in all) serves every case. At concurrency C
each trial asks for 16/C CPUs, so exactly C trials fit at once, for both libraries:

    hyperscout-ray      hyperscout's engine, `executor="ray"` (random tuner)
    raytune-default     Ray Tune's Tuner with its defaults (a fresh actor per trial)
    raytune-reuse       Ray Tune with `reuse_actors=True`
    hyperscout-local    hyperscout's local executor on this machine (reference, no Ray)

Workloads: trivial trials (return a number) and 1-second sleep trials (4 waves of C).
Measured: wall time of the whole search (after the cluster is up), trials per second,
and overhead per trial = wall x C / trials - the trial's own work.

`--scale N`: N trivial trials at concurrency 64 through hyperscout on a cluster of two
32-CPU nodes, sampling every few seconds the trials done, the engine's CPU time and the
store's size.

    python bench/distributed/run.py                 # side by side, writes the results
    python bench/distributed/run.py --scale 10000   # the scale run, added to the results
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import machine  # noqa: E402

RESULTS = machine.REPO / "bench" / "results"
RAW = RESULTS / "distributed.json"
TOTAL_CPUS = 16  # logical CPUs of the two worker nodes together
SPACE = {"x": {"_type": "uniform", "_value": [0.0, 1.0]}}


def trivial(params: dict[str, Any]) -> float:
    return params["x"]


def sleeper(params: dict[str, Any]) -> float:
    time.sleep(1.0)
    return params["x"]


def tune_trivial(config: dict[str, Any]) -> dict[str, float]:
    return {"score": config["x"]}


def tune_sleeper(config: dict[str, Any]) -> dict[str, float]:
    time.sleep(1.0)
    return {"score": config["x"]}


WORKLOADS = {"trivial": (trivial, tune_trivial, 0.0), "sleep-1s": (sleeper, tune_sleeper, 1.0)}


# -- the cluster ------------------------------------------------------------------------------

def start_cluster(cpus_per_node: int) -> tuple[Any, str]:
    os.environ["RAY_AUTH_MODE"] = "disabled"
    base = tempfile.mkdtemp(prefix="hsd-", dir="/tmp")  # Ray's socket paths must stay short
    os.environ["RAY_TMPDIR"] = base
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "temp_dir": os.path.join(base, "ray"), "include_dashboard": False})
    for _ in range(2):
        cluster.add_node(num_cpus=cpus_per_node)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    cluster.wait_for_nodes()
    return cluster, base


# -- the cases ----------------------------------------------------------------------------------

def hyperscout_case(executor: str, workload: str, n: int, concurrency: int,
                    workdir: str) -> dict[str, Any]:
    from hyperscout import Experiment, TrialState

    fn = WORKLOADS[workload][0]
    kwargs: dict[str, Any] = {}
    if executor == "ray":
        kwargs["executor_args"] = {"cpus_per_trial": TOTAL_CPUS / concurrency}
    exp = Experiment(fn, SPACE, max_trials=n, concurrency=concurrency, tuner="random",
                     executor=executor, storage=os.path.join(workdir, "store"),
                     progress=False, seed=0, **kwargs)
    start = time.perf_counter()
    exp.run()
    wall = time.perf_counter() - start
    ok = sum(t.state is TrialState.SUCCEEDED for t in exp.trials())
    return {"wall_s": wall, "succeeded": ok}


def raytune_case(reuse: bool, workload: str, n: int, concurrency: int,
                 workdir: str) -> dict[str, Any]:
    from ray import tune

    fn = WORKLOADS[workload][1]
    tuner = tune.Tuner(
        tune.with_resources(fn, {"cpu": TOTAL_CPUS / concurrency}),
        param_space={"x": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(num_samples=n, max_concurrent_trials=concurrency,
                                    metric="score", mode="max", reuse_actors=reuse),
        run_config=tune.RunConfig(storage_path=os.path.join(workdir, "tune"), verbose=0),
    )
    start = time.perf_counter()
    results = tuner.fit()
    wall = time.perf_counter() - start
    return {"wall_s": wall, "succeeded": len(results) - results.num_errors}


CASES = {
    "hyperscout-ray": lambda *a: hyperscout_case("ray", *a),
    "raytune-default": lambda *a: raytune_case(False, *a),
    "raytune-reuse": lambda *a: raytune_case(True, *a),
    "hyperscout-local": lambda *a: hyperscout_case("local", *a),
}


def run_case(case: str, workload: str, n: int, concurrency: int) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix="hsd-case-")
    busy_before = _machine_busy()
    try:
        out = CASES[case](workload, n, concurrency, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    work = WORKLOADS[workload][2]
    out.update(case=case, workload=workload, trials=n, concurrency=concurrency,
               trials_per_s=n / out["wall_s"],
               overhead_ms=1e3 * (out["wall_s"] * concurrency / n - work),
               cpu_busy=_machine_busy() - busy_before)
    print(f"{workload:9s} c={concurrency:<3d} {case:17s} {out['wall_s']:7.2f} s "
          f"{out['trials_per_s']:7.2f} trials/s  overhead {out['overhead_ms']:7.1f} ms/trial "
          f"({out['succeeded']}/{n} ok)", flush=True)
    return out


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def side_by_side(args: argparse.Namespace) -> list[dict[str, Any]]:
    cluster, base = start_cluster(TOTAL_CPUS // 2)
    rows = []
    try:
        for case in CASES:  # warm the worker pools once, not measured
            run_case(case, "trivial", 8, 8)
        for concurrency in args.concurrency:
            for workload in args.workloads:
                n = args.trivial_trials if workload == "trivial" else 4 * concurrency
                order = list(CASES)
                shift = args.concurrency.index(concurrency)
                for case in order[shift:] + order[:shift]:  # who goes first rotates
                    rows.append(run_case(case, workload, n, concurrency))
    finally:
        import ray

        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    return rows


def scale(n: int, concurrency: int) -> dict[str, Any]:
    from hyperscout import Experiment, TrialState
    from hyperscout.store import Store

    cluster, base = start_cluster(concurrency // 2)
    workdir = tempfile.mkdtemp(prefix="hsd-scale-")
    storage = os.path.join(workdir, "store")
    samples: list[dict[str, float]] = []
    done = threading.Event()
    exp = Experiment(trivial, SPACE, max_trials=n, concurrency=concurrency, tuner="random",
                     executor="ray", executor_args={"cpus_per_trial": 1},
                     storage=storage, progress=False, seed=0)
    start = time.perf_counter()

    def sample() -> None:
        reader = Store(storage)
        while not done.wait(5.0):
            if exp.id is None:
                continue
            finished = sum(t.ended is not None for t in reader.trials(exp.id))
            me = resource.getrusage(resource.RUSAGE_SELF)
            samples.append({"t": time.perf_counter() - start, "finished": finished,
                            "engine_cpu_s": me.ru_utime + me.ru_stime,
                            "db_bytes": _db_bytes(storage)})
        reader.close()

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        exp.run()
        wall = time.perf_counter() - start
        done.set()
        thread.join()
        trials = exp.trials()
        me = resource.getrusage(resource.RUSAGE_SELF)
        result = {"trials": n, "concurrency": concurrency, "wall_s": wall,
                  "succeeded": sum(t.state is TrialState.SUCCEEDED for t in trials),
                  "engine_cpu_s": me.ru_utime + me.ru_stime, "db_bytes": _db_bytes(storage),
                  "samples": samples}
    finally:
        import ray

        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"scale: {n} trials at concurrency {concurrency} in {result['wall_s']:.1f} s "
          f"({n / result['wall_s']:.1f} trials/s), {result['succeeded']} succeeded, engine CPU "
          f"{result['engine_cpu_s']:.1f} s, store {result['db_bytes'] / 2**20:.1f} MiB", flush=True)
    return result


def _db_bytes(storage: str) -> int:
    return sum(p.stat().st_size for p in Path(storage).glob("hyperscout.db*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--trivial-trials", type=int, default=128)
    parser.add_argument("--scale", type=int, metavar="N", help="run the scale case instead")
    parser.add_argument("--scale-concurrency", type=int, default=64)
    args = parser.parse_args()
    raw = json.loads(RAW.read_text()) if RAW.exists() else {}
    info = {"date": machine.timestamp(), "cpu": machine.cpu_model(), "cores": os.cpu_count(),
            "revision": machine.git_revision(),
            "versions": {p: machine.version(p) for p in ("hyperscout", "ray")},
            "command": "python bench/distributed/" + " ".join(["run.py", *sys.argv[1:]])}
    if args.scale:
        raw["scale"] = {"info": info, **scale(args.scale, args.scale_concurrency)}
    else:
        raw["side_by_side"] = {"info": info, "rows": side_by_side(args)}
    RAW.write_text(json.dumps(raw, indent=1))
    from report import render  # noqa: PLC0415 - beside this file

    (RESULTS / "distributed.md").write_text(render(raw))
    print(f"wrote {RESULTS / 'distributed.md'}")


if __name__ == "__main__":
    main()
