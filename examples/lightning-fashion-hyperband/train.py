"""A PyTorch Lightning model tuned by hyperscout's Hyperband: the Trainer trains for the
epochs the scheduler gives, and a promoted configuration resumes its parent's checkpoint.

    python examples/lightning-fashion-hyperband/train.py --data ../shared/datasets/fashion-mnist

hyperscout adds three things to ordinary Lightning code: ``max_epochs=get_budget(...)``,
``ReportCallback("val_acc")`` and ``ckpt_path=resume_checkpoint()``. `--small N` uses the
first N images, for a quick check.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

import hyperscout
from hyperscout.datasets import load_fashion_mnist
from hyperscout.lightning import ReportCallback, resume_checkpoint

try:
    import lightning.pytorch as pl
except ImportError:
    import pytorch_lightning as pl

SPACE = {
    "hidden": {"_type": "choice", "_value": [32, 64, 128, 256]},
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "dropout": {"_type": "uniform", "_value": [0.0, 0.5]},
}


class MLP(pl.LightningModule):
    def __init__(self, hidden: int, lr: float, dropout: float) -> None:
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(hidden, 10))

    def training_step(self, batch, _):
        x, y = batch
        return nn.functional.cross_entropy(self.net(x), y)

    def validation_step(self, batch, _):
        x, y = batch
        self.log("val_acc", (self.net(x).argmax(1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def make_trial(train, val, max_epochs):
    def trial(params):
        torch.manual_seed(0)
        trainer = pl.Trainer(max_epochs=int(hyperscout.get_budget(max_epochs)), logger=False,
                             enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, callbacks=[ReportCallback("val_acc")])
        loaders = (torch.utils.data.DataLoader(train, batch_size=128, shuffle=True),
                   torch.utils.data.DataLoader(val, batch_size=512))
        trainer.fit(MLP(**params_of(params)), *loaders, ckpt_path=resume_checkpoint())

    return trial


def params_of(params):
    return {k: params[k] for k in SPACE}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="folder of the Fashion-MNIST IDX files")
    parser.add_argument("--small", type=int, default=None, help="use the first N images")
    parser.add_argument("--max-epochs", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--storage", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    images, labels = load_fashion_mnist(args.data, split="train")
    if args.small:
        images, labels = images[:args.small], labels[:args.small]
    x = torch.tensor(images, dtype=torch.float32) / 255.0
    y = torch.tensor(labels, dtype=torch.long)
    cut = int(0.8 * len(x))
    data = torch.utils.data.TensorDataset
    trial = make_trial(data(x[:cut], y[:cut]), data(x[cut:], y[cut:]), args.max_epochs)
    exp = hyperscout.Experiment(
        trial, SPACE, tuner="random", scheduler="hyperband",
        scheduler_args={"max_epochs": args.max_epochs, "factor": 3},
        concurrency=args.jobs, seed=args.seed, storage=args.storage).run()
    best = exp.best_trial
    where = f" --storage {args.storage}" if args.storage else ""
    print(f"best validation accuracy {best.value:.4f} with {params_of(best.params)} "
          f"({len(exp.trials())} trials; `hyperscout{where} trial ls {exp.id}` lists them)")
    return exp


if __name__ == "__main__":
    main()
