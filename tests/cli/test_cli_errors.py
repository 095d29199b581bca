"""Errors: one line on stderr naming the thing and the fix, exit 1; a bad command line
exits 2; never a traceback."""

from __future__ import annotations

import os

import pytest
from cli_helpers import Seeded, hyperscout

from hyperscout import Experiment


@pytest.mark.parametrize(
    "args",
    [
        ("experiment", "show", "nosuchid"),
        ("trial", "ls", "nosuchid"),
        ("log", "experiment", "nosuchid"),
        ("stop", "nosuchid"),
        ("resume", "nosuchid"),
        ("trial", "rerun", "nosuchid", "--failed"),
    ],
)
def test_an_unknown_experiment_id_is_one_line_naming_it_and_the_fix(args, tmp_path):
    result = hyperscout(*args, storage=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "no experiment 'nosuchid'" in result.stderr
    assert "hyperscout experiment list" in result.stderr


@pytest.mark.parametrize("command", [("create",), ("trial", "dry-run")])
def test_a_missing_config_file_is_one_line_error(command, tmp_path):
    result = hyperscout(*command, "--config", str(tmp_path / "nope.yml"), storage=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nope.yml' does not exist" in result.stderr and "--config" in result.stderr


def test_an_unknown_trial_number_names_the_trial(seeded: Seeded):
    result = hyperscout("log", "trial", seeded.id, "99", storage=seeded.storage)
    assert result.returncode == 1
    assert f"experiment {seeded.id} has no trial 99" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("frobnicate",),
        ("trial", "kill", "abc", "not-a-number"),
        ("trial", "rerun", "abc"),
        ("experiment", "export", "abc", "--format", "xml"),
        ("stop", "abc", "--all"),
    ],
)
def test_a_malformed_command_line_exits_2(args, tmp_path):
    result = hyperscout(*args, storage=tmp_path)
    assert result.returncode == 2
    assert "usage: hyperscout" in result.stderr


def test_kill_on_an_experiment_that_is_not_running_is_refused(seeded: Seeded):
    result = hyperscout("trial", "kill", seeded.id, "0", storage=seeded.storage)
    assert result.returncode == 1
    assert (
        "cannot kill trial 0" in result.stderr and "not running (status created)" in result.stderr
    )


def test_kill_of_a_trial_that_is_not_running_is_refused(seeded: Seeded):
    seeded.store.claim(seeded.id, os.getpid())
    result = hyperscout("trial", "kill", seeded.id, "2", storage=seeded.storage)
    assert result.returncode == 1
    assert "trial 2 of experiment" in result.stderr and "is not running (state: succeeded)" in result.stderr


def test_rerun_of_an_unfinished_trial_is_refused(seeded: Seeded):
    result = hyperscout("trial", "rerun", seeded.id, "4", storage=seeded.storage)
    assert result.returncode == 1
    assert "trial 4 of experiment" in result.stderr and "is waiting" in result.stderr


def test_resume_refuses_a_running_experiment(seeded: Seeded):
    seeded.store.claim(seeded.id, os.getpid())
    result = hyperscout("resume", seeded.id, storage=seeded.storage)
    assert result.returncode == 1
    assert f"experiment {seeded.id} is already running" in result.stderr


def test_stop_of_an_experiment_whose_engine_is_gone_marks_it_stopped(seeded: Seeded):
    seeded.store.claim(seeded.id, 2**22 + 12345)  # no such process: reads as interrupted
    assert seeded.store.experiment(seeded.id).status == "interrupted"
    result = hyperscout("stop", seeded.id, storage=seeded.storage)
    assert result.returncode == 0, result.stderr
    assert "marked stopped" in result.stdout
    assert seeded.store.experiment(seeded.id).status == "stopped"


def test_without_an_id_trial_ls_and_stop_take_the_one_running_experiment(seeded: Seeded):
    nothing = hyperscout("trial", "ls", storage=seeded.storage)
    assert nothing.returncode == 1
    assert "give the experiment's ID: no experiment is running" in nothing.stderr
    seeded.store.claim(seeded.id, os.getpid())  # this process plays its engine
    listed = hyperscout("trial", "ls", storage=seeded.storage)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == hyperscout("trial", "ls", seeded.id, storage=seeded.storage).stdout
    other = Experiment("python trial.py", {"x": {"_type": "uniform", "_value": [0, 1]}},
                       storage=seeded.store)
    seeded.store.claim(other.create(), os.getpid())
    two = hyperscout("stop", storage=seeded.storage)
    assert two.returncode == 1 and "2 are running: " in two.stderr and other.id in two.stderr


def test_stop_all_with_nothing_running_is_a_no_op(seeded: Seeded):
    result = hyperscout("stop", "--all", storage=seeded.storage)
    assert result.returncode == 0 and "no running experiments" in result.stdout


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--executor-arg", "address"), "--executor-arg 'address' must be KEY=VALUE"),
        (("--executor", "ray", "--executor-arg", "cpu_per_trial=1"),
         "unknown Ray executor option(s) ['cpu_per_trial']"),
        (("--executor", "ray", "--executor-arg", "gpus_per_trial=-1"),
         "`gpus_per_trial` must be a number >= 0"),
    ],
)
def test_bad_executor_flags_are_one_line_errors_and_store_nothing(flags, message, tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("trial_command: python trial.py\nsearch_space:\n"
                      "  x: {_type: uniform, _value: [0, 1]}\nmax_trials: 2\n")
    result = hyperscout("create", "--config", str(config), *flags, storage=tmp_path / "store")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr
    listed = hyperscout("experiment", "list", storage=tmp_path / "store")
    assert listed.stdout.startswith("no experiments")
