"""Config files for the loader tests are written to `tmp_path` with `write`."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MNIST_SPACE = {
    "batch_size": {"_type": "choice", "_value": [16, 32, 64, 128]},
    "hidden_size": {"_type": "choice", "_value": [128, 256, 512, 1024]},
    "lr": {"_type": "choice", "_value": [0.0001, 0.001, 0.01, 0.1]},
    "momentum": {"_type": "uniform", "_value": [0, 1]},
}


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """`write(name, text)`: a file under tmp_path; `text` is dedented and starts at line 1."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def mnist_space(tmp_path: Path) -> dict:
    """NNI's MNIST example search_space.json, next to the config files."""
    (tmp_path / "search_space.json").write_text(json.dumps(MNIST_SPACE, indent=4))
    return MNIST_SPACE
