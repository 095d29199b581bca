"""`load_mnist` / `load_fashion_mnist`: the shared copies of the real files, folder
resolution, missing-file messages and the download path (over file:// URLs, never the
network)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from hyperscout.datasets import (
    DATA_ENV,
    DatasetNotFoundError,
    DownloadError,
    IDXFormatError,
    _download,
    _mnist,
    default_root,
    load_fashion_mnist,
    load_mnist,
)

SHARED = Path(__file__).parents[2].parent / "shared" / "datasets"
TRAIN_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"the shared data set copy {folder} is absent (see shared/datasets/README.md)")
    return folder


# -- the shared copies of the real files ---------------------------------------------------


@pytest.mark.parametrize(("split", "n"), [("train", 60_000), ("test", 10_000)])
def test_fashion_mnist_has_the_documented_shapes_and_balanced_classes(split, n):
    images, labels = load_fashion_mnist(shared_folder("fashion-mnist"), split=split)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == [n // 10] * 10
    assert images.max() > 200  # real pixel data, not an all-zero placeholder


def test_mnist_10k_has_the_documented_shapes_and_an_80_20_split_per_class():
    root = shared_folder("mnist-10k")
    train_images, train_labels = load_mnist(root, split="train")
    test_images, test_labels = load_mnist(root, split="test")

    assert train_images.shape == (8000, 28, 28) and test_images.shape == (2000, 28, 28)
    assert train_images.dtype == test_images.dtype == np.uint8
    assert train_labels.dtype == test_labels.dtype == np.uint8
    assert train_labels.shape == (8000,) and test_labels.shape == (2000,)
    assert set(np.unique(train_labels)) == set(range(10)) == set(np.unique(test_labels))
    n_train = np.bincount(train_labels, minlength=10)
    n_test = np.bincount(test_labels, minlength=10)
    assert np.all(np.abs(n_test - 0.2 * (n_train + n_test)) <= 1)


def test_no_root_means_the_data_set_folder_under_hyperscout_data(monkeypatch):
    shared_folder("fashion-mnist")
    monkeypatch.setenv(DATA_ENV, str(SHARED))
    images, labels = load_fashion_mnist(split="test")
    assert images.shape == (10_000, 28, 28) and labels.shape == (10_000,)


# -- folder resolution and local files -----------------------------------------------------


def test_default_root_follows_hyperscout_data(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert default_root("mnist") == tmp_path / "mnist"


def test_default_root_is_under_the_home_folder_without_hyperscout_data(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_root("fashion-mnist") == tmp_path / ".hyperscout" / "data" / "fashion-mnist"


def idx(array: np.ndarray) -> bytes:
    magic = 0x0800 | array.ndim
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def fake_split(n: int = 12, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    return images, (np.arange(n) % 10).astype(np.uint8)


def write_split(folder: Path, prefix: str = "train", *, gz: bool = True, n: int = 12):
    """Write a small fake split with the official file names; return its arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = fake_split(n)
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        name = f"{prefix}-{kind}-ubyte"
        payload = idx(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_reads_both_the_gzipped_and_the_plain_official_names(tmp_path, gz):
    images, labels = write_split(tmp_path, "t10k", gz=gz)
    loaded_images, loaded_labels = load_mnist(tmp_path, split="test")
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)


def test_rejects_an_unknown_split(tmp_path):
    with pytest.raises(ValueError, match=r"`split` must be 'train' or 'test', but got split='val'"):
        load_mnist(tmp_path, split="val")  # type: ignore[arg-type]


def test_missing_files_name_the_folder_the_files_and_the_fixes(tmp_path):
    folder = tmp_path / "nowhere"
    with pytest.raises(DatasetNotFoundError) as caught:
        load_fashion_mnist(folder)
    message = str(caught.value)
    assert f"Fashion-MNIST (train split) not found in {folder}" in message
    assert "missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message
    assert "load_fashion_mnist(download=True)" in message
    assert f"{DATA_ENV}" in message and "fashion-mnist" in message
    assert isinstance(caught.value, FileNotFoundError)


def test_missing_files_message_lists_only_what_is_missing(tmp_path):
    write_split(tmp_path, "t10k")
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match=r"missing t10k-labels-idx1-ubyte\.gz \("):
        load_mnist(tmp_path, split="test")


def test_rejects_images_and_labels_of_different_lengths(tmp_path):
    write_split(tmp_path, n=12)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx(np.zeros(11, dtype=np.uint8)))
    )
    with pytest.raises(IDXFormatError, match=r"holds 12 images but .* holds 11 labels"):
        load_mnist(tmp_path)


def test_rejects_images_that_are_not_28_by_28(tmp_path):
    write_split(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(idx(np.zeros((12, 8, 8), dtype=np.uint8)))
    )
    with pytest.raises(IDXFormatError, match=r"expected uint8 images of shape \[N, 28, 28\]"):
        load_mnist(tmp_path)


def test_rejects_labels_outside_0_to_9(tmp_path):
    write_split(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx(np.full(12, 10, dtype=np.uint8)))
    )
    with pytest.raises(IDXFormatError, match=r"labels must be 0\.\.9, but got 10"):
        load_mnist(tmp_path)


