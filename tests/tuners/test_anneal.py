"""Anneal: refines around good trials with a shrinking neighbourhood."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout.errors import ConfigError
from hyperscout.tuners import AnnealTuner, RandomTuner, create

SPACE = {"x": {"_type": "uniform", "_value": [-10, 10]},
         "y": {"_type": "uniform", "_value": [-10, 10]}}


def _best(tuner, n: int = 60) -> float:
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, (s.params["x"] - 2) ** 2 + (s.params["y"] + 1) ** 2)
    return tuner.best.value


def test_anneal_beats_random_search_on_a_quadratic():
    ann = [_best(AnnealTuner(SPACE, direction="minimize", seed=s)) for s in range(6)]
    rnd = [_best(RandomTuner(SPACE, direction="minimize", seed=s)) for s in range(6)]
    assert np.median(ann) < 0.3 * np.median(rnd)


def test_nni_name_and_option_errors():
    assert isinstance(create("Anneal", SPACE), AnnealTuner)
    with pytest.raises(ConfigError, match=r"`shrink_coef` must be a number > 0"):
        AnnealTuner(SPACE, shrink_coef=0)
