"""Multi-trial NAS strategies at an equal budget of trials on Fashion-MNIST (CPU).

    python bench/nas/run.py                     # 4 strategies x 5 seeds x 30 trials
    python bench/nas/run.py --trials 10 --seeds 2 --train 1000    # a quick look

The space is examples/nas-fashion-cnn's FashionCNN (9 decisions, 16,740 architectures).
Each trial trains the frozen architecture for `--epochs` on the first `--train` training
images and scores it on the next `--val` (the search signal). After the search, the best
architecture of each run is retrained from scratch on `--train` images with another seed
and scored on the official test split: the final accuracy. Strategies ask and tell their
tuners directly (no engine), one trial at a time on one torch thread, so every strategy
sees the same evaluations and the numbers compare strategies, not the engine.

Writes bench/results/nas.md, nas-runs.jsonl (every evaluation; resumes from it) and
nas-anytime.png (best validation accuracy so far against trials).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "nas-fashion-cnn"))
sys.path.insert(0, str(ROOT / "bench"))
import machine  # noqa: E402
import model as fashion  # noqa: E402

from hyperscout import nas  # noqa: E402
from hyperscout.datasets import load_fashion_mnist  # noqa: E402
from hyperscout.tuners import create  # noqa: E402

STRATEGIES = {
    "random": nas.Random(),
    "evolution": nas.RegularizedEvolution(population_size=10, sample_size=3),
    "tpe": nas.TPE(),
    "rl": nas.PolicyBasedRL(),
}
RESULTS = ROOT / "bench" / "results"


def _data(args):
    images, labels = load_fashion_mnist(args.data)
    test_images, test_labels = load_fashion_mnist(args.data, split="test")

    def tensors(x, y):
        return torch.from_numpy(x).float().div_(255).unsqueeze(1), torch.from_numpy(y).long()

    n, v = args.train, args.val
    return (tensors(images[:n], labels[:n]), tensors(images[n:n + v], labels[n:n + v]),
            tensors(test_images, test_labels))


def _evaluate(space, arch, train, val, *, epochs, seed):
    torch.manual_seed(seed)
    model = space.freeze(arch)
    started = time.perf_counter()
    accuracy = fashion.train(model, *train, *val, epochs=epochs, seed=seed)
    return accuracy, time.perf_counter() - started


def _settings(args) -> str:
    return f"train={args.train} val={args.val} epochs={args.epochs}"


def run(args) -> list[dict]:
    torch.set_num_threads(1)
    space = fashion.model_space()
    train, val, test = _data(args)
    cache = RESULTS / "nas-runs.jsonl"
    done = {}
    if cache.exists():
        for line in cache.read_text().splitlines():
            row = json.loads(line)
            if row.get("settings") == _settings(args):
                done[(row["strategy"], row["seed"])] = row
    rows = []
    for seed in range(args.seeds):
        for name, strategy in STRATEGIES.items():
            key = (name, seed)
            if key in done and len(done[key]["values"]) >= args.trials:
                rows.append(done[key])
                continue
            tuner = create(strategy.tuner, space.search_space, seed=seed, **strategy.options)
            values, seconds, archs = [], [], []
            for _ in range(args.trials):
                s = tuner.ask()
                value, took = _evaluate(space, s.params, train, val, epochs=args.epochs,
                                        seed=seed)
                tuner.tell(s.id, value)
                values.append(value)
                seconds.append(took)
                archs.append(s.params)
            best = archs[int(np.argmax(values))]
            test_accuracy, _ = _evaluate(space, best, train, test, epochs=args.epochs,
                                         seed=seed + 1000)
            row = {"strategy": name, "seed": seed, "values": values, "seconds": seconds,
                   "best": best, "test": test_accuracy, "settings": _settings(args)}
            print(f"{name:10s} seed {seed}: best val {max(values):.4f}, test after "
                  f"retraining {test_accuracy:.4f}, {sum(seconds):.0f} s", flush=True)
            with cache.open("a") as f:
                f.write(json.dumps(row) + "\n")
            rows.append(row)
    return rows


def report(rows, args) -> str:
    lines = ["# Multi-trial NAS strategies at an equal budget (Fashion-MNIST, CPU)", "",
             f"`python bench/nas/run.py --trials {args.trials} --seeds {args.seeds} --train "
             f"{args.train} --val {args.val} --epochs {args.epochs}`: the FashionCNN space of "
             "examples/nas-fashion-cnn (9 decisions, 16,740 architectures); each trial trains "
             f"{args.epochs} epoch(s) on {args.train} images and is scored on the next "
             f"{args.val}; the best architecture of each run is retrained (another seed) and "
             "scored on the 10,000 test images.", "",
             "| strategy | mean best val accuracy | std | mean test accuracy (retrained) | std "
             "| mean val of last 10 trials | search s |", "|---|---:|---:|---:|---:|---:|---:|"]
    summary = {}
    for name in STRATEGIES:
        mine = [r for r in rows if r["strategy"] == name]
        best = [max(r["values"][:args.trials]) for r in mine]
        test = [r["test"] for r in mine]
        last = [np.mean(r["values"][args.trials - 10:args.trials]) for r in mine]
        seconds = [sum(r["seconds"][:args.trials]) for r in mine]
        summary[name] = (np.mean(best), np.mean(test))
        lines.append(f"| {name} | {np.mean(best):.4f} | {np.std(best):.4f} | "
                     f"{np.mean(test):.4f} | {np.std(test):.4f} | {np.mean(last):.4f} | "
                     f"{np.mean(seconds):.0f} |")
    lines += ["", "Per seed (best val / test):", ""]
    for name in STRATEGIES:
        cells = [f"{max(r['values'][:args.trials]):.4f} / {r['test']:.4f}"
                 for r in rows if r["strategy"] == name]
        lines.append(f"- {name}: " + ", ".join(cells))
    base_best, base_test = summary["random"]
    lines += ["", "Against random search (ratio of mean best val accuracy; difference of mean "
              "test accuracy in points):", ""]
    for name in STRATEGIES:
        if name != "random":
            b, t = summary[name]
            lines.append(f"- {name}: {b / base_best:.4f}x val, {100 * (t - base_test):+.2f} "
                         "points test")
    lines += ["", "![best validation accuracy so far](nas-anytime.png)", "",
              f"Machine: {machine.cpu_model()}, torch {torch.__version__} on one thread; "
              f"hyperscout {machine.git_revision()}; {machine.timestamp()}."]
    return "\n".join(lines) + "\n"


def plot(rows, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in STRATEGIES:
        curves = np.array([np.maximum.accumulate(r["values"][:args.trials])
                           for r in rows if r["strategy"] == name])
        mean = curves.mean(0)
        ax.plot(range(1, args.trials + 1), mean, label=name)
    ax.set_xlabel("trials")
    ax.set_ylabel("best validation accuracy so far (mean of seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "nas-anytime.png", dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" /
                                              "fashion-mnist"))
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--val", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    rows = run(args)
    plot(rows, args)
    text = report(rows, args)
    (RESULTS / "nas.md").write_text(text)
    print(text)
