"""The Keras Tuner lifecycle on hyperscout: trials counted and stored, best models,
resume and overwrite, retries and failure limits, Hyperband's checkpoint hand-over."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from keras_helpers import build_model, keras, make_data

import hyperscout
import hyperscout.keras as kt
from hyperscout import Store, TrialState
from hyperscout.errors import ConfigError
from hyperscout.schedulers import keras_tuner_brackets

FIT = {"epochs": 2, "verbose": 0}


def _search(tuner, data, **fit):
    x, y = data
    tuner.search(x, y, validation_split=0.25, **{**FIT, **fit})
    return tuner


def test_random_search_runs_max_trials_each_a_stored_hyperscout_trial(tmp_path, data):
    tuner = _search(kt.RandomSearch(build_model, objective="val_accuracy", max_trials=4,
                                    seed=1, directory=tmp_path, project_name="p"), data)
    store = Store(tmp_path / "p")
    [experiment] = store.experiments()
    assert experiment.name == "p" and experiment.id == tuner.experiment_id
    records = store.trials(experiment.id)
    assert [r.state for r in records] == [TrialState.SUCCEEDED] * 4
    assert all(r.n_intermediate == 2 for r in records)  # one report per epoch
    assert len(tuner.oracle.trials) == 4
    assert all(t.status == "COMPLETED" and t.score is not None
               for t in tuner.oracle.trials.values())


def test_the_score_is_the_objective_at_the_best_epoch(tmp_path, data):
    tuner = _search(kt.RandomSearch(build_model, objective="val_loss", max_trials=2, seed=0,
                                    directory=tmp_path, project_name="p"), data, epochs=3)
    for trial in tuner.oracle.trials.values():
        history = [o.value for o in trial.metrics.get_history("val_loss")]
        assert len(history) == 3
        assert trial.score == pytest.approx(min(history))
        assert trial.metrics.get_best_value("val_loss") == pytest.approx(min(history))
        assert trial.best_step == history.index(min(history)), "Keras's epoch, from 0"
        assert [o.step for o in trial.metrics.get_history("val_loss")] == [0, 1, 2]


def test_best_hyperparameters_and_models_come_from_the_best_trial(tmp_path):
    x, y = make_data()
    xv, yv = make_data(seed=1)
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=3, seed=2,
                            directory=tmp_path, project_name="p")
    tuner.search(x, y, validation_data=(xv, yv), epochs=3, verbose=0)
    best = tuner.oracle.get_best_trials(3)
    assert [t.score for t in best] == sorted((t.score for t in best), reverse=True)
    hps = tuner.get_best_hyperparameters(1)[0]
    assert hps.values == best[0].hyperparameters.values
    [model] = tuner.get_best_models(1)
    _, accuracy = model.evaluate(xv, yv, verbose=0)
    assert accuracy == pytest.approx(best[0].score, abs=1e-6)  # the best epoch's weights
    assert tuner.hypermodel.build(hps).count_params() == model.count_params()


def test_summaries_print_the_space_and_the_best_trials(tmp_path, data, capsys):
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2, seed=0,
                            directory=tmp_path, project_name="p")
    tuner.search_space_summary()
    out = capsys.readouterr().out
    assert "Default search space size: 2" in out and "units (Int)" in out
    assert "learning_rate (Choice)" in out
    _search(tuner, data)
    capsys.readouterr()
    tuner.results_summary(1)
    out = capsys.readouterr().out
    assert 'Objective(name="val_accuracy", direction="max")' in out
    assert out.count("Score:") == 1 and "units:" in out


def test_searching_the_same_project_again_resumes_and_overwrite_starts_over(tmp_path, data):
    def make(max_trials, overwrite=False):
        return kt.RandomSearch(build_model, objective="val_accuracy", max_trials=max_trials,
                               seed=3, directory=tmp_path, project_name="p",
                               overwrite=overwrite)

    first = _search(make(2), data)
    again = _search(make(2), data)  # nothing left to do
    assert again.experiment_id == first.experiment_id and len(again.oracle.trials) == 2
    more = _search(make(4), data)
    assert more.experiment_id == first.experiment_id and len(more.oracle.trials) == 4
    assert more.remaining_trials == 0
    fresh = _search(make(1, overwrite=True), data)
    assert fresh.experiment_id != first.experiment_id and len(fresh.oracle.trials) == 1


def test_a_project_whose_space_changed_is_not_resumed_silently(tmp_path, data):
    _search(kt.RandomSearch(build_model, objective="val_accuracy", max_trials=1,
                            directory=tmp_path, project_name="p"), data)

    def other(hp):
        hp.Int("width", 1, 3)
        return build_model(hp)

    tuner = kt.RandomSearch(other, objective="val_accuracy", max_trials=2,
                            directory=tmp_path, project_name="p")
    with pytest.raises(ConfigError, match="overwrite=True"):
        _search(tuner, data)


def test_consecutive_failures_end_the_search_with_the_last_error(tmp_path, data):
    failing = []

    def broken(hp):
        if failing:  # the space was found; every trial's build fails
            raise ValueError("no such layer")
        return build_model(hp)

    tuner = kt.RandomSearch(broken, objective="val_accuracy", max_trials=10,
                            max_consecutive_failed_trials=2, directory=tmp_path,
                            project_name="p")
    failing.append(True)
    with pytest.raises(RuntimeError, match="2 trials in a row failed.*ValueError: no such layer"):
        _search(tuner, data)
    states = [t.state for t in tuner.oracle.trials.values()]
    assert states == [TrialState.FAILED, TrialState.FAILED]


def test_a_failing_trial_is_retried_but_not_after_failed_trial_error(tmp_path, data):
    calls = {"n": 0}

    def flaky(hp):
        calls["n"] += 1
        model = build_model(hp)
        if calls["n"] % 2 == 0:  # every first attempt of a trial fails (build 1 is discovery)
            raise RuntimeError("transient")
        return model

    tuner = _search(kt.RandomSearch(flaky, objective="val_accuracy", max_trials=2,
                                    max_retries_per_trial=1, directory=tmp_path,
                                    project_name="p", seed=0), data)
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 2

    attempts: list[int] | None = None  # None while the tuner finds the space

    def invalid(hp):
        if attempts is None:
            return build_model(hp)
        attempts.append(1)
        raise kt.errors.FailedTrialError("model too large")

    tuner = kt.RandomSearch(invalid, objective="val_accuracy", max_trials=1,
                            max_retries_per_trial=3, max_consecutive_failed_trials=1,
                            directory=tmp_path, project_name="q")
    attempts = []
    with pytest.raises(RuntimeError, match="model too large"):
        _search(tuner, data)
    assert attempts == [1]  # one attempt: no retries


def test_a_build_function_that_fails_on_its_defaults_fails_at_construction(tmp_path):
    def broken(hp):
        raise ValueError("no such layer")

    with pytest.raises(ValueError, match="no such layer") as info:
        kt.RandomSearch(broken, objective="val_accuracy", directory=tmp_path)
    assert "default values" in "".join(getattr(info.value, "__notes__", ["default values"]))


def test_a_missing_objective_stops_the_search_and_says_how_to_fix_it(tmp_path, data):
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5,
                            directory=tmp_path, project_name="p")
    x, y = data
    with pytest.raises(kt.errors.FatalError, match="validation_split"):
        tuner.search(x, y, epochs=1, verbose=0)  # no validation data
    assert len(tuner.oracle.trials) == 1


def test_hyperband_runs_its_plan_and_promoted_trials_continue_from_checkpoints(tmp_path, data):
    seen = []

    class Recording(kt.HyperModel):
        def build(self, hp):
            hp.Float("dropout", 0.0, 0.5)  # an infinite space: the plan is never cut short
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            seen.append((kwargs["initial_epoch"], kwargs["epochs"],
                         [w.copy() for w in model.get_weights()]))
            return model.fit(*args, **kwargs)

    tuner = kt.Hyperband(Recording(), objective="val_accuracy", max_epochs=4, factor=2,
                         seed=0, directory=tmp_path, project_name="p")
    _search(tuner, data)
    trials = list(tuner.oracle.trials.values())
    planned = [(size, budget) for _, sizes, budgets in keras_tuner_brackets(4, 2)
               for size, budget in zip(sizes, budgets)]
    assert len(trials) == sum(size for size, _ in planned) == 15  # Keras Tuner's sizes
    assert sorted(t.budget for t in trials) == sorted(
        b for size, b in planned for _ in range(size))
    assert all(t.status == "COMPLETED" for t in trials)
    promoted = [(start, end, weights) for start, end, weights in seen if start > 0]
    # every rung after a bracket's first continues a configuration of the rung before
    assert len(promoted) == sum(sum(sizes[1:]) for _, sizes, _ in keras_tuner_brackets(4, 2))
    for start, _, weights in promoted:  # each starts from the weights its parent ended with
        assert any(t.budget == start and all(
            np.array_equal(w, v) for w, v in zip(weights, _last_weights(t))) for t in trials)


def test_hyperband_trials_carry_keras_tuners_tuner_entries(tmp_path, data):
    def build(hp):
        hp.Float("dropout", 0.0, 0.5)  # an infinite space: every bracket runs
        return build_model(hp)

    tuner = kt.Hyperband(build, objective="val_accuracy", max_epochs=4, factor=2,
                         seed=0, directory=tmp_path, project_name="p")
    _search(tuner, data)
    trials = tuner.oracle.trials
    for t in trials.values():
        values = t.hyperparameters.values
        assert values["tuner/epochs"] == t.budget
        assert values["tuner/round"] in (0, 1, 2)
        if values["tuner/round"] == 0:
            assert values["tuner/initial_epoch"] == 0 and "tuner/trial_id" not in values
        else:  # continues a trial of the same bracket's previous round, same configuration
            parent = trials[values["tuner/trial_id"]].hyperparameters.values
            assert parent["tuner/epochs"] == values["tuner/initial_epoch"]
            assert parent["tuner/round"] == values["tuner/round"] - 1
            assert parent["tuner/bracket"] == values["tuner/bracket"]
            assert parent["dropout"] == values["dropout"]
    # Keras Tuner numbers brackets by their rounds - 1: the first bracket has 3 rounds
    assert trials["0"].hyperparameters.get("tuner/bracket") == 2
    assert {t.hyperparameters.get("tuner/bracket") for t in trials.values()} == {0, 1, 2}
    best = tuner.get_best_hyperparameters(3)  # one per configuration, whatever its rounds
    assert len({hp.get("dropout") for hp in best}) == len(best) == 3


def _last_weights(trial):
    model = build_model(trial.hyperparameters.copy())
    model.load_weights(str(trial.directory / "checkpoint" / "model.weights.h5"))
    return model.get_weights()


def test_bayesian_optimization_and_grid_search_run(tmp_path, data):
    bo = _search(kt.BayesianOptimization(build_model, objective="val_accuracy", max_trials=4,
                                         num_initial_points=2, seed=0, directory=tmp_path,
                                         project_name="bo"), data, epochs=1)
    assert len(bo.oracle.trials) == 4
    grid = _search(kt.GridSearch(build_model, objective="val_accuracy", directory=tmp_path,
                                 project_name="grid"), data, epochs=1)
    combos = {tuple(sorted(t.hyperparameters.values.items()))
              for t in grid.oracle.trials.values()}
    assert len(grid.oracle.trials) == 8 and len(combos) == 8


def test_given_hyperparameters_override_and_new_entries_can_be_refused(tmp_path, data):
    fixed = kt.HyperParameters()
    fixed.Fixed("learning_rate", 0.01)
    tuner = _search(kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2,
                                    hyperparameters=fixed, directory=tmp_path,
                                    project_name="p"), data, epochs=1)
    assert {t.hyperparameters.get("learning_rate") for t in tuner.oracle.trials.values()} == {0.01}

    only = kt.HyperParameters()
    only.Choice("learning_rate", [1e-2, 1e-3])
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=1,
                            hyperparameters=only, tune_new_entries=False,
                            allow_new_entries=False, max_consecutive_failed_trials=1,
                            directory=tmp_path, project_name="q")
    with pytest.raises(RuntimeError, match="allow_new_entries=False"):
        _search(tuner, data, epochs=1)


def test_a_run_trial_override_may_return_a_number_or_a_dict(tmp_path):
    class Custom(kt.RandomSearch):
        def run_trial(self, trial, offset):
            units = trial.hyperparameters.Int("units", 1, 10)
            return {"score": float(units) + offset}

    tuner = Custom(objective=kt.Objective("score", "max"), max_trials=3, seed=0,
                   hyperparameters=_units(), directory=tmp_path, project_name="p")
    tuner.search(0.5)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == best.hyperparameters.get("units") + 0.5


def _units():
    hp = kt.HyperParameters()
    hp.Int("units", 1, 10)
    return hp


def test_callbacks_are_copied_for_every_fit(tmp_path, data):
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=0)
    _search(kt.RandomSearch(build_model, objective="val_accuracy", max_trials=2, seed=0,
                            directory=tmp_path, project_name="p"), data,
            epochs=5, callbacks=[stop])
    assert stop.model is None  # the original was never attached to a model


def test_unknown_arguments_are_refused_like_keras_tuner_does(tmp_path):
    with pytest.raises(TypeError, match="max_trails"):
        kt.RandomSearch(build_model, objective="val_accuracy", max_trails=3,
                        directory=tmp_path)
    with pytest.raises(ConfigError, match="executions_per_trial"):
        kt.RandomSearch(build_model, objective="val_accuracy", executions_per_trial=0,
                        directory=tmp_path)


def test_keras_settings_made_before_search_apply_inside_the_trials(tmp_path, data):
    policies = []

    def build(hp):
        model = build_model(hp)
        policies.append(model.layers[0].dtype_policy.name)
        return model

    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        tuner = kt.RandomSearch(build, objective="val_accuracy", max_trials=2, seed=0,
                                directory=tmp_path, project_name="p")
        policies.clear()
        _search(tuner, data, epochs=1)
    finally:
        keras.config.set_dtype_policy("float32")
    assert policies == ["mixed_bfloat16", "mixed_bfloat16"]


class _CtrlCInSecondFit(kt.HyperModel):
    """Fits nothing; the user presses Ctrl-C during the second trial's fit."""

    def build(self, hp):
        return keras.Sequential([keras.Input(shape=(1,)),
                                 keras.layers.Dense(hp.Int("units", 4, 16, step=4))])

    def fit(self, hp, model, *args, **kwargs):
        if hyperscout.get_trial_id() == "1":
            os.kill(os.getpid(), signal.SIGINT)
            while not hyperscout.should_stop():
                time.sleep(0.01)
        return float(hp.get("units"))


