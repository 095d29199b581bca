"""Regularized evolution: tournament, one mutation at a time, aging, conditional spaces."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout.errors import ConfigError
from hyperscout.tuners import EvolutionTuner, RandomTuner, create

SPACE = {"x": {"_type": "uniform", "_value": [-10, 10]},
         "n": {"_type": "randint", "_value": [0, 50]},
         "c": {"_type": "choice", "_value": ["a", "b", "c"]}}


def _loss(p: dict) -> float:
    return (p["x"] - 3) ** 2 + abs(p["n"] - 20) + (p["c"] != "b") * 10.0


def _best(tuner, n: int = 80) -> float:
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, _loss(s.params))
    return tuner.best.value


def test_evolution_beats_random_search_on_a_mixed_problem():
    evo = [_best(EvolutionTuner(SPACE, direction="minimize", seed=s, population_size=10,
                                sample_size=3)) for s in range(6)]
    rnd = [_best(RandomTuner(SPACE, direction="minimize", seed=s)) for s in range(6)]
    assert np.median(evo) < 0.5 * np.median(rnd)


def test_a_child_differs_from_its_parent_in_exactly_one_parameter():
    tuner = EvolutionTuner(SPACE, seed=0, population_size=5, sample_size=2)
    for _ in range(5):
        s = tuner.ask()
        tuner.tell(s.id, _loss(s.params))
    parents = [t.config for t in tuner.trials]
    for _ in range(20):
        child = tuner.ask().config
        assert min(sum(child[k] != p[k] for k in child) for p in parents) == 1
        parents.append(child)


def test_only_the_latest_trials_form_the_population():
    tuner = EvolutionTuner(SPACE, seed=0, population_size=3, sample_size=3)
    for value in (100.0, 1.0, 2.0, 3.0):  # the first (best) trial has aged out
        s = tuner.ask()
        tuner.tell(s.id, value)
    assert [t.value for t in tuner._population()] == [1.0, 2.0, 3.0]


def test_nni_name_and_option_errors():
    assert isinstance(create("Evolution", SPACE, population_size=8), EvolutionTuner)
    with pytest.raises(ConfigError, match=r"`sample_size` \(9\) must be <= `population_size` \(8\)"):
        EvolutionTuner(SPACE, population_size=8, sample_size=9)
    with pytest.raises(ConfigError, match=r"`mutation_scale` must be in \(0, 1\]"):
        EvolutionTuner(SPACE, mutation_scale=0)


def test_a_population_smaller_than_the_default_tournament_needs_no_sample_size():
    tuner = EvolutionTuner({"x": {"_type": "uniform", "_value": [0, 1]}}, seed=0,
                           population_size=4)
    assert tuner.sample_size == 4
    for _ in range(10):
        s = tuner.ask()
        tuner.tell(s.id, s.params["x"])
