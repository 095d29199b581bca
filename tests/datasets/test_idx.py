"""`load_idx`: the IDX reader, on small files written by the tests."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from hyperscout.datasets import IDXFormatError, load_idx

_TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of `array`: magic, one uint32 per dimension, big-endian data."""
    magic = (_TYPE_CODES[array.dtype.type] << 8) | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path: Path, payload: bytes, *, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


def test_reads_plain_and_gzipped_images_alike(tmp_path, images):
    plain = write(tmp_path / "images-idx3-ubyte", idx_bytes(images))
    packed = write(tmp_path / "images-idx3-ubyte.gz", idx_bytes(images), gz=True)

    for path in (plain, packed):
        loaded = load_idx(path)
        assert loaded.dtype == np.uint8 and loaded.shape == (5, 28, 28)
        np.testing.assert_array_equal(loaded, images)


def test_reads_labels_as_a_1d_uint8_array(tmp_path):
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    loaded = load_idx(write(tmp_path / "labels.gz", idx_bytes(labels), gz=True))
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, labels)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32])
def test_reads_other_element_types_in_native_byte_order(tmp_path, dtype):
    array = np.arange(-6, 6).reshape(3, 4).astype(dtype)
    loaded = load_idx(write(tmp_path / "data.idx", idx_bytes(array)))
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_returns_a_writable_array(tmp_path, images):
    loaded = load_idx(write(tmp_path / "images.gz", idx_bytes(images), gz=True))
    loaded[0, 0, 0] = 7
    assert loaded[0, 0, 0] == 7


def test_detects_gzip_from_the_content_not_the_name(tmp_path, images):
    path = write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images), gz=True)
    np.testing.assert_array_equal(load_idx(path), images)


def test_accepts_a_str_path(tmp_path, images):
    path = write(tmp_path / "images", idx_bytes(images))
    assert load_idx(str(path)).shape == images.shape


@pytest.mark.parametrize("gz", [False, True])
def test_rejects_a_bad_magic_number_naming_the_file(tmp_path, images, gz):
    payload = b"\x12\x34" + idx_bytes(images)[2:]
    path = write(tmp_path / "bad-magic.gz", payload, gz=gz)
    with pytest.raises(IDXFormatError, match=r"bad-magic\.gz: not an IDX file: magic number"):
        load_idx(path)


def test_rejects_an_unknown_element_type(tmp_path):
    path = write(tmp_path / "weird", struct.pack(">II", 0x00000701, 1) + b"\x00")
    with pytest.raises(IDXFormatError, match=r"but got 0x00000701"):
        load_idx(path)


def test_rejects_zero_dimensions(tmp_path):
    path = write(tmp_path / "scalar", struct.pack(">I", 0x00000800))
    with pytest.raises(IDXFormatError, match=r"NN >= 1 dimensions"):
        load_idx(path)


def test_rejects_a_file_shorter_than_the_magic_number(tmp_path):
    path = write(tmp_path / "tiny", b"\x00\x00")
    with pytest.raises(IDXFormatError, match=r"tiny: not an IDX file: it holds 2 bytes"):
        load_idx(path)


def test_rejects_an_empty_file(tmp_path):
    path = write(tmp_path / "empty", b"")
    with pytest.raises(IDXFormatError, match=r"it holds 0 bytes"):
        load_idx(path)


def test_rejects_a_header_cut_inside_the_dimensions(tmp_path, images):
    path = write(tmp_path / "short-header", idx_bytes(images)[:10])
    with pytest.raises(IDXFormatError, match=r"truncated IDX header.*3 dimensions"):
        load_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_rejects_truncated_data_saying_how_much_is_missing(tmp_path, images, gz):
    payload = idx_bytes(images)[:-100]
    path = write(tmp_path / "cut.gz", payload, gz=gz)
    expected = f"truncated IDX data: shape (5, 28, 28) needs {5 * 28 * 28} bytes"
    with pytest.raises(IDXFormatError, match=re.escape(expected)):
        load_idx(path)


def test_rejects_a_gzip_stream_cut_short(tmp_path, images):
    packed = gzip.compress(idx_bytes(images))
    path = tmp_path / "cut-stream.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXFormatError, match=r"cut-stream\.gz: the gzip data is corrupt or trunc"):
        load_idx(path)


def test_rejects_trailing_bytes_after_the_data(tmp_path, images):
    path = write(tmp_path / "long", idx_bytes(images) + b"\x00" * 3)
    with pytest.raises(IDXFormatError, match=r"long: trailing bytes"):
        load_idx(path)


def test_a_header_announcing_terabytes_fails_as_truncated_without_allocating(tmp_path):
    path = write(tmp_path / "huge", struct.pack(">IIII", 0x00000803, 2**20, 2**12, 2**12) + b"x")
    with pytest.raises(IDXFormatError, match=r"truncated IDX data.*holds only 1\b"):
        load_idx(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing-here"):
        load_idx(tmp_path / "nothing-here")


def test_format_errors_are_value_errors():
    assert issubclass(IDXFormatError, ValueError)
