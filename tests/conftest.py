"""Shared fixtures: every test gets its own store home, never ~/.hyperscout, and
`hyperscout create` starts no dashboard server unless a test asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("hyperscout-home")
    monkeypatch.setenv("HYPERSCOUT_HOME", str(home))
    monkeypatch.setenv("HYPERSCOUT_DASHBOARD", "0")
    return home
