"""examples/mnist-nni runs through `hyperscout create --config` exactly as an NNI user has it
(only the trial budget is cut for the test)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperscout import TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MNIST = ROOT.parent / "shared" / "datasets" / "mnist-10k"


def test_the_nni_v1_example_runs_unchanged_from_its_config(tmp_path):
    pytest.importorskip("torch")
    if not MNIST.is_dir():
        pytest.skip(f"the shared MNIST copy is absent ({MNIST}); see shared/datasets/README.md")
    example = tmp_path / "mnist-nni"
    shutil.copytree(ROOT / "examples" / "mnist-nni", example)
    config = example / "config.yml"
    config.write_text(config.read_text().replace("maxTrialNum: 10", "maxTrialNum: 2"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "mnist").symlink_to(MNIST)
    env = {**__import__("os").environ, "HYPERSCOUT_DATA": str(data)}
    out = subprocess.run(
        [sys.executable, "-m", "hyperscout.cli", "create", "--config", str(config),
         "--foreground", "--storage", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=400, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    store = Store(tmp_path / "store")
    (experiment,) = store.experiments()
    assert experiment.name == "example_mnist" and experiment.status == "done"
    trials = store.trials(experiment.id)
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 2
    assert all(t.n_intermediate == 2 and 0 < t.value <= 1 for t in trials)
