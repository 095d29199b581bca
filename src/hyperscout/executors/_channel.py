"""The local trial channel: reading the report lines a trial appends to ``metrics.jsonl``.

Only complete lines count: a line cut short by a kill mid-write is left for a later read
(or ignored at the end), never half-parsed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..trial import METRICS_FILE, PARAMS_FILE


class ReportTail:
    """Incremental reader of one trial's metrics file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / METRICS_FILE
        self._offset = 0
        self._partial = b""

    def read(self) -> list[dict[str, Any]]:
        """Records appended since the last call."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        if not data:
            return []
        self._offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        return [r for r in (_parse(line) for line in lines) if r is not None]


def _parse(line: bytes) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or {"seq", "kind", "value"} - record.keys():
        return None
    return record


def read_reports(directory: Path) -> list[dict[str, Any]]:
    """Every complete record in a trial's metrics file (used by `resume`)."""
    return ReportTail(directory).read()


def prepare_directory(directory: Path, params: dict[str, Any]) -> None:
    """Create the trial folder and write ``params.json`` atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (PARAMS_FILE + ".tmp")
    with open(tmp, "w") as f:
        json.dump(params, f)
    os.replace(tmp, directory / PARAMS_FILE)
