"""Fixtures of the CLI tests (the helpers live in cli_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import cli_helpers
import pytest


@pytest.fixture
def seeded(tmp_path: Path) -> cli_helpers.Seeded:
    return cli_helpers.seeded(tmp_path)


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    return cli_helpers.trial_dir(tmp_path)
