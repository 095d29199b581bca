"""The demo's model and training loop: a LeNet-style CNN (LeCun et al., 1998) on the 8x8
handwritten digits that ship with scikit-learn (UCI optdigits, 1,797 images), so the demo
needs no download and one trial trains in seconds on one CPU core.

The hyperparameters are those of NNI's classic MNIST example (``conv_size``,
``hidden_size``, ``dropout_rate``, ``batch_size``, ``learning_rate``); ``dropout_rate`` is
the probability of dropping a hidden unit, as in ``torch.nn.Dropout``.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._adam import Adam

__all__ = ["DEFAULT_EPOCHS", "DEFAULT_PARAMS", "LeNet", "load_digits_split", "train_and_evaluate"]

DEFAULT_PARAMS: dict[str, Any] = {
    "conv_size": 5,
    "hidden_size": 512,
    "dropout_rate": 0.5,
    "batch_size": 32,
    "learning_rate": 0.001,
}
DEFAULT_EPOCHS = 10
N_CLASSES = 10
IMAGE_SIZE = 8


class LeNet(nn.Module):
    """Two convolution + max-pool blocks, then a hidden dense layer with dropout.

    Shapes for an 8x8 image: ``[B, 1, 8, 8] -> [B, 16, 4, 4] -> [B, 32, 2, 2] -> [B, 128]
    -> [B, hidden_size] -> [B, 10]`` (logits). The channel counts are half those of NNI's
    MNIST example, which keeps a trial to a few seconds on one core at no cost in accuracy
    on these small images. Convolutions pad by ``conv_size // 2``; an
    even kernel grows the map by one pixel, which the floor of the 2x2 pooling absorbs.

    Example:
        >>> model = LeNet(conv_size=3, hidden_size=124, dropout_rate=0.5)
        >>> model(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    def __init__(self, *, conv_size: int, hidden_size: int, dropout_rate: float) -> None:
        super().__init__()
        padding = conv_size // 2
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, conv_size, padding=padding),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, conv_size, padding=padding),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        side = IMAGE_SIZE
        for _ in range(2):  # each block: convolution, then 2x2 pooling
            side = (side + 2 * padding - conv_size + 1) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(32 * side * side, hidden_size),
            nn.ReLU(),
            nn.Dropout(dropout_rate),
            nn.Linear(hidden_size, N_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


@functools.lru_cache(maxsize=1)
def load_digits_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The demo's fixed split of scikit-learn's digits: 20% of each class (seed 0) for
    validation, the rest for training.

    Returns ``x_train [1438, 1, 8, 8]``, ``x_val [359, 1, 8, 8]`` (float32 in [0, 1]) and
    ``y_train [1438]``, ``y_val [359]`` (int64).
    """
    pixels, labels = _read_digits()
    is_val = _stratified_holdout(labels, fraction=0.2, seed=0)
    images = torch.from_numpy(pixels.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE) / 16.0).float()
    targets = torch.from_numpy(labels)
    return images[~is_val], images[is_val], targets[~is_val], targets[is_val]


def _stratified_holdout(labels: np.ndarray, *, fraction: float, seed: int) -> np.ndarray:
    """A boolean mask that picks `fraction` of each class at random."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        mask[rng.choice(members, size=round(fraction * len(members)), replace=False)] = True
    return mask


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits: pixels ``[1797, 64]`` in 0..16 and labels ``[1797]`` (int64).

    Fast path: read the CSV file scikit-learn ships, without importing scikit-learn, whose
    import takes about a second (a fifth of a demo trial). Fallback: its public loader.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "the demo reads its digits from scikit-learn, which is not installed. "
            "Install it with: pip install -e '.[demo]' in hyperscout's clone"
        )
    csv = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if csv.is_file():
        table = np.loadtxt(csv, delimiter=",")  # 64 pixel columns, then the label
        return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]

    digits = load_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)


def train_and_evaluate(
    params: Mapping[str, Any],
    *,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
    report: Callable[[float], None] | None = None,
) -> float:
    """Train a `LeNet` on the digits and return its final validation accuracy.

    Uses one intra-op thread (`torch.set_num_threads(1)`), so that trials running side by
    side each get a core instead of contending for all of them.

    Args:
        params: hyperparameters, merged onto `DEFAULT_PARAMS`; other names raise.
        epochs: passes over the 1,438 training images.
        seed: seeds the weights, the dropout masks and the batch order.
        report: called with the validation accuracy after every epoch (for example
            `hyperscout.report_intermediate_result`).

    Example:
        >>> train_and_evaluate({"learning_rate": 0.01}, epochs=1) > 0.5
        True
    """
    config = _merge(params)
    if epochs < 1:
        raise ValueError(f"`epochs` must be >= 1, but got epochs={epochs}.")
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x_train, x_val, y_train, y_val = load_digits_split()

    model = LeNet(
        conv_size=int(config["conv_size"]),
        hidden_size=int(config["hidden_size"]),
        dropout_rate=float(config["dropout_rate"]),
    )
    optimizer = Adam(model.parameters(), lr=float(config["learning_rate"]))
    order = torch.Generator().manual_seed(seed)
    accuracy = 0.0
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(x_train), generator=order).split(int(config["batch_size"])):
            optimizer.zero_grad()
            F.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
        accuracy = _accuracy(model, x_val, y_val)
        if report is not None:
            report(accuracy)
    return accuracy


def _merge(params: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise ValueError(
            f"unknown hyperparameter(s) {', '.join(map(repr, unknown))}; the demo takes "
            f"{', '.join(DEFAULT_PARAMS)}. Fix the name in the search space."
        )
    return {**DEFAULT_PARAMS, **params}


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()
