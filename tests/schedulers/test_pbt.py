"""PBT: synchronous generations, the worst quantile exploits the best and explores around
it, everyone else continues; restore mid-generation."""

from __future__ import annotations

import math

import pytest
from drive import drive

from hyperscout import tuners
from hyperscout.errors import ConfigError
from hyperscout.schedulers import PBT, JobOutcome, create_scheduler

SPACE = {
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "momentum": {"_type": "uniform", "_value": [0.5, 0.99]},
    "act": {"_type": "choice", "_value": ["relu", "tanh", "gelu"]},
    "layers": {"_type": "randint", "_value": [1, 6]},
}


def _score(job):
    return -abs(math.log10(job.params["lr"]) + 2.5) + 0.01 * job.budget


def _pbt(seed=0, **options):
    tuner = tuners.create("random", SPACE, direction="maximize", seed=seed)
    return PBT(tuner, **{"max_budget": 12, "interval": 3, "population_size": 8, **options})


def _run(pbt, stop_after=None):
    return drive(pbt, _score, stop_after=stop_after)


def test_the_plan_is_population_times_generations():
    plan = _pbt().plan()
    assert plan.trials == 32 and [r.budget for r in plan.brackets[0].rungs] == [3, 6, 9, 12]
    assert plan.resource == 8 * 12


def test_a_generation_starts_only_when_the_last_one_has_finished():
    pbt = _pbt()
    first = [pbt.ask() for _ in range(8)]
    assert all(j.rung == 0 and j.budget == 3 for j in first)
    assert pbt.ask() is None
    for j in first[:7]:
        pbt.tell(j.id, _score(j), "succeeded")
    assert pbt.ask() is None
    pbt.tell(first[7].id, _score(first[7]), "succeeded")
    assert pbt.ask().rung == 1


def test_the_worst_quarter_copies_the_best_quarter_and_perturbs_it():
    pbt = _pbt(seed=1)
    jobs = _run(pbt)
    assert pbt.finished and len(jobs) == 32
    gen0 = sorted((j for j in jobs if j.rung == 0), key=_score)
    gen1 = [j for j in jobs if j.rung == 1]
    worst, best = {j.id for j in gen0[:2]}, {j.id for j in gen0[-2:]}
    for j in gen1:
        parent = pbt.jobs[j.parent]
        assert j.previous_budget == 3 and j.budget == 6
        if parent.id in best and j.config != parent.config:  # an exploiting member
            assert j.params != parent.params
        else:
            assert j.config == parent.config and j.params == parent.params
            assert parent.id not in worst
    exploiting = [j for j in gen1 if j.config != pbt.jobs[j.parent].config]
    assert len(exploiting) == 2


def test_explored_values_stay_valid():
    pbt = _pbt(seed=2, population_size=16, max_budget=30)
    space = pbt.tuner.space
    for job in _run(pbt):
        space.validate(space.from_params(job.params))


def test_restore_mid_generation_continues_identically():
    whole = [(j.rung, j.config, j.parent, j.params) for j in _run(_pbt(seed=3))]
    first = _pbt(seed=3)
    done = _run(first, stop_after=13)
    running = [first.ask() for _ in range(2)]
    outcomes = [JobOutcome(j, {"default": _score(j)}, "succeeded") for j in done]
    outcomes += [JobOutcome(j) for j in running]
    resumed = _pbt(seed=3)
    resumed.restore(outcomes)
    for j in running:
        resumed.tell(j.id, _score(j), "succeeded")
    rest = _run(resumed)
    replay = [(j.rung, j.config, j.parent, j.params) for j in done + running + rest]
    assert replay == whole


def test_ray_tune_option_names_work():
    tuner = tuners.create("random", SPACE, seed=0)
    pbt = create_scheduler("PBT", tuner, max_t=20, perturbation_interval=5, population=4,
                           resample_prob=0.5)
    assert pbt.generations == 4 and pbt.population_size == 4


@pytest.mark.parametrize("options,fragment", [
    ({"interval": 0}, "interval"),
    ({"population_size": 1}, "population_size"),
    ({"quantile": 0.7}, "quantile"),
    ({"resample_probability": 2}, "resample_probability"),
    ({"factors": [0]}, "factors"),
])
def test_bad_pbt_options_are_named(options, fragment):
    tuner = tuners.create("random", SPACE, seed=0)
    with pytest.raises(ConfigError, match=fragment):
        create_scheduler("pbt", tuner, **{"max_budget": 12, "interval": 3, **options})
