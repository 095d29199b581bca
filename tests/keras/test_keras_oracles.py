"""Keras Tuner's oracles on hyperscout: `Tuner(oracle, hypermodel)`, each oracle backed by
the hyperscout tuner or scheduler of the same name, any hyperscout tuner through the base
`Oracle`, and custom oracles that pick configurations in `populate_space`."""

from __future__ import annotations

import pytest
from keras_helpers import build_model

import hyperscout.keras as kt
from hyperscout import Store, TrialState
from hyperscout.errors import ConfigError


class Quadratic(kt.Tuner):
    """A tuner whose trials are a formula, not a fit: fast, and its best is known."""

    def run_trial(self, trial, target):
        x = trial.hyperparameters.Int("x", 0, 9)
        return {"distance": float((x - target) ** 2)}


def _space():
    hp = kt.HyperParameters()
    hp.Int("x", 0, 9)
    return hp


def _objective():
    return kt.Objective("distance", "min")


def _stored_config(tmp_path, project):
    [experiment] = Store(tmp_path / project).experiments()
    return experiment.config


def test_a_tuner_takes_an_oracle_first_and_searches_with_it(tmp_path):
    oracle = kt.oracles.RandomSearchOracle(objective=_objective(), max_trials=4, seed=0,
                                           hyperparameters=_space())
    tuner = Quadratic(oracle, directory=tmp_path, project_name="p")
    tuner.search(3)
    assert tuner.oracle is oracle
    assert len(oracle.trials) == 4
    assert all(t.status == "COMPLETED" for t in oracle.trials.values())
    best = oracle.get_best_trials(1)[0]
    assert best.score == min(t.score for t in oracle.trials.values())


def test_the_base_tuner_builds_and_fits_a_keras_hypermodel(tmp_path, data):
    oracle = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=2, seed=1)
    tuner = kt.Tuner(oracle=oracle, hypermodel=build_model, directory=tmp_path,
                     project_name="p")
    x, y = data
    tuner.search(x, y, validation_split=0.25, epochs=1, verbose=0)
    assert [t.state for t in Store(tmp_path / "p").trials(tuner.experiment_id)] == \
        [TrialState.SUCCEEDED] * 2
    assert set(tuner.get_best_hyperparameters()[0].values) == {"units", "learning_rate"}


@pytest.mark.parametrize("oracle, tuner, scheduler", [
    (kt.oracles.RandomSearchOracle, "random", "fifo"),
    (kt.oracles.GridSearchOracle, "grid", "fifo"),
    (kt.oracles.BayesianOptimizationOracle, "gp", "fifo"),
    (kt.oracles.HyperbandOracle, "random", "hyperband"),
])
def test_each_keras_tuner_oracle_runs_the_hyperscout_tuner_of_its_name(oracle, tuner, scheduler):
    made = oracle(objective="val_loss")
    assert (made.tuner_name, made.scheduler) == (tuner, scheduler)


def test_grid_search_oracle_walks_the_grid_and_stops_at_its_end(tmp_path):
    oracle = kt.oracles.GridSearchOracle(objective=_objective(), hyperparameters=_space())
    tuner = Quadratic(oracle, directory=tmp_path, project_name="p")
    tuner.search(3)
    assert sorted(t.hyperparameters.values["x"] for t in oracle.trials.values()) == list(range(10))
    assert _stored_config(tmp_path, "p")["tuner"] == "grid"


def test_bayesian_optimization_oracle_uses_its_initial_points_then_the_gp(tmp_path):
    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=_objective(), max_trials=8, num_initial_points=3, seed=0,
        hyperparameters=_space())
    Quadratic(oracle, directory=tmp_path, project_name="p").search(4)
    config = _stored_config(tmp_path, "p")
    assert config["tuner"] == "gp" and config["tuner_args"] == {"n_startup_trials": 3}
    assert oracle.get_best_trials(1)[0].hyperparameters.values["x"] == 4


def test_the_base_oracle_runs_any_hyperscout_tuner_by_name(tmp_path):
    oracle = kt.Oracle(objective=_objective(), max_trials=6, seed=0, tuner="tpe",
                       tuner_args={"n_startup_trials": 3}, hyperparameters=_space())
    Quadratic(oracle, directory=tmp_path, project_name="p").search(2)
    config = _stored_config(tmp_path, "p")
    assert config["tuner"] == "tpe" and config["tuner_args"] == {"n_startup_trials": 3}
    assert len(oracle.trials) == 6


