"""Shared fixtures: every test gets its own store home, never ~/.hyperscout, and
`hyperscout create` starts no dashboard server unless a test asks for one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


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
    ray = pytest.importorskip("ray", reason="the tests of trials on Ray need Ray: "
                              "pip install 'hyperscout[ray]'")
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_TMPDIR")}
    base = tmp_path_factory.mktemp("ray")
    os.environ.update(RAY_AUTH_MODE="disabled", RAY_TMPDIR=str(base))  # every node's files here
    c = cluster_utils.Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "temp_dir": str(base / "ray"), "include_dashboard": False})
    workers = [c.add_node(num_cpus=1, resources={f"node{i}": 1}) for i in range(2)]
    ray.init(address=c.address, log_to_driver=False, configure_logging=False)
    c.wait_for_nodes()
    c.workers = workers
    yield c
    ray.shutdown()
    c.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
