"""The demo's model, training function and NNI-style trial script."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytestmark = pytest.mark.slow  # torch

import hyperscout.demo
from hyperscout.demo import lenet, load_search_space
from hyperscout.demo.lenet import (
    DEFAULT_PARAMS,
    LeNet,
    load_digits_split,
    train_and_evaluate,
)

SRC = Path(__file__).parents[2] / "src"
SPACE = load_search_space()


@pytest.mark.parametrize("conv_size", SPACE["conv_size"]["_value"])
@pytest.mark.parametrize("hidden_size", SPACE["hidden_size"]["_value"])
def test_model_builds_and_gives_ten_logits_for_every_conv_and_hidden_size(conv_size, hidden_size):
    model = LeNet(conv_size=conv_size, hidden_size=hidden_size, dropout_rate=0.5)
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_default_params_lie_in_the_search_space():
    assert set(DEFAULT_PARAMS) == set(SPACE)
    for name, value in DEFAULT_PARAMS.items():
        spec = SPACE[name]
        if spec["_type"] == "choice":
            assert value in spec["_value"], name
        else:
            low, high = spec["_value"]
            assert low <= value <= high, name


def test_split_is_stratified_fixed_and_complete():
    x_train, x_val, y_train, y_val = load_digits_split()
    assert x_train.shape == (1438, 1, 8, 8) and x_val.shape == (359, 1, 8, 8)
    assert x_train.dtype == torch.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.dtype == torch.int64
    per_class = torch.bincount(y_val, minlength=10) / torch.bincount(
        torch.cat([y_train, y_val]), minlength=10
    )
    assert torch.all((per_class - 0.2).abs() < 0.01)
    load_digits_split.cache_clear()
    assert torch.equal(load_digits_split()[3], y_val)  # the same split when read again


def test_unknown_hyperparameters_are_rejected_by_name():
    with pytest.raises(ValueError, match=r"unknown hyperparameter\(s\) 'hiden_size'; the demo"):
        train_and_evaluate({"hiden_size": 512}, epochs=1)


def test_epochs_must_be_positive():
    with pytest.raises(ValueError, match=r"`epochs` must be >= 1, but got epochs=0"):
        train_and_evaluate({}, epochs=0)


def test_two_short_epochs_beat_half_accuracy_and_report_each_epoch():
    reports: list[float] = []
    accuracy = train_and_evaluate(
        {"batch_size": 64, "learning_rate": 0.01}, epochs=2, report=reports.append
    )
    assert accuracy > 0.5
    assert len(reports) == 2 and reports[-1] == accuracy
    assert all(isinstance(r, float) and 0.0 <= r <= 1.0 for r in reports)


def test_training_is_deterministic_under_a_seed():
    params = {"batch_size": 128, "conv_size": 3}
    assert train_and_evaluate(params, epochs=1, seed=3) == train_and_evaluate(
        params, epochs=1, seed=3
    )


def test_docstring_examples_run():
    for module in (lenet, hyperscout.demo):
        assert doctest.testmod(module, raise_on_error=True).failed == 0


# -- the trial script, as the engine runs it -----------------------------------------------


def run_trial_script(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if not (SRC / "hyperscout" / "trial.py").is_file():
        pytest.skip("hyperscout/trial.py (the trial API the script calls) is not written yet")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERSCOUT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "hyperscout.demo.trial"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_trial_script_runs_standalone_with_default_params():
    result = run_trial_script({})
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("intermediate result") == 10
    assert "final result" in result.stderr
    assert "validation accuracy" in result.stdout


def test_trial_script_trains_with_the_engines_params_and_writes_its_reports(tmp_path):
    from hyperscout import trial

    params = {"conv_size": 3, "hidden_size": 124, "batch_size": 128, "epochs": 2}
    (tmp_path / trial.PARAMS_FILE).write_text(json.dumps(params))
    result = run_trial_script({trial.ENV_TRIAL_DIR: str(tmp_path), trial.ENV_TRIAL_ID: "7"})
    assert result.returncode == 0, result.stderr

    lines = (tmp_path / trial.METRICS_FILE).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["kind"] for r in records] == ["intermediate", "intermediate", "final"]
    assert records[-1]["value"] == records[-2]["value"]
    assert "'conv_size': 3" in result.stdout and "after 2 epochs" in result.stdout
