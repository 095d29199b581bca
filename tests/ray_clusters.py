"""Real Ray clusters of several nodes on this machine, for the tests of trials on Ray.

`local_cluster` starts a head with no CPUs for trials and the worker nodes asked for
(``ray.cluster_utils.Cluster``), joins it, and ends every process it started on exit.
Ray's files go under the given folder (``RAY_TMPDIR``); ``RAY_AUTH_MODE=disabled``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@contextlib.contextmanager
def local_cluster(base: Path, nodes: list[dict[str, Any]]) -> Iterator[Any]:
    """The cluster, with `cluster.workers` the nodes made from `nodes` (add_node's
    arguments: ``num_cpus``, ``num_gpus``, ``resources``, ``env_vars``)."""
    ray = pytest.importorskip("ray", reason="the tests of trials on Ray need Ray: "
                              "pip install -e '.[ray]' in hyperscout's clone")
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_TMPDIR")}
    os.environ.update(RAY_AUTH_MODE="disabled", RAY_TMPDIR=str(base))  # every node's files here
    cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "temp_dir": str(base / "ray"), "include_dashboard": False})
    try:
        cluster.workers = [cluster.add_node(**node) for node in nodes]
        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
