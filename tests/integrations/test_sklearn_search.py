"""HyperscoutSearchCV: scikit-learn's search-CV API with a hyperscout tuner choosing."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from hyperscout.errors import ConfigError  # noqa: E402
from hyperscout.sklearn import HyperscoutSearchCV  # noqa: E402

SPACE = {"C": {"_type": "loguniform", "_value": [1e-3, 1e3]},
         "gamma": {"_type": "loguniform", "_value": [1e-4, 1e1]}}


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_fit_gives_sklearns_results_and_a_refitted_best_estimator(iris):
    x, y = iris
    search = HyperscoutSearchCV(SVC(), SPACE, tuner="gp", n_trials=12, cv=3,
                                random_state=0).fit(x, y)
    results = search.cv_results_
    assert len(results["params"]) == 12
    assert {"mean_test_score", "std_test_score", "rank_test_score", "split0_test_score",
            "param_C", "mean_fit_time"} <= set(results)
    assert search.best_score_ == pytest.approx(np.max(results["mean_test_score"]))
    assert search.best_params_ == results["params"][search.best_index_]
    assert 1e-3 <= search.best_params_["C"] <= 1e3
    assert search.best_score_ > 0.9
    assert search.score(x, y) > 0.9 and search.predict(x[:3]).shape == (3,)
    assert search.best_estimator_.C == search.best_params_["C"]


def test_the_same_seed_gives_the_same_search(iris):
    x, y = iris
    runs = [HyperscoutSearchCV(SVC(), SPACE, tuner="tpe", n_trials=6, cv=3,
                               random_state=5).fit(x, y).cv_results_["params"]
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_lists_are_choices_and_a_finite_space_ends_when_every_value_was_tried(iris):
    x, y = iris
    search = HyperscoutSearchCV(SVC(), {"C": [0.1, 1.0], "kernel": ["linear", "rbf"]},
                                tuner="random", n_trials=10, cv=3, n_jobs=2,
                                random_state=0).fit(x, y)
    tried = {(p["C"], p["kernel"]) for p in search.cv_results_["params"]}
    assert len(search.cv_results_["params"]) == 4 and len(tried) == 4


def test_several_metrics_need_refit_to_name_the_optimised_one(iris):
    x, y = iris
    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    search = HyperscoutSearchCV(SVC(), SPACE, n_trials=4, cv=3, scoring=scoring,
                                refit="f1", random_state=0).fit(x, y)
    assert search.best_score_ == pytest.approx(np.max(search.cv_results_["mean_test_f1"]))
    with pytest.raises(ConfigError, match="`refit` must name"):
        HyperscoutSearchCV(SVC(), SPACE, n_trials=2, cv=3, scoring=scoring,
                           refit=False).fit(x, y)


def test_failed_fits_are_told_as_failures_and_the_search_goes_on(iris):
    x, y = iris
    # one batch of two (n_jobs=2): scikit-learn raises only when every fit of a batch fails
    search = HyperscoutSearchCV(SVC(), {"C": [-1.0, 1.0]}, tuner="grid", n_trials=2, cv=3,
                                n_jobs=2, error_score=np.nan).fit(x, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isnan(scores).sum() == 1 and search.best_params_ == {"C": 1.0}


def test_it_is_a_well_behaved_estimator():
    search = HyperscoutSearchCV(SVC(), SPACE, n_trials=3)
    assert clone(search).get_params()["n_trials"] == 3
    with pytest.raises(ConfigError, match="`n_trials` must be a whole number"):
        HyperscoutSearchCV(SVC(), SPACE, n_trials=0).fit([[0.0], [1.0]] * 4, [0, 1] * 4)
