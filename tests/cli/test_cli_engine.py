"""End to end with a real engine: background start, top, kill, stop, resume, rerun.

Experiments are made through the Python API (or seeded through the Store API) and then
driven only through ``hyperscout`` subprocesses; the trial is a small python script (see
cli_helpers.TRIAL_SCRIPT) that sleeps or fails when a marker file says so."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import SPACE, hyperscout, stop_engine_of

from hyperscout import Experiment, TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store")
    yield store
    for record in store.experiments():  # never leave an engine behind, even on failure
        stop_engine_of(store, record.id)


def _experiment(store: Store, code: Path, **options) -> str:
    exp = Experiment(
        f"{sys.executable} trial.py",
        SPACE,
        code_dir=code,
        storage=store,
        progress=False,
        seed=0,
        **options,
    )
    return exp.create()


def _until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _running(store: Store, exp_id: str) -> list[int]:
    return [t.number for t in store.trials(exp_id, states=[TrialState.RUNNING])]


def test_background_engine_shows_in_top_and_stop_ends_it(store, trial_dir):
    (trial_dir / "sleep").touch()
    exp_id = _experiment(store, trial_dir, max_trials=4, concurrency=2)
    started = hyperscout("resume", exp_id, storage=store.path)
    assert started.returncode == 0, started.stderr
    assert (
        "in the background (engine process" in started.stdout and "experiment.log" in started.stdout
    )
    _until(lambda: len(_running(store, exp_id)) == 2)

    top = hyperscout("top", "--once", storage=store.path)
    assert exp_id in top.stdout and "0/4 done" in top.stdout

    again = hyperscout("resume", exp_id, storage=store.path)
    assert again.returncode == 1 and "already running" in again.stderr

    stopped = hyperscout("stop", exp_id, storage=store.path)
    assert stopped.returncode == 0, stopped.stderr
    assert "waiting up to 30 s" in stopped.stdout
    record = store.experiment(exp_id)
    assert record.status == "stopped" and record.engine_pid is None
    assert {t.state for t in store.trials(exp_id)} == {TrialState.USER_CANCELED}


def test_kill_cancels_a_sleeping_trial_and_rerun_is_picked_up_by_the_running_engine(
    store, trial_dir
):
    exp_id = _experiment(store, trial_dir, max_trials=2)
    store.add_trial(exp_id, 0, {"x": 0.25, "layers": 2})  # an earlier trial that failed
    store.start_trial(exp_id, 0, lease_until=time.time() + 60)
    store.finish_trial(exp_id, 0, TrialState.FAILED, reason="exit code 3", exit_code=3)
    (trial_dir / "sleep").touch()
    assert hyperscout("resume", exp_id, storage=store.path).returncode == 0
    _until(lambda: _running(store, exp_id) == [1])
    (trial_dir / "sleep").unlink()

    rerun = hyperscout("trial", "rerun", exp_id, "0", storage=store.path)
    assert rerun.returncode == 0, rerun.stderr
    assert (
        "trial 2 re-runs trial 0" in rerun.stdout and "running engine picks them up" in rerun.stdout
    )

    killed = hyperscout("trial", "kill", exp_id, "1", storage=store.path)
    assert killed.returncode == 0, killed.stderr
    assert "trial 1 user_canceled (killed by user)" in killed.stdout

    _until(lambda: store.experiment(exp_id).status == "done")
    rerun_trial = store.trial(exp_id, 2)
    assert rerun_trial.state is TrialState.SUCCEEDED and rerun_trial.value == 0.25
    assert (rerun_trial.retry_of, rerun_trial.reason) == (0, "rerun of trial 0 by user")


def test_rerun_failed_reruns_each_failed_trial_once_with_a_background_engine(store, trial_dir):
    (trial_dir / "fail").touch()
    exp_id = _experiment(store, trial_dir, max_trials=2)
    first = hyperscout("resume", exp_id, "--foreground", storage=store.path)
    assert first.returncode == 0, first.stderr
    assert "2 trials (2 failed)" in first.stdout
    (trial_dir / "fail").unlink()

    rerun = hyperscout("trial", "rerun", exp_id, "--failed", storage=store.path)
    assert rerun.returncode == 0, rerun.stderr
    assert "trial 2 re-runs trial 0" in rerun.stdout and "trial 3 re-runs trial 1" in rerun.stdout
    assert "no engine was running: resumed experiment" in rerun.stdout
    _until(lambda: store.experiment(exp_id).status == "done")
    trials = store.trials(exp_id)
    assert [t.state for t in trials] == [TrialState.FAILED] * 2 + [TrialState.SUCCEEDED] * 2
    assert [t.retry_of for t in trials[2:]] == [0, 1]
    assert [t.params for t in trials[2:]] == [t.params for t in trials[:2]]

    nothing = hyperscout("trial", "rerun", exp_id, "--failed", storage=store.path)
    assert nothing.returncode == 0 and "no failed, timeout or stale trial left" in nothing.stdout


def test_rerun_of_one_trial_then_a_longer_resume_keeps_every_job(store, trial_dir):
    exp_id = _experiment(store, trial_dir, max_trials=3)
    assert hyperscout("resume", exp_id, "--foreground", storage=store.path).returncode == 0
    rerun = hyperscout("trial", "rerun", exp_id, "1", storage=store.path)
    assert rerun.returncode == 0 and "trial 3 re-runs trial 1" in rerun.stdout, rerun.stderr
    _until(lambda: store.experiment(exp_id).status == "done")
    assert store.trial(exp_id, 3).state is TrialState.SUCCEEDED, store.experiment(exp_id)
    more = hyperscout("resume", exp_id, "--foreground", "--max-trials", "5",
                      storage=store.path)
    assert more.returncode == 0, more.stdout + more.stderr
    trials = store.trials(exp_id)
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 6
    assert [t.retry_of for t in trials] == [None, None, None, 1, None, None]
    assert len({json.dumps(t.params) for t in trials}) == 5, "the tuner knew every config"


def test_resume_with_a_larger_max_trials_goes_on_past_the_old_limit(store, trial_dir):
    exp_id = _experiment(store, trial_dir, max_trials=2)
    done = hyperscout("resume", exp_id, "--foreground", storage=store.path)
    assert done.returncode == 0, done.stderr
    assert len(store.trials(exp_id)) == 2
    more = hyperscout("resume", exp_id, "--foreground", "--max-trials", "4",
                      "--max-duration", "1h", storage=store.path)
    assert more.returncode == 0, more.stderr
    assert [t.state for t in store.trials(exp_id)] == [TrialState.SUCCEEDED] * 4
    config = store.experiment(exp_id).config
    assert (config["max_trials"], config["max_duration"]) == (4, 3600.0)
    bad = hyperscout("resume", exp_id, "--max-duration", "soon", storage=store.path)
    assert bad.returncode == 1 and "--max-duration" in bad.stderr, bad.stderr
    assert store.experiment(exp_id).config["max_duration"] == 3600.0  # left as it was
