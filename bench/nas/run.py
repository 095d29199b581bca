"""NAS strategies on Fashion-MNIST (CPU): multi-trial strategies at an equal budget of
trials, and one-shot strategies against the best of them in search time and final
accuracy.

    python bench/nas/run.py                          # the record: 5 seeds, both parts
    python bench/nas/run.py --quick                  # a look in a few minutes (prints only)
    python bench/nas/run.py --part multi --seeds 0-2 # one part, some seeds (resumes)

Two spaces (`--space`): `fashion`, examples/nas-fashion-cnn's FashionCNN (9 decisions,
16,740 architectures, where most architectures are good), and `cell`, a cell space in the
style of NAS-Bench-201 (6 edges of 5 operations, 15,625 architectures, most of them poor;
bench/nas/cell_space.py).

Multi-trial: each trial trains the frozen architecture for `--epochs` on the first
`--train` training images and scores it on the next `--val` (the search signal);
strategies ask and tell their tuners directly (no engine), one trial at a time, so every
strategy sees the same evaluations and the numbers compare strategies, not the engine.

One-shot: the supernet trains for `--supernet-epochs` on the same images with the same
optimiser (Adam, one-cycle), then the strategy exports an architecture: SPOS by
regularized evolution over the trained supernet, ENAS from its controller, DARTS by the
largest architecture weights (DARTS cannot relax a ValueChoice, so it searches the
operations, depth and skip with the widths held, see --darts-fixed). The search time is
everything from building the supernet to the exported architecture.

Final accuracy, the same for both parts: the best architecture of each run is trained
from scratch exactly as a trial trains (`--epochs` on `--train` images) with
`--retrain-seeds` other seeds and scored on the 10,000 test images; the mean is the run's
test accuracy. One torch thread throughout.

Writes bench/results/nas.md (nas-cell.md for the cell space), nas-runs.jsonl (every run of
both spaces; resumes from it) and nas-anytime.png (nas-cell-anytime.png): best validation
accuracy so far against trials.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "nas-fashion-cnn"))
sys.path.insert(0, str(ROOT / "bench"))
import cell_space
import machine
import model as fashion

from hyperscout import nas
from hyperscout.datasets import load_fashion_mnist
from hyperscout.tuners import create

MULTI = {
    "random": lambda: nas.Random(),
    "evolution": lambda: nas.RegularizedEvolution(population_size=10, sample_size=3),
    "tpe": lambda: nas.TPE(),
    "rl": lambda: nas.PolicyBasedRL(),
}
ONESHOT = {
    "spos": lambda a: nas.SPOS(search_trials=a.oneshot_trials, bn_batches=4, eval_batches=4),
    "enas": lambda a: nas.ENAS(controller_steps=50, export_samples=a.oneshot_trials // 2,
                               bn_batches=4, eval_batches=4),
    "darts": lambda a: nas.DARTS(arch_learning_rate=3e-3, bn_batches=4, eval_batches=4),
}
RESULTS = ROOT / "bench" / "results"
# Per space: how it is built and described, the trial's own training (fashion.train:
# Adam on a one-cycle schedule) and where its results go.
SPACES = {
    "fashion": {
        "build": fashion.model_space, "lr": 2e-3, "batch": 128, "stem": "nas",
        "about": "The FashionCNN space of examples/nas-fashion-cnn (9 decisions, 16,740 "
                 "architectures).",
        "darts_fixed": '{"width": 32, "stem_kernel": 3, "hidden": 128, "dropout": 0.25}',
    },
    "cell": {
        "build": cell_space.model_space, "lr": 5e-3, "batch": 64, "stem": "nas-cell",
        "about": "A cell space in the style of NAS-Bench-201 (bench/nas/cell_space.py: one "
                 "four-node cell at two stages, each of its 6 edges one of none, skip, "
                 "conv1x1, conv3x3, avgpool3x3; 15,625 architectures).",
        "darts_fixed": "{}",
    },
}


def _data(args):
    images, labels = load_fashion_mnist(args.data)
    test_images, test_labels = load_fashion_mnist(args.data, split="test")

    def tensors(x, y):
        return torch.from_numpy(x).float().div_(255).unsqueeze(1), torch.from_numpy(y).long()

    n, v = args.train, args.val
    return (tensors(images[:n], labels[:n]), tensors(images[n:n + v], labels[n:n + v]),
            tensors(test_images, test_labels))

_SETUP: dict = {}  # the chosen space's entry of SPACES, set by main


def _evaluate(space, arch, train, val, *, epochs, seed):
    torch.manual_seed(seed)
    model = space.freeze(arch)
    started = time.perf_counter()
    accuracy = fashion.train(model, *train, *val, epochs=epochs, seed=seed, lr=_SETUP["lr"],
                             batch_size=_SETUP["batch"])
    return accuracy, time.perf_counter() - started


def _retrain(space, arch, train, test, args, seed):
    scores = [_evaluate(space, arch, train, test, epochs=args.epochs, seed=seed + 1000 + k)[0]
              for k in range(args.retrain_seeds)]
    return float(np.mean(scores)), scores


def _settings(args) -> str:
    """What makes two runs comparable. The number of retraining seeds is not part of it: a
    cached run with fewer of them than asked is topped up (`_top_up`)."""
    space = "" if args.space == "fashion" else f"space={args.space} "  # older rows: fashion
    return f"{space}train={args.train} val={args.val} epochs={args.epochs}"


def _oneshot_settings(args) -> str:
    return (f"{_settings(args)} supernet_epochs={args.supernet_epochs} "
            f"oneshot_trials={args.oneshot_trials} darts_fixed={args.darts_fixed}")


def _cache(args) -> dict:
    done = {}
    path = RESULTS / "nas-runs.jsonl"
    if args.quick or not path.exists():
        return done
    for line in path.read_text().splitlines():
        row = json.loads(line)
        kind = row.get("kind", "multi")
        wanted = _settings(args) if kind == "multi" else _oneshot_settings(args)
        # rows before the retraining seeds left the settings said how many there were
        settings = re.sub(r" retrain=\d+", "", row.get("settings", ""))
        # the per-seed retraining scores are what a top-up extends; the oldest rows lack them
        if "tests" in row and settings == wanted and (kind == "oneshot" or
                                             len(row["values"]) >= args.trials):
            done[(kind, row["strategy"], row["seed"])] = row
    return done


def _keep(args, row) -> None:
    print(f"{row['strategy']:10s} seed {row['seed']}: best val {row['best_val']:.4f}, test "
          f"after retraining {row['test']:.4f}, search {row['search_seconds']:.0f} s",
          flush=True)
    if not args.quick:
        with (RESULTS / "nas-runs.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")


def _runs(kind, names, seeds, done, args, one_run, space, data) -> list[dict]:
    """Every (seed, strategy) run of a part: from the cache, or run and kept."""
    rows = []
    for seed in seeds:
        for name in names:
            row = done.get((kind, name, seed))
            if row is None:
                row = {"kind": kind, "strategy": name, "seed": seed, **one_run(name, seed)}
                _keep(args, row)
            elif len(row["tests"]) < args.retrain_seeds:
                row = _top_up(row, space, data, args)
                _keep(args, row)
            rows.append(row)
    return rows


def _top_up(row, space, data, args) -> dict:
    """The cached run with its best architecture retrained on as many seeds as asked: more
    seeds shrink the noise of the final accuracy without repeating the search."""
    train, _val, test = data
    tests = list(row["tests"])
    for k in range(len(tests), args.retrain_seeds):
        tests.append(_evaluate(space, row["best"], train, test, epochs=args.epochs,
                               seed=row["seed"] + 1000 + k)[0])
    return {**row, "tests": tests, "test": float(np.mean(tests)),
            "settings": _oneshot_settings(args) if row.get("kind") == "oneshot"
            else _settings(args)}


def run_multi(args, space, data, done, seeds) -> list[dict]:
    train, val, test = data

    def one_run(name, seed):
        strategy = MULTI[name]()
        tuner = create(strategy.tuner, space.search_space, seed=seed, **strategy.options)
        values, seconds, archs = [], [], []
        started = time.perf_counter()
        for _ in range(args.trials):
            s = tuner.ask()
            value, took = _evaluate(space, s.params, train, val, epochs=args.epochs, seed=seed)
            tuner.tell(s.id, value)
            values.append(value)
            seconds.append(took)
            archs.append(s.params)
        search = time.perf_counter() - started
        best = archs[int(np.argmax(values))]
        test_accuracy, scores = _retrain(space, best, train, test, args, seed)
        return {"values": values, "seconds": seconds, "search_seconds": search, "best": best,
                "best_val": max(values), "test": test_accuracy, "tests": scores,
                "settings": _settings(args)}

    return _runs("multi", args.multi, seeds, done, args, one_run, space, data)


def run_oneshot(args, space, data, done, seeds) -> list[dict]:
    train, val, test = data
    fixed = json.loads(args.darts_fixed)

    def one_run(name, seed):
        training = nas.Classification(train, val, epochs=args.supernet_epochs,
                                      batch_size=_SETUP["batch"], optimizer="adam",
                                      learning_rate=_SETUP["lr"],
                                      schedule="onecycle", seed=seed)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as store:  # the search's experiment and checkpoints
            result = nas.search(space, training, strategy=ONESHOT[name](args), seed=seed,
                                progress=True, storage=store,
                                **({"fixed": fixed} if name == "darts" and fixed else {}))
        search = time.perf_counter() - started
        test_accuracy, scores = _retrain(space, result.best_architecture, train, test, args,
                                         seed)
        return {"search_seconds": search, "best": result.best_architecture,
                "best_val": result.best_value, "test": test_accuracy, "tests": scores,
                "history": result.history, "settings": _oneshot_settings(args)}

    return _runs("oneshot", args.oneshot, seeds, done, args, one_run, space, data)


def _mean(rows, key):
    return float(np.mean([r[key] for r in rows])), float(np.std([r[key] for r in rows]))


def _retrained(rows) -> str:
    counts = sorted({len(r["tests"]) for r in rows}) or [0]
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def _difference(mine, base) -> str:
    """Mean test accuracy of `mine` minus `base` in points, with a 95% interval over the
    runs (normal approximation, unpaired: the strategies' runs are independent)."""
    a, b = [r["test"] for r in mine], [r["test"] for r in base]
    diff = 100 * (np.mean(a) - np.mean(b))
    if min(len(a), len(b)) < 2:
        return f"{diff:+.2f} points test"
    half = 100 * 1.96 * np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    return f"{diff:+.2f} points test (95% interval {diff - half:+.2f} to {diff + half:+.2f})"


def report(multi, oneshot, args) -> str:
    lines = ["# NAS strategies on Fashion-MNIST (CPU)", "",
             f"`{' '.join(['python', 'bench/nas/run.py'] + sys.argv[1:])}`", "",
             (f"{_SETUP['about']} A trial trains {args.epochs} epoch(s) on {args.train} images "
             f"and is scored on the next {args.val}. The best architecture of each run is "
             f"trained from scratch the same way with {_retrained(multi + oneshot)} other "
             "seed(s) and "
             "scored on the 10,000 test images (mean over those seeds: the run's test "
             f"accuracy). Adam at {_SETUP['lr']:g} on a one-cycle schedule, batches of "
             f"{_SETUP['batch']}. Search seconds are the whole search on one torch thread."),
             ""]
    best_multi = None
    if multi:
        lines += [f"## Multi-trial strategies, {args.trials} trials each", "",
                  ("| strategy | runs | mean best val accuracy | std | mean test accuracy "
                  "(retrained) | std | mean val of last 10 trials | search s |"),
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        summary = {}
        for name in MULTI:
            mine = [r for r in multi if r["strategy"] == name]
            if not mine:
                continue
            last = np.mean([np.mean(r["values"][-10:]) for r in mine])
            summary[name] = {"best_val": _mean(mine, "best_val")[0],
                             "test": _mean(mine, "test")[0],
                             "search": _mean(mine, "search_seconds")[0]}
            (bv, bs), (tv, ts) = _mean(mine, "best_val"), _mean(mine, "test")
            lines.append(f"| {name} | {len(mine)} | {bv:.4f} | {bs:.4f} | {tv:.4f} | {ts:.4f} "
                         f"| {last:.4f} | {summary[name]['search']:.0f} |")
        lines += ["", "Per seed (best val / test):", ""]
        for name in summary:
            cells = [f"{r['best_val']:.4f} / {r['test']:.4f}" for r in multi
                     if r["strategy"] == name]
            lines.append(f"- {name}: " + ", ".join(cells))
        if "random" in summary:
            base = summary["random"]
            lines += ["", ("Against random search (ratio of mean best val accuracy; difference "
                      "of mean test accuracy in points):"), ""]
            for name, s in summary.items():
                if name != "random":
                    mine = [r for r in multi if r["strategy"] == name]
                    randoms = [r for r in multi if r["strategy"] == "random"]
                    lines.append(f"- {name}: {s['best_val'] / base['best_val']:.4f}x val, "
                                 + _difference(mine, randoms))
        best_multi = max(summary, key=lambda n: summary[n]["test"])
        lines += ["", f"![best validation accuracy so far]({_SETUP['stem']}-anytime.png)", ""]
    if oneshot:
        lines += [f"## One-shot strategies, supernet trained {args.supernet_epochs} epochs", ""]
        if best_multi:
            ref = summary[best_multi]
            lines.append(f"Against the best multi-trial strategy by mean test accuracy, "
                         f"{best_multi} ({ref['test']:.4f} in {ref['search']:.0f} s):")
            lines.append("")
        lines += [("| strategy | runs | mean test accuracy (retrained) | std | mean val on "
                  "shared weights | search s | search time vs best multi-trial | test "
                  "accuracy vs best multi-trial |"), "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name in ONESHOT:
            mine = [r for r in oneshot if r["strategy"] == name]
            if not mine:
                continue
            (tv, ts), (bv, _), (sv, _) = (_mean(mine, "test"), _mean(mine, "best_val"),
                                          _mean(mine, "search_seconds"))
            vs = ("| - | - |" if not best_multi else
                  f"| {sv / summary[best_multi]['search']:.3f}x | "
                  f"{100 * (tv - summary[best_multi]['test']):+.2f} points |")
            lines.append(f"| {name} | {len(mine)} | {tv:.4f} | {ts:.4f} | {bv:.4f} | {sv:.0f} "
                         + vs)
        lines += ["", "Per seed (test / search s / architecture):", ""]
        for r in oneshot:
            arch = ", ".join(f"{k}={v}" for k, v in r["best"].items())
            lines.append(f"- {r['strategy']} seed {r['seed']}: {r['test']:.4f} / "
                         f"{r['search_seconds']:.0f} s / {arch}")
        if fixed := json.loads(args.darts_fixed):
            lines += ["", f"DARTS holds the value choices at {json.dumps(fixed)}."]
    lines += ["", (f"Machine: {machine.cpu_model()}, torch {torch.__version__} on one thread; "
              f"hyperscout {machine.git_revision()}; {machine.timestamp()}.")]
    return "\n".join(lines) + "\n"


def plot(rows, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in MULTI:
        curves = [np.maximum.accumulate(r["values"]) for r in rows if r["strategy"] == name]
        if curves:
            ax.plot(range(1, args.trials + 1), np.mean(curves, 0), label=name)
    ax.set_xlabel("trials")
    ax.set_ylabel("best validation accuracy so far (mean of seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / f"{_SETUP['stem']}-anytime.png", dpi=110)


def _hand_written(path: Path) -> str:
    """The sections of the last report whose heading says "(written by hand)": a new
    report keeps them (from the first such heading to the end)."""
    text = path.read_text() if path.exists() else ""
    at = re.search(r"^## .*\(written by hand\)", text, flags=re.MULTILINE)
    return "\n" + text[at.start():] if at else ""


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" /
                                              "fashion-mnist"))
    parser.add_argument("--space", choices=tuple(SPACES), default="fashion")
    parser.add_argument("--part", choices=("all", "multi", "oneshot"), default="all")
    parser.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 1,3")
    parser.add_argument("--multi", default=",".join(MULTI))
    parser.add_argument("--oneshot", default=",".join(ONESHOT))
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--train", type=int, default=4000)
    parser.add_argument("--val", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--retrain-seeds", type=int, default=2)
    parser.add_argument("--supernet-epochs", type=int, default=6)
    parser.add_argument("--oneshot-trials", type=int, default=40)
    parser.add_argument("--darts-fixed",
                        help="JSON of the value choices DARTS holds (it cannot relax them); "
                             "default: the space's middle values")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings, one seed, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.train, args.val, args.epochs = 10, 1000, 500, 1
        args.retrain_seeds, args.supernet_epochs, args.oneshot_trials = 1, 2, 10
        args.seeds = "0"
    args.multi = [s for s in args.multi.split(",") if s]
    args.oneshot = [s for s in args.oneshot.split(",") if s]
    unknown = sorted(set(args.multi) - set(MULTI)) + sorted(set(args.oneshot) - set(ONESHOT))
    if unknown:
        parser.error(f"unknown strategies {unknown}; multi-trial: {list(MULTI)}, one-shot: "
                     f"{list(ONESHOT)}")
    _SETUP.update(SPACES[args.space])
    if args.darts_fixed is None:
        args.darts_fixed = _SETUP["darts_fixed"]
    torch.set_num_threads(1)
    space = _SETUP["build"]()
    data = _data(args)
    done = _cache(args)
    seeds = _seeds(args.seeds)
    multi = run_multi(args, space, data, done, seeds) if args.part != "oneshot" else []
    oneshot = run_oneshot(args, space, data, done, seeds) if args.part != "multi" else []
    if not args.quick:  # the report covers every cached run of these settings
        every = _cache(args)
        multi = sorted((r for (k, _, _), r in every.items() if k == "multi"),
                       key=lambda r: (r["seed"], list(MULTI).index(r["strategy"])))
        oneshot = sorted((r for (k, _, _), r in every.items() if k == "oneshot"),
                         key=lambda r: (r["seed"], list(ONESHOT).index(r["strategy"])))
        if multi:
            plot(multi, args)
    text = report(multi, oneshot, args)
    if not args.quick:
        path = RESULTS / f"{_SETUP['stem']}.md"
        path.write_text(text + _hand_written(path))
    print(text)


if __name__ == "__main__":
    main()
