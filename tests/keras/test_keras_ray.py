"""Keras Tuner searches with ``executor="ray"``: each trial's fit runs on a worker of a
real multi-node Ray cluster on this machine; the tuner, its store and the results stay in
the caller's process, and failures stop the search as they do locally."""

from __future__ import annotations

from typing import Any

import pytest
from keras_helpers import build_model

import hyperscout.keras as kt
from hyperscout import TrialState
from hyperscout.errors import ConfigError

pytestmark = [pytest.mark.slow, pytest.mark.ray]


def _search(tuner: Any, data: Any) -> None:
    x, y = data
    tuner.search(x, y, epochs=2, validation_split=0.25, verbose=0)


def test_trials_fit_on_the_cluster_and_the_best_model_comes_back(ray_cluster, tmp_path, data,
                                                                 capsys):
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=4, seed=1,
                            directory=tmp_path, project_name="p", executor="ray",
                            executor_args={"cpus_per_trial": 0.5})
    assert tuner.concurrency is None  # sized to the cluster when the search starts
    tuner.search(*data, epochs=2, validation_split=0.25, verbose=1)
    assert tuner.concurrency == 4  # two nodes of one CPU, half a CPU per trial
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["COMPLETED"] * 4
    nodes = set(tuner._open_store().placements(tuner.experiment_id).values())
    assert len(nodes) == 2
    out = capsys.readouterr().out
    assert out.count("succeeded on ") == 4  # each finished trial, printed by the caller
    [model] = tuner.get_best_models(1)  # its best epoch's weights came back from the node
    x, y = data
    assert model.predict(x[:4], verbose=0).shape == (4, 2)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == max(t.score for t in trials)


def test_a_fatal_error_on_a_worker_ends_the_search(ray_cluster, tmp_path, data):
    tuner = kt.RandomSearch(fatal_build, objective="val_accuracy", max_trials=6,
                            directory=tmp_path, project_name="p", executor="ray",
                            concurrency=1)
    with pytest.raises(kt.errors.FatalError, match="the data is gone"):
        _search(tuner, data)
    states = [t.status for t in tuner.oracle.trials.values()]
    assert len(states) < 6 and "FAILED" in states


def test_consecutive_failures_on_workers_end_the_search(ray_cluster, tmp_path, data):
    tuner = kt.RandomSearch(broken_build, objective="val_accuracy", max_trials=10,
                            max_consecutive_failed_trials=2, directory=tmp_path,
                            project_name="p", executor="ray", concurrency=1)
    # trials that started before the limit was seen still end (as with Keras Tuner's workers)
    with pytest.raises(RuntimeError, match=r"trials in a row failed, which is the limit "
                       r"\(max_consecutive_failed_trials=2\).*no such layer"):
        _search(tuner, data)
    records = tuner._open_store().trials(tuner.experiment_id)
    assert 2 <= len(records) < 10
    assert [t.state for t in records[:2]] == [TrialState.FAILED] * 2
    # one that started before the stop may end canceled by it
    assert all(t.state in (TrialState.FAILED, TrialState.USER_CANCELED) for t in records)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"executor": "slurm"}, "`executor` must be 'in_process'"),
    ({"concurrency": 4}, "concurrency=4 needs executor='ray'"),
    ({"executor_args": {"cpus_per_trial": 1}}, "options of executor='ray'"),
    ({"executor": "ray", "executor_args": {"gpu_per_trial": 1}}, "unknown Ray executor option"),
])
def test_bad_executor_settings_are_refused_at_construction(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                        directory=tmp_path, project_name="p", **kwargs)


def fatal_build(hp):
    model = build_model(hp)
    import hyperscout

    if hyperscout.get_trial_dir() is not None:  # in a trial, not while the space is found
        raise kt.errors.FatalError("the data is gone")
    return model


def broken_build(hp):
    import hyperscout

    if hyperscout.get_trial_dir() is not None:
        raise ValueError("no such layer")
    return build_model(hp)
