"""Reading a trial's files for the dashboard, and only those: a path must stay inside the
trial's own folder (no ``..``, no absolute paths, no symbolic links out of it), and what is
read is capped in size."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

LOGS = {"stdout": "stdout.log", "stderr": "stderr.log"}
MAX_READ = 1 << 20  # bytes one request may read
DEFAULT_TAIL = 64 << 10
MAX_LISTED = 1000


class FileRefused(LookupError):
    """The path is outside the trial's folder, is not a regular file, or does not exist."""


def safe_path(folder: str | Path, relative: str) -> Path:
    """`relative` inside `folder`, or `FileRefused`. Every component is checked, so a
    symbolic link anywhere on the way cannot lead out of the folder."""
    root = Path(folder).resolve()
    if not relative or relative.startswith(("/", "\\")) or "\x00" in relative:
        raise FileRefused(f"{relative!r} is not a path inside the trial's folder.")
    parts = Path(relative).parts
    if any(p in ("..", "") for p in parts) or Path(relative).is_absolute():
        raise FileRefused(f"{relative!r} leaves the trial's folder; give a path inside it.")
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise FileRefused(f"{relative!r} goes through a symbolic link, which is not served.")
    if not path.resolve().is_relative_to(root):
        raise FileRefused(f"{relative!r} leaves the trial's folder.")
    if not path.is_file():
        raise FileRefused(f"the trial has no file {relative!r}.")
    return path


def read_chunk(path: Path, offset: int | None, tail: int = DEFAULT_TAIL) -> dict[str, Any]:
    """Text of `path` from byte `offset` (None: its last `tail` bytes), at most `MAX_READ`
    bytes; `next` is the offset to ask for next (to follow a growing log)."""
    size = path.stat().st_size
    if offset is None:
        start = max(0, size - min(tail, MAX_READ))
    else:
        start = min(max(0, offset), size)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(MAX_READ)
    return {"text": data.decode("utf-8", errors="replace"), "offset": start,
            "next": start + len(data), "size": size, "truncated": start > 0 and offset is None}


def list_files(folder: str | Path) -> list[dict[str, Any]]:
    """The regular files in the trial's folder (not following links), with their sizes."""
    root = Path(folder)
    out: list[dict[str, Any]] = []
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            out.append({"path": path.relative_to(root).as_posix(), "size": path.stat().st_size})
            if len(out) >= MAX_LISTED:
                return out
    return out
