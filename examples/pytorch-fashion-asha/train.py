"""A plain PyTorch training loop tuned by hyperscout with ASHA: each configuration trains
for the epochs the scheduler gives it, and a promoted one continues its checkpoint.

    python examples/pytorch-fashion-asha/train.py --data ../shared/datasets/fashion-mnist

The loop is ordinary PyTorch; hyperscout adds three calls: `hyperscout.torch.epochs`
(which epochs to run), `hyperscout.torch.load_checkpoint` / `save_checkpoint` (where a
promoted configuration continues from) and `report_intermediate_result` (what ASHA
compares). `--small N` uses the first N images, for a quick check.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

import hyperscout
import hyperscout.torch as hs_torch
from hyperscout.datasets import load_fashion_mnist

SPACE = {
    "hidden": {"_type": "choice", "_value": [32, 64, 128, 256]},
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "dropout": {"_type": "uniform", "_value": [0.0, 0.5]},
    "batch_size": {"_type": "choice", "_value": [64, 128, 256]},
}


def make_trial(x_train, y_train, x_val, y_val, max_epochs):
    def trial(params):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, params["hidden"]), nn.ReLU(),
                              nn.Dropout(params["dropout"]), nn.Linear(params["hidden"], 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
        state = hs_torch.load_checkpoint()
        if state is not None:  # promoted: continue where the lower rung stopped
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        accuracy = 0.0
        for epoch in hs_torch.epochs(default=max_epochs):
            model.train()
            order = torch.randperm(len(x_train))
            for i in range(0, len(order), params["batch_size"]):
                batch = order[i:i + params["batch_size"]]
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
            hyperscout.report_intermediate_result(accuracy, step=epoch)
            hs_torch.save_checkpoint({"model": model.state_dict(),
                                      "optimizer": optimizer.state_dict()})
        return accuracy

    return trial


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="folder of the Fashion-MNIST IDX files")
    parser.add_argument("--small", type=int, default=None, help="use the first N images")
    parser.add_argument("--max-epochs", type=int, default=9)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--storage", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one core per trial; --jobs trials at once

    images, labels = load_fashion_mnist(args.data, split="train")
    if args.small:
        images, labels = images[:args.small], labels[:args.small]
    x = torch.tensor(images, dtype=torch.float32) / 255.0
    y = torch.tensor(labels, dtype=torch.long)
    cut = int(0.8 * len(x))
    trial = make_trial(x[:cut], y[:cut], x[cut:], y[cut:], args.max_epochs)
    result = hyperscout.optimize(
        trial, SPACE, tuner="tpe", max_trials=args.trials, n_jobs=args.jobs, seed=args.seed,
        scheduler="asha", scheduler_args={"max_epochs": args.max_epochs, "factor": 3},
        storage=args.storage)
    print(f"best validation accuracy {result.best_value:.4f} with {result.best_params}")
    where = f" --storage {args.storage}" if args.storage else ""
    print(f"`hyperscout{where} trial ls {result.experiment_id}` lists the trials")
    return result


if __name__ == "__main__":
    main()
