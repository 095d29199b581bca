"""Multi-fidelity benchmark: hyperscout's schedulers and assessors against Optuna's
pruners, side by side in one run, on the tabulated Fashion-MNIST curves of trainer.py.

Every competitor gets the same total budget in epochs (`--epochs`) per seed. A run's
trace is every epoch it trained, in order: (cumulative epochs, cumulative wall seconds,
validation accuracy). Wall seconds are the tabulated training time of those epochs plus
the competitor's own real elapsed time (engine, processes, sampler), so overhead counts.

    python bench/multifidelity/run.py --task mlp [--seeds 0-4] [--epochs 200]

Prints and writes bench/results/multifidelity.md (its "Anytime" sections) and a PNG plot.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import trainer
from machine import cpu_model, git_revision, timestamp, version

MAX_EPOCHS = trainer.EPOCHS

# state a run shares with its trial processes (they fork from this one)
_RUN: dict[str, Any] = {}


class _Budget:
    """The epochs a run trained, appended to a log file that trial processes share."""

    def __init__(self, path: Path, limit: int, curves: dict[str, list[dict]], seed: int):
        self.path, self.limit, self.curves, self.seed = path, limit, curves, seed
        self.started = time.perf_counter()
        # Replayed epochs take no time, so an engine that decides asynchronously (an
        # assessor) would only ever act after a trial had finished. A trial run through
        # the engine pauses this long after each epoch's report, as a real epoch would
        # give the engine time to answer; the pauses are not counted as wall time.
        self.pause = 0.0

    def spent(self) -> int:
        try:
            return sum(1 for _ in self.path.open())
        except FileNotFoundError:
            return 0

    def train(self, params: dict[str, Any], start: int, stop: int,
              report: Callable[[float, int], None] | None = None) -> float | None:
        """'Train' epochs start+1..stop of `params` (the tabulated curve); None once the
        budget is spent. Each epoch is logged before it is reported."""
        # a seed's world is one training seed, the same for every configuration (a table
        # still being filled has more seeds for some configurations than for others)
        worlds = min(len(r) for r in self.curves.values())
        curve = self.curves[trainer.config_key(params)][self.seed % worlds]
        acc = None
        for epoch in range(start + 1, stop + 1):
            spent = self.spent()
            if spent >= self.limit:
                return None
            acc = curve["acc"][epoch - 1]
            real = time.perf_counter() - self.started - spent * self.pause
            line = json.dumps({"acc": acc, "sec": curve["sec"][epoch - 1], "real": real})
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, (line + "\n").encode())
            os.close(fd)
            if report is not None:
                report(acc, epoch)
                time.sleep(self.pause)
        return acc

    def trace(self) -> list[dict[str, float]]:
        rows = [json.loads(line) for line in self.path.open()][: self.limit]
        out, sec = [], 0.0
        for i, row in enumerate(rows, 1):
            sec += row["sec"]
            out.append({"epochs": i, "wall": sec + row["real"], "acc": row["acc"]})
        return out


# -- hyperscout ------------------------------------------------------------------------
def _hs_trial(params: dict[str, Any]) -> float | None:
    import hyperscout
    from hyperscout.store import Store

    budget: _Budget = _RUN["budget"]
    params = {k: v for k, v in params.items() if k != "TRIAL_BUDGET"}
    stop = int(hyperscout.get_budget(MAX_EPOCHS))
    start = 0
    previous = hyperscout.load_checkpoint_dir()
    if previous is not None:
        start = json.loads((previous / "state.json").read_text())["epoch"]
    acc = budget.train(params, start, stop,
                       lambda a, e: hyperscout.report_intermediate_result(a, step=e))
    if acc is None:  # the run's epochs are spent: end the experiment through its control path
        Store(_RUN["storage"]).add_command(hyperscout.get_experiment_id(), "stop")
        raise RuntimeError("epoch budget spent")
    (hyperscout.checkpoint_dir() / "state.json").write_text(json.dumps({"epoch": stop}))
    return acc


def _hyperscout(options: dict[str, Any]) -> Callable[[str, int, _Budget], None]:
    def run(task: str, seed: int, budget: _Budget) -> None:
        from hyperscout import Experiment

        with tempfile.TemporaryDirectory() as storage:
            budget.pause = 0.03
            _RUN.update(budget=budget, storage=storage)
            exp = Experiment(_hs_trial, trainer.SPACES[task], direction="maximize", seed=seed,
                             storage=storage, progress=False, max_trials=10_000, **options)
            exp.run()

    return run


# -- Optuna ----------------------------------------------------------------------------
def _optuna(pruner: Callable[[], Any]) -> Callable[[str, int, _Budget], None]:
    def run(task: str, seed: int, budget: _Budget) -> None:
        import optuna

        from hyperscout.space import as_space

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        space = as_space(trainer.SPACES[task])
        study = optuna.create_study(direction="maximize", pruner=pruner(),
                                    sampler=optuna.samplers.TPESampler(seed=seed))

        def objective(trial: Any) -> float:
            params = _suggest(trial, trainer.SPACES[task])
            space.validate(space.from_params(params))
            acc = None
            for epoch in range(1, MAX_EPOCHS + 1):
                acc = budget.train(params, epoch - 1, epoch)
                if acc is None:
                    study.stop()
                    raise optuna.TrialPruned()
                trial.report(acc, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return acc

        study.optimize(objective, n_trials=10_000)

    return run


def _suggest(trial: Any, nni_space: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """NNI choices (nested ones too) as Optuna categorical suggestions."""
    out: dict[str, Any] = {}
    for name, spec in nni_space.items():
        values = spec["_value"]
        if values and isinstance(values[0], dict) and "_name" in values[0]:
            names = [v["_name"] for v in values]
            picked = trial.suggest_categorical(prefix + name, names)
            option = values[names.index(picked)]
            sub = {k: v for k, v in option.items() if k != "_name"}
            out[name] = {"_name": picked, **_suggest(trial, sub, f"{prefix}{name}/{picked}/")}
        else:
            out[name] = trial.suggest_categorical(prefix + name, values)
    return out


# -- Ray Tune ---------------------------------------------------------------------------
def _ray_asha(task: str, seed: int, budget: _Budget) -> None:
    import logging
    import shutil

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.basic_variant import BasicVariantGenerator
    from ray.tune.stopper import Stopper

    flat, rebuild = _ray_space(trainer.SPACES[task])

    def trainable(config: dict[str, Any]) -> None:
        params = rebuild(config)
        for epoch in range(1, MAX_EPOCHS + 1):
            acc = budget.train(params, epoch - 1, epoch)
            if acc is None:
                return
            tune.report({"acc": acc, "epoch": epoch})

    class Spent(Stopper):
        def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
            return False

        def stop_all(self) -> bool:
            return budget.spent() >= budget.limit

    ray_dir = tempfile.mkdtemp(prefix="hsray-", dir="/tmp")  # short: socket paths
    ray.init(_temp_dir=ray_dir, num_cpus=1, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)
    budget.started = time.perf_counter()  # ray.init (~7 s) is not charged to the search
    try:
        with tempfile.TemporaryDirectory() as storage:
            tuner = tune.Tuner(
                trainable, param_space=flat,
                tune_config=tune.TuneConfig(
                    metric="acc", mode="max", num_samples=2000, max_concurrent_trials=1,
                    search_alg=BasicVariantGenerator(random_state=seed),
                    scheduler=ASHAScheduler(max_t=MAX_EPOCHS, grace_period=1,
                                            reduction_factor=3),
                    reuse_actors=True),
                run_config=tune.RunConfig(storage_path=storage, verbose=0, stop=Spent()))
            tuner.fit()
    finally:
        ray.shutdown()
        shutil.rmtree(ray_dir, ignore_errors=True)


def _ray_space(nni_space: dict[str, Any]) -> tuple[dict[str, Any], Callable[..., dict]]:
    """A flat Ray Tune space for the NNI choices (nested options become sibling keys
    ``name/option/child``) and the function that rebuilds NNI-shaped params."""
    from ray import tune

    flat: dict[str, Any] = {}
    nested: dict[str, list[dict[str, Any]]] = {}
    for name, spec in nni_space.items():
        values = spec["_value"]
        if values and isinstance(values[0], dict) and "_name" in values[0]:
            nested[name] = values
            flat[name] = tune.choice([v["_name"] for v in values])
            for option in values:
                for child, sub in option.items():
                    if child != "_name":
                        flat[f"{name}/{option['_name']}/{child}"] = tune.choice(sub["_value"])
        else:
            flat[name] = tune.choice(values)

    def rebuild(config: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in config.items() if "/" not in k}
        for name, options in nested.items():
            picked = config[name]
            option = next(o for o in options if o["_name"] == picked)
            out[name] = {"_name": picked, **{c: config[f"{name}/{picked}/{c}"]
                                             for c in option if c != "_name"}}
        return out

    return flat, rebuild


def competitors() -> dict[str, tuple[str, Callable[[str, int, _Budget], None]]]:
    import optuna

    hb = {"max_epochs": MAX_EPOCHS, "factor": 3, "hyperband_iterations": 20}
    return {
        "hs-hyperband": ("Hyperband (random configs), checkpoints",
                         _hyperscout({"tuner": "random", "scheduler": "hyperband",
                                      "scheduler_args": hb})),
        "hs-bohb": ("BOHB, checkpoints", _hyperscout({"tuner": "random", "scheduler": "bohb",
                                                     "scheduler_args": hb})),
        "hs-asha": ("ASHA over TPE, checkpoints",
                    _hyperscout({"tuner": "tpe", "scheduler": "asha",
                                 "scheduler_args": {"max_t": MAX_EPOCHS, "grace_period": 1,
                                                    "reduction_factor": 3}})),
        "hs-tpe-median": ("TPE + median assessor (start_step 2)",
                          _hyperscout({"tuner": "tpe", "assessor": "median",
                                       "assessor_args": {"start_step": 2}})),
        "hs-random-full": ("random search, every trial 10 epochs",
                           _hyperscout({"tuner": "random"})),
        "optuna-hyperband": ("TPESampler + HyperbandPruner(1, 10, 3)", _optuna(
            lambda: optuna.pruners.HyperbandPruner(min_resource=1, max_resource=MAX_EPOCHS,
                                                   reduction_factor=3))),
        "optuna-sha": ("TPESampler + SuccessiveHalvingPruner(1, 3)", _optuna(
            lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))),
        "optuna-median": ("TPESampler + MedianPruner(n_warmup_steps=2)", _optuna(
            lambda: optuna.pruners.MedianPruner(n_warmup_steps=2))),
        "ray-asha": (("Ray Tune: random search + ASHAScheduler(max_t=10, grace_period=1, "
                      "reduction_factor=3)"), _ray_asha),
    }


# -- the run ---------------------------------------------------------------------------
def run_all(task: str, seeds: list[int], epochs: int, names: list[str]) -> dict[str, Any]:
    table = trainer.load_table(task)
    curves = table["curves"]
    comps = competitors()
    traces: dict[str, dict[int, list[dict[str, float]]]] = {}
    for name in names:
        _, run = comps[name]
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                budget = _Budget(Path(tmp) / "epochs.jsonl", epochs, curves, seed)
                started = time.perf_counter()
                run(task, seed, budget)
                trace = budget.trace()
            traces.setdefault(name, {})[seed] = trace
            best = max((r["acc"] for r in trace), default=float("nan"))
            print(f"{task} {name} seed {seed}: {len(trace)} epochs, best {best:.4f}, "
                  f"{time.perf_counter() - started:.1f}s", flush=True)
    return {"task": task, "epochs": epochs, "seeds": seeds, "traces": traces,
            "descriptions": {n: comps[n][0] for n in names}}


def report(result: dict[str, Any], png: Path | None) -> str:
    traces, task, epochs = result["traces"], result["task"], result["epochs"]
    seeds = result["seeds"]
    # a seed is one world (its training seed): the target is 0.5 points below the best
    # accuracy any competitor found in that seed
    best = {s: max(r["acc"] for runs in traces.values() for r in runs[s]) for s in seeds}
    target = {s: best[s] - 0.005 for s in seeds}
    marks = [m for m in (10, 20, 30, 50, 75, 100, 150, 200, 300, 400) if m <= epochs]
    mean_target = statistics.mean(target.values())
    lines = [f"## Anytime: task {task} ({epochs} epochs per run, seeds {seeds[0]}-{seeds[-1]})",
             "",
             ("Best validation accuracy reached (median over seeds) after N cumulative "
              "training epochs. Each seed's target is 0.5 points below the best accuracy any "
              f"competitor found in that seed (mean target {mean_target:.4f})."),
             "",
             "| competitor | " + " | ".join(f"@{m}" for m in marks) + " |",
             "|---|" + "---:|" * len(marks)]
    for name, runs in traces.items():
        row = []
        for m in marks:
            vals = [max((r["acc"] for r in t[:m]), default=0.0) for t in runs.values()]
            row.append(f"{statistics.median(vals):.4f}")
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    lines += ["", ("Epochs and wall seconds to reach the target (median over seeds; a seed that "
                   "never reaches it counts as the whole budget; + marks a median that did not "
                   "reach it):"), "",
              "| competitor | epochs to target | wall s to target | seeds reaching it | what |",
              "|---|---:|---:|---:|---|"]
    summary = {}
    for name, runs in traces.items():
        eps, walls, reached = [], [], 0
        for s, t in runs.items():
            hit = next((r for r in t if r["acc"] >= target[s]), None)
            if hit is None:
                eps.append(float(epochs))
                walls.append(t[-1]["wall"] if t else float("nan"))
            else:
                reached += 1
                eps.append(hit["epochs"])
                walls.append(hit["wall"])
        med_e, med_w = statistics.median(eps), statistics.median(walls)
        summary[name] = med_e
        more = "+" if reached < len(runs) / 2 else ""
        lines.append(f"| {name} | {med_e:.0f}{more} | {med_w:.1f}{more} | {reached}/{len(runs)} "
                     f"| {result['descriptions'][name]} |")
    hs = {n: e for n, e in summary.items() if n.startswith("hs-") and n != "hs-random-full"}
    opt = {n: e for n, e in summary.items() if n.startswith("optuna-")}
    if hs and "hs-random-full" in summary:
        best_hs = min(hs, key=hs.get)
        lines += ["", f"Goal check: hyperscout's best, {best_hs}, needs {hs[best_hs]:.0f} epochs; "
                  f"random search with full budgets {summary['hs-random-full']:.0f} (ratio "
                  f"{hs[best_hs] / summary['hs-random-full']:.2f}, goal <= 0.5)"
                  + (f"; Optuna's best, {min(opt, key=opt.get)}, {min(opt.values()):.0f} (ratio "
                     f"{hs[best_hs] / min(opt.values()):.2f}, goal < 1)." if opt else ".")]
    if png is not None:
        _plot(traces, task, statistics.mean(target.values()), png)
        lines += ["", f"![anytime curves, task {task}]({png.name})"]
    return "\n".join(lines)


def _plot(traces: dict[str, Any], task: str, target: float, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, runs in traces.items():
        n = max(len(t) for t in runs.values())
        xs = list(range(1, n + 1))
        ys = [statistics.median(max(r["acc"] for r in t[:x]) for t in runs.values() if t)
              for x in xs]
        ax.plot(xs, ys, label=name, linestyle="-" if name.startswith("hs-") else "--")
    ax.axhline(target, color="grey", linewidth=0.8, linestyle=":")
    lo = min(statistics.median(t[0]["acc"] for t in runs.values() if t) for runs in traces.values())
    ax.set_ylim(max(lo, target - 0.05), target + 0.015)
    ax.set_xlabel("cumulative training epochs")
    ax.set_ylabel("best validation accuracy (median over seeds)")
    ax.set_title(f"Fashion-MNIST, task {task}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(trainer.SPACES), default="mlp")
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--competitors", default=None, help="comma-separated names")
    parser.add_argument("--no-output", action="store_true")
    args = parser.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    names = args.competitors.split(",") if args.competitors else list(competitors())
    result = run_all(args.task, seeds, args.epochs, names)
    out = trainer.RESULTS / "multifidelity.md"
    png = None if args.no_output else trainer.RESULTS / f"multifidelity-{args.task}.png"
    text = report(result, png)
    text += (f"\n\nMachine: {cpu_model()}, {os.cpu_count()} cores; Python "
             f"{sys.version.split()[0]}; hyperscout {git_revision()}, optuna "
             f"{version('optuna')}, torch {version('torch')}; {timestamp()}. Curves: "
             f"`bench/results/mf-curves-{args.task}.json.gz` from trainer.py.")
    print(text)
    if not args.no_output:
        from overhead import _merge

        out.write_text(_merge(out, text, f"## Anytime: task {args.task} "))


if __name__ == "__main__":
    main()
