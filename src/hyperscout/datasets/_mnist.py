"""MNIST (LeCun et al., 1998) and Fashion-MNIST (Xiao et al., 2017) from their official
IDX files, found locally or downloaded on request.

Each data set lives in one folder (``root``) holding the four official file names, gzipped
or not. With no ``root`` given, the folder is ``$HYPERSCOUT_DATA/<name>`` when that
variable is set, else ``~/.hyperscout/data/<name>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import HyperscoutError
from ._download import download_file
from ._idx import IDXFormatError, load_idx

__all__ = [
    "DATA_ENV",
    "DatasetNotFoundError",
    "default_root",
    "load_fashion_mnist",
    "load_mnist",
]

DATA_ENV = "HYPERSCOUT_DATA"

Split = Literal["train", "test"]
_FILE_PREFIX = {"train": "train", "test": "t10k"}
_IMAGE_SHAPE = (28, 28)
_N_CLASSES = 10

_Check = Callable[[np.ndarray, os.PathLike[str]], None]  # raises IDXFormatError


class DatasetNotFoundError(HyperscoutError, FileNotFoundError):
    """The files of a data set are not on disk and downloading was not asked for."""


@dataclass(frozen=True)
class _Source:
    """Where a data set lives: its folder name under the data root and its mirrors."""

    name: str
    title: str
    loader: str
    mirrors: tuple[str, ...]  # base URLs; a file's URL is base + official file name


MNIST = _Source(
    name="mnist",
    title="MNIST",
    loader="load_mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
)
FASHION_MNIST = _Source(
    name="fashion-mnist",
    title="Fashion-MNIST",
    loader="load_fashion_mnist",
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
)


def default_root(name: str) -> Path:
    """The folder a data set is read from when no ``root`` is given: ``$HYPERSCOUT_DATA/<name>``
    if the variable is set, else ``~/.hyperscout/data/<name>``."""
    base = os.environ.get(DATA_ENV)
    return (Path(base).expanduser() if base else Path.home() / ".hyperscout" / "data") / name


def load_mnist(
    root: str | os.PathLike[str] | None = None, *, split: Split = "train", download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST handwritten digits: images uint8 ``[N, 28, 28]`` and labels uint8 ``[N]``.

    Args:
        root: the folder holding the official IDX files; see `default_root` when ``None``.
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        download: fetch the missing files of `split` from the official mirrors first.

    Raises:
        DatasetNotFoundError: files are missing and `download` is false; the message says how
            to get them.
        IDXFormatError: a file is not the IDX file it should be.
        DownloadError: a download failed from every mirror.

    Example:
        >>> images, labels = load_mnist(split="test", download=True)  # doctest: +SKIP
        >>> images.shape, labels[:5]  # doctest: +SKIP
        ((10000, 28, 28), array([7, 2, 1, 0, 4], dtype=uint8))
    """
    return _load(MNIST, root, split=split, download=download)


def load_fashion_mnist(
    root: str | os.PathLike[str] | None = None, *, split: Split = "train", download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Zalando's Fashion-MNIST: images uint8 ``[N, 28, 28]`` and labels uint8 ``[N]``.

    Same files, arguments and errors as `load_mnist`; the folder name is ``fashion-mnist``.

    Example:
        >>> images, labels = load_fashion_mnist("data/fashion-mnist")  # doctest: +SKIP
        >>> images.shape  # doctest: +SKIP
        (60000, 28, 28)
    """
    return _load(FASHION_MNIST, root, split=split, download=download)


def _load(
    source: _Source, root: str | os.PathLike[str] | None, *, split: str, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    if split not in _FILE_PREFIX:
        raise ValueError(f"`split` must be 'train' or 'test', but got split={split!r}.")
    folder = Path(root).expanduser() if root is not None else default_root(source.name)
    prefix = _FILE_PREFIX[split]
    names = (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")

    found = [_find(folder, name) for name in names]
    missing = [name for name, path in zip(names, found) if path is None]
    if missing and not download:
        raise DatasetNotFoundError(_not_found_message(source, folder, split, missing))
    images_path, labels_path = (
        path or _download(source, folder / name, check=check)
        for path, name, check in zip(found, names, (_check_images, _check_labels))
    )
    images, labels = load_idx(images_path), load_idx(labels_path)
    _check_images(images, images_path)
    _check_labels(labels, labels_path)
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; one of the files is from another split or set."
        )
    return images, labels


def _download(source: _Source, dest: Path, *, check: _Check) -> Path:
    """Fetch `dest` from the first mirror whose file parses as the expected IDX array."""

    def verify(tmp: Path) -> None:
        check(load_idx(tmp), tmp)

    return download_file([mirror + dest.name for mirror in source.mirrors], dest, verify=verify)


def _find(folder: Path, gz_name: str) -> Path | None:
    """The file `gz_name` in `folder`, or its un-gzipped twin, or ``None``."""
    for candidate in (folder / gz_name, folder / gz_name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _check_images(images: np.ndarray, path: os.PathLike[str]) -> None:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != _IMAGE_SHAPE:
        raise IDXFormatError(
            f"{path}: expected uint8 images of shape [N, 28, 28], "
            f"but got {images.dtype} of shape {list(images.shape)}."
        )


def _check_labels(labels: np.ndarray, path: os.PathLike[str]) -> None:
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise IDXFormatError(
            f"{path}: expected uint8 labels of shape [N], "
            f"but got {labels.dtype} of shape {list(labels.shape)}."
        )
    if labels.size and labels.max() >= _N_CLASSES:
        raise IDXFormatError(
            f"{path}: labels must be 0..{_N_CLASSES - 1}, but got {int(labels.max())}."
        )


def _not_found_message(source: _Source, folder: Path, split: str, missing: list[str]) -> str:
    return (
        f"{source.title} ({split} split) not found in {folder}: missing {', '.join(missing)} "
        f"(the un-gzipped names are accepted too).\n"
        f"To fix it: call {source.loader}(download=True) to fetch the official files into that "
        f"folder; or copy them there; or pass root= the folder that holds them; or set "
        f"{DATA_ENV} to a folder with one subfolder per data set "
        f"(${DATA_ENV}/{source.name}/...)."
    )
