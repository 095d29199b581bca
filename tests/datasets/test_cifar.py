"""CIFAR-10/100 loaders read the official python-pickle batches (made here, small, in that
exact format) and explain missing or broken files."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from hyperscout.datasets import (
    CIFARFormatError,
    DatasetNotFoundError,
    load_cifar10,
    load_cifar100,
)


def _batch(n, seed, labels):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"x", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [b"f.png"] * n, **labels}


def _write(path, batch):
    path.write_bytes(pickle.dumps(batch, protocol=2))


def test_cifar10_reads_five_training_batches_and_the_test_batch(tmp_path):
    batches = [_batch(4, i, {b"labels": [i, 9 - i, 0, 1]}) for i in range(5)]
    for i, batch in enumerate(batches, 1):
        _write(tmp_path / f"data_batch_{i}", batch)
    _write(tmp_path / "test_batch", _batch(3, 9, {b"labels": [7, 8, 9]}))
    images, labels = load_cifar10(tmp_path)
    assert images.shape == (20, 32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist()[:4] == [0, 9, 0, 1] and labels.dtype == np.uint8
    raw = batches[0][b"data"][1]
    # channel-first planes of 1024 pixels each, row-major: pixel (row 2, col 5) of green
    assert images[1, 2, 5, 1] == raw[1024 + 2 * 32 + 5]
    test_images, test_labels = load_cifar10(tmp_path, split="test")
    assert test_images.shape == (3, 32, 32, 3) and test_labels.tolist() == [7, 8, 9]


def test_cifar100_fine_and_coarse_labels(tmp_path):
    _write(tmp_path / "train", _batch(2, 0, {b"fine_labels": [42, 99],
                                             b"coarse_labels": [3, 19]}))
    assert load_cifar100(tmp_path)[1].tolist() == [42, 99]
    assert load_cifar100(tmp_path, coarse=True)[1].tolist() == [3, 19]


def test_a_missing_file_names_it_and_where_to_get_it(tmp_path):
    with pytest.raises(DatasetNotFoundError, match=r"data_batch_1.*cifar-10-python.tar.gz"):
        load_cifar10(tmp_path)


def test_a_broken_file_is_named(tmp_path):
    (tmp_path / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(CIFARFormatError, match=r"test_batch.*not a pickled CIFAR batch"):
        load_cifar10(tmp_path, split="test")
    _write(tmp_path / "test_batch", {b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]})
    with pytest.raises(CIFARFormatError, match=r"must be \[N, 3072\]"):
        load_cifar10(tmp_path, split="test")
