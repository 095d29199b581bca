"""BOHB: Hyperband's plan, with new configurations from a TPE model once a budget has
enough results."""

from __future__ import annotations

import statistics

import pytest
from drive import drive

from hyperscout import tuners
from hyperscout.errors import ConfigError
from hyperscout.schedulers import BOHB, Hyperband, create_scheduler

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}, "y": {"_type": "uniform", "_value": [0, 1]}}


def _loss(job):
    return (job.params["x"] - 0.7) ** 2 + (job.params["y"] - 0.2) ** 2


def _run(scheduler):
    return drive(scheduler, _loss)


def _new_configs(jobs):
    return [j for j in jobs if j.rung == 0]


def test_bohb_has_hyperbands_plan():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=0)
    bohb = create_scheduler("bohb", tuner, max_budget=27, eta=3)
    hb = Hyperband(tuners.create("random", SPACE, seed=0), max_budget=27, eta=3)
    assert [b.rungs for b in bohb.plan().brackets] == [b.rungs for b in hb.plan().brackets]
    assert bohb.plan().scheduler == "bohb"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_model_proposes_better_configurations_than_random_search(seed):
    def run(cls, **extra):
        tuner = tuners.create("random", SPACE, direction="minimize", seed=seed)
        return _run(cls(tuner, max_budget=9, eta=3, iterations=4, **extra))

    bohb, hb = run(BOHB), run(Hyperband)
    late_bohb = [_loss(j) for j in _new_configs(bohb)[-30:]]
    late_hb = [_loss(j) for j in _new_configs(hb)[-30:]]
    # a third of BOHB's are random too: compare the typical ones
    assert statistics.median(late_bohb) < 0.25 * statistics.median(late_hb)


def test_random_fraction_one_is_plain_hyperband():
    def run(cls, **extra):
        tuner = tuners.create("random", SPACE, direction="minimize", seed=5)
        return [j.params for j in _run(cls(tuner, max_budget=9, eta=3, **extra))]

    assert run(BOHB, random_fraction=1.0) == run(Hyperband)


def test_no_model_before_a_budget_has_min_points_results():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=3)
    bohb = BOHB(tuner, max_budget=9, eta=3, min_points=100)
    jobs = _run(bohb)
    tuner_b = tuners.create("random", SPACE, direction="minimize", seed=3)
    hb = Hyperband(tuner_b, max_budget=9, eta=3)
    assert [j.params for j in jobs] == [j.params for j in _run(hb)]


def test_every_configuration_is_in_the_tuners_history_once():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=4)
    jobs = _run(BOHB(tuner, max_budget=9, eta=3, iterations=2))
    assert len(tuner.trials) == len({j.config for j in jobs})
    keys = [tuner.space.key(t.config) for t in tuner.trials]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("options,fragment", [
    ({"random_fraction": 1.5}, "random_fraction"),
    ({"gamma": 0}, "gamma"),
    ({"min_points": 1}, "min_points"),
])
def test_bad_bohb_options_are_named(options, fragment):
    tuner = tuners.create("random", SPACE, seed=0)
    with pytest.raises(ConfigError, match=fragment):
        create_scheduler("bohb", tuner, max_budget=9, **options)
