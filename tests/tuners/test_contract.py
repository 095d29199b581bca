"""Every built-in tuner passes the tuner contract (hyperscout.testing.tuner_contract) on
spaces that stress it: mixed kinds, conditions three deep, NNI nested choices, a tiny space."""

from __future__ import annotations

import numpy as np
import pytest
import tuner_spaces

from hyperscout.errors import SearchSpaceError
from hyperscout.testing import check_tuner, checks_for
from hyperscout.testing.tuner_contract import check_deterministic, check_replay_continues
from hyperscout.tuners import (
    AnnealTuner,
    CMAESTuner,
    AutoTuner,
    EvolutionTuner,
    GPTuner,
    GridTuner,
    RandomTuner,
    RLTuner,
    TPETuner,
    Tuner,
)

MAKERS = {
    "random": lambda space, seed: RandomTuner(space, seed=seed),
    "grid": lambda space, seed: GridTuner(space, seed=seed),
    # few startup trials, so the contract exercises the model, not its random start
    "tpe": lambda space, seed: TPETuner(space, seed=seed, n_startup_trials=3),
    "evolution": lambda space, seed: EvolutionTuner(space, seed=seed, population_size=4,
                                                    sample_size=2),
    "gp": lambda space, seed: GPTuner(space, seed=seed, n_startup_trials=3),
    # a low hand-over point, so the contract sees both GP and TPE at work
    "auto": lambda space, seed: AutoTuner(space, seed=seed, gp_max_results=12),
    "anneal": lambda space, seed: AnnealTuner(space, seed=seed, n_startup_trials=3),
    # a small population, so the contract sees several generations and a restart
    "cmaes": lambda space, seed: CMAESTuner(space, seed=seed, popsize=3),
    "rl": lambda space, seed: RLTuner(space, seed=seed, hidden_size=8),
}
SPACES = {
    "random": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "grid": tuner_spaces.FINITE,  # a grid needs finitely many values per parameter
    "tpe": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "evolution": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "gp": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "auto": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "anneal": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "cmaes": {**tuner_spaces.FINITE, **tuner_spaces.INFINITE},
    "rl": tuner_spaces.FINITE,  # a softmax per decision needs finitely many values
}
CASES = [
    pytest.param(tuner, space_name, check, id=f"{tuner}-{space_name}-{check.__name__[6:]}")
    for tuner, spaces in SPACES.items()
    for space_name, build in spaces.items()
    for check in checks_for(build())
]


@pytest.mark.parametrize(("tuner", "space_name", "check"), CASES)
def test_tuner_passes_contract(tuner, space_name, check):
    check(MAKERS[tuner], SPACES[tuner][space_name]())


def test_finite_spaces_get_the_exhaustion_checks():
    names = {c.__name__ for c in checks_for(tuner_spaces.tiny())}
    assert {"check_no_duplicates", "check_exhausts_cleanly"} <= names
    assert "check_exhausts_cleanly" not in {c.__name__ for c in checks_for(tuner_spaces.mixed())}


# --- the contract itself fails broken tuners --------------------------------------------


class Unseeded(Tuner):
    """Ignores the generator it is given: not reproducible."""

    def _suggest(self, rng):
        return self.space.sample(np.random.default_rng())


class Walker(Tuner):
    """Perturbs its own last suggestion, remembered in `_suggest` instead of read from the
    history: reproducible, but a replayed copy has no last suggestion and walks elsewhere."""

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        self._last = space.defaults()

    def _suggest(self, rng):
        lr = self._last["lr"] * float(np.exp(rng.normal()))
        self._last = {**self._last, "lr": min(max(lr, 1e-4), 1e-1)}
        return self._last


class OutOfBounds(Tuner):
    """Suggests a value the space does not have."""

    def _suggest(self, rng):
        return {"k": 99}


def test_the_contract_fails_a_tuner_that_ignores_its_seed():
    with pytest.raises(AssertionError, match="same seed and history, different suggestions"):
        check_deterministic(lambda space, seed: Unseeded(space, seed=seed), tuner_spaces.mixed())


def test_the_contract_fails_a_tuner_that_cannot_be_replayed():
    check_deterministic(lambda space, seed: Walker(space, seed=seed), tuner_spaces.mixed())
    with pytest.raises(AssertionError, match="the replayed tuner diverged from the original"):
        check_replay_continues(lambda space, seed: Walker(space, seed=seed), tuner_spaces.mixed())


def test_a_config_outside_the_space_fails_at_ask():
    with pytest.raises(SearchSpaceError, match="value 99 is not one of the values of choice 'k'"):
        check_tuner(lambda space, seed: OutOfBounds(space, seed=seed), tuner_spaces.tiny())
