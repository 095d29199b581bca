"""Specification of `HyperParameters`, Keras Tuner 1.4's define-by-run API: a build function
discovers the space by running, and reads a tuner's config when run again."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout.errors import SearchSpaceError
from hyperscout.space import (
    Choice,
    Condition,
    Fixed,
    Float,
    HyperParameters,
    Int,
    SearchSpace,
    as_space,
)


def build(hp: HyperParameters) -> dict:
    """A Keras-style build function with conditions nested two scopes deep."""
    model = hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", "mlp"):
        n_layers = hp.Int("n_layers", 1, 3)
        units = hp.Int("units", 32, 128, step=32)
        with hp.conditional_scope("n_layers", [2, 3]):
            activation = hp.Choice("activation", ["relu", "tanh"])
    with hp.conditional_scope("model", ["cnn"]):
        filters = hp.Choice("filters", [16, 32, 64], default=32)
    lr = hp.Float("lr", 1e-4, 1e-2, sampling="log")
    hp.Fixed("epochs", 5)
    return {
        "model": model,
        "n_layers": n_layers,
        "units": units,
        "activation": activation,
        "filters": filters,
        "lr": lr,
    }


def test_running_a_build_function_discovers_the_space():
    hp = HyperParameters()
    build(hp)
    assert hp.space == SearchSpace(
        [
            Choice("model", ["mlp", "cnn"]),
            Int("n_layers", 1, 3, condition=Condition("model", "mlp")),
            Int("units", 32, 128, step=32, condition=Condition("model", "mlp")),
            Choice("activation", ["relu", "tanh"], condition=Condition("n_layers", [2, 3])),
            Choice("filters", [16, 32, 64], default=32, condition=Condition("model", "cnn")),
            Float("lr", 1e-4, 1e-2, sampling="log"),
            Fixed("epochs", 5),
        ]
    )


def test_discovery_returns_defaults_and_none_for_inactive_parameters():
    hp = HyperParameters()
    assert build(hp) == {
        "model": "mlp",
        "n_layers": 1,
        "units": 32,
        "activation": None,
        "filters": None,
        "lr": 1e-4,
    }
    assert hp.values == {"model": "mlp", "n_layers": 1, "units": 32, "lr": 1e-4, "epochs": 5}


def test_running_again_with_a_config_reads_its_values():
    discovered = HyperParameters()
    build(discovered)
    space = discovered.space
    rng = np.random.default_rng(0)
    for _ in range(50):
        config = space.sample(rng)
        hp = HyperParameters.from_config(space, config)
        seen = build(hp)
        assert hp.values == config
        for name in ("model", "n_layers", "units", "activation", "filters", "lr"):
            assert seen[name] == config.get(name)


def test_from_config_accepts_the_params_a_trial_sees():
    space = SearchSpace.from_nni(
        {
            "layer": {
                "_type": "choice",
                "_value": [{"_name": "conv", "k": {"_type": "choice", "_value": [3, 5]}}, "skip"],
            }
        }
    )
    hp = HyperParameters.from_config(space, {"layer": {"_name": "conv", "k": 5}})
    assert hp.get("layer/conv/k") == 5


def test_values_given_to_the_constructor_replace_defaults():
    hp = HyperParameters({"units": 64})
    assert hp.Int("units", 32, 128, step=32) == 64
    with pytest.raises(
        SearchSpaceError, match=r"the value 7 given for parameter 'depth' is not a possible value"
    ):
        HyperParameters({"depth": 7}).Int("depth", 1, 4)


def test_parent_name_and_parent_values_work_like_a_scope():
    hp = HyperParameters()
    hp.Boolean("use_dropout")
    assert hp.Float("rate", 0.1, 0.5, parent_name="use_dropout", parent_values=[True]) is None
    assert hp.space["rate"].condition == Condition("use_dropout", (True,))
    hp = HyperParameters({"use_dropout": True})
    hp.Boolean("use_dropout")
    assert hp.Float("rate", 0.1, 0.5, parent_name="use_dropout", parent_values=True) == 0.1


def test_keras_signatures_and_sampling_names():
    hp = HyperParameters()
    assert hp.Int("a", 1, 64, 2, "LOG") == 1
    assert hp.Float("b", 0.5, 0.99, None, "reverse_log", 0.9) == 0.9
    assert hp.Choice("c", [4, 8], None, 8) == 8
    assert hp.Boolean("d", True) is True
    assert hp.Fixed("e", "x") == "x"
    assert hp.space["a"] == Int("a", 1, 64, step=2, sampling="log")
    assert hp.space["c"].ordered is True


def test_re_registering_the_same_definition_is_fine():
    hp = HyperParameters()
    assert hp.Int("units", 32, 128, step=32) == hp.Int("units", 32, 128, step=32, default=32)
    assert len(hp.space) == 1


def test_re_registering_a_different_definition_names_both():
    hp = HyperParameters()
    hp.Int("units", 32, 128)
    with pytest.raises(
        SearchSpaceError,
        match=r"'units' is already defined as Int\('units', 32, 128\), but is now registered as Int\('units', 32, 256\)",
    ):
        hp.Int("units", 32, 256)


def test_the_same_name_under_another_condition_is_a_different_definition():
    hp = HyperParameters()
    hp.Choice("model", ["a", "b"])
    with hp.conditional_scope("model", "a"):
        hp.Int("units", 1, 4)
    with (
        pytest.raises(SearchSpaceError, match=r"already defined as"),
        hp.conditional_scope("model", "b"),
    ):
        hp.Int("units", 1, 4)


def test_get_fails_for_unknown_and_inactive_parameters():
    hp = HyperParameters()
    build(hp)
    assert hp.get("units") == 32 and hp["model"] == "mlp"
    with pytest.raises(KeyError, match=r"parameter 'nope' does not exist"):
        hp.get("nope")
    with pytest.raises(SearchSpaceError, match=r"parameter 'filters' is currently inactive"):
        hp.get("filters")
    with pytest.raises(ValueError, match=r"currently inactive"):  # Keras raises ValueError too
        hp.get("activation")


def test_is_active_takes_a_name_or_a_parameter():
    hp = HyperParameters({"model": "cnn"})
    build(hp)
    assert hp.is_active("filters") and hp.is_active(hp.space["filters"])
    assert not hp.is_active("units") and not hp.is_active("activation")
    assert not hp.is_active("never_defined"), "as in Keras Tuner: an unknown name is inactive"
    assert "units" in hp and "nope" not in hp


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            lambda hp: hp.conditional_scope("ghost", [1]).__enter__(),
            r"conditional_scope: parameter 'ghost' is not defined",
        ),
        (
            lambda hp: hp.conditional_scope("model", "rnn").__enter__(),
            r"'rnn' is not a value parameter 'model' can take",
        ),
        (lambda hp: _nested(hp, ("model", "mlp"), ("model", "cnn")), r"no value is in both"),
        (
            lambda hp: _nested(hp, ("model", "mlp"), ("flag", True)),
            r"'flag' must itself be defined inside the outer scope",
        ),
    ],
)
def test_invalid_scopes_are_rejected(body, message):
    hp = HyperParameters()
    hp.Choice("model", ["mlp", "cnn"])
    hp.Boolean("flag")
    with pytest.raises(SearchSpaceError, match=message):
        body(hp)


def _nested(hp, outer, inner):
    with hp.conditional_scope(*outer), hp.conditional_scope(*inner):
        hp.Int("x", 0, 1)


def test_nested_scopes_on_the_same_parent_intersect():
    hp = HyperParameters()
    hp.Choice("model", ["a", "b", "c"])
    with hp.conditional_scope("model", ["a", "b"]), hp.conditional_scope("model", ["b", "c"]):
        hp.Int("x", 0, 1)
    assert hp.space["x"].condition == Condition("model", ("b",))


def test_as_space_accepts_a_hyperparameters_object():
    hp = HyperParameters()
    build(hp)
    assert as_space(hp) == hp.space
    assert repr(hp).startswith("HyperParameters({'model': 'mlp'")
