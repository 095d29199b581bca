"""GP tuner: model quality, valid discrete suggestions, batches, bad data, its pieces."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import check_grad

from hyperscout.errors import ConfigError
from hyperscout.tuners import GPTuner, RandomTuner, create
from hyperscout.tuners._gp._model import GaussianProcess, _neg_log_posterior
from hyperscout.tuners._gp._tuner import _log_expected_improvement, _transform

BRANIN = {"x": {"_type": "uniform", "_value": [-5, 10]},
          "y": {"_type": "uniform", "_value": [0, 15]}}


def _branin(p: dict) -> float:
    x, y = p["x"], p["y"]
    return ((y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10)


def _best(tuner, f, n: int) -> float:
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, f(s.params))
    return tuner.best.value


def test_gp_finds_branins_minimum_in_thirty_trials():
    gp = [_best(GPTuner(BRANIN, direction="minimize", seed=s), _branin, 30) for s in range(4)]
    rnd = [_best(RandomTuner(BRANIN, direction="minimize", seed=s), _branin, 30)
           for s in range(4)]
    assert np.median(gp) < 0.6  # the optimum is 0.3979
    assert np.median(gp) < 0.5 * np.median(rnd)


def test_integers_and_choices_are_suggested_as_valid_values():
    space = {"n": {"_type": "randint", "_value": [0, 20]},
             "c": {"_type": "choice", "_value": ["a", "b", "c"]},
             "q": {"_type": "quniform", "_value": [0, 1, 0.25]}}
    tuner = GPTuner(space, seed=0, n_startup_trials=4, direction="minimize")
    for _ in range(20):
        s = tuner.ask()
        assert isinstance(s.params["n"], int) and s.params["c"] in "abc"
        assert s.params["q"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        tuner.tell(s.id, abs(s.params["n"] - 7) + (s.params["c"] != "b") + s.params["q"])
    assert tuner.best.value <= 1.0


def test_concurrent_asks_spread_out():
    tuner = GPTuner({"x": {"_type": "uniform", "_value": [0, 1]}}, seed=0,
                    direction="minimize")
    for _ in range(12):
        s = tuner.ask()
        tuner.tell(s.id, (s.params["x"] - 0.5) ** 2)
    pending = sorted(tuner.ask().params["x"] for _ in range(6))
    assert (np.diff(pending) > 1e-3).all()


def test_failed_trials_and_all_equal_results_are_handled():
    tuner = GPTuner(BRANIN, seed=0, n_startup_trials=3)
    for i in range(15):
        s = tuner.ask()
        tuner.tell(s.id, None, state="failed") if i % 4 == 0 else tuner.tell(s.id, 2.0)
    assert len(tuner.trials) == 15


@pytest.mark.parametrize("warped", [[], [0, 2]], ids=["plain", "warped"])
def test_the_likelihood_gradient_is_exact(warped):
    rng = np.random.default_rng(0)
    x, y, dims = rng.random((25, 3)), rng.normal(size=25), np.array(warped, dtype=int)
    warp = rng.normal(0.0, 0.4, 2 * len(dims))  # log a, log b of each warped dimension
    theta = np.concatenate([[-1.0, 0.2, -0.5], warp, [0.3, -4.0]])
    error = check_grad(lambda t: _neg_log_posterior(t, x, y, dims)[0],
                       lambda t: _neg_log_posterior(t, x, y, dims)[1], theta)
    assert error < 1e-4 * np.linalg.norm(_neg_log_posterior(theta, x, y, dims)[1])


def test_input_warping_bends_towards_where_the_function_changes():
    # a function that moves only near x = 0 (a learning rate near its lower bound, say)
    x = np.linspace(0, 1, 30)[:, None]
    y = np.log(x[:, 0] + 0.01)
    gp = GaussianProcess(warped=np.array([0])).fit(x, (y - y.mean()) / y.std())
    log_a, log_b = gp.theta[1:3]
    assert log_a < 0 or log_b > 0  # either stretches the region near 0


def test_integers_and_choices_are_searched_not_only_the_continuous_part():
    space = {
        "n": {"_type": "randint", "_value": [0, 12]},
        "kind": {"_type": "choice", "_value": ["a", "b", "c", "d", "e"]},
        "x": {"_type": "uniform", "_value": [0, 1]},
    }
    offset = {"a": 3.0, "b": 2.0, "c": 0.0, "d": 1.0, "e": 2.5}
    tuner = GPTuner(space, seed=1, direction="minimize")
    for _ in range(40):
        s = tuner.ask()
        p = s.params
        tuner.tell(s.id, (p["n"] - 7) ** 2 / 4 + offset[p["kind"]] + (p["x"] - 0.3) ** 2)
    best = tuner.best.params
    assert best["n"] == 7 and best["kind"] == "c" and abs(best["x"] - 0.3) < 0.1


def test_the_gp_interpolates_noise_free_data():
    x = np.linspace(0, 1, 12)[:, None]
    y = np.sin(6 * x[:, 0])
    mean, sd = GaussianProcess().fit(x, (y - y.mean()) / y.std()).predict(x)
    assert np.allclose(mean * y.std() + y.mean(), y, atol=0.05) and (sd < 0.2).all()


def test_log_ei_is_finite_and_ordered_deep_in_the_tail():
    u = np.array([-40.0, -20.0, -6.5, -5.5, 0.0, 3.0])
    values = _log_expected_improvement(u, np.ones_like(u))
    assert np.isfinite(values).all() and (np.diff(values) > 0).all()


def test_the_output_transform_tames_outliers_and_puts_the_prior_mean_at_the_upper_quartile():
    z = _transform(np.array([0.1, 0.2, 0.15, 0.12, 1e6]))
    assert np.isclose(z.std(), 1.0) and z.max() - np.median(z) < 3.0
    assert np.isclose(np.quantile(z, 0.75), 0.0)


def test_nni_and_keras_names_and_option_errors():
    assert isinstance(create("GPTuner", BRANIN), GPTuner)
    assert isinstance(create("BayesianOptimization", BRANIN), GPTuner)
    with pytest.raises(ConfigError, match=r"`max_observations` must be a whole number >= 10"):
        GPTuner(BRANIN, max_observations=5)
