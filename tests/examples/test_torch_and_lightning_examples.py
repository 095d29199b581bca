"""The plain-PyTorch (ASHA) and Lightning (Hyperband) examples run on a slice of
Fashion-MNIST, and promoted trials continue their parents' checkpoints."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hyperscout import TrialState

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FASHION = ROOT.parent / "shared" / "datasets" / "fashion-mnist"


def _load(folder: str):
    spec = importlib.util.spec_from_file_location(folder, ROOT / "examples" / folder / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _needs_data():
    pytest.importorskip("torch")
    if not FASHION.is_dir():
        pytest.skip(f"the shared Fashion-MNIST copy is absent ({FASHION})")


def test_the_pytorch_asha_example(tmp_path):
    result = _load("pytorch-fashion-asha").main(
        ["--data", str(FASHION), "--small", "2000", "--max-epochs", "3", "--trials", "6",
         "--storage", str(tmp_path)])
    assert result.best_value > 0.5
    assert all(t.state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) for t in result.trials)
    promoted = [t for t in result.trials if (t.schedule or {}).get("previous_budget")]
    assert promoted and all(t.n_intermediate == t.params["TRIAL_BUDGET"] -
                            t.schedule["previous_budget"] for t in promoted)


def test_the_lightning_hyperband_example(tmp_path):
    pytest.importorskip("pytorch_lightning", reason="PyTorch Lightning is not installed")
    exp = _load("lightning-fashion-hyperband").main(
        ["--data", str(FASHION), "--small", "2000", "--max-epochs", "3",
         "--storage", str(tmp_path)])
    trials = exp.trials()
    assert exp.best_trial.value > 0.5 and len(trials) == 6
    assert all(t.state is TrialState.SUCCEEDED for t in trials)
