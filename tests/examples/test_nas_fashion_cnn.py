"""examples/nas-fashion-cnn: a multi-trial NAS experiment through the CLI (the search
space written by `hyperscout nas space`, trials that build their model with
`nas.get_next_model`, the best architecture exported by `hyperscout nas export`), and
the same search from Python. Budgets are cut for the test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperscout.store import Store

pytestmark = pytest.mark.slow
pytest.importorskip("torch", reason="the NAS example needs torch")

ROOT = Path(__file__).resolve().parents[2]
FASHION = ROOT.parent / "shared" / "datasets" / "fashion-mnist"


def _cli(*args, cwd, timeout=600):
    return subprocess.run([sys.executable, "-m", "hyperscout.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def example(tmp_path):
    if not FASHION.is_dir():
        pytest.skip(f"the shared Fashion-MNIST copy is absent ({FASHION}); see "
                    "shared/datasets/README.md")
    folder = tmp_path / "nas-fashion-cnn"
    shutil.copytree(ROOT / "examples" / "nas-fashion-cnn", folder)
    return folder


def test_a_nas_experiment_runs_from_its_config_through_the_cli(example, tmp_path):
    store = tmp_path / "store"
    out = _cli("nas", "space", "model:FashionCNN", "-o", "search_space.json", cwd=example)
    assert out.returncode == 0, out.stderr
    shipped = json.loads((ROOT / "examples" / "nas-fashion-cnn" / "search_space.json").read_text())
    assert json.loads((example / "search_space.json").read_text()) == shipped
    config = example / "config.yml"
    config.write_text(config.read_text()
                      .replace("--epochs 2 --train 5000",
                               f"--epochs 1 --train 256 --val 128 --data {FASHION}")
                      .replace("max_trials: 20", "max_trials: 3"))
    out = _cli("create", "--config", str(config), "--foreground", "--storage", str(store),
               cwd=example)
    assert out.returncode == 0, out.stdout + out.stderr
    (experiment,) = Store(store).experiments()
    trials = Store(store).trials(experiment.id)
    assert len(trials) == 3 and all(t.state.value == "succeeded" for t in trials), [
        (t.state, t.reason) for t in trials]
    assert all(0.0 <= t.value <= 1.0 for t in trials)
    out = _cli("nas", "export", experiment.id, "-o", "best.json", "--storage", str(store),
               cwd=example)
    assert out.returncode == 0, out.stderr
    sys.path.insert(0, str(example))
    try:
        import model as fashion

        arch = json.loads((example / "best.json").read_text())
        best = max(trials, key=lambda t: t.value)
        assert arch == best.params
        import torch

        assert fashion.model_space().freeze(arch)(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    finally:
        sys.path.remove(str(example))
        sys.modules.pop("model", None)


def test_the_python_search_of_the_example_runs(example, tmp_path):
    out = subprocess.run(
        [sys.executable, "search.py", "--data", str(FASHION), "--trials", "3", "--train", "256",
         "--val", "128", "--epochs", "1", "--storage", str(tmp_path / "store")],
        cwd=example, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "best validation accuracy" in out.stdout
    arch = json.loads((example / "best_architecture.json").read_text())
    assert set(arch) >= {"width", "stem_kernel", "op", "extra", "head_input", "hidden", "dropout"}


def test_nas_commands_explain_bad_input(example, tmp_path):
    out = _cli("nas", "space", "model", cwd=example)
    assert out.returncode == 1 and "give the model space as MODULE:NAME" in out.stderr
    out = _cli("nas", "space", "nosuchmodule:Net", cwd=example)
    assert out.returncode == 1 and "cannot import the model space" in out.stderr
