"""The benchmark's trainer: real PyTorch training on Fashion-MNIST, tabulated once.

Task A (the Keras Tuner tutorial task, in PyTorch): an MLP, ``units`` 16..256 step 32 and
``learning_rate`` in {1e-2, 1e-3, 1e-4}, up to 10 epochs. Task B: a small CNN with five
hyperparameters, one of them conditional (the second convolution's filters exist only
with two convolutions).

Every configuration of a task is trained here for the full 10 epochs with each of a few
training seeds, and its validation accuracy and wall time after every epoch are saved
(`bench/results/mf-curves-<task>.json.gz`). The competitors then run against that table
(`run.py`): training a configuration from epoch a to epoch b reads epochs a+1..b of its
curve and costs their recorded seconds. The training is deterministic per (configuration,
seed), so continuing from a checkpoint and training from scratch give the same curve, as
they would with a deterministic trainer; this lets every method run 5+ seeds on 2 cores
with the same trainer for all. Data: the first 12,000 images of the training split for
training (6,000 for the CNN, whose epochs cost more), the next 3,000 for validation
(``../shared/datasets/fashion-mnist``).

    python bench/multifidelity/trainer.py --task mlp [--seeds 3]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
DATA = HERE.parents[1].parent / "shared" / "datasets" / "fashion-mnist"
EPOCHS = 10
N_TRAIN = {"mlp": 12_000, "cnn": 6_000}  # the CNN's epochs cost more: half the images
N_VAL, BATCH = 3_000, 128

SPACES: dict[str, dict[str, Any]] = {
    "mlp": {
        "units": {"_type": "choice", "_value": list(range(16, 257, 32))},
        "learning_rate": {"_type": "choice", "_value": [1e-2, 1e-3, 1e-4]},
    },
    "cnn": {
        "learning_rate": {"_type": "choice", "_value": [3e-3, 1e-3, 3e-4]},
        "dropout": {"_type": "choice", "_value": [0.0, 0.3]},
        "filters1": {"_type": "choice", "_value": [8, 16]},
        "conv": {"_type": "choice", "_value": [
            {"_name": "one"},
            {"_name": "two", "filters2": {"_type": "choice", "_value": [16, 32]}},
        ]},
        "batch_size": {"_type": "choice", "_value": [64, 128]},
    },
}


def curves_path(task: str) -> Path:
    return RESULTS / f"mf-curves-{task}.json.gz"


def config_key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def load_data(task: str) -> tuple[Any, Any, Any, Any]:
    import numpy as np
    import torch

    from hyperscout.datasets import load_fashion_mnist

    images, labels = load_fashion_mnist(DATA, split="train")
    n = N_TRAIN[task]
    x = torch.from_numpy(images[: n + N_VAL].astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels[: n + N_VAL].astype(np.int64))
    return x[:n], y[:n], x[n:], y[n:]


def build(task: str, params: dict[str, Any]) -> Any:
    from torch import nn

    if task == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, params["units"]), nn.ReLU(),
                             nn.Linear(params["units"], 10))
    f1 = params["filters1"]
    layers: list[Any] = [nn.Conv2d(1, f1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    channels, size = f1, 14
    if params["conv"]["_name"] == "two":
        f2 = params["conv"]["filters2"]
        layers += [nn.Conv2d(f1, f2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        channels, size = f2, 7
    layers += [nn.Flatten(), nn.Dropout(params["dropout"]), nn.Linear(channels * size * size, 10)]
    return nn.Sequential(*layers)


def train_curve(task: str, params: dict[str, Any], seed: int, data: Any) -> dict[str, list]:
    """Validation accuracy and wall seconds after each of `EPOCHS` epochs."""
    import torch

    x_train, y_train, x_val, y_val = data
    torch.manual_seed(seed)
    model = build(task, params)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = params.get("batch_size", BATCH)
    generator = torch.Generator().manual_seed(seed)
    acc, sec = [], []
    for _ in range(EPOCHS):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            optimizer.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            correct = (model(x_val).argmax(1) == y_val).sum().item()
        acc.append(round(correct / len(y_val), 5))
        sec.append(round(time.perf_counter() - started, 4))
    return {"acc": acc, "sec": sec}


def all_configs(task: str) -> list[dict[str, Any]]:
    from hyperscout.space import as_space

    space = as_space(SPACES[task])
    return [space.to_params(c) for c in space.grid()]


def tabulate(task: str, seeds: int) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)  # one core each: the numbers do not depend on what runs beside
    data = load_data(task)
    path = curves_path(task)
    table = _read(path) or {"task": task, "epochs": EPOCHS, "curves": {}}
    configs = all_configs(task)
    todo = [(c, s) for c, s in itertools.product(configs, range(seeds))
            if len(table["curves"].get(config_key(c), [])) <= s]
    started = time.time()
    for i, (config, seed) in enumerate(todo, 1):
        curve = train_curve(task, config, seed, data)
        table["curves"].setdefault(config_key(config), []).append(curve)
        print(f"[{i}/{len(todo)} {time.time() - started:.0f}s] {config} seed {seed}: "
              f"acc {curve['acc'][-1]:.4f} in {sum(curve['sec']):.1f}s", flush=True)
        if i % 10 == 0 or i == len(todo):
            _write(path, table)
    return table


def load_table(task: str) -> dict[str, Any]:
    table = _read(curves_path(task))
    if table is None:
        raise SystemExit(f"no curves for task {task!r}: run `python bench/multifidelity/"
                         f"trainer.py --task {task}` first")
    return table


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    with gzip.open(path, "rt") as f:
        return json.load(f)


def _write(path: Path, table: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as raw:
        raw.write(json.dumps(table, sort_keys=True).encode())
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(SPACES), required=True)
    parser.add_argument("--seeds", type=int, default=3, help="training seeds per configuration")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"Fashion-MNIST not found at {DATA} (see ../shared/datasets/README.md)")
    tabulate(args.task, args.seeds)


if __name__ == "__main__":
    main()
