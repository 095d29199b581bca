"""CMA-ES: converges, learns correlations, restarts, and never stalls on a hung trial."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout.errors import ConfigError
from hyperscout.tuners import CMAESTuner, create

BOX = {f"x{i}": {"_type": "uniform", "_value": [-5, 5]} for i in range(4)}


def _rotated_ellipsoid(p: dict) -> float:
    x = np.array([p[f"x{i}"] for i in range(4)]) - 1.0
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))[0]
    return float(np.sum(10.0 ** np.arange(4) * (rotation @ x) ** 2))


def _minimise(tuner: CMAESTuner, f, n: int) -> CMAESTuner:
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, f(s.params))
    return tuner


def test_converges_on_a_rotated_ill_conditioned_quadratic():
    # random search's best of 500 is around 10 here
    tuner = _minimise(CMAESTuner(BOX, seed=0, direction="minimize"), _rotated_ellipsoid, 500)
    assert tuner.best.value < 0.05


def test_the_covariance_learns_the_correlation_of_a_diagonal_valley():
    space = {k: BOX[k] for k in ("x0", "x1")}
    tuner = CMAESTuner(space, seed=1, direction="minimize")
    _minimise(tuner, lambda p: (p["x0"] - p["x1"]) ** 2 + 0.01 * (p["x0"] + p["x1"]) ** 2, 150)
    cov = tuner._cov
    assert cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]) > 0.8


def test_a_converged_search_restarts_with_a_larger_population():
    space = {"x": BOX["x0"]}
    tuner = _minimise(CMAESTuner(space, seed=2, direction="minimize"),
                      lambda p: p["x"] ** 2, 400)
    assert tuner._restarts >= 1 and tuner._lambda > tuner.popsize


def test_a_hung_trial_does_not_stall_the_generations():
    tuner = CMAESTuner(BOX, seed=3, direction="minimize", popsize=4)
    tuner.ask()  # never told: hangs
    for _ in range(40):
        s = tuner.ask()
        tuner.tell(s.id, _rotated_ellipsoid(s.params))
    assert tuner._generation >= 5


def test_failed_trials_rank_last_and_maximisation_is_respected():
    tuner = CMAESTuner({"x": BOX["x0"]}, seed=4, direction="maximize")
    for i in range(120):
        s = tuner.ask()
        if i % 3 == 0:
            tuner.tell(s.id, None, state="failed")
        else:
            tuner.tell(s.id, -((s.params["x"] - 2.0) ** 2))
    assert abs(tuner.best.params["x"] - 2.0) < 0.05


def test_options_are_checked_and_the_name_is_registered():
    assert isinstance(create("cmaes", BOX), CMAESTuner)
    assert isinstance(create("CMA-ES", BOX), CMAESTuner)
    with pytest.raises(ConfigError, match="sigma0"):
        CMAESTuner(BOX, sigma0=2)
    with pytest.raises(ConfigError, match="popsize"):
        CMAESTuner(BOX, popsize=1)
