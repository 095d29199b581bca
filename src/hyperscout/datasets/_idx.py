"""Reader for the IDX format of MNIST-style data sets (LeCun et al., "The MNIST database").

An IDX file is a big-endian uint32 magic number ``0x0000TTNN`` (``TT``: element type,
``NN``: number of dimensions), then one big-endian uint32 per dimension, then the elements
in C order. MNIST and Fashion-MNIST use ``0x00000803`` (uint8 images ``[N, rows, cols]``) and
``0x00000801`` (uint8 labels ``[N]``). Files may be gzip-compressed; that is detected from
their first bytes, not their name.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from typing import Any

import numpy as np

from ..errors import HyperscoutError

__all__ = ["IDXFormatError", "load_idx"]

_GZIP_MAGIC = b"\x1f\x8b"

# IDX element type code -> big-endian numpy dtype.
_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXFormatError(HyperscoutError, ValueError):
    """A file is not a well-formed IDX file (bad magic number, truncated, trailing bytes)."""


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (plain or gzip-compressed) into an array of its shape and type.

    Args:
        path: the file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        A writable array in native byte order: uint8 ``[N, 28, 28]`` for MNIST images,
        uint8 ``[N]`` for labels.

    Raises:
        IDXFormatError: the magic number, the dimensions or the data size are wrong, or the
            gzip stream is corrupt. The message names the file.
        FileNotFoundError: `path` does not exist.

    Example:
        >>> images = load_idx("mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
        >>> images.shape, images.dtype  # doctest: +SKIP
        ((10000, 28, 28), dtype('uint8'))
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            return _read(stream, path)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise IDXFormatError(
                f"{path}: the gzip data is corrupt or truncated ({exc}). "
                "Delete the file and download it again."
            ) from exc


def _read(stream: io.BufferedIOBase, path: str) -> np.ndarray:
    header = stream.read(4)  # buffered streams return fewer bytes only at the end
    if len(header) < 4:
        raise IDXFormatError(
            f"{path}: not an IDX file: it holds {len(header)} bytes, "
            "fewer than the 4 of the magic number."
        )
    (magic,) = struct.unpack(">I", header)
    type_code, n_dims = (magic >> 8) & 0xFF, magic & 0xFF
    if magic >> 16 != 0 or type_code not in _DTYPES or n_dims == 0:
        raise IDXFormatError(
            f"{path}: not an IDX file: magic number must be 0x0000TTNN with a known type TT "
            f"and NN >= 1 dimensions (0x00000803 for uint8 images, 0x00000801 for uint8 "
            f"labels), but got 0x{magic:08X}."
        )
    dims_bytes = stream.read(4 * n_dims)
    if len(dims_bytes) < 4 * n_dims:
        raise IDXFormatError(
            f"{path}: truncated IDX header: magic 0x{magic:08X} announces "
            f"{n_dims} dimensions but the file ends inside them."
        )
    shape = struct.unpack(f">{n_dims}I", dims_bytes)
    dtype = _DTYPES[type_code]
    n_bytes = math.prod(shape) * dtype.itemsize

    # Read in chunks rather than allocating n_bytes up front, so a corrupt header that
    # announces terabytes fails as "truncated" instead of exhausting memory. A bytearray
    # makes the array writable without another copy.
    data = bytearray()
    while len(data) <= n_bytes and (chunk := stream.read(1 << 20)):
        data += chunk
    if len(data) < n_bytes:
        raise IDXFormatError(
            f"{path}: truncated IDX data: shape {shape} needs {n_bytes} bytes "
            f"after the header, but the file holds only {len(data)}."
        )
    if len(data) > n_bytes:
        raise IDXFormatError(
            f"{path}: trailing bytes after the IDX data of shape {shape}; "
            "the header does not match the file."
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))
