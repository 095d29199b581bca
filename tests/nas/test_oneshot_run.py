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
    assert (folder / "supernet.pt").is_file()  # the default checkpoint


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

    with pytest.raises(Crash, match="out of memory"):  # 16 steps an epoch: dies in the 3rd
        _search("spos", tmp_path, training=training,
                with_strategy=_on_step(STRATEGIES["spos"](), 40, crash))
    store = Store(tmp_path)
    [experiment] = store.experiments()
    [trial] = store.trials(experiment.id)
    assert trial.state is TrialState.FAILED and "Crash: out of memory" in trial.reason
    assert [r.step for r in store.intermediates(experiment.id, trial.number)] == [1, 2]
    checkpoint = Path(trial.directory) / "supernet.pt"

    resumed = _search("spos", tmp_path, training=training, checkpoint=checkpoint)
    assert resumed.best_architecture == whole.best_architecture
    assert resumed.history == [
        {**row, "seconds": mine["seconds"]} for row, mine in zip(whole.history,
                                                                resumed.history)]
    curve = store.intermediates(resumed.experiment_id, 0)
    assert [r.step for r in curve] == [1, 2, 3], "the resumed epochs are on its curve too"


def test_a_stop_from_the_cli_acts_within_a_training_step(tmp_path):
    steps = itertools.count()

    def stop():
        Store(tmp_path).add_command(trial_api.get_experiment_id(), "stop")

    strategy = _on_step(STRATEGIES["spos"](), 1, stop)
    original = strategy.train_step

    def slow_step(*args, **kwargs):
        next(steps)
        time.sleep(0.1)
        return original(*args, **kwargs)

    strategy.train_step = slow_step
    with pytest.raises(EngineError, match=r"ended without a result \(stopped.*supernet\.pt"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=20))
    assert next(steps) < 14, "the stop waited for the end of the epoch (16 steps)"
    [experiment] = Store(tmp_path).experiments()
    assert experiment.status == "stopped"


def test_ctrl_c_interrupts_the_search_within_a_step(tmp_path):
    strategy = _on_step(STRATEGIES["spos"](), 1, lambda: os.kill(os.getpid(), signal.SIGINT))
    original, steps = strategy.train_step, itertools.count()

    def slow_step(*args, **kwargs):
        next(steps)
        time.sleep(0.1)
        return original(*args, **kwargs)

    strategy.train_step = slow_step
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt, match="interrupted.*supernet.pt"):
        _search("spos", tmp_path, with_strategy=strategy, training=_training(epochs=20))
    assert next(steps) < 14, "Ctrl-C waited for the end of the epoch (16 steps)"
    [experiment] = Store(tmp_path).experiments()
    assert (experiment.status, experiment.message) == ("stopped", "received SIGINT")
    assert signal.getsignal(signal.SIGINT) is handler
