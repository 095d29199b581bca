"""TPE: learns where random search guesses, spreads concurrent asks, survives bad data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperscout.errors import ConfigError
from hyperscout.tuners import RandomTuner, TPETuner, create

QUADRATIC = {"x": {"_type": "uniform", "_value": [-10, 10]},
             "y": {"_type": "loguniform", "_value": [1e-3, 1e1]},
             "c": {"_type": "choice", "_value": ["a", "b", "c", "d"]}}


def _loss(p: dict) -> float:
    return (p["x"] - 3) ** 2 + (math.log10(p["y"]) - 0.5) ** 2 + (p["c"] != "c") * 5.0


def _best(tuner, n: int = 40) -> float:
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, _loss(s.params))
    return tuner.best.value


def test_tpe_beats_random_search_on_a_quadratic_with_a_choice():
    # 12 seeds: a run that misses the right choice in 40 trials (about one in six) must
    # not decide the median
    tpe = [_best(TPETuner(QUADRATIC, direction="minimize", seed=s)) for s in range(12)]
    rnd = [_best(RandomTuner(QUADRATIC, direction="minimize", seed=s)) for s in range(12)]
    assert np.median(tpe) < 0.2 * np.median(rnd)


@pytest.mark.parametrize("multivariate", [True, False])
def test_both_modes_converge_on_a_continuous_quadratic(multivariate):
    space = {k: QUADRATIC[k] for k in ("x", "y")}

    def best(tuner) -> float:
        for _ in range(40):
            s = tuner.ask()
            tuner.tell(s.id, (s.params["x"] - 3) ** 2 + (math.log10(s.params["y"]) - 0.5) ** 2)
        return tuner.best.value

    tpe = [best(TPETuner(space, direction="minimize", seed=s, multivariate=multivariate))
           for s in range(6)]
    rnd = [best(RandomTuner(space, direction="minimize", seed=s)) for s in range(6)]
    assert np.median(tpe) < 0.5 * np.median(rnd)


def test_the_first_trials_are_the_random_startup():
    tpe = TPETuner(QUADRATIC, seed=3, n_startup_trials=5)
    rnd = RandomTuner(QUADRATIC, seed=3)
    for _ in range(5):
        a, b = tpe.ask(), rnd.ask()
        assert a.config == b.config
        tpe.tell(a.id, 0.0), rnd.tell(b.id, 0.0)


def test_concurrent_asks_do_not_collapse_onto_one_point():
    tpe = TPETuner({"x": {"_type": "uniform", "_value": [0, 1]}}, direction="minimize", seed=0)
    for _ in range(20):
        s = tpe.ask()
        tpe.tell(s.id, (s.params["x"] - 0.5) ** 2)
    pending = [tpe.ask().params["x"] for _ in range(8)]  # 8 workers, none has reported
    gaps = np.diff(np.sort(pending))
    assert np.ptp(pending) > 0.02 and (gaps > 1e-4).all()


def test_failed_trials_and_all_equal_results_are_handled():
    tpe = TPETuner(QUADRATIC, seed=1, n_startup_trials=3)
    for i in range(25):
        s = tpe.ask()
        if i % 3 == 0:
            tpe.tell(s.id, None, state="failed")
        else:
            tpe.tell(s.id, 1.0)  # every result the same
    assert len({tuple(sorted(t.config.items())) for t in tpe.trials}) == 25


def test_the_nni_name_creates_a_tpe_tuner():
    assert isinstance(create("TPE", QUADRATIC, seed=0, gamma=0.25), TPETuner)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("gamma", 0, r"`gamma` must be a number > 0.0 and <= 1.0, but got 0"),
    ("n_startup_trials", 0, r"`n_startup_trials` must be a whole number >= 1"),
    ("n_ei_candidates", 2.5, r"`n_ei_candidates` must be a whole number"),
    ("prior_weight", -1, r"`prior_weight` must be a number > 0.0"),
])
def test_bad_options_name_the_option(option, value, message):
    with pytest.raises(ConfigError, match=message):
        TPETuner(QUADRATIC, **{option: value})
