"""Parameter importance ranks the parameter that drives the result first, gives noise
about nothing, and names its method."""

from __future__ import annotations

import numpy as np
from records import record

from hyperscout import TrialState
from hyperscout.web._importance import METHOD, importance


def test_the_parameter_that_drives_the_value_ranks_first_and_noise_near_zero() -> None:
    rng = np.random.default_rng(0)
    trials = []
    for n in range(300):
        lr, noise, opt = rng.uniform(0, 1), rng.uniform(0, 1), ["sgd", "adam"][n % 2]
        value = 3 * lr + (0.5 if opt == "adam" else 0.0) + rng.normal(0, 0.05)
        trials.append(record(n, {"lr": lr, "noise": noise, "opt": opt}, value))
    answer = importance(trials)
    ranked = {d["name"]: d["importance"] for d in answer["importances"]}
    assert list(ranked) == ["lr", "opt", "noise"]
    assert ranked["lr"] > 0.7 and 0.01 < ranked["opt"] < 0.2 and ranked["noise"] < 0.03
    assert answer["method"] == METHOD and answer["trials"] == 300


def test_failed_trials_and_constant_parameters_are_left_out() -> None:
    trials = [record(n, {"x": n, "fixed": 1}, float(n)) for n in range(10)]
    trials += [record(10 + n, {"x": n, "fixed": 1}, None, state=TrialState.FAILED)
               for n in range(5)]
    answer = importance(trials)
    assert answer["trials"] == 10
    assert [d["name"] for d in answer["importances"]] == ["x"]


def test_a_conditional_parameter_is_measured_where_it_is_active() -> None:
    trials = [record(n, {"kind": "a", "depth": n % 4}, float(n % 4)) for n in range(20)]
    trials += [record(20 + n, {"kind": "b"}, 1.5) for n in range(20)]
    by_name = {d["name"]: d for d in importance(trials)["importances"]}
    assert by_name["depth"]["trials"] == 20 and by_name["depth"]["importance"] > 0.9


def test_too_few_trials_say_how_many_are_needed() -> None:
    answer = importance([record(n, {"x": n}, float(n)) for n in range(3)])
    assert answer["importances"] == [] and "at least 8" in answer["note"]
