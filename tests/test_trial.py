"""The trial API: the same calls standalone, in command trials and in function trials."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hyperscout
from hyperscout import trial
from hyperscout.errors import HyperscoutError, MetricError


@pytest.fixture
def context(tmp_path):
    (tmp_path / "params.json").write_text(json.dumps({"lr": 0.1}))
    ctx = trial.TrialContext("exp1", "4", 4, tmp_path, params={"lr": 0.1})
    trial._install(ctx)
    yield tmp_path
    trial._install(None)


def _lines(directory):
    return [json.loads(l) for l in (directory / "metrics.jsonl").read_text().splitlines()]


def test_standalone_gets_no_parameters_and_logs_reports(capsys):
    trial._install(None)
    assert hyperscout.get_next_parameter() == {}
    hyperscout.report_intermediate_result(0.5)
    hyperscout.report_final_result({"default": 0.9, "loss": 0.1})
    err = capsys.readouterr().err
    assert "standalone" in err and "intermediate result: {'default': 0.5}" in err
    assert hyperscout.get_trial_id() == "STANDALONE" and hyperscout.get_sequence_id() == 0
    trial._install(None)


def test_reports_are_appended_as_numbered_json_lines(context):
    assert hyperscout.get_next_parameter() == {"lr": 0.1}
    hyperscout.report_intermediate_result(0.2)
    hyperscout.report_intermediate_result(0.3, step=10)
    hyperscout.report_final_result(0.4)
    lines = _lines(context)
    assert [(l["seq"], l["kind"], l["value"], l["step"]) for l in lines] == [
        (0, "intermediate", 0.2, 0), (1, "intermediate", 0.3, 10), (2, "final", 0.4, None)]
    assert (hyperscout.get_trial_id(), hyperscout.get_experiment_id()) == ("4", "exp1")
    assert hyperscout.get_trial_dir() == context


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0.9", None, [1, 2], True, 10**400])
def test_a_non_finite_or_non_numeric_metric_is_rejected_and_never_stored(context, bad):
    with pytest.raises(MetricError, match="metric"):
        hyperscout.report_final_result(bad)
    assert not (context / "metrics.jsonl").exists()


@pytest.mark.parametrize("step", [2**63, -2**63 - 1, 1.5, "3", True])
def test_a_step_must_be_a_whole_number_the_store_can_hold(context, step):
    with pytest.raises(MetricError, match="`step` must be a whole number"):
        hyperscout.report_intermediate_result(0.5, step=step)
    assert not (context / "metrics.jsonl").exists()
    hyperscout.report_intermediate_result(0.5, step=3.0)
    assert _lines(context)[0]["step"] == 3


def test_a_metric_dict_needs_a_default_key(context):
    with pytest.raises(MetricError, match="must have a 'default' key"):
        hyperscout.report_intermediate_result({"acc": 0.9})


def test_a_second_final_result_is_an_error(context):
    hyperscout.report_final_result(1.0)
    with pytest.raises(HyperscoutError, match="already called"):
        hyperscout.report_final_result(2.0)


def test_importing_hyperscout_in_a_trial_loads_nothing_slow(tmp_path):
    # -S: no site packages' .pth files, which may import these themselves
    (tmp_path / "params.json").write_text('{"lr": 0.1}')
    slow = ["numpy", "typing", "pathlib", "dataclasses", "inspect"]
    code = ("import sys, hyperscout; hyperscout.get_next_parameter(); "
            "hyperscout.report_final_result(1.0); "
            f"print([m for m in {slow!r} if m in sys.modules])")
    src = str(Path(hyperscout.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": src, "HYPERSCOUT_TRIAL_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "[]"


def test_a_command_trial_restarted_in_the_same_folder_continues_the_numbering(tmp_path, monkeypatch):
    (tmp_path / "params.json").write_text("{}")
    (tmp_path / "metrics.jsonl").write_text(json.dumps(
        {"seq": 0, "kind": "intermediate", "value": 1.0, "metrics": {"default": 1.0},
         "step": 0, "time": 0}) + "\n")
    monkeypatch.setenv("HYPERSCOUT_TRIAL_DIR", str(tmp_path))
    trial._install(None)
    hyperscout.report_intermediate_result(2.0)
    assert [(l["seq"], l["step"]) for l in _lines(tmp_path)] == [(0, 0), (1, 1)]
    trial._install(None)
