"""Read-only commands on a store seeded through the Store API: experiment list / show /
export / delete, trial ls, log, top --once. Each runs as a real ``hyperscout`` process."""

from __future__ import annotations

import csv
import io
import json
import os
import time

import pytest
from cli_helpers import Seeded, hyperscout

from hyperscout.errors import ExperimentNotFound


def test_experiment_list_shows_status_progress_and_best_value(seeded: Seeded):
    result = hyperscout("experiment", "list", storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if seeded.id in line)
    assert "seeded" in row and "created" in row
    assert "4/5" in row  # 4 finished trials of max_trials=5
    assert "0.9" in row  # the best value (maximize)
    nnictl_habit = hyperscout("experiment", "list", "--all", storage=seeded.storage)
    assert nnictl_habit.returncode == 0 and nnictl_habit.stdout == result.stdout


def test_experiment_list_reads_hyperscout_home_when_no_storage_is_given(
    seeded: Seeded, monkeypatch
):
    monkeypatch.setenv("HYPERSCOUT_HOME", str(seeded.storage))
    result = hyperscout("experiment", "list")
    assert result.returncode == 0 and seeded.id in result.stdout


def test_storage_may_come_before_the_command(seeded: Seeded):
    result = hyperscout("--storage", str(seeded.storage), "trial", "ls", seeded.id)
    assert result.returncode == 0, result.stderr
    assert "timeout" in result.stdout


