"""CIFAR-10 and CIFAR-100 (Krizhevsky, 2009) from the official "python version" files:
the folder that ``cifar-10-python.tar.gz`` or ``cifar-100-python.tar.gz`` unpacks to.

CIFAR-10's folder (``cifar-10-batches-py``) holds ``data_batch_1`` .. ``data_batch_5`` and
``test_batch``; CIFAR-100's (``cifar-100-python``) holds ``train`` and ``test``. Each file is
a pickled dict whose ``b"data"`` is uint8 ``[N, 3072]`` (the red, green and blue planes of
a 32x32 image, row-major) and whose ``b"labels"`` (CIFAR-10) or ``b"fine_labels"`` /
``b"coarse_labels"`` (CIFAR-100) are lists of ints. Nothing is downloaded here.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import HyperscoutError
from ._mnist import DatasetNotFoundError, default_root

Split = Literal["train", "test"]


class CIFARFormatError(HyperscoutError, ValueError):
    """A CIFAR file is not the pickled batch it should be."""


def load_cifar10(root: str | os.PathLike[str] | None = None, *, split: Split = "train",
                 ) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10: images uint8 ``[N, 32, 32, 3]`` and labels uint8 ``[N]`` (50,000 training
    and 10,000 test images).

    Args:
        root: the ``cifar-10-batches-py`` folder; default ``default_root("cifar-10")``.
        split: ``"train"`` or ``"test"``.

    Raises:
        DatasetNotFoundError: a file is missing; the message names it and where to get it.
        CIFARFormatError: a file is not a CIFAR batch.
    """
    folder = Path(root) if root is not None else default_root("cifar-10")
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    return _load(folder, _check_split(split), names, b"labels", "CIFAR-10",
                 "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz")


def load_cifar100(root: str | os.PathLike[str] | None = None, *, split: Split = "train",
                  coarse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-100: images uint8 ``[N, 32, 32, 3]`` and its 100 fine labels (or, with
    `coarse`, its 20 superclasses) as uint8 ``[N]``. Same arguments as `load_cifar10`;
    `root` is the ``cifar-100-python`` folder."""
    folder = Path(root) if root is not None else default_root("cifar-100")
    key = b"coarse_labels" if coarse else b"fine_labels"
    return _load(folder, _check_split(split), [split], key, "CIFAR-100",
                 "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz")


def _check_split(split: str) -> str:
    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test', but got {split!r}.")
    return split


def _load(folder: Path, split: str, names: list[str], label_key: bytes, title: str,
          url: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for name in names:
        path = folder / name
        if not path.is_file():
            raise DatasetNotFoundError(
                f"{title} file {str(path)!r} is missing. Download {url} and unpack it, then "
                f"pass the unpacked folder as `root`.")
        data, batch_labels = _read(path, label_key)
        images.append(data)
        labels.append(batch_labels)
    return np.concatenate(images), np.concatenate(labels)


def _read(path: Path, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open("rb") as stream:
            batch = pickle.load(stream, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise CIFARFormatError(f"{str(path)!r} is not a pickled CIFAR batch: {exc}") from exc
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise CIFARFormatError(
            f"{str(path)!r} is not a CIFAR batch: it needs the keys b'data' and "
            f"{label_key!r}.")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise CIFARFormatError(
            f"{str(path)!r}: b'data' must be [N, 3072] with N labels, but is "
            f"{list(data.shape)} with {len(labels)} labels.")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # planes -> HWC
    return np.ascontiguousarray(images), labels.astype(np.uint8)
