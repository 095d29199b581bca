"""`SklearnTuner`: Keras Tuner's cross-validated search over scikit-learn estimators, each
trial a stored hyperscout trial scored by the mean over the splits."""

from __future__ import annotations

import numpy as np
import pytest

import hyperscout.keras as kt
from hyperscout import Store, TrialState
from hyperscout.errors import ConfigError

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is not installed")
from sklearn import datasets, ensemble, linear_model, metrics, model_selection  # noqa: E402


def build_model(hp):
    """Keras Tuner's documented SklearnTuner example: a forest or a ridge classifier."""
    model_type = hp.Choice("model_type", ["random_forest", "ridge"])
    if model_type == "random_forest":
        return ensemble.RandomForestClassifier(
            n_estimators=hp.Int("n_estimators", 10, 50, step=10),
            max_depth=hp.Int("max_depth", 3, 10), random_state=0)
    return linear_model.RidgeClassifier(alpha=hp.Float("alpha", 1e-3, 1, sampling="log"))


class Recording(linear_model.LogisticRegression):
    """Records each fit's row count and total sample weight."""

    fits: list = []

    def fit(self, X, y, sample_weight=None):  # noqa: N803
        self.fits.append((len(X), None if sample_weight is None else sample_weight.sum()))
        return super().fit(X, y, sample_weight=sample_weight)


def _iris():
    x, y = datasets.load_iris(return_X_y=True)
    return model_selection.train_test_split(x, y, test_size=0.2, random_state=0)


def test_keras_tuners_documented_example_runs_with_the_import_changed(tmp_path):
    tuner = kt.tuners.SklearnTuner(
        oracle=kt.oracles.BayesianOptimizationOracle(
            objective=kt.Objective("score", "max"), max_trials=6, seed=0),
        hypermodel=build_model,
        scoring=metrics.make_scorer(metrics.accuracy_score),
        cv=model_selection.StratifiedKFold(5),
        directory=tmp_path, project_name="my_project")
    x_train, x_test, y_train, y_test = _iris()
    tuner.search(x_train, y_train)
    records = Store(tmp_path / "my_project").trials(tuner.experiment_id)
    assert [r.state for r in records] == [TrialState.SUCCEEDED] * 6
    best_model = tuner.get_best_models(num_models=1)[0]
    assert metrics.accuracy_score(y_test, best_model.predict(x_test)) > 0.8


def test_the_score_is_the_mean_over_the_splits_of_cv(tmp_path):
    x, _, y, _ = _iris()
    cv = model_selection.KFold(4, shuffle=True, random_state=3)
    tuner = kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=3, seed=1), build_model,
                            cv=cv, directory=tmp_path, project_name="p")
    tuner.search(x, y)
    for trial in tuner.oracle.trials.values():
        expected = model_selection.cross_val_score(build_model(trial.hyperparameters), x, y,
                                                   cv=cv).mean()
        assert trial.score == pytest.approx(expected)


def test_scoring_may_be_a_scikit_learn_scorer_name(tmp_path):
    x, _, y, _ = _iris()
    tuner = kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=1, seed=0), build_model,
                            scoring="f1_macro", cv=model_selection.KFold(3),
                            directory=tmp_path, project_name="p")
    tuner.search(x, y)
    [trial] = tuner.oracle.trials.values()
    expected = model_selection.cross_val_score(build_model(trial.hyperparameters), x, y,
                                               cv=model_selection.KFold(3), scoring="f1_macro")
    assert trial.score == pytest.approx(expected.mean())


def test_without_an_objective_the_oracle_maximises_score(tmp_path):
    oracle = kt.oracles.RandomSearchOracle(max_trials=2)
    kt.SklearnTuner(oracle, build_model, directory=tmp_path, project_name="p")
    assert oracle.objective == kt.Objective("score", "max")


def test_metrics_are_averaged_over_the_splits_and_stored(tmp_path):
    x, _, y, _ = _iris()

    def macro_f1(y_true, y_pred):
        return metrics.f1_score(y_true, y_pred, average="macro")

    tuner = kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=2, seed=0), build_model,
                            metrics=[macro_f1], cv=model_selection.KFold(3),
                            directory=tmp_path, project_name="p")
    tuner.search(x, y)
    for record in Store(tmp_path / "p").trials(tuner.experiment_id):
        assert set(record.metrics) == {"default", "score", "macro_f1"}
        assert 0.0 <= record.metrics["macro_f1"] <= 1.0


def test_sample_weight_and_groups_reach_the_estimator_and_the_splitter(tmp_path):
    x, _, y, _ = _iris()
    seen = Recording.fits = []

    def build(hp):
        return Recording(C=hp.Float("C", 0.1, 10, sampling="log"), max_iter=500)

    groups = np.arange(len(y)) % 4
    tuner = kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=1), build,
                            cv=model_selection.GroupKFold(4), directory=tmp_path,
                            project_name="p")
    tuner.search(x, y, sample_weight=np.full(len(y), 2.0), groups=groups)
    assert len(seen) == 4
    for n, weight in seen:
        assert n == (groups != 0).sum() and weight == pytest.approx(2.0 * n)


def test_a_search_of_the_same_project_resumes_and_overwrite_starts_over(tmp_path):
    x, _, y, _ = _iris()

    def tuner(max_trials, overwrite=False):
        return kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=max_trials, seed=0),
                               build_model, cv=model_selection.KFold(3), directory=tmp_path,
                               project_name="p", overwrite=overwrite)

    tuner(2).search(x, y)
    again = tuner(3)
    again.search(x, y)
    assert len(again.oracle.trials) == 3
    fresh = tuner(1, overwrite=True)
    fresh.search(x, y)
    assert len(fresh.oracle.trials) == 1


def test_a_model_that_cannot_be_pickled_keeps_its_score_and_says_so(tmp_path):
    x, _, y, _ = _iris()

    class Local(linear_model.LogisticRegression):
        pass

    tuner = kt.SklearnTuner(kt.oracles.RandomSearchOracle(max_trials=1),
                            lambda hp: Local(C=hp.Float("C", 0.1, 10), max_iter=500),
                            cv=model_selection.KFold(3), directory=tmp_path, project_name="p")
    with pytest.warns(UserWarning, match="cannot be pickled"):
        tuner.search(x, y)
    assert tuner.oracle.get_best_trials(1)[0].score > 0.5
    with pytest.raises(FileNotFoundError, match="saved no model"):
        tuner.get_best_models(1)


def test_bad_arguments_are_named(tmp_path):
    oracle = kt.oracles.RandomSearchOracle(max_trials=1)
    with pytest.raises(ConfigError, match="`cv` must be a scikit-learn splitter"):
        kt.SklearnTuner(oracle, build_model, cv=5, directory=tmp_path)
    with pytest.raises(ConfigError, match="`scoring` 'acuracy' is not a scikit-learn scorer"):
        kt.SklearnTuner(oracle, build_model, scoring="acuracy", directory=tmp_path)
    with pytest.raises(ConfigError, match="`scoring` must be a scorer"):
        kt.SklearnTuner(oracle, build_model, scoring=0.5, directory=tmp_path)
    with pytest.raises(ConfigError, match="needs `hypermodel`"):
        kt.SklearnTuner(oracle, None, directory=tmp_path)
