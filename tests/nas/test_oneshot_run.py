"""A one-shot search is recorded as an experiment of one trial: the CLI and the dashboard
show it (each epoch an intermediate result, the chosen architecture's accuracy on the
shared weights the final one, `hyperscout nas export` the architecture), a crash is
recorded and raised and leaves a checkpoint to resume from, and a stop or Ctrl-C acts
within a training step."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="hyperscout.nas needs torch (the torch extra)")

from test_oneshot import FIXED, STRATEGIES, _space, _training  # this folder is on the path

from hyperscout import nas
from hyperscout import trial as trial_api
from hyperscout.errors import EngineError
from hyperscout.states import TrialState
from hyperscout.store import Store


def _search(strategy, tmp_path, **options):
    return nas.search(_space(), options.pop("training", None) or _training(epochs=3),
                      strategy=options.pop("with_strategy", None) or STRATEGIES[strategy](),
                      seed=0, progress=False, storage=tmp_path, fixed=FIXED.get(strategy),
                      **options)


class Crash(Exception):
    pass


def _on_step(strategy, n, action):
    """`strategy` whose `n`-th training step (from 0) first calls `action()`."""
    original, count = strategy.train_step, itertools.count()

    def step(*args, **kwargs):
        if next(count) == n:
            action()
        return original(*args, **kwargs)

    strategy.train_step = step
    return strategy


@pytest.mark.parametrize("name", ["spos", "darts", "enas"])
def test_a_search_is_stored_as_an_experiment_with_a_curve_and_its_architecture(
        tmp_path, name):
    result = _search(name, tmp_path, name=f"{name}-run")
    store = Store(tmp_path)
    record = store.experiment(result.experiment_id)
    assert (record.name, record.status) == (f"{name}-run", "done")
    [trial] = store.trials(result.experiment_id)
    assert trial.state is TrialState.SUCCEEDED
    assert trial.value == result.best_value
    curve = store.intermediates(result.experiment_id, trial.number)
    assert [r.step for r in curve] == [1, 2, 3]
    assert [r.value for r in curve] == [row["train_accuracy"] for row in result.history]
    assert all(0.0 <= r.value <= 1.0 for r in curve)
    assert [r.metrics["train_loss"] for r in curve] == [row["train_loss"]
                                                         for row in result.history]
    folder = Path(trial.directory)
    assert json.loads((folder / "architecture.json").read_text()) == result.best_architecture
    candidates = json.loads((folder / "candidates.json").read_text())
    assert [c["value"] for c in candidates] == [v for _, v in result.candidates]
    assert not (folder / "supernet.pt").exists(), "the default checkpoint outlived its use"


def test_nas_export_writes_a_one_shot_searchs_architecture(tmp_path):
    result = _search("spos", tmp_path)
    out = subprocess.run([sys.executable, "-m", "hyperscout.cli", "nas", "export",
                          result.experiment_id, "--storage", str(tmp_path)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == result.best_architecture


def test_a_crash_is_recorded_and_raised_and_its_checkpoint_resumes_the_search(tmp_path):
    training = _training(epochs=3)
    whole = _search("spos", tmp_path / "whole", training=training)

    def crash():
        raise Crash("out of memory, say")

    with pytest.raises(Crash, match="out of memory") as raised:  # 16 steps an epoch
        _search("spos", tmp_path, training=training,
                with_strategy=_on_step(STRATEGIES["spos"](), 40, crash))
    store = Store(tmp_path)
    [experiment] = store.experiments()
    [trial] = store.trials(experiment.id)
    assert trial.state is TrialState.FAILED and "Crash: out of memory" in trial.reason
    assert [r.step for r in store.intermediates(experiment.id, trial.number)] == [1, 2]
    checkpoint = Path(trial.directory) / "supernet.pt"
    log = Path(trial.directory) / "stderr.log"
    assert "in crash" in log.read_text(), "the search's traceback is in the trial's log"
    assert raised.value.__notes__ == [f"one-shot search {experiment.id} failed; the traceback "
                                      f"of the search is printed above and kept in {log}"]
    assert "in crash" not in "".join(traceback.format_tb(raised.tb)), "printed only once"
    cli = subprocess.run([sys.executable, "-m", "hyperscout.cli", "--storage", str(tmp_path),
                          "resume", experiment.id], capture_output=True, text=True)
    assert cli.returncode != 0
    assert (f"experiment {experiment.id} is a one-shot NAS search (spos)" in cli.stderr
            and f"checkpoint={str(checkpoint)!r}" in cli.stderr), cli.stderr

    resumed = _search("spos", tmp_path, training=training, checkpoint=checkpoint)
    assert resumed.best_architecture == whole.best_architecture
    assert resumed.history == [
        {**row, "seconds": mine["seconds"]} for row, mine in zip(whole.history,
                                                                resumed.history)]
    curve = store.intermediates(resumed.experiment_id, 0)
    assert [r.step for r in curve] == [1, 2, 3], "the resumed epochs are on its curve too"


def _slowed(strategy, seconds=0.1):
    """`strategy` with every training step `seconds` longer; `.steps` counts them."""
    original, strategy.steps = strategy.train_step, itertools.count()

    def slow_step(*args, **kwargs):
        next(strategy.steps)
        time.sleep(seconds)
        return original(*args, **kwargs)

    strategy.train_step = slow_step
    return strategy


def _stop_command(storage):
    """An action that asks the running experiment to stop, as `hyperscout stop ID` does."""
    return lambda: Store(storage).add_command(trial_api.get_experiment_id(), "stop")


def test_a_stop_from_the_cli_acts_within_a_training_step(tmp_path):
    strategy = _slowed(_on_step(STRATEGIES["spos"](), 1, _stop_command(tmp_path)))
    with pytest.raises(EngineError, match=r"ended without a result \(stopped by user\); no "
                                          r"epoch had finished, so there is no checkpoint"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=20))
    assert next(strategy.steps) < 14, "the stop waited for the end of the epoch (16 steps)"
    [experiment] = Store(tmp_path).experiments()
    [trial] = Store(tmp_path).trials(experiment.id)
    assert experiment.status == "stopped"
    assert (trial.state, trial.value) == (TrialState.USER_CANCELED, None)


def test_a_stop_while_architectures_are_scored_acts_before_the_next_one(tmp_path):
    strategy = STRATEGIES["spos"]()  # scores 15 architectures at the end
    original, scored = strategy.score, []

    def score(*args, **kwargs):
        scored.append(1)
        if len(scored) == 2:
            _stop_command(tmp_path)()
        time.sleep(0.1)
        return original(*args, **kwargs)

    strategy.score = score
    with pytest.raises(EngineError, match=r"stopped by user.*supernet\.pt.*to resume"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=2))
    assert len(scored) < 12
    [experiment] = Store(tmp_path).experiments()
    [trial] = Store(tmp_path).trials(experiment.id)
    assert trial.state is TrialState.USER_CANCELED
    assert not (Path(trial.directory) / "architecture.json").exists()


def test_ctrl_c_interrupts_the_search_within_a_step_and_names_its_checkpoint(tmp_path):
    strategy = _slowed(_on_step(STRATEGIES["spos"](), 17,  # in the second epoch
                                lambda: os.kill(os.getpid(), signal.SIGINT)))
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="interrupted.*supernet.pt.*to resume"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=20))
    assert next(strategy.steps) < 17 + 12, "Ctrl-C waited for the end of the epoch"
    [experiment] = Store(tmp_path).experiments()
    assert (experiment.status, experiment.message) == ("stopped", "received SIGINT")
    assert signal.getsignal(signal.SIGINT) is handler


def test_ctrl_c_again_interrupts_a_step_that_does_not_return(tmp_path):
    def press_twice():
        os.kill(os.getpid(), signal.SIGINT)
        deadline = time.monotonic() + 10.0
        while not trial_api.should_stop():  # the engine has acted on the first
            assert time.monotonic() < deadline, "the engine never acted on Ctrl-C"
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10.0)  # a step stuck in a long computation

    strategy = _on_step(STRATEGIES["spos"](), 17, press_twice)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt, match="interrupted.*supernet.pt.*to resume"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=20))
    assert time.monotonic() - started < 8.0
    [experiment] = Store(tmp_path).experiments()
    [trial] = Store(tmp_path).trials(experiment.id)
    assert trial.state is TrialState.USER_CANCELED
