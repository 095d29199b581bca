"""A small LeNet on MNIST, written as an NNI trial script.

It runs unchanged under NNI, under hyperscout (which puts a stand-in ``nni`` module on the
PYTHONPATH of command trials) and by hand::

    python3 mnist.py --epochs 1 --batch_num 20

The tuner's parameters (see search_space.json) override the command-line defaults. Each
epoch reports the test accuracy as an intermediate result; the last one is the final
result.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

try:
    import nni
except ImportError:  # neither NNI nor hyperscout's stand-in is on the path: run standalone
    import hyperscout as nni  # the same trial API

from hyperscout.datasets import load_mnist

logger = logging.getLogger("mnist_example")

# The 10,000-image MNIST copy that sits next to the hyperscout repository on its build
# machines; elsewhere the script downloads the official files.
SHARED_COPY = Path(__file__).resolve().parent / "../../../shared/datasets/mnist-10k"


class Net(nn.Module):
    """LeNet: two convolution + max-pool blocks, a hidden layer with dropout, 10 logits.

    Shapes: [B, 1, 28, 28] -> [B, 16, 14, 14] -> [B, 32, 7, 7] -> [B, hidden_size] -> [B, 10]
    (padding conv_size // 2 keeps 7x7 for every conv_size in the search space).
    """

    def __init__(self, conv_size: int, hidden_size: int, dropout_rate: float) -> None:
        super().__init__()
        padding = conv_size // 2
        self.conv1 = nn.Conv2d(1, 16, conv_size, padding=padding)
        self.conv2 = nn.Conv2d(16, 32, conv_size, padding=padding)
        self.fc1 = nn.Linear(32 * 7 * 7, hidden_size)
        self.dropout = nn.Dropout(dropout_rate)
        self.fc2 = nn.Linear(hidden_size, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def data_root(data_dir: str | None) -> str | None:
    """Where to read MNIST from; ``None`` lets `load_mnist` use $HYPERSCOUT_DATA/mnist or
    ~/.hyperscout/data/mnist (downloading the files there when missing)."""
    if data_dir:
        return data_dir
    if not os.environ.get("HYPERSCOUT_DATA") and SHARED_COPY.is_dir():
        return str(SHARED_COPY)
    return None


def load_split(root: str | None, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = load_mnist(root, split=split, download=True)
    x = torch.from_numpy(images).float().div_(255).sub_(0.1307).div_(0.3081).unsqueeze(1)
    return x, torch.from_numpy(labels).long()


def train(model, device, images, labels, optimizer, params) -> None:
    model.train()
    batches = torch.randperm(len(images)).split(params["batch_size"])
    for i, batch in enumerate(batches):
        if params["batch_num"] is not None and i >= params["batch_num"]:
            break
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images[batch].to(device)), labels[batch].to(device))
        loss.backward()
        optimizer.step()


@torch.no_grad()
def test(model, device, images, labels) -> float:
    model.eval()
    correct = 0
    for batch in torch.arange(len(images)).split(1000):
        predictions = model(images[batch].to(device)).argmax(dim=1)
        correct += (predictions == labels[batch].to(device)).sum().item()
    return correct / len(images)


def main(params: dict) -> None:
    torch.manual_seed(params["seed"])
    torch.set_num_threads(params["threads"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    root = data_root(params["data_dir"])
    train_images, train_labels = load_split(root, "train")
    test_images, test_labels = load_split(root, "test")

    model = Net(params["conv_size"], params["hidden_size"], params["dropout_rate"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
    accuracy = 0.0
    for epoch in range(1, params["epochs"] + 1):
        train(model, device, train_images, train_labels, optimizer, params)
        accuracy = test(model, device, test_images, test_labels)
        logger.info("epoch %d: test accuracy %.4f", epoch, accuracy)
        nni.report_intermediate_result(accuracy)
    logger.info("final test accuracy %.4f", accuracy)
    nni.report_final_result(accuracy)


def get_params() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LeNet on MNIST, an NNI-style trial")
    parser.add_argument(
        "--data_dir",
        type=str,
        default=None,
        help="folder with the MNIST IDX files (default: $HYPERSCOUT_DATA/mnist, "
        "the shared copy, or a download into ~/.hyperscout/data/mnist)",
    )
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument(
        "--batch_num",
        type=int,
        default=None,
        help="stop each epoch after this many batches (quick runs)",
    )
    parser.add_argument("--conv_size", type=int, default=5)
    parser.add_argument("--hidden_size", type=int, default=512)
    parser.add_argument("--dropout_rate", type=float, default=0.5)
    parser.add_argument("--learning_rate", type=float, default=0.001)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for torch; one is fastest for a model this small, "
        "and leaves the other cores to parallel trials",
    )
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        params = vars(get_params())
        tuned = nni.get_next_parameter() or {}
        logger.info("parameters from the tuner: %s", tuned)
        params.update(tuned)
        main(params)
    except Exception:
        logger.exception("trial failed")
        raise