def test_experiment_show_summarises_config_counts_best_trial_and_overhead(seeded: Seeded):
    result = hyperscout("experiment", "show", seeded.id, storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "python trial.py" in out and "auto, maximize" in out and "max_trials=5" in out
    assert "2 succeeded" in out and "1 failed" in out and "1 timeout" in out and "1 waiting" in out
    assert "2: 0.9" in out and '"layers": 3' in out  # the best trial and its params
    # ask_to_start was 1, 2, 3, 4 ms: mean 2.5; report_to_tell 2, 4, 6, 8 ms: mean 5.0
    assert "mean 2.5 ms, p95 4.0 ms (n=4)" in out
    assert "mean 5.0 ms, p95 8.0 ms (n=4)" in out
    assert "experiment.log" in out


def test_trial_ls_lists_every_trial_with_value_latest_and_reason(seeded: Seeded):
    result = hyperscout("trial", "ls", seeded.id, storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    rows = {
        int(line.split()[0]): line
        for line in result.stdout.splitlines()
        if line.strip()[:1].isdigit()
    }
    assert sorted(rows) == [0, 1, 2, 3, 4]
    assert "succeeded" in rows[0] and "0.5" in rows[0] and "0.4 (2)" in rows[0]
    assert "failed" in rows[1] and "exit code 1" in rows[1]
    assert "timeout" in rows[3] and "trial timeout" in rows[3]
    assert "waiting" in rows[4] and "x=0.4 layers=2" in rows[4]


def test_trial_ls_shows_the_node_of_trials_placed_on_other_machines(seeded: Seeded):
    plain = hyperscout("trial", "ls", seeded.id, storage=seeded.storage)
    assert "node" not in plain.stdout.splitlines()[1]  # local runs: no such column
    seeded.store.add_event(seeded.id, "placement", "runs on 10.0.0.7 (gpu-box-7, Ray node "
                           "a1b2c3d4e5f6)", trial=2)
    result = hyperscout("trial", "ls", seeded.id, storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    assert "node" in result.stdout
    assert "gpu-box-7" in result.stdout and "10.0.0.7" in result.stdout


def test_trial_ls_filters_by_state(seeded: Seeded):
    result = hyperscout(
        "trial", "ls", seeded.id, "--state", "failed", "--state", "timeout", storage=seeded.storage
    )
    numbers = [line.split()[0] for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert numbers == ["1", "3"]


def test_export_csv_flattens_params_and_metrics_into_columns(seeded: Seeded):
    result = hyperscout(
        "experiment", "export", seeded.id, "--format", "csv", storage=seeded.storage
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["number"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert rows[2]["state"] == "succeeded" and float(rows[2]["value"]) == 0.9
    assert float(rows[2]["param_x"]) == 0.2 and rows[2]["param_layers"] == "3"
    assert float(rows[2]["metric_loss"]) == pytest.approx(0.1)
    assert rows[1]["value"] == "" and rows[1]["reason"] == "exit code 1"
    assert float(rows[0]["duration"]) >= 0 and rows[4]["started"] == ""


def test_export_json_to_a_file_includes_intermediate_results(seeded: Seeded, tmp_path):
    target = tmp_path / "out.json"
    result = hyperscout(
        "experiment",
        "export",
        seeded.id,
        "--format",
        "json",
        "--output",
        str(target),
        storage=seeded.storage,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 5 trials" in result.stderr
    trials = json.loads(target.read_text())
    assert [t["number"] for t in trials] == [0, 1, 2, 3, 4]
    assert [r["value"] for r in trials[0]["intermediate"]] == [0.3, 0.4]
    assert trials[2]["metrics"]["loss"] == pytest.approx(0.1)
    assert trials[4]["state"] == "waiting" and trials[4]["intermediate"] == []


def test_log_trial_prints_stdout_or_stderr_and_its_tail(seeded: Seeded):
    out = hyperscout("log", "trial", seeded.id, "0", storage=seeded.storage).stdout
    assert out.splitlines() == [f"trial 0 line {i}" for i in range(5)]
    tail = hyperscout("log", "trial", seeded.id, "0", "--tail", "2", storage=seeded.storage)
    assert tail.stdout.splitlines() == ["trial 0 line 3", "trial 0 line 4"]
    err = hyperscout("log", "trial", seeded.id, "1", "--stderr", storage=seeded.storage)
    assert err.stdout == "trial 1 warning\n"


def test_log_of_a_waiting_trial_says_it_has_not_started(seeded: Seeded):
    result = hyperscout("log", "trial", seeded.id, "4", storage=seeded.storage)
    assert result.returncode == 1
    assert "has no stdout.log: it has not started yet" in result.stderr


def test_log_experiment_prints_the_engine_log(seeded: Seeded):
    result = hyperscout("log", "experiment", seeded.id, "--tail", "1", storage=seeded.storage)
    assert result.stdout == "engine line 2\n"


def test_top_once_with_nothing_running_says_so(seeded: Seeded):
    result = hyperscout("top", "--once", storage=seeded.storage)
    assert result.returncode == 0 and "no running experiments" in result.stdout


def test_top_once_shows_running_trials_of_a_running_experiment(seeded: Seeded):
    seeded.store.claim(seeded.id, os.getpid())  # this test process poses as its engine
    seeded.store.start_trial(seeded.id, 4, lease_until=time.time() + 60, pid=4242)
    result = hyperscout("top", "--once", storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    assert seeded.id in result.stdout and "4/5 done" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "4242" in line)
    assert row.split()[0] == "4" and "x=0.4" in row


def test_delete_without_yes_refuses_when_it_cannot_ask(seeded: Seeded):
    result = hyperscout("experiment", "delete", seeded.id, storage=seeded.storage)
    assert result.returncode == 1 and "pass --yes" in result.stderr
    assert seeded.store.experiment(seeded.id).id == seeded.id


def test_delete_removes_the_rows_and_the_folder(seeded: Seeded):
    folder = seeded.store.experiment(seeded.id).directory
    result = hyperscout("experiment", "delete", seeded.id, "--yes", storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    assert "deleted experiment" in result.stdout and not os.path.exists(folder)
    with pytest.raises(ExperimentNotFound, match=seeded.id):
        seeded.store.experiment(seeded.id)


def test_delete_refuses_a_running_experiment(seeded: Seeded):
    seeded.store.claim(seeded.id, os.getpid())
    result = hyperscout("experiment", "delete", seeded.id, "--yes", storage=seeded.storage)
    assert result.returncode == 1
    assert f"experiment {seeded.id} is running; stop it first" in result.stderr


def test_experiment_show_gives_time_limits_as_durations(tmp_path):
    from hyperscout import Experiment

    exp = Experiment("python trial.py", {"x": {"_type": "uniform", "_value": [0, 1]}},
                     max_trials=3, max_duration="5m", trial_timeout=90,
                     storage=tmp_path / "store")
    result = hyperscout("experiment", "show", exp.create(), storage=tmp_path / "store")
    assert "max_trials=3, max_duration=5m00s, trial_timeout=1m30s" in result.stdout
