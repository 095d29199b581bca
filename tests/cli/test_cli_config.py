"""End to end from a config file: ``create`` (foreground and background) and
``trial dry-run``, each a real ``hyperscout`` process running real trial processes."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import hyperscout, stop_engine_of

from hyperscout import TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow

CONFIG = """\
name: quick
trial_command: {python} trial.py
trial_code_directory: code
search_space:
  x: {{_type: uniform, _value: [0, 1]}}
  layers: {{_type: choice, _value: [1, 2, 3]}}
max_trials: {max_trials}
concurrency: 2
seed: 0
"""


@pytest.fixture
def config(tmp_path: Path, trial_dir: Path) -> Path:
    path = tmp_path / "search.yml"
    path.write_text(CONFIG.format(python=sys.executable, max_trials=3))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store")
    yield store
    for record in store.experiments():
        stop_engine_of(store, record.id)


def _id(output: str) -> str:
    match = re.search(r"^experiment (\w+) ", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_create_foreground_runs_to_the_end_and_every_view_shows_the_results(config, store):
    created = hyperscout(
        "create", "--config", str(config), "--foreground", "--name", "cli-test", storage=store.path
    )
    assert created.returncode == 0, created.stderr
    exp_id = _id(created.stdout)
    assert f"experiment {exp_id} done: 3 trials (3 succeeded); best" in created.stdout
    assert store.experiment(exp_id).name == "cli-test"

    listed = hyperscout("trial", "ls", exp_id, storage=store.path).stdout
    assert listed.count("succeeded") == 3

    shown = hyperscout("experiment", "show", exp_id, storage=store.path).stdout
    assert "3 succeeded" in shown and "search.yml (hyperscout)" in shown
    assert re.search(r"ask -> start\s+mean [\d.]+ ms, p95 [\d.]+ ms \(n=3\)", shown)

    exported = json.loads(
        hyperscout("experiment", "export", exp_id, "--format", "json", storage=store.path).stdout
    )
    assert [t["state"] for t in exported] == ["succeeded"] * 3
    for trial in exported:
        assert trial["value"] == trial["params"]["x"]
        assert [r["value"] for r in trial["intermediate"]] == [0.0, trial["params"]["x"]]

    log = hyperscout("log", "trial", exp_id, "0", storage=store.path).stdout
    assert log == f"x is {exported[0]['params']['x']}\n"


def test_create_starts_a_background_engine_that_stop_ends(config, store, trial_dir):
    (trial_dir / "sleep").touch()
    created = hyperscout("create", "--config", str(config), storage=store.path)
    assert created.returncode == 0, created.stderr
    exp_id = _id(created.stdout)
    for hint in (
        "hyperscout top",
        f"hyperscout trial ls {exp_id}",
        f"hyperscout stop {exp_id}",
        "experiment.log",
    ):
        assert hint in created.stdout
    deadline = time.monotonic() + 20
    while len(store.trials(exp_id, states=[TrialState.RUNNING])) < 2:
        assert time.monotonic() < deadline, "the background engine started no trials"
        time.sleep(0.05)

    stopped = hyperscout("stop", exp_id, storage=store.path)
    assert stopped.returncode == 0, stopped.stderr
    assert store.experiment(exp_id).status == "stopped"
    assert f"experiment {exp_id} stopped: 2 trials (2 user_canceled)" in stopped.stdout
    log = hyperscout("log", "experiment", exp_id, storage=store.path).stdout
    assert f"experiment {exp_id} stopped: stopped by user" in log


def test_dry_run_streams_output_and_results_and_exits_with_the_trials_code(
    config, trial_dir, tmp_path
):
    ok = hyperscout(
        "trial",
        "dry-run",
        "--config",
        str(config),
        "--params",
        '{"x": 0.5, "layers": 2}',
        storage=tmp_path / "unused",
    )
    assert ok.returncode == 0, ok.stderr
    assert "x is 0.5" in ok.stdout
    assert "intermediate result (step 1): 0.5" in ok.stdout
    assert '[hyperscout] final result: 0.5 {"default": 0.5}' in ok.stdout
    assert not (tmp_path / "unused").exists()  # a dry run stores nothing

    (trial_dir / "fail").touch()
    failed = hyperscout("trial", "dry-run", "--config", str(config))
    assert failed.returncode == 3
    assert 'dry run with params {"x": 0.0, "layers": 1}' in failed.stdout  # the defaults
    assert "failing on purpose" in failed.stderr and "final result" not in failed.stdout


def test_dry_run_rejects_params_outside_the_space(config):
    result = hyperscout(
        "trial", "dry-run", "--config", str(config), "--params", '{"x": 0.5, "layers": 7}'
    )
    assert result.returncode == 1
    assert "--params" in result.stderr and "'layers'" in result.stderr


def test_a_malformed_config_file_is_one_line_naming_the_file(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("trial_command: python t.py\nsearch_space: {}\nmax_trials: lots\n")
    result = hyperscout("create", "--config", str(bad), storage=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bad.yml" in result.stderr and result.stderr.startswith("hyperscout: error: ")


def test_create_checks_the_tuner_before_it_stores_anything(config, store):
    config.write_text(config.read_text() + "tuner: nosuchtuner\n")
    result = hyperscout("create", "--config", str(config), storage=store.path)
    assert result.returncode == 1
    assert "unknown tuner 'nosuchtuner'" in result.stderr
    assert store.experiments() == []
