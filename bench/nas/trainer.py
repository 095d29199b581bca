"""FastTrainer on a GPU: time per epoch and time to a target accuracy of the ResNet-9 seed
workload on Fashion-MNIST, the figures issue 7 asks for from a session with a lent device.

    python bench/nas/trainer.py                 # on the GPU: 3 seeds x 4 architectures
    python bench/nas/trainer.py --quick         # anywhere: a tiny CPU run, prints only

For each seed: the ResNet-9 space's default architecture (the DAWNBench network at the
middle of the seed's channel ladders) and three random architectures of the space, each
trained from scratch for `--epochs` with its own hyperparameters (`peak_lr`,
`batch_size`, ...) on the 60,000 training images and scored on the 10,000 test images
after every epoch (test-time flips). Time to target: the seconds of the epochs up to the
first one whose test accuracy reaches `--target`. The first epoch of a process also pays
for CUDA's warm-up (and compilation with `--compile`), so it is reported apart.

Writes bench/results/nas-trainer.md and nas-trainer.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import machine

from hyperscout import nas
from hyperscout.datasets import load_fashion_mnist

RESULTS = ROOT / "bench" / "results"


def _architectures(space: nas.ModelSpace, seed: int, n_random: int) -> list[tuple[str, dict]]:
    archs = [("default", space.default_architecture())]
    archs += [(f"random {seed}.{i}", space.random_architecture(seed * 100 + i))
              for i in range(n_random)]
    return archs


def run(args: argparse.Namespace) -> list[dict]:
    x_train, y_train = load_fashion_mnist(args.data)
    x_test, y_test = load_fashion_mnist(args.data, split="test")
    x_train, y_train = x_train[:args.train], y_train[:args.train]
    x_test, y_test = x_test[:args.test], y_test[:args.test]
    space = nas.resnet9_space(in_channels=1, image_size=28, width=args.width)
    trainer = nas.FastTrainer(epochs=args.epochs, device=args.device, compile=args.compile,
                              target=args.target, report=False)
    rows = []
    for seed in args.seeds:
        for name, arch in _architectures(space, seed, args.random_archs):
            torch.manual_seed(seed)
            model = space.freeze(arch)
            started = time.perf_counter()
            result = trainer.with_hyperparameters({**arch, "seed": seed}).fit(
                model, x_train, y_train, x_test, y_test)
            wall = time.perf_counter() - started
            reached = result.target_epoch
            row = {
                "seed": seed, "architecture": name, "arch": arch,
                "parameters": sum(p.numel() for p in model.parameters()),
                "accuracy": result.accuracy, "accuracies": result.accuracies,
                "epoch_seconds": result.epoch_seconds, "wall_seconds": wall,
                "target_epoch": reached,
                "time_to_target": (sum(result.epoch_seconds[:reached])
                                   if reached is not None else None),
            }
            rows.append(row)
            print(f"seed {seed} {name:12s}: {result.accuracy:.4f} after {args.epochs} epochs, "
                  f"{statistics.median(result.epoch_seconds):.2f} s/epoch (median), target "
                  f"{args.target} at epoch {reached}", flush=True)
    return rows


def report(rows: list[dict], args: argparse.Namespace) -> str:
    device = (torch.cuda.get_device_name() if torch.cuda.is_available() and args.device != "cpu"
              else machine.cpu_model())
    lines = [
        "# FastTrainer: the ResNet-9 seed workload on Fashion-MNIST", "",
        f"`{' '.join(['python', 'bench/nas/trainer.py'] + sys.argv[1:])}`", "",
        (f"Device: {device}; torch {torch.__version__}; width {args.width}, {args.epochs} epochs, "
        f"{args.train} training and {args.test} test images, target {args.target} test "
        f"accuracy; compile {'on' if args.compile else 'off'}; hyperscout "
        f"{machine.git_revision()}; {machine.timestamp()}."), "",
        ("| seed | architecture | parameters | test accuracy | first epoch s | median epoch s "
        "| epoch reaching target | seconds to target |"),
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rest = r["epoch_seconds"][1:] or r["epoch_seconds"]
        ttt = f"{r['time_to_target']:.1f}" if r["time_to_target"] is not None else "-"
        lines.append(f"| {r['seed']} | {r['architecture']} | {r['parameters']:,} | "
                     f"{r['accuracy']:.4f} | {r['epoch_seconds'][0]:.2f} | "
                     f"{statistics.median(rest):.2f} | {r['target_epoch'] or '-'} | {ttt} |")
    default = [r for r in rows if r["architecture"] == "default"]
    if default:
        reached = [r["time_to_target"] for r in default if r["time_to_target"] is not None]
        epochs = [s for r in default for s in (r["epoch_seconds"][1:] or r["epoch_seconds"])]
        accuracy = statistics.median(r["accuracy"] for r in default)
        lines += ["", (f"Default architecture over {len(default)} seed(s): median test "
                       f"accuracy {accuracy:.4f}; median epoch {statistics.median(epochs):.2f} "
                       f"s after the first; target reached in {len(reached)} of {len(default)}")
                  + (f", median {statistics.median(reached):.1f} s." if reached else ".")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" /
                                              "fashion-mnist"))
    parser.add_argument("--device", default="auto", help="cuda, cpu or auto")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--target", type=float, default=0.93)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--random-archs", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="tiny CPU settings, prints only")
    args = parser.parse_args()
    if args.quick:
        args.device, args.epochs, args.width, args.train, args.test = "cpu", 1, 0.25, 1000, 500
        args.seeds, args.random_archs, args.target = "0", 1, 0.5
    args.seeds = [int(s) for s in args.seeds.split(",")]
    if not args.quick and args.device != "cpu" and not torch.cuda.is_available():
        parser.error("no CUDA device here: this benchmark is for a GPU (--quick or "
                     "--device cpu runs it on the CPU)")
    rows = run(args)
    text = report(rows, args)
    print(text)
    if not args.quick:
        stem = "nas-trainer" if args.device != "cpu" else "nas-trainer-cpu"
        (RESULTS / f"{stem}.md").write_text(text)
        (RESULTS / f"{stem}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
