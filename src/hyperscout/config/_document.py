"""Where a config value came from: the file, the line of every key, and the folder that
relative paths start from. Every error and warning of the loader goes through a
`Document`, so each one names the file, the line and the field the same way."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

Key = tuple[str | int, ...]
"""A path from the top of a config file: ``("tuner", "classArgs", "seed")``, ``("gpuIndices", 1)``."""

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class ConfigWarning(UserWarning):
    """A config file asks for something hyperscout ignores: a field it does not support
    yet (NNI's `assessor`, `logDir`, ...) or a training service other than local."""


def dotted(path: Key) -> str:
    """How messages name a field: ``tuner.classArgs.seed``, ``gpuIndices[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class Document:
    """One config file (or dict) being read.

    Attributes:
        name: How messages name it: the path as the user gave it.
        base_dir: Absolute folder that relative paths in it start from.
        source: Stored as `ExperimentConfig.source` (the absolute path of a file).
        lines: 1-based line of every mapping key and list item; empty for a dict.
    """

    name: str
    base_dir: Path
    source: str | None = None
    lines: Mapping[Key, int] = field(default_factory=dict)

    def line(self, path: Key) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def where(self, path: Key = ()) -> str:
        line = self.line(path)
        return f"{self.name}, line {line}" if line is not None else self.name

    def error(self, path: Key, message: str) -> ConfigError:
        """A `ConfigError` prefixed with the file and the line of `path`; the caller raises it."""
        return ConfigError(f"{self.where(path)}: {message}")

    def warn(self, path: Key, message: str) -> None:
        """A `ConfigWarning` prefixed like `error`, attributed to the code that called the loader."""
        warnings.warn(f"{self.where(path)}: {message}", ConfigWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """The `stacklevel` of the first frame outside this package, seen from `Document.warn`."""
    frame = sys._getframe(1)  # Document.warn
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
