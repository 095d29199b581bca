"""Shared fixtures: every test gets its own store home, never ~/.hyperscout, and
`hyperscout create` starts no dashboard server unless a test asks for one."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

# Ctrl-C as in a terminal, also when the suite runs in the background (`nohup`, `&` in a
# script), where SIGINT starts out ignored and the engine would rightly leave it so.
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("hyperscout-home")
    monkeypatch.setenv("HYPERSCOUT_HOME", str(home))
    monkeypatch.setenv("HYPERSCOUT_DASHBOARD", "0")
    return home


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Ray cluster of several nodes on this machine: a head with no CPUs for trials
    and two worker nodes of one CPU each (`cluster.workers`). Ray's files go under the
    test's tmp path; every process it started ends with the module."""
    from ray_clusters import local_cluster

    nodes = [{"num_cpus": 1, "resources": {f"node{i}": 1}} for i in range(2)]
    with local_cluster(tmp_path_factory.mktemp("ray"), nodes) as cluster:
        yield cluster
