"""Assessors on synthetic learning curves: a clearly bad curve is stopped, a good one is
not, nothing is stopped before start_step."""

from __future__ import annotations

import pytest

from hyperscout.assessors import MedianStop, Patience, create_assessor
from hyperscout.errors import ConfigError


def _feed(assessor, trial, values, finish=None):
    decisions = []
    for step, value in enumerate(values):
        assessor.report(trial, step, value)
        decisions.append(assessor.assess(trial))
    if finish:
        assessor.finish(trial, finish)
    return decisions


def _good(n=10):
    return [0.5 + 0.04 * i for i in range(n)]


def test_median_stops_a_clearly_bad_curve_and_spares_a_good_one():
    median = MedianStop("maximize", start_step=2)
    for t in range(3):
        _feed(median, t, [v + 0.01 * t for v in _good()], finish="succeeded")
    bad = _feed(median, 10, [0.1] * 10)
    assert bad[:2] == [None, None]  # before start_step
    assert bad[2] is not None and "median" in bad[2]
    good = _feed(median, 11, [v + 0.05 for v in _good()])
    assert good == [None] * 10


def test_median_needs_completed_trials_at_the_same_step():
    median = MedianStop("maximize", min_completed=2)
    _feed(median, 0, _good(3), finish="succeeded")
    assert _feed(median, 1, [0.0] * 5) == [None] * 5  # one completed trial only
    _feed(median, 2, _good(3), finish="succeeded")
    decisions = _feed(median, 3, [0.0] * 5)
    assert decisions[0] is not None
    assert decisions[4] is None  # no completed curve reached step 4


def test_median_minimizes_too_and_ignores_failed_trials():
    median = MedianStop("minimize")
    _feed(median, 0, [1.0, 0.8, 0.6], finish="succeeded")
    _feed(median, 1, [9.0, 9.0, 9.0], finish="failed")  # no reference
    assert _feed(median, 2, [0.9, 0.7, 0.5]) == [None, None, None]
    assert _feed(median, 3, [5.0])[0] is not None


def test_patience_stops_a_curve_that_stopped_improving():
    patience = Patience("maximize", patience=3)
    curve = [0.1, 0.5, 0.6, 0.6, 0.59, 0.6, 0.7]
    decisions = _feed(patience, 0, curve)
    assert decisions[:5] == [None] * 5
    assert decisions[5] is not None and "patience" in decisions[5]


def test_min_delta_makes_tiny_gains_not_count():
    patience = Patience("minimize", patience=2, min_delta=0.01)
    decisions = _feed(patience, 0, [1.0, 0.999, 0.998])
    assert decisions[2] is not None


def test_threshold_stops_past_start_step_only():
    threshold = Patience("maximize", threshold=0.5, start_step=3)
    decisions = _feed(threshold, 0, [0.1, 0.2, 0.3, 0.4, 0.6])
    assert decisions[:3] == [None] * 3 and decisions[3] is not None
    assert _feed(threshold, 1, [0.1, 0.2, 0.3, 0.7]) == [None] * 4


def test_nni_names_and_optimize_mode():
    assert isinstance(create_assessor("Medianstop", "minimize", optimize_mode="minimize",
                                      start_step=5), MedianStop)
    with pytest.raises(ConfigError, match="optimize_mode"):
        create_assessor("Medianstop", "minimize", optimize_mode="maximize")


@pytest.mark.parametrize("name,options,fragment", [
    ("curvefitting", {}, "not available yet"),
    ("oracle", {}, "available: median, patience"),
    ("patience", {}, "give `patience`"),
    ("patience", {"patience": 0}, "patience"),
    ("median", {"start_step": -1}, "start_step"),
    ("median", {"min_completed": 0}, "min_completed"),
    ("median", {"window": 3}, "window"),
])
def test_bad_assessor_options_are_named(name, options, fragment):
    with pytest.raises(ConfigError, match=fragment):
        create_assessor(name, "maximize", **options)