def test_hyperband_oracle_sizes_brackets_as_keras_tuner_and_tags_trials(tmp_path):
    oracle = kt.oracles.HyperbandOracle(objective=_objective(), max_epochs=3, factor=3,
                                        seed=0, hyperparameters=_space())

    class Budgeted(kt.Tuner):
        def run_trial(self, trial, target):
            x = trial.hyperparameters.Int("x", 0, 9)
            assert trial.hyperparameters.values["tuner/epochs"] == trial.budget
            return {"distance": float((x - target) ** 2) / trial.budget}

    Budgeted(oracle, directory=tmp_path, project_name="p").search(3)
    trials = list(oracle.trials.values())
    # Keras Tuner's sizes for R=3, eta=3: bracket 1 runs 3 configs at 1 epoch and the best
    # at 3; bracket 0 runs 2 configs at 3 epochs
    assert [t.hyperparameters.values["tuner/epochs"] for t in trials] == [1, 1, 1, 3, 3, 3]
    assert [t.hyperparameters.values["tuner/bracket"] for t in trials] == [1, 1, 1, 1, 0, 0]
    promoted = trials[3].hyperparameters.values
    assert promoted["tuner/round"] == 1 and promoted["tuner/initial_epoch"] == 1
    assert promoted["tuner/trial_id"] in {t.trial_id for t in trials[:3]}


class Ladder(kt.oracles.Oracle):
    """A custom oracle in Keras Tuner's style: x = 0, 2, 4, then stop; it notes how many
    trials it could see each time."""

    def populate_space(self, trial_id):
        self.seen = getattr(self, "seen", []) + [len(self.trials)]
        if int(trial_id) >= 3:
            return {"status": "STOPPED"}
        return {"status": "RUNNING", "values": {"x": 2 * int(trial_id)}}


def test_a_custom_oracle_picks_configurations_in_populate_space(tmp_path):
    oracle = Ladder(objective=_objective(), hyperparameters=_space())
    Quadratic(oracle, directory=tmp_path, project_name="p").search(3)
    assert [t.hyperparameters.values["x"] for t in oracle.trials.values()] == [0, 2, 4]
    assert oracle.seen == [0, 1, 2, 3]  # each finished trial is visible to the next pick
    assert oracle.get_best_trials(1)[0].hyperparameters.values["x"] in (2, 4)


def test_a_custom_oracles_repeated_answer_runs_as_it_is_and_it_is_asked_once(tmp_path):
    class Stubborn(kt.oracles.Oracle):
        calls = 0

        def populate_space(self, trial_id):
            Stubborn.calls += 1
            if int(trial_id) >= 3:
                return {"status": "STOPPED"}
            return {"status": "RUNNING", "values": {"x": 4}}

    oracle = Stubborn(objective=_objective(), hyperparameters=_space())
    Quadratic(oracle, directory=tmp_path, project_name="p").search(3)
    assert [t.hyperparameters.values["x"] for t in oracle.trials.values()] == [4, 4, 4]
    assert Stubborn.calls == 4


def test_a_custom_oracle_that_returns_nonsense_is_named_in_the_error(tmp_path):
    class Broken(kt.oracles.Oracle):
        def populate_space(self, trial_id):
            return {"status": "RUNNING", "values": {"y": 1}}

    tuner = Quadratic(Broken(objective=_objective(), hyperparameters=_space()),
                      directory=tmp_path, project_name="p")
    with pytest.raises(ConfigError, match=r"Broken.populate_space.*\['y'\]"):
        tuner.search(3)


def test_an_oracle_shows_trials_only_once_a_tuner_holds_it_and_serves_one_tuner(tmp_path):
    oracle = kt.oracles.RandomSearchOracle(objective=_objective(), max_trials=2,
                                           hyperparameters=_space())
    with pytest.raises(ConfigError, match="pass it to a tuner"):
        oracle.trials
    assert oracle.hyperparameters.values == {"x": 0}
    Quadratic(oracle, directory=tmp_path, project_name="a")
    with pytest.raises(ConfigError, match="another tuner"):
        Quadratic(oracle, directory=tmp_path, project_name="b")


def test_bad_oracle_arguments_are_named():
    with pytest.raises(ConfigError, match="`max_trials`"):
        kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=0)
    with pytest.raises(ConfigError, match="`max_consecutive_failed_trials`"):
        kt.oracles.Oracle(max_consecutive_failed_trials=0)
    with pytest.raises(ConfigError, match="`hyperparameters` must be a HyperParameters"):
        kt.oracles.Oracle(hyperparameters={"x": 1})
    with pytest.raises(ConfigError, match="`oracle` must be a kt.oracles.Oracle"):
        kt.Tuner("random", build_model)
    with pytest.raises(TypeError, match="belong to the oracle"):
        kt.Tuner(kt.oracles.Oracle(), build_model, objective="val_loss")
