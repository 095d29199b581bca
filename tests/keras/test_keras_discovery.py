"""Before the first trial, the whole space a build function can declare is found."""

from __future__ import annotations

import threading

import pytest

from hyperscout.keras._discovery import discover_space


def test_parameters_declared_in_loops_and_branches_are_found():
    def build(hp):
        for i in range(hp.Int("layers", 1, 3)):
            hp.Int(f"units_{i}", 8, 64, step=8)
        if hp.Boolean("dropout"):
            hp.Float("rate", 0.1, 0.5)
        if hp.Choice("optimizer", ["adam", "sgd"]) == "sgd":
            hp.Float("momentum", 0.0, 0.9)

    space = discover_space(build)
    assert set(space.names) == {"layers", "units_0", "units_1", "units_2", "dropout", "rate",
                                "optimizer", "momentum"}


def test_a_conditional_scope_is_explored_with_its_parent_set_to_activate_it():
    def build(hp):
        model = hp.Choice("model", ["mlp", "cnn"])
        with hp.conditional_scope("model", "cnn"):
            if hp.Boolean("deep") and model == "cnn":
                hp.Int("extra_filters", 8, 32)

    space = discover_space(build)
    assert "extra_filters" in space.names
    assert space["deep"].condition.parent == "model"


def test_probes_that_fail_are_skipped_and_step_grids_use_their_last_value():
    seen = []

    def build(hp):
        units = hp.Int("units", 16, 256, step=32)  # the grid ends at 240
        seen.append(units)
        if units > 200:
            raise ValueError("too big for this probe")

    space = discover_space(build)
    assert space.names == ("units",) and max(seen) == 240


def test_the_builds_run_outside_the_callers_thread_with_its_keras_settings():
    # A build in the caller's thread would leave it a torch thread pool that slows every
    # trial thread after it; the caller's settings must still hold in the builds.
    from keras_helpers import keras

    seen = []

    def build(hp):
        hp.Int("units", 4, 8)
        seen.append((threading.current_thread(), keras.config.dtype_policy().name))

    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        discover_space(build)
    finally:
        keras.config.set_dtype_policy(before)
    assert seen and all(t is not threading.main_thread() and policy == "mixed_bfloat16"
                        for t, policy in seen)


def test_a_failing_default_build_raises_in_the_caller_with_a_note():
    def build(hp):
        hp.Int("units", 4, 8)
        raise RuntimeError("no GPU here")

    with pytest.raises(RuntimeError, match="no GPU here") as info:
        discover_space(build)
    assert any("default values to find its search space" in n for n in info.value.__notes__)