def test_ctrl_c_ends_the_search_with_keyboard_interrupt_and_a_new_search_continues(tmp_path):
    tuner = kt.RandomSearch(_CtrlCInSecondFit(), objective=kt.Objective("score", "max"),
                            max_trials=3, seed=0, directory=tmp_path, project_name="p")
    with pytest.raises(KeyboardInterrupt, match="searching again continues it"):
        tuner.search(verbose=0)
    again = kt.RandomSearch(_CtrlCInSecondFit(), objective=kt.Objective("score", "max"),
                            max_trials=3, seed=0, directory=tmp_path, project_name="p")
    again.reload()  # Keras Tuner scripts call it; the store is the state here
    again.search(verbose=0)
    again.save()
    states = [t.state for t in Store(tmp_path / "p").trials(again.experiment_id)]
    assert states.count(TrialState.SUCCEEDED) == 3


class _TunesItsTraining(kt.HyperModel):
    """Keras Tuner's "tune model training" pattern: parameters declared in `fit`."""

    def build(self, hp):
        model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    def fit(self, hp, model, *args, **kwargs):
        batch_size = hp.Choice("batch_size", [16, 32, 64])
        return model.fit(*args, batch_size=batch_size, shuffle=hp.Boolean("shuffle"), **kwargs)


def test_parameters_a_hypermodels_fit_declares_are_tuned_too(tmp_path):
    x, y = make_data()
    tuner = kt.RandomSearch(_TunesItsTraining(), objective="val_loss", max_trials=5, seed=0,
                            directory=tmp_path, project_name="p")
    tuner.search(x, y, epochs=1, validation_split=0.25, verbose=0)
    values = [t.hyperparameters.values for t in tuner.oracle.trials.values()]
    assert len(values) == 5
    assert len({v["batch_size"] for v in values}) > 1 and {v["shuffle"] for v in values} == {
        True, False}


def test_a_parameter_declared_in_an_overridden_run_trial_is_named_as_untuned(tmp_path):
    class WithBatchSize(kt.RandomSearch):
        def run_trial(self, trial, *args, **kwargs):
            kwargs["batch_size"] = trial.hyperparameters.Int("batch_size", 16, 64, step=16)
            return super().run_trial(trial, *args, **kwargs)

    x, y = make_data()
    tuner = WithBatchSize(build_model, objective="val_loss", max_trials=1, seed=0,
                          directory=tmp_path, project_name="p")
    with pytest.warns(UserWarning, match="'batch_size' is declared where the search space "
                                         "is not looked for"):
        tuner.search(x, y, epochs=1, validation_split=0.25, verbose=0)
