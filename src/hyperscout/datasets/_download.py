"""Fetch one data set file with the standard library, from the first source that works.

A file is written to a temporary name next to its destination, checked, and only then
renamed into place, so an interrupted or failed download never leaves a file that a later
load would trust.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import HyperscoutError

__all__ = ["DownloadError", "download_file"]

_GZIP_MAGIC = b"\x1f\x8b"


class DownloadError(HyperscoutError, OSError):
    """A data set file could not be fetched from any of its sources."""


def download_file(
    urls: Sequence[str],
    dest: Path,
    *,
    verify: Callable[[Path], None] | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download a gzip file to `dest`, trying `urls` in order.

    Args:
        urls: sources of the same file (mirrors); any scheme `urllib` opens, ``file://`` too.
        dest: where the file goes; its folder is created.
        verify: called with the downloaded temporary file; raises ``ValueError`` to reject
            it (then the next source is tried).
        timeout: seconds to wait on a silent connection.

    Raises:
        DownloadError: every source failed; the message lists each source and its error.
    """
    failures = []
    for url in urls:
        print(f"[hyperscout] downloading {url} -> {dest}", file=sys.stderr, flush=True)
        try:
            _fetch(url, dest, verify=verify, timeout=timeout)
            return dest
        except (OSError, ValueError) as exc:  # urllib's URLError and HTTPError are OSErrors
            failures.append(f"  {url}: {exc}")
    raise DownloadError(
        f"could not download {dest.name} from any source:\n" + "\n".join(failures) + "\n"
        f"Check the network connection, or copy the file to {dest} by hand."
    )


def _fetch(url: str, dest: Path, *, verify: Callable[[Path], None] | None, timeout: float) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        _check_gzip(tmp)
        if verify is not None:
            verify(tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _check_gzip(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise ValueError("the server sent an empty file")
    with open(path, "rb") as f:
        if f.read(2) != _GZIP_MAGIC:
            raise ValueError(
                f"the server sent {size} bytes that are not gzip data "
                "(an error page, or a proxy's login page?)"
            )
