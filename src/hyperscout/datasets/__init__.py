"""Data sets for examples and benchmarks, read from their official files with numpy only.

`load_cifar10` and `load_cifar100` read the official python-pickle batches;
`load_mnist` and `load_fashion_mnist` read the official IDX files (gzipped or not) from a
local folder and download them on request; `load_idx` reads any IDX file.

Example:
    >>> from hyperscout.datasets import load_mnist
    >>> images, labels = load_mnist(split="test", download=True)  # doctest: +SKIP
"""

from __future__ import annotations

from ._cifar import CIFARFormatError, load_cifar10, load_cifar100
from ._download import DownloadError
from ._idx import IDXFormatError, load_idx
from ._mnist import DATA_ENV, DatasetNotFoundError, default_root, load_fashion_mnist, load_mnist

__all__ = [
    "DATA_ENV",
    "CIFARFormatError",
    "DatasetNotFoundError",
    "DownloadError",
    "IDXFormatError",
    "default_root",
    "load_cifar10",
    "load_cifar100",
    "load_fashion_mnist",
    "load_idx",
    "load_mnist",
]
