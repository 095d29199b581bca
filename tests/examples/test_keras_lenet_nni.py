"""examples/keras-lenet-nni: an NNI config whose trial is a Keras script reporting through
hyperscout.keras.ReportCallback runs through `hyperscout create --config`."""

from __future__ import annotations

import os
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


def test_the_keras_lenet_nni_example_runs_from_its_config(tmp_path):
    pytest.importorskip("hyperscout.keras", reason="Keras 3 is not installed")
    if not MNIST.is_dir():
        pytest.skip(f"the shared MNIST copy is absent ({MNIST}); see shared/datasets/README.md")
    example = tmp_path / "keras-lenet-nni"
    shutil.copytree(ROOT / "examples" / "keras-lenet-nni", example)
    config = example / "config.yml"
    text = config.read_text().replace("maxTrialNum: 10", "maxTrialNum: 2")
    config.write_text(text.replace("--epochs 2 --train 6000", "--epochs 2 --train 300"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mnist").symlink_to(MNIST)
    env = {**os.environ, "HYPERSCOUT_DATA": str(tmp_path / "data"), "KERAS_BACKEND": "torch"}
    out = subprocess.run(
        [sys.executable, "-m", "hyperscout.cli", "create", "--config", str(config),
         "--foreground", "--storage", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    store = Store(tmp_path / "store")
    (experiment,) = store.experiments()
    trials = store.trials(experiment.id)
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 2, [t.reason for t in trials]
    for trial in trials:
        points = store.intermediates(experiment.id, trial.number)
        assert [p.step for p in points] == [1, 2] and trial.value == points[-1].value
