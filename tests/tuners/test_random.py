"""`RandomTuner`: independent draws from the space's own distributions."""

from __future__ import annotations

import numpy as np
import pytest
import tuner_spaces

from hyperscout.tuners import RandomTuner


def test_draws_cover_the_range_uniformly():
    tuner = RandomTuner({"x": {"_type": "uniform", "_value": [2, 4]}}, seed=0)
    xs = np.array([tuner.ask().params["x"] for _ in range(1000)])
    assert xs.min() >= 2 and xs.max() <= 4
    assert xs.mean() == pytest.approx(3.0, abs=0.06)


def test_every_choice_is_drawn():
    tuner = RandomTuner(tuner_spaces.mixed_finite(), seed=0)
    seen = {tuner.ask().config["activation"] for _ in range(60)}
    assert seen == {"relu", "tanh", "gelu"}


def test_conditional_branches_are_all_reached():
    space = tuner_spaces.conditional()
    tuner = RandomTuner(space, seed=0)
    configs = [tuner.ask().config for _ in range(9)]  # the whole space: 9 configs
    assert len({space.key(c) for c in configs}) == 9
    assert any("nesterov" in c for c in configs) and any("depth" in c for c in configs)


def test_results_do_not_change_the_suggestions():
    space = tuner_spaces.mixed()
    told, untold = RandomTuner(space, seed=2), RandomTuner(space, seed=2)
    for i in range(5):
        told.tell(told.ask().id, float(i))
        untold.ask()
    assert told.ask().config == untold.ask().config


def test_different_seeds_give_different_suggestions():
    space = tuner_spaces.mixed()
    assert RandomTuner(space, seed=1).ask().config != RandomTuner(space, seed=2).ask().config


def test_a_small_finite_space_is_used_up_without_duplicates():
    space = tuner_spaces.mixed_finite()
    tuner = RandomTuner(space, seed=3)
    keys = {space.key(tuner.ask().config) for _ in range(space.size)}
    assert len(keys) == space.size == 90
