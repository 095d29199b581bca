"""Experiment: function and command trials, limits, states, retries, exhaustion."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

import hyperscout
from hyperscout import Experiment, TrialState, optimize
from hyperscout.errors import ConfigError, EngineError

SPACE = {"x": {"_type": "uniform", "_value": [-3.0, 3.0]}}


def test_optimize_returns_the_best_of_its_stored_trials(tmp_path):
    result = optimize(lambda p: -(p["x"] - 1) ** 2, SPACE, max_trials=12, seed=0,
                      storage=tmp_path, n_jobs=2)
    values = [t.value for t in result.trials]
    assert len(result.trials) == 12 and all(t.state is TrialState.SUCCEEDED for t in result.trials)
    assert result.best_value == max(values)
    assert result.best_value == -(result.best_params["x"] - 1) ** 2


def test_minimize_picks_the_smallest_value(tmp_path):
    result = optimize(lambda p: p["x"] ** 2, SPACE, max_trials=8, seed=1, direction="minimize",
                      storage=tmp_path)
    assert result.best_value == min(t.value for t in result.trials)


def test_a_command_experiment_stores_intermediate_and_final_results(tmp_path):
    (tmp_path / "trial.py").write_text(textwrap.dedent("""
        import nni
        p = nni.get_next_parameter()
        for epoch in range(3):
            nni.report_intermediate_result({"default": p["x"] + epoch, "epoch": epoch})
        nni.report_final_result(p["x"] + 10)
    """))
    exp = Experiment(f"{sys.executable} trial.py", SPACE, code_dir=tmp_path, max_trials=4,
                     concurrency=2, seed=3, storage=tmp_path / "store")
    exp.run()
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 4
    for t in trials:
        assert t.value == pytest.approx(t.params["x"] + 10)
        steps = exp.store.intermediates(exp.id, t.number)
        assert [s.metrics["epoch"] for s in steps] == [0, 1, 2]
        assert t.ask_to_start is not None and t.report_to_tell is not None
    assert exp.store.experiment(exp.id).status == "done"


def test_a_trial_over_its_timeout_ends_as_timeout(tmp_path):
    exp = Experiment(lambda p: time.sleep(30), SPACE, max_trials=1, trial_timeout=0.5,
                     storage=tmp_path)
    t0 = time.monotonic()
    exp.run()
    assert exp.trials()[0].state is TrialState.TIMEOUT
    assert time.monotonic() - t0 < 10


def _reports_until_stopped(params):
    for step in range(600):  # each report raises TrialStopped once the engine ended it
        hyperscout.report_intermediate_result(float(step))
        time.sleep(0.05)


@pytest.mark.parametrize("executor", ["local", "in_process"])
def test_a_trial_that_acts_on_its_timeout_ends_as_timeout_not_succeeded(tmp_path, executor):
    exp = Experiment(_reports_until_stopped, SPACE, max_trials=1, trial_timeout=0.5,
                     storage=tmp_path, executor=executor)
    exp.run()
    [trial] = exp.trials()
    assert (trial.state, trial.value, trial.reason) == (TrialState.TIMEOUT, None,
                                                        "trial timeout")


def test_a_trial_that_hands_back_a_result_when_stopped_keeps_it(tmp_path):
    def trial(params):
        try:
            _reports_until_stopped(params)
        except hyperscout.TrialStopped:
            return 0.25  # what it has so far

    exp = Experiment(trial, SPACE, max_trials=1, trial_timeout=0.5, storage=tmp_path,
                     executor="in_process")
    exp.run()
    [only] = exp.trials()
    assert (only.state, only.value) == (TrialState.SUCCEEDED, 0.25)


def test_failed_trials_are_retried_with_the_same_parameters(tmp_path):
    def flaky(params):
        marker = tmp_path / "failed-once"
        if not marker.exists():
            marker.write_text("")
            raise RuntimeError("transient")
        return 1.0

    exp = Experiment(flaky, SPACE, max_trials=1, max_retries=2, storage=tmp_path / "s")
    exp.run()
    first, retry = exp.trials()
    assert (first.state, retry.state) == (TrialState.FAILED, TrialState.SUCCEEDED)
    assert retry.params == first.params and retry.retry_of == 0 and retry.attempt == 1


def test_too_many_failures_stop_the_experiment_as_failed(tmp_path):
    def broken(params):
        raise RuntimeError("always")

    exp = Experiment(broken, SPACE, max_trials=20, max_failed_trials=2, storage=tmp_path)
    exp.run()
    record = exp.store.experiment(exp.id)
    assert record.status == "failed" and "max_failed_trials=2" in record.message
    assert len(exp.trials()) == 3


def test_an_exhausted_grid_ends_the_search_with_a_message(tmp_path):
    space = {"a": {"_type": "choice", "_value": [1, 2]}, "b": {"_type": "choice", "_value": [3, 4]}}
    exp = Experiment(lambda p: p["a"] * p["b"], space, tuner="grid", max_trials=10,
                     storage=tmp_path)
    exp.run()
    assert sorted((t.params["a"], t.params["b"]) for t in exp.trials()) == [
        (1, 3), (1, 4), (2, 3), (2, 4)]
    record = exp.store.experiment(exp.id)
    assert record.status == "done" and "4" in record.message


def test_max_duration_ends_running_trials_and_the_experiment(tmp_path):
    exp = Experiment(lambda p: time.sleep(30), SPACE, max_duration=1.0, concurrency=2,
                     storage=tmp_path)
    t0 = time.monotonic()
    exp.run()
    assert time.monotonic() - t0 < 12
    assert {t.state for t in exp.trials()} == {TrialState.USER_CANCELED}


def test_a_function_trial_without_parameters_uses_the_trial_api(tmp_path):
    def fn():
        hyperscout.report_final_result(hyperscout.get_next_parameter()["x"])

    exp = Experiment(fn, SPACE, max_trials=3, storage=tmp_path)
    exp.run()
    assert all(t.value == t.params["x"] for t in exp.trials())


def test_bad_arguments_are_rejected_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match="`concurrency` must be a whole number >= 1"):
        Experiment(lambda p: 0, SPACE, concurrency=0, storage=tmp_path)
    with pytest.raises(ConfigError, match="`trial` is required"):
        Experiment(None, SPACE, storage=tmp_path)
    with pytest.raises(ConfigError, match="max_duration"):
        Experiment(lambda p: 0, SPACE, max_duration="soon", storage=tmp_path)


def test_an_unimportable_function_experiment_cannot_be_loaded_without_the_function(tmp_path):
    exp = Experiment(lambda p: 0, SPACE, max_trials=1, storage=tmp_path)
    exp.create()
    with pytest.raises(EngineError, match="trial=your_function"):
        Experiment.load(exp.id, storage=tmp_path)


def test_an_unknown_tuner_or_tuner_option_is_refused_before_anything_is_stored(tmp_path):
    space = {"x": {"_type": "uniform", "_value": [0, 1]}}
    with pytest.raises(ConfigError, match=r"unknown tuner 'nosuch'"):
        Experiment(lambda p: 1.0, space, tuner="nosuch", storage=tmp_path, progress=False)
    with pytest.raises(ConfigError, match=r"`population_size`"):
        Experiment(lambda p: 1.0, space, tuner="evolution", tuner_args={"population_size": 0},
                   storage=tmp_path, progress=False)
    assert not (tmp_path / "hyperscout.db").exists()


def test_a_define_by_run_space_object_is_stored_and_searched(tmp_path):
    from hyperscout.space import HyperParameters

    hp = HyperParameters()
    hp.Choice("m", ["a", "b"])
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    result = optimize(lambda p: p["lr"] if p["m"] == "a" else 1.0, hp, max_trials=4,
                      seed=0, storage=tmp_path)
    assert len(result.trials) == 4
    assert all(t.params["m"] in ("a", "b") for t in result.trials)


def _in_process_pid_stopping_once(params):
    import os
    import signal

    if hyperscout.get_sequence_id() == 1:
        os.kill(os.getpid(), signal.SIGTERM)  # the experiment stops after this trial
    return float(os.getpid())


def test_an_in_process_experiment_resumes_in_process(tmp_path):
    import os

    exp = Experiment(_in_process_pid_stopping_once, SPACE, max_trials=4, seed=0,
                     storage=tmp_path, executor="in_process", progress=False)
    exp.run()
    assert exp.store.experiment(exp.id).status == "stopped" and len(exp.trials()) == 2
    again = Experiment.load(exp.id, storage=tmp_path, progress=False)
    again.run()
    assert [t.value for t in again.trials()] == [float(os.getpid())] * 4


def _x_stopping_once(params):
    import os
    import signal

    if hyperscout.get_sequence_id() == 1 and "cut" in str(hyperscout.get_trial_dir()):
        os.kill(os.getpid(), signal.SIGTERM)  # the experiment stops after this trial
    return params["x"]


def test_an_experiment_built_with_a_tuner_instance_resumes_with_its_options_and_seed(
        tmp_path):
    from hyperscout import tuners

    def instance():
        return tuners.create("tpe", SPACE, seed=7, n_startup_trials=3, gamma=0.4)

    whole = Experiment(_x_stopping_once, SPACE, tuner=instance(), max_trials=6,
                       storage=tmp_path / "whole", executor="in_process", progress=False)
    whole.run()
    cut = Experiment(_x_stopping_once, SPACE, tuner=instance(), max_trials=6,
                     storage=tmp_path / "cut", executor="in_process", progress=False)
    assert (cut.config.tuner_args, cut.config.seed) == ({"n_startup_trials": 3,
                                                          "gamma": 0.4}, 7)
    cut.run()
    assert len(cut.trials()) == 2
    resumed = Experiment.load(cut.id, storage=tmp_path / "cut", progress=False).run()
    assert [t.params for t in resumed.trials()] == [t.params for t in whole.trials()]


def test_a_trial_that_forgets_its_result_says_so_and_optimize_warns(tmp_path):
    def forgetful(params):
        -(params["x"] - 1) ** 2  # the missing `return`

    with pytest.warns(RuntimeWarning, match=r"no trial of experiment \w+ has a result.*"
                                            r"reported no final result"):
        result = optimize(forgetful, SPACE, max_trials=2, seed=0, storage=tmp_path)
    assert result.best_value is None
    assert all(t.reason.startswith("it reported no final result: return the metric")
               for t in result.trials)


def test_optimize_warns_with_the_first_failure_when_every_trial_failed(tmp_path):
    with pytest.warns(RuntimeWarning, match=r"trial 0 ended failed: ZeroDivisionError"):
        optimize(lambda p: 1 / 0, SPACE, max_trials=2, seed=0, storage=tmp_path)


def test_a_trial_function_is_found_in_the_experiments_folder_from_another_directory(
        tmp_path, monkeypatch):
    from hyperscout.engine._experiment import import_function

    code = tmp_path / "project"
    code.mkdir()
    (code / "trial_module_for_resume.py").write_text("def objective(p):\n    return p['x']\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(ConfigError, match="importable from the working directory"):
        import_function("trial_module_for_resume:objective")
    fn = import_function("trial_module_for_resume:objective", str(code))
    assert fn({"x": 2.0}) == 2.0


@pytest.mark.parametrize("options, message", [
    ({"n_trials": 5}, r"optimize\(\) has no option `n_trials`; did you mean `max_trials`\?"),
    ({"max_trails": 5}, r"no option `max_trails`; did you mean `max_trials`\?"),
    ({"n_jobs": 0}, r"`n_jobs` \(trials at once\) must be a whole number >= 1, but got 0"),
])
def test_optimize_names_a_wrong_option_and_the_one_meant(tmp_path, options, message):
    with pytest.raises(ConfigError, match=message):
        optimize(lambda p: 1.0, SPACE, storage=tmp_path, **options)


def test_direction_ignores_case_as_nnis_optimize_mode_does(tmp_path):
    result = optimize(lambda p: p["x"], SPACE, max_trials=3, direction="MINIMIZE", seed=0,
                      storage=tmp_path)
    assert result.best_value == min(t.value for t in result.trials)


def test_a_value_returned_after_report_final_result_is_ignored_and_the_log_says_so(tmp_path):
    def trial(params):
        hyperscout.report_final_result(0.3)
        return 0.7

    exp = Experiment(trial, SPACE, max_trials=1, storage=tmp_path, progress=False)
    exp.run()
    [only] = exp.trials()
    assert only.value == 0.3
    assert "returned 0.7 after calling report_final_result()" in (
        Path(only.directory) / "stderr.log").read_text()


@pytest.mark.parametrize("trial", [lambda params, extra: 1.0, lambda *, params: 1.0],
                         ids=["two-arguments", "keyword-only"])
def test_a_trial_function_that_cannot_take_the_params_is_refused_before_anything_runs(
        tmp_path, trial):
    with pytest.raises(ConfigError, match=r"cannot be called with the parameters.*"
                                          r"`def trial\(params\)`"):
        Experiment(trial, SPACE, storage=tmp_path)
    assert not list(tmp_path.iterdir()), "something was stored"


def test_a_resume_with_a_config_that_cannot_run_changes_nothing_stored(tmp_path):
    exp = Experiment(_x_stopping_once, SPACE, max_trials=2, storage=tmp_path, progress=False,
                     executor="in_process", seed=0).run()
    before = exp.store.experiment(exp.id)
    broken = Experiment.load(exp.id, storage=tmp_path, progress=False)
    broken.config.direction = "minimize"
    broken.config.scheduler = "hyperband"  # without its required max_budget / max_epochs
    with pytest.raises(ConfigError):
        broken.run()
    moved = Experiment.load(exp.id, storage=tmp_path, progress=False)
    moved.config.search_space = {"y": {"_type": "uniform", "_value": [0, 1]}}
    with pytest.raises(ConfigError, match="keeps its space"):
        moved.run()
    after = exp.store.experiment(exp.id)
    assert (after.config, after.status) == (before.config, before.status)
    more = Experiment.load(exp.id, storage=tmp_path, progress=False)
    more.config.max_trials = 3
    more.run()
    assert len(more.trials()) == 3
