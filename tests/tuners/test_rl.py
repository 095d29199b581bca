"""The RL tuner: an LSTM controller trained by REINFORCE learns which decisions pay off,
its gradient is the true gradient of its loss, and it refuses spaces it cannot sample."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout.errors import ConfigError
from hyperscout.space import Choice, Condition, Float, Int, SearchSpace
from hyperscout.tuners import RandomTuner, RLTuner, create
from hyperscout.tuners._controller import LSTMController

DECISIONS = {f"d{i}": {"_type": "choice", "_value": list(range(5))} for i in range(8)}


def _matches(params, target):
    return float(sum(params[f"d{i}"] == target[i] for i in range(len(target))))


def _run(tuner, target, n):
    values = []
    for _ in range(n):
        s = tuner.ask()
        value = _matches(s.params, target)
        tuner.tell(s.id, value)
        values.append(value)
    return values


def test_controller_gradient_matches_finite_differences():
    controller = LSTMController([3, 4, 2], hidden_size=5, learning_rate=0.1,
                                rng=np.random.default_rng(0))
    actions = [(0, 2), (1, 0), (2, 1)]
    kwargs = {"entropy_weight": 0.3, "temperature": 1.7}
    _, grads = controller.loss_and_grads(actions, 0.8, **kwargs)
    rng = np.random.default_rng(1)
    for name, param in controller.params.items():
        for _ in range(3):
            index = tuple(int(rng.integers(n)) for n in param.shape)
            saved = param[index]
            param[index] = saved + 1e-6
            up, _ = controller.loss_and_grads(actions, 0.8, **kwargs)
            param[index] = saved - 1e-6
            down, _ = controller.loss_and_grads(actions, 0.8, **kwargs)
            param[index] = saved
            assert grads[name][index] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-7), name


def test_learns_a_hidden_target_better_than_random_search():
    rl, random = [], []
    for seed in range(4):
        target = np.random.default_rng(seed + 100).integers(5, size=8)
        rl.append(_run(RLTuner(DECISIONS, seed=seed), target, 120))
        random.append(_run(RandomTuner(DECISIONS, seed=seed), target, 120))
    rl, random = np.array(rl), np.array(random)
    # the policy improves over its own first samples, and beats random search at the end
    assert rl[:, -30:].mean() > rl[:, :30].mean() + 1.5
    assert rl[:, -30:].mean() > random[:, -30:].mean() + 1.5


def test_minimize_learns_towards_low_values():
    target = [4, 4, 4, 4, 4, 4, 4, 4]
    tuner = RLTuner(DECISIONS, seed=0, direction="minimize")
    values = []
    for _ in range(120):
        s = tuner.ask()
        value = -_matches(s.params, target)
        tuner.tell(s.id, value)
        values.append(value)
    assert np.mean(values[-30:]) < np.mean(values[:30]) - 1.5


def test_a_converged_policy_still_suggests_new_configs_quickly():
    space = {"a": {"_type": "choice", "_value": [0, 1, 2]},
             "b": {"_type": "choice", "_value": [0, 1, 2]}}
    tuner = RLTuner(space, seed=0, learning_rate=0.5, entropy_weight=0.0)
    keys = set()
    for _ in range(9):  # the whole space, no duplicate, although the policy collapses
        s = tuner.ask()
        keys.add((s.params["a"], s.params["b"]))
        tuner.tell(s.id, float(s.params["a"] == 2 and s.params["b"] == 2))
    assert len(keys) == 9


def test_conditional_decisions_are_taken_only_when_active():
    space = SearchSpace([
        Choice("op", ["conv", "pool"], ordered=False),
        Choice("kernel", [3, 5, 7], condition=Condition("op", "conv")),
        Int("width", 1, 20),
    ])
    tuner = RLTuner(space, seed=3)
    for _ in range(60):
        s = tuner.ask()
        assert ("kernel" in s.config) == (s.config["op"] == "conv")
        tuner.tell(s.id, s.config.get("kernel", 0) + s.config["width"])
    best = tuner.best.config
    assert best["op"] == "conv" and best["kernel"] == 7 and best["width"] >= 17


def test_a_continuous_parameter_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match=r"'lr' \(float\) has inf.*`q`"):
        RLTuner(SearchSpace([Float("lr", 1e-4, 1e-1, sampling="log")]))


def test_a_quantised_float_is_a_finite_ladder():
    tuner = RLTuner({"x": {"_type": "quniform", "_value": [0, 1, 0.25]}}, seed=0)
    assert tuner.ask().params["x"] in (0.0, 0.25, 0.5, 0.75, 1.0)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("hidden_size", 0, "`hidden_size` must be a whole number >= 1"),
    ("learning_rate", 0, r"`learning_rate` must be in \(0.0, inf\)"),
    ("baseline_decay", 1.5, r"`baseline_decay` must be in \[0.0, 1.0\]"),
    ("temperature", -1, "`temperature` must be in"),
])
def test_bad_options_are_named(option, value, message):
    with pytest.raises(ConfigError, match=message):
        RLTuner(DECISIONS, **{option: value})


def test_registered_under_rl_and_its_aliases():
    for name in ("rl", "PolicyRL", "reinforce"):
        assert isinstance(create(name, DECISIONS, seed=0), RLTuner)