# -- downloading (file:// mirrors and a fake urlopen; never the network) --------------------


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    """A local folder serving the MNIST train files, installed as MNIST's only mirror."""
    folder = tmp_path / "mirror"
    write_split(folder)
    use_mirrors(monkeypatch, folder.as_uri() + "/")
    return folder


def use_mirrors(monkeypatch, *mirrors: str) -> None:
    monkeypatch.setattr(_mnist, "MNIST", dataclasses.replace(_mnist.MNIST, mirrors=mirrors))


def test_download_fetches_the_missing_files_into_the_root(tmp_path, mirror):
    root = tmp_path / "data" / "mnist"
    images, labels = load_mnist(root, download=True)

    expected_images, expected_labels = fake_split()
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    assert sorted(p.name for p in root.iterdir()) == sorted(TRAIN_FILES)


def test_download_goes_to_the_default_root(tmp_path, mirror, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    load_mnist(download=True)
    assert (tmp_path / "data" / "mnist" / TRAIN_FILES[0]).is_file()


def test_download_leaves_present_files_alone(tmp_path, monkeypatch):
    write_split(tmp_path / "root")
    use_mirrors(monkeypatch, "file:///does/not/exist/")
    images, _ = load_mnist(tmp_path / "root", download=True)
    assert len(images) == 12


def test_download_tries_the_next_mirror_when_one_fails(tmp_path, mirror, monkeypatch):
    use_mirrors(monkeypatch, (tmp_path / "empty-mirror").as_uri() + "/", mirror.as_uri() + "/")
    images, _ = load_mnist(tmp_path / "root", download=True)
    assert len(images) == 12


def test_download_rejects_a_page_that_is_not_gzip_and_keeps_no_file(tmp_path, monkeypatch):
    bad = tmp_path / "bad-mirror"
    bad.mkdir()
    for name in TRAIN_FILES:
        (bad / name).write_text("<html>Access denied</html>")
    use_mirrors(monkeypatch, bad.as_uri() + "/")
    root = tmp_path / "root"

    with pytest.raises(DownloadError, match=r"(?s)train-images.*not gzip data"):
        load_mnist(root, download=True)
    assert list(root.iterdir()) == []  # no partial or temporary file left behind


def test_download_rejects_an_empty_file(tmp_path, monkeypatch):
    bad = tmp_path / "bad-mirror"
    bad.mkdir()
    (bad / TRAIN_FILES[0]).write_bytes(b"")
    use_mirrors(monkeypatch, bad.as_uri() + "/")
    with pytest.raises(DownloadError, match=r"empty file"):
        load_mnist(tmp_path / "root", download=True)


def test_download_rejects_gzip_that_holds_the_wrong_array(tmp_path, monkeypatch):
    bad = tmp_path / "bad-mirror"
    write_split(bad)
    labels = (bad / TRAIN_FILES[1]).read_bytes()
    (bad / TRAIN_FILES[0]).write_bytes(labels)  # labels served as images
    use_mirrors(monkeypatch, bad.as_uri() + "/")
    root = tmp_path / "root"

    with pytest.raises(DownloadError, match=r"expected uint8 images of shape \[N, 28, 28\]"):
        load_mnist(root, download=True)
    assert not (root / TRAIN_FILES[0]).exists()


def test_download_errors_list_every_url_and_its_failure(tmp_path, monkeypatch):
    def refuse(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(_download.urllib.request, "urlopen", refuse)
    use_mirrors(monkeypatch, "https://a.example/mnist/", "https://b.example/mnist/")
    with pytest.raises(DownloadError) as caught:
        load_mnist(tmp_path / "root", download=True)
    message = str(caught.value)
    assert "https://a.example/mnist/train-images-idx3-ubyte.gz" in message
    assert "https://b.example/mnist/train-images-idx3-ubyte.gz" in message
    assert "Name or service not known" in message
    assert isinstance(caught.value, OSError)


def test_download_over_a_fake_urlopen_writes_the_served_bytes(tmp_path, monkeypatch):
    served = tmp_path / "served"
    write_split(served, "t10k")
    requested = []

    def fake_urlopen(url, timeout):
        requested.append(url)
        return io.BytesIO((served / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(_download.urllib.request, "urlopen", fake_urlopen)
    monkeypatch.setattr(
        _mnist,
        "FASHION_MNIST",
        dataclasses.replace(_mnist.FASHION_MNIST, mirrors=("https://example.invalid/f/",)),
    )
    images, labels = load_fashion_mnist(tmp_path / "root", split="test", download=True)
    assert requested == [
        "https://example.invalid/f/t10k-images-idx3-ubyte.gz",
        "https://example.invalid/f/t10k-labels-idx1-ubyte.gz",
    ]
    assert images.shape == (12, 28, 28) and labels.shape == (12,)


def test_official_mirrors_are_the_documented_ones():
    assert _mnist.MNIST.mirrors[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert _mnist.FASHION_MNIST.mirrors == (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    )
