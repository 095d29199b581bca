"""A CNN model space for Fashion-MNIST (seven decisions) and a small trainer for it.

The space: the stem's width and kernel, the first cell's operation, how many extra
blocks follow (each with its own operation), whether the head reads the stem's output
or the blocks' (a skip connection), the hidden width and the dropout of the classifier.
Used by `search.py` (Python API), `trial.py` (a trial command for `config.yml`) and
`bench/nas/`.
"""

from __future__ import annotations

import torch
from torch import nn

import hyperscout
from hyperscout import nas


def _ops(width: int) -> dict[str, object]:
    return {
        "conv3": lambda: nn.Sequential(nn.Conv2d(width, width, 3, padding=1),
                                       nn.BatchNorm2d(width), nn.ReLU()),
        "conv5": lambda: nn.Sequential(nn.Conv2d(width, width, 5, padding=2),
                                       nn.BatchNorm2d(width), nn.ReLU()),
        "sep3": lambda: nn.Sequential(nn.Conv2d(width, width, 3, padding=1, groups=width),
                                      nn.Conv2d(width, width, 1), nn.BatchNorm2d(width),
                                      nn.ReLU()),
        "maxpool": lambda: nn.MaxPool2d(3, 1, 1),
        "skip": lambda: nn.Identity(),
    }


class FashionCNN(nn.Module):
    """28x28 grey images -> 10 logits."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        width = nas.ValueChoice([16, 32, 48], label="width")
        kernel = nas.ValueChoice([3, 5], label="stem_kernel")
        self.stem = nn.Sequential(nn.Conv2d(1, width, kernel, padding=kernel // 2),
                                  nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2))  # 14x14
        self.cell = nas.LayerChoice(_ops(width), label="op")
        self.down = nn.MaxPool2d(2)  # 7x7
        self.blocks = nas.Repeat(lambda i: nas.LayerChoice(_ops(width), label="op"), (0, 2),
                                 label="extra")
        self.skip = nas.InputChoice(2, 1, label="head_input")
        hidden = nas.ValueChoice([64, 128, 256], label="hidden")
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(width * 7 * 7, hidden), nn.ReLU(),
            nn.Dropout(nas.ValueChoice([0.0, 0.25, 0.5], label="dropout")),
            nn.Linear(hidden, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(self.cell(self.stem(x)))
        return self.head(self.skip([x, self.blocks(x)]))


def example_input() -> torch.Tensor:
    return torch.zeros(2, 1, 28, 28)


def model_space() -> nas.ModelSpace:
    return nas.ModelSpace(FashionCNN, example_input=example_input())


def load(data: str, n_train: int, n_val: int) -> tuple[torch.Tensor, ...]:
    """The first `n_train` training images for training, the next `n_val` for validation,
    as float tensors in [0, 1] of shape [N, 1, 28, 28], and their labels."""
    from hyperscout.datasets import load_fashion_mnist

    images, labels = load_fashion_mnist(data)
    x = torch.from_numpy(images[: n_train + n_val]).float().div_(255).unsqueeze(1)
    y = torch.from_numpy(labels[: n_train + n_val]).long()
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def train(model: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor,
          x_val: torch.Tensor, y_val: torch.Tensor, *, epochs: int, seed: int = 0,
          lr: float = 2e-3, batch_size: int = 128) -> float:
    """Adam with a one-cycle schedule for `epochs` epochs; report the validation accuracy
    after each epoch; return the last."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x_train) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    accuracy = 0.0
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
            schedule.step()
        accuracy = evaluate(model, x_val, y_val)
        hyperscout.report_intermediate_result(accuracy)
    return accuracy


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i:i + 512]).argmax(1) == y[i:i + 512]).sum())
                      for i in range(0, len(x), 512))
    return correct / len(x)
