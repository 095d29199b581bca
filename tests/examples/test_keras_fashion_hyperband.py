"""examples/keras-fashion-hyperband: the Keras Tuner tutorial, only its import changed,
runs end to end on a slice of Fashion-MNIST (small budgets for the test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hyperscout import TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "keras-fashion-hyperband" / "tutorial.py"
FASHION = ROOT.parent / "shared" / "datasets" / "fashion-mnist"


def test_the_tutorial_differs_from_keras_tuners_only_in_its_import():
    source = EXAMPLE.read_text()
    code = source.split('"""', 2)[2]  # past the module docstring
    assert "import hyperscout.keras as kt  # was: import keras_tuner as kt" in code
    assert "keras_tuner" not in code.replace("# was: import keras_tuner as kt", "")
    assert "kt.Hyperband(model_builder, objective=\"val_accuracy\"" in source


def test_the_tutorial_runs_and_every_trial_is_a_hyperscout_trial(tmp_path):
    pytest.importorskip("hyperscout.keras", reason="Keras 3 is not installed")
    if not FASHION.is_dir():
        pytest.skip(f"the shared Fashion-MNIST copy is absent ({FASHION}); see "
                    "shared/datasets/README.md")
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--data", str(FASHION), "--small", "3000",
         "--max-epochs", "3", "--final-epochs", "3", "--directory", str(tmp_path), "--seed", "0"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
        env={**os.environ, "KERAS_BACKEND": "torch"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "The search is done. The best number of units" in out.stdout
    accuracy = float(out.stdout.split("[test loss, test accuracy]:")[1].split(",")[1].strip(" ]\n"))
    assert accuracy > 0.6  # chance is 0.1; 3 epochs on 2,400 images reach about 0.75
    store = Store(tmp_path / "intro_to_kt")
    [experiment] = store.experiments()
    trials = store.trials(experiment.id)
    assert len(trials) == 6 and all(t.state is TrialState.SUCCEEDED for t in trials)
    assert sorted(t.params["TRIAL_BUDGET"] for t in trials) == [1, 1, 1, 3, 3, 3]
