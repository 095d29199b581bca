"""`GridTuner`: every config of a finite space once, in the space's grid order."""

from __future__ import annotations

import pytest
import tuner_spaces

from hyperscout.errors import SearchSpaceExhausted
from hyperscout.space import Float, Int, Normal, SearchSpace, as_space
from hyperscout.tuners import GridTuner


def _walk(tuner, n):
    return [tuner.ask().config for _ in range(n)]


def test_walks_the_space_grid_in_order():
    space = tuner_spaces.conditional()
    assert _walk(GridTuner(space), space.size) == list(space.grid())


def test_order_does_not_depend_on_the_seed_or_the_results():
    space = tuner_spaces.mixed_finite()
    a, b = GridTuner(space, seed=1), GridTuner(space, seed=2)
    for i in range(10):
        a.tell(a.ask().id, float(i))
    assert [t.config for t in a.trials] == _walk(b, 10)


def test_nni_nested_choices_are_walked_as_params():
    tuner = GridTuner(tuner_spaces.nni_nested())
    params = [tuner.ask().params for _ in range(12)]
    assert {"_name": "Conv", "kernel_size": 3} in [p["layer0"] for p in params]
    assert len({repr(p) for p in params}) == 12


def test_observed_configs_are_skipped():
    space = tuner_spaces.tiny()
    tuner = GridTuner(space)
    tuner.observe({"k": 1}, 0.3)
    tuner.observe({"k": 2}, state="running")
    assert tuner.ask().params == {"k": 3}


def test_a_config_observed_ahead_of_the_walk_is_skipped_when_reached():
    tuner = GridTuner(tuner_spaces.tiny())
    assert tuner.ask().params == {"k": 1}
    tuner.observe({"k": 2}, 0.1)
    assert tuner.ask().params == {"k": 3}


def test_exhausts_after_the_last_grid_point():
    tuner = GridTuner(tuner_spaces.tiny())
    _walk(tuner, 3)
    with pytest.raises(
        SearchSpaceExhausted, match="has 3 distinct configs and all of them were tried"
    ):
        tuner.ask()


def test_a_replayed_grid_tuner_continues_where_the_original_stopped():
    space = tuner_spaces.mixed_finite()
    original = GridTuner(space)
    for i in range(7):
        s = original.ask()
        original.tell(s.id, float(i), state="succeeded" if i % 3 else "failed")
    rebuilt = GridTuner(space)
    for t in original.trials:
        rebuilt.observe(t.params, t.value, state=t.state)
    assert _walk(original, 5) == _walk(rebuilt, 5)


@pytest.mark.parametrize(
    "param",
    [Float("lr", 1e-4, 1e-1, sampling="log"), Normal("scale", 0.0, 1.0)],
    ids=["float", "normal"],
)
def test_a_continuous_parameter_gets_finer_points_round_by_round(param):
    space = SearchSpace([Int("layers", 1, 3), param])
    configs = _walk(GridTuner(space), 3 + 6 + 12)
    rounds = [configs[:3], configs[3:9], configs[9:]]
    middle = {c[param.name] for c in rounds[0]}
    assert len(middle) == 1 and [c["layers"] for c in rounds[0]] == [1, 2, 3]
    halves = {c[param.name] for c in rounds[1]}
    assert len(halves) == 2 and min(halves) < next(iter(middle)) < max(halves)
    assert len({c[param.name] for c in rounds[2]}) == 4  # the quarters' middles
    assert len({tuple(c.values()) for c in configs}) == len(configs)  # never a repeat


def test_two_continuous_parameters_refine_together_and_the_walk_never_ends():
    space = SearchSpace([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)])
    configs = _walk(GridTuner(space), 1 + 8 + 40)
    assert configs[0] == {"x": 0.5, "y": 0.5}
    assert {(c["x"], c["y"]) for c in configs[1:9]} == {
        (x, y) for x in (0.25, 0.5, 0.75) for y in (0.25, 0.5, 0.75)} - {(0.5, 0.5)}
    assert len({(c["x"], c["y"]) for c in configs}) == 49  # a 7 x 7 grid after round 2


def test_a_conditional_continuous_parameter_refines_only_where_it_is_active():
    space = as_space({"opt": {"_type": "choice", "_value": [
        {"_name": "sgd", "lr": {"_type": "loguniform", "_value": [1e-3, 1e-1]}},
        {"_name": "adam"}]}})
    configs = _walk(GridTuner(space), 5)
    adam = [c for c in configs if len(c) == 1]
    assert len(adam) == 1, "a config without the continuous parameter came back"
    lrs = [c["opt/sgd/lr"] for c in configs if len(c) > 1]
    assert len(lrs) == 4 and len(set(lrs)) == 4
    assert lrs[0] == pytest.approx(1e-2)  # the middle of a log range


@pytest.mark.parametrize(
    "param",
    [Float("dropout", 0.0, 0.5, step=0.1), Float("dropout", 0.0, 0.5, q=0.1)],
    ids=["step", "q"],
)
def test_a_discretised_float_is_walked(param):
    tuner = GridTuner(SearchSpace([param]))
    values = [tuner.ask().config["dropout"] for _ in range(6)]
    assert values == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def test_a_range_too_narrow_to_split_further_is_used_up_not_walked_forever():
    tuner = GridTuner(SearchSpace([Float("x", 1.0, 1.0000000000000009)]))
    seen = []
    with pytest.raises(SearchSpaceExhausted):
        for _ in range(100):
            seen.append(tuner.ask().config["x"])
    assert len(seen) == len(set(seen)) < 100


def test_an_experiment_with_an_endless_grid_needs_a_limit(tmp_path):
    from hyperscout import Experiment
    from hyperscout.errors import ConfigError

    space = {"lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]}}
    with pytest.raises(ConfigError, match=r"refines the continuous parameters \['lr'\] "
                                          r"without end: set max_trials or max_duration"):
        Experiment(lambda p: 1.0, space, tuner="grid", storage=tmp_path)
    Experiment(lambda p: 1.0, space, tuner="grid", max_trials=5, storage=tmp_path)
