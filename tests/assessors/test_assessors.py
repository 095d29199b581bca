"""Assessors on synthetic learning curves: a clearly bad curve is stopped, a good one is
not, nothing is stopped before start_step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperscout.assessors import CurveFitting, MedianStop, Patience, create_assessor, extrapolate
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
    ("curvefitting", {}, "epoch_num"),
    ("curvefitting", {"epoch_num": 20, "threshold": 1.5}, "threshold"),
    ("curvefitting", {"epoch_num": 20, "gap": 0}, "gap"),
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


def _saturating(top, rate=0.25, n=30):
    return [top * (1 - math.exp(-rate * (s + 1))) for s in range(n)]


@pytest.mark.parametrize("curve", [
    lambda x: 0.9 - 0.5 * np.exp(-x / 4),
    lambda x: 0.85 - 0.4 * x**-0.7,
    lambda x: 0.3 + 0.6 / (1 + np.exp(-(x - 4) / 2)),
])
def test_extrapolation_lands_near_the_true_final_value(curve):
    steps = np.arange(1, 13)
    noise = np.random.default_rng(0).normal(0, 0.003, len(steps))
    predicted = extrapolate(steps, curve(steps) + noise, 40)
    assert predicted == pytest.approx(float(curve(np.array([40]))[0]), abs=0.05)


def test_curve_fitting_stops_a_curve_heading_well_below_the_best():
    assessor = CurveFitting("maximize", epoch_num=30, start_step=5, threshold=0.95)
    _feed(assessor, 0, _saturating(0.9), finish="succeeded")
    bad = _feed(assessor, 1, _saturating(0.6)[:12])
    assert bad[:5] == [None] * 5
    assert any(d is not None and "curve fitting" in d for d in bad[5:])
    good = _feed(assessor, 2, _saturating(0.92)[:12])
    assert good == [None] * 12


def test_curve_fitting_spares_a_slow_starter_that_will_catch_up():
    assessor = CurveFitting("maximize", epoch_num=30, start_step=5, threshold=0.9)
    _feed(assessor, 0, _saturating(0.8, rate=0.5), finish="succeeded")
    slow = _feed(assessor, 1, _saturating(0.95, rate=0.12)[:10])
    assert slow == [None] * 10


def test_curve_fitting_minimizes_and_judges_every_gap_steps():
    assessor = CurveFitting("minimize", epoch_num=30, start_step=4, gap=3)
    _feed(assessor, 0, [1 - v for v in _saturating(0.9)], finish="succeeded")
    decisions = _feed(assessor, 1, [1 - v for v in _saturating(0.5)[:12]])
    judged = [i for i, d in enumerate(decisions) if d is not None]
    assert judged and all((i - 4) % 3 == 0 for i in judged)


@pytest.mark.parametrize("direction, sign", [("maximize", -1.0), ("minimize", 1.0)])
def test_curve_fitting_spares_a_curve_as_good_as_the_best_when_the_metric_is_negative(
        direction, sign):
    # a negated loss rising to -1 (maximize), or a loss falling below zero to -2 (minimize)
    curve = [-(1.5 + sign * (0.5 - 1 / (s + 1))) for s in range(30)]
    assessor = CurveFitting(direction, epoch_num=30, start_step=3)
    _feed(assessor, 0, curve, finish="succeeded")
    assert _feed(assessor, 1, curve[:12]) == [None] * 12
    worse = [v - 1.0 if direction == "maximize" else v + 1.0 for v in curve[:12]]
    assert any(d is not None for d in _feed(assessor, 2, worse))


def test_curve_fitting_waits_for_a_completed_trial():
    assessor = CurveFitting("maximize", epoch_num=30, start_step=3)
    assert _feed(assessor, 0, _saturating(0.1)[:10]) == [None] * 10
