"""Packing trials onto GPUs by measured memory on Ray (`gpu_memory_per_trial: auto` with
`executor: ray`): a cluster of two nodes with one fake 16 GB GPU each (a fake nvidia-smi
per node, `fake_gpus`). Trials first get a whole GPU; once one was measured, Ray is asked
for the share of a GPU the estimate needs; a trial that runs out of memory on a shared
GPU runs again with a whole one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fake_gpus
import pytest
from ray_clusters import local_cluster

from hyperscout import Experiment, TrialState

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def gpu_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Two worker nodes, each with one fake 16 GB GPU of its own."""
    base = tmp_path_factory.mktemp("raygpu")
    smi = fake_gpus.fake_smi(base / "bin")
    nodes = [{"num_cpus": 4, "num_gpus": 1, "env_vars": {
        "PATH": f"{smi}{os.pathsep}{os.environ['PATH']}",
        "HYPERSCOUT_FAKE_GPUS": str(fake_gpus.devices(base / f"node{i}-gpus", [16000]))}}
        for i in range(2)]
    with local_cluster(base, nodes) as cluster:
        yield cluster


def _run(tmp_path: Path, space: dict[str, Any], **kwargs: Any) -> Experiment:
    code = fake_gpus.trial_code(tmp_path / "code", steps=3, step_seconds=0.5)
    exp = Experiment("python trial.py", space, code_dir=code, executor="ray",
                     executor_args={"cpus_per_trial": 0.25, "gpus_per_trial": 1},
                     gpu_memory_per_trial="auto", storage=tmp_path / "store", progress=False,
                     **kwargs)
    exp.run()
    return exp


def test_trials_get_a_whole_gpu_until_measured_then_a_share(gpu_cluster, tmp_path):
    space = {"mib": {"_type": "choice", "_value": [3000]},
             "x": {"_type": "uniform", "_value": [0, 1]}}
    exp = _run(tmp_path, space, max_trials=12, concurrency=8, tuner="random", seed=0)
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 12
    placed = {e.trial: e.message for e in exp.store.events(exp.id) if e.kind == "placement"}
    assert placed[0].endswith(", a GPU")
    shared = [m for m in placed.values() if "0.24 share of a GPU (expecting 3.5 GiB)" in m]
    assert len(shared) >= 6  # 3000 MiB x 1.2 of 95% of 16000 MiB
    out = (Path(trials[0].directory) / "stderr.log").read_text()
    assert "held at most 2.93 GiB of GPU memory" in out
    starts = sorted((t.started, t.ended) for t in trials)
    at_once = max(sum(1 for s, e in starts if s <= start < e) for start, _ in starts)
    assert at_once > 2  # more trials at once than the cluster has GPUs


def test_a_trial_out_of_memory_on_a_shared_gpu_runs_again_with_a_whole_one(gpu_cluster,
                                                                           tmp_path):
    exp = _run(tmp_path, fake_gpus.MIXED_SPACE, max_trials=12, concurrency=8, tuner="grid")
    placed = {e.trial: e.message for e in exp.store.events(exp.id) if e.kind == "placement"}
    for event, failed, retry in fake_gpus.out_of_memory_retries(exp):
        assert "CUDA out of memory on a 0.24 share of a GPU on Ray" in failed.reason
        assert placed[retry.number].endswith(", a GPU")
        assert "later trials are now packed expecting" in event.message


def test_packing_on_ray_needs_one_gpu_per_trial_and_says_so_before_anything_is_stored(tmp_path):
    from hyperscout.errors import ConfigError

    with pytest.raises(ConfigError, match=r"set `executor_args.gpus_per_trial` to 1"):
        Experiment("python trial.py", fake_gpus.MIXED_SPACE, executor="ray",
                   executor_args={"gpus_per_trial": 2}, gpu_memory_per_trial="auto",
                   storage=tmp_path / "store", progress=False)
    assert not (tmp_path / "store").exists()
