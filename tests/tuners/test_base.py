"""The `Tuner` base class: ids, history, tell/observe rules, determinism, no duplicates,
exhaustion. Specified through tiny subclasses so each guarantee is the base class's own."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tuner_spaces

import hyperscout.tuners
from hyperscout.errors import ConfigError, MetricError, SearchSpaceError, SearchSpaceExhausted
from hyperscout.states import TrialState
from hyperscout.tuners import RandomTuner, Suggestion, Tuner, TunerTrial

NNI_X = {"x": {"_type": "uniform", "_value": [0, 1]}}


class AlwaysDefaults(Tuner):
    """Suggests the same config every time: only the base class can avoid duplicates."""

    def _suggest(self, rng):
        return self.space.defaults()


class Recording(RandomTuner):
    """Records what `_on_tell` receives."""

    def __init__(self, space, **kwargs):
        super().__init__(space, **kwargs)
        self.told: list[TunerTrial] = []

    def _on_tell(self, trial):
        self.told.append(trial)


# --- construction -----------------------------------------------------------------------


def test_space_may_be_an_nni_dict():
    tuner = RandomTuner(NNI_X, seed=0)
    assert tuner.space.names == ("x",)


def test_direction_must_be_maximize_or_minimize():
    with pytest.raises(
        ConfigError, match=r"`direction` must be 'maximize' or 'minimize', but got 'max'"
    ):
        RandomTuner(NNI_X, direction="max")


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_seed_must_be_a_non_negative_int(seed):
    with pytest.raises(ConfigError, match=r"`seed` must be a non-negative int or None"):
        RandomTuner(NNI_X, seed=seed)


def test_seed_none_draws_an_entropy_that_reproduces_the_run():
    tuner = RandomTuner(NNI_X)
    assert isinstance(tuner.seed, int) and 0 <= tuner.seed < 2**53, "exact in JavaScript"
    again = RandomTuner(NNI_X, seed=tuner.seed)
    assert tuner.ask().config == again.ask().config


def test_seed_none_gives_different_runs():
    assert RandomTuner(NNI_X).ask().config != RandomTuner(NNI_X).ask().config


class Scaled(RandomTuner):
    """A custom tuner with options taken positionally and by keyword."""

    def __init__(self, space, scale, shift=0.0, *, direction="maximize", seed=None, **extra):
        super().__init__(space, direction=direction, seed=seed)
        self.scale, self.shift, self.extra = scale, shift, extra


def test_options_name_what_the_tuner_was_built_with_positionally_or_by_keyword():
    tuner = Scaled(NNI_X, 2.0, direction="minimize", seed=3, note="x")
    assert tuner.options == {"scale": 2.0, "note": "x"}, "defaults left out; extras kept"
    again = Scaled(NNI_X, direction="minimize", seed=3, **tuner.options)
    assert (again.scale, again.shift, again.extra) == (2.0, 0.0, {"note": "x"})
    assert Scaled(space=NNI_X, scale=1.0, shift=0.5).options == {"scale": 1.0, "shift": 0.5}


# --- ask ----------------------------------------------------------------------------------


def test_ask_gives_params_for_the_trial_and_the_flat_config():
    space = tuner_spaces.nni_nested()
    tuner = RandomTuner(space, seed=0)
    s = tuner.ask()
    assert isinstance(s, Suggestion) and s.id == 0
    assert s.params == space.to_params(s.config)
    assert isinstance(s.params["layer0"], dict) and "_name" in s.params["layer0"]
    assert "layer0" in s.config and all(not isinstance(v, dict) for v in s.config.values())


def test_ask_records_a_running_trial():
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    assert tuner.trials == (TunerTrial(0, s.config, s.params, None, None, TrialState.RUNNING),)


def test_suggestion_k_draws_from_default_rng_of_seed_and_k():
    space = tuner_spaces.mixed()
    tuner = RandomTuner(space, seed=11)
    for k in range(3):
        assert tuner.ask().config == space.sample(np.random.default_rng([11, k]))


def test_mutating_a_suggestion_does_not_change_the_history():
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    s.config["x"] = 42.0
    s.params["x"] = 42.0
    assert tuner.trials[0].config["x"] != 42.0 and tuner.trials[0].params["x"] != 42.0


def test_records_are_frozen():
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign"):
        s.id = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign"):
        tuner.trials[0].value = 1.0  # type: ignore[misc]


# --- no duplicates and exhaustion ---------------------------------------------------------


def test_a_duplicate_is_redrawn_then_replaced_by_an_unvisited_grid_point():
    space = tuner_spaces.tiny()
    tuner = AlwaysDefaults(space, seed=0)
    keys = {space.key(tuner.ask().config) for _ in range(3)}
    assert len(keys) == 3


def test_running_trials_count_as_visited():
    tuner = AlwaysDefaults(tuner_spaces.tiny(), seed=0)
    first = tuner.ask()  # never told
    assert tuner.ask().config != first.config


def test_failed_trials_count_as_visited():
    tuner = AlwaysDefaults(tuner_spaces.tiny(), seed=0)
    first = tuner.ask()
    tuner.tell(first.id, None, state="failed")
    assert tuner.ask().config != first.config


def test_exhausted_finite_space_raises_saying_how_many_configs_and_why():
    tuner = RandomTuner(tuner_spaces.tiny(), seed=0)
    for _ in range(3):
        tuner.ask()
    with pytest.raises(
        SearchSpaceExhausted,
        match=r"has 3 distinct configs and all of them were tried or are running",
    ):
        tuner.ask()
    assert len(tuner.trials) == 3  # the failed ask registered nothing


def test_exhaustion_is_a_lookup_error():
    tuner = RandomTuner(tuner_spaces.tiny(), seed=0)
    for _ in range(3):
        tuner.ask()
    with pytest.raises(LookupError, match="tried or are running"):
        tuner.ask()


def test_a_tuner_stuck_on_duplicates_in_an_infinite_space_raises():
    tuner = AlwaysDefaults(tuner_spaces.mixed(), seed=0)
    tuner.ask()
    with pytest.raises(
        SearchSpaceExhausted,
        match=r"AlwaysDefaults suggested only already-tried configs in 100 draws from an infinite",
    ):
        tuner.ask()


# --- tell ---------------------------------------------------------------------------------


def test_tell_a_number_records_value_and_metrics():
    tuner = RandomTuner(NNI_X, seed=0)
    tuner.tell(tuner.ask().id, 0.5)
    trial = tuner.trials[0]
    assert (trial.value, trial.metrics, trial.state) == (
        0.5,
        {"default": 0.5},
        TrialState.SUCCEEDED,
    )


def test_tell_a_dict_uses_its_default_as_the_value():
    tuner = RandomTuner(NNI_X, seed=0)
    tuner.tell(tuner.ask().id, {"default": 1, "loss": 0.2})
    assert tuner.trials[0].value == 1.0 and tuner.trials[0].metrics == {"default": 1.0, "loss": 0.2}


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (float("nan"), "must be finite"),
        (float("inf"), "must be finite"),
        ("0.5", "must be a number"),
        ({"loss": 0.2}, "must have a 'default' key"),
        (None, "succeeded, so it needs a value"),
    ],
)
def test_tell_rejects_a_bad_metric_and_leaves_the_trial_running(value, match):
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    with pytest.raises(MetricError, match=match):
        tuner.tell(s.id, value)
    assert tuner.trials[0].state is TrialState.RUNNING
    tuner.tell(s.id, 0.1)  # a corrected tell still works
    assert tuner.trials[0].value == 0.1


def test_early_stopped_keeps_a_value_if_given():
    tuner = RandomTuner(NNI_X, seed=0)
    a, b = tuner.ask(), tuner.ask()
    tuner.tell(a.id, 0.3, state="early_stopped")
    tuner.tell(b.id, None, state=TrialState.EARLY_STOPPED)
    assert [(t.value, t.state) for t in tuner.trials] == [
        (0.3, TrialState.EARLY_STOPPED),
        (None, TrialState.EARLY_STOPPED),
    ]


@pytest.mark.parametrize("state", ["failed", "timeout", "user_canceled", "stale"])
def test_other_finished_states_ignore_the_value(state):
    tuner = RandomTuner(NNI_X, seed=0)
    tuner.tell(tuner.ask().id, float("nan"), state=state)
    assert (tuner.trials[0].value, tuner.trials[0].metrics, str(tuner.trials[0].state)) == (
        None,
        None,
        state,
    )


def test_tell_an_unknown_id_raises():
    tuner = RandomTuner(NNI_X, seed=0)
    tuner.ask()
    with pytest.raises(LookupError, match=r"no trial has id 5 \(ids so far: 0..0\)"):
        tuner.tell(5, 0.1)


def test_tell_before_any_ask_raises():
    with pytest.raises(LookupError, match=r"no trial has id 0 \(ids so far: none yet\)"):
        RandomTuner(NNI_X, seed=0).tell(0, 0.1)


def test_a_non_canonical_suggestion_is_recorded_canonically():
    class FloatInts(Tuner):
        def _suggest(self, rng):
            return {"n": float(rng.integers(1, 4))}

    tuner = FloatInts({"n": {"_type": "randint", "_value": [1, 4]}}, seed=0)
    s = tuner.ask()
    assert type(s.config["n"]) is int and type(tuner.trials[0].config["n"]) is int


def test_tell_twice_raises():
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    tuner.tell(s.id, 0.1)
    with pytest.raises(ValueError, match=r"trial 0 was already told \(state succeeded\)"):
        tuner.tell(s.id, 0.2)


@pytest.mark.parametrize("state", ["running", "waiting", "done"])
def test_tell_needs_a_finished_state(state):
    tuner = RandomTuner(NNI_X, seed=0)
    s = tuner.ask()
    with pytest.raises(
        ValueError, match=rf"`state` for tell\(\) must be one of succeeded, .*, but got '{state}'"
    ):
        tuner.tell(s.id, 0.1, state=state)


def test_on_tell_sees_each_finished_trial_once():
    tuner = Recording(NNI_X, seed=0)
    a, b = tuner.ask(), tuner.ask()
    tuner.tell(b.id, 0.2)
    tuner.tell(a.id, None, state="failed")
    tuner.observe({"x": 0.5}, 0.7)
    tuner.observe({"x": 0.6}, state="running")
    assert [(t.id, str(t.state)) for t in tuner.told] == [
        (1, "succeeded"),
        (0, "failed"),
        (2, "succeeded"),
    ]


# --- best, trials -------------------------------------------------------------------------


def test_best_follows_the_direction_and_prefers_the_earliest_on_ties():
    for direction, expected in [("maximize", 1), ("minimize", 0)]:
        tuner = RandomTuner(NNI_X, direction=direction, seed=0)
        for value in [0.1, 0.9, 0.9]:
            tuner.tell(tuner.ask().id, value)
        assert tuner.best is not None and tuner.best.id == expected


def test_best_ignores_trials_without_a_value():
    tuner = RandomTuner(NNI_X, seed=0)
    assert tuner.best is None
    tuner.ask()
    tuner.tell(tuner.ask().id, None, state="failed")
    assert tuner.best is None


# --- observe ------------------------------------------------------------------------------


def test_observe_takes_the_next_id_like_ask():
    tuner = RandomTuner(NNI_X, seed=0)
    assert tuner.ask().id == 0
    assert tuner.observe({"x": 0.5}, 0.1) == 1
    assert tuner.ask().id == 2


def test_observe_takes_params_with_nni_nested_choices():
    space = tuner_spaces.nni_nested()
    tuner = RandomTuner(space, seed=0)
    params = {"layer0": {"_name": "Conv", "kernel_size": 3}, "lr": 0.1}
    tid = tuner.observe(params, {"default": 0.8, "loss": 0.1})
    assert tuner.trials[tid].params == params
    assert tuner.trials[tid].config == space.from_params(params)


def test_an_observed_config_is_never_suggested():
    space = tuner_spaces.tiny()
    tuner = RandomTuner(space, seed=0)
    tuner.observe({"k": 1}, 0.5)
    tuner.observe({"k": 3}, state="running")
    assert tuner.ask().params == {"k": 2}


def test_observe_running_then_tell_finishes_it():
    tuner = RandomTuner(NNI_X, seed=0)
    tid = tuner.observe({"x": 0.5}, state="running")
    assert tuner.trials[tid].state is TrialState.RUNNING
    tuner.tell(tid, 0.4)
    assert tuner.trials[tid].value == 0.4


def test_observe_rejects_params_outside_the_space():
    tuner = RandomTuner(NNI_X, seed=0)
    with pytest.raises(SearchSpaceError, match="x"):
        tuner.observe({"x": 7.0}, 0.1)
    assert tuner.trials == ()


def test_observe_rejects_a_bad_metric_without_registering_the_trial():
    tuner = RandomTuner(NNI_X, seed=0)
    with pytest.raises(MetricError, match="succeeded, so it needs a value"):
        tuner.observe({"x": 0.5})
    assert tuner.trials == ()


def test_observe_rejects_an_unknown_state():
    tuner = RandomTuner(NNI_X, seed=0)
    with pytest.raises(
        ValueError, match=r"`state` for observe\(\) must be one of waiting, running, succeeded"
    ):
        tuner.observe({"x": 0.5}, 0.1, state="finished")


def test_a_tuner_rebuilt_by_replay_continues_identically():
    space = tuner_spaces.mixed()
    original = RandomTuner(space, seed=5)
    for i in range(6):
        s = original.ask()
        if i != 4:
            original.tell(s.id, float(i))
    rebuilt = RandomTuner(space, seed=5)
    for t in original.trials:
        rebuilt.observe(t.params, t.value, state=t.state)
    assert [original.ask().config for _ in range(3)] == [rebuilt.ask().config for _ in range(3)]


# --- layering -----------------------------------------------------------------------------


def test_importing_tuners_does_not_import_engine_executors_or_store():
    code = (
        "import sys, hyperscout.tuners, hyperscout.testing\n"
        "bad = [m for m in sys.modules if m.split('.')[:2] in "
        "(['hyperscout', 'engine'], ['hyperscout', 'executors'], ['hyperscout', 'store'])]\n"
        "print(bad)\n"
    )
    src = Path(hyperscout.tuners.__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"
