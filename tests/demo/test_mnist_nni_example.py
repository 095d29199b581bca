"""examples/mnist-nni: the NNI trial script runs standalone and under hyperscout's ``nni``
stand-in, on the shared 10k MNIST copy (never downloading)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mnist-nni"
SRC = ROOT / "src"
MNIST_10K = ROOT.parent / "shared" / "datasets" / "mnist-10k"
SHIM = SRC / "hyperscout" / "_nni_shim"


def run_example(tmp_path: Path, *, pythonpath: list[Path], data_dir: bool = True, env_extra=None):
    pytest.importorskip("torch")
    if not MNIST_10K.is_dir():
        pytest.skip(f"the shared MNIST copy {MNIST_10K} is absent (see shared/datasets/README.md)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERSCOUT_")}
    env["PYTHONPATH"] = os.pathsep.join(map(str, pythonpath))
    env["HOME"] = str(tmp_path)  # a download would land here, never in the real home
    env.update(env_extra or {})
    args = ["--epochs", "2", "--batch_num", "5"]
    if data_dir:
        args += ["--data_dir", str(MNIST_10K)]
    return subprocess.run(
        [sys.executable, "mnist.py", *args],
        check=False,
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_example_files_are_nni_v1():
    space = json.loads((EXAMPLE / "search_space.json").read_text())
    assert space["conv_size"] == {"_type": "choice", "_value": [2, 3, 5, 7]}
    assert space["batch_size"] == {"_type": "choice", "_value": [1, 4, 8, 16, 32]}
    assert space["dropout_rate"] == {"_type": "uniform", "_value": [0.5, 0.9]}
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((EXAMPLE / "config.yml").read_text())
    assert config["trial"] == {
        "command": "python3 mnist.py --epochs 2 --batch_num 50",
        "codeDir": ".",
        "gpuNum": 0,
    }
    assert config["tuner"] == {
        "builtinTunerName": "Random",
        "classArgs": {"optimize_mode": "maximize"},
    }
    assert config["searchSpacePath"] == "search_space.json"


@pytest.mark.slow
def test_example_runs_standalone_without_nni_on_the_shared_copy_by_default(tmp_path):
    result = run_example(tmp_path, pythonpath=[SRC], data_dir=False)
    assert result.returncode == 0, result.stderr
    assert "final result" in result.stderr


@pytest.mark.slow
def test_example_reports_through_the_nni_stand_in(tmp_path):
    if not (SHIM / "nni" / "__init__.py").is_file():
        pytest.skip("hyperscout's nni stand-in (src/hyperscout/_nni_shim) is not written yet")
    from hyperscout import trial

    trial_dir = tmp_path / "trial"
    trial_dir.mkdir()
    (trial_dir / trial.PARAMS_FILE).write_text(json.dumps({"conv_size": 2, "batch_size": 8}))
    env_extra = {trial.ENV_TRIAL_DIR: str(trial_dir)}
    result = run_example(tmp_path, pythonpath=[SHIM, SRC], env_extra=env_extra)
    assert result.returncode == 0, result.stderr
    assert "parameters from the tuner: {'conv_size': 2, 'batch_size': 8}" in result.stderr
    records = [json.loads(line) for line in (trial_dir / trial.METRICS_FILE).open()]
    assert [r["kind"] for r in records] == ["intermediate", "intermediate", "final"]
