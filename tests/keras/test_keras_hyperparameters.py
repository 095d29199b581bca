"""Keras Tuner's HyperParameters behaviour: defaults, conditions, values, serialisation."""

from __future__ import annotations

import pytest

from hyperscout.errors import SearchSpaceError
from hyperscout.keras import HyperParameters


def test_defaults_are_keras_tuners():
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log") == pytest.approx(1e-4)
    assert hp.Choice("activation", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("dropout") is False
    assert hp.Fixed("batch_size", 64) == 64
    assert hp.Int("layers", 1, 3, default=2) == 2
    assert hp.values == {"units": 32, "lr": pytest.approx(1e-4), "activation": "relu",
                         "dropout": False, "batch_size": 64, "layers": 2}


def test_an_inactive_parameter_returns_none_and_is_not_in_values():
    hp = HyperParameters()
    model = hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", "cnn"):
        filters = hp.Int("filters", 8, 32)
    assert model == "mlp" and filters is None
    assert "filters" in hp and not hp.is_active("filters")
    assert hp.values == {"model": "mlp"}
    with pytest.raises(SearchSpaceError, match="currently inactive"):
        hp.get("filters")


def test_get_config_and_from_config_round_trip_parameters_values_and_conditions():
    hp = HyperParameters()
    hp.Choice("model", ["mlp", "cnn"], default="cnn")
    with hp.conditional_scope("model", "cnn"):
        hp.Int("filters", 8, 32, step=8)
    hp.Float("lr", 1e-4, 1e-2, sampling="log")
    again = HyperParameters.from_config(hp.get_config())
    assert again.values == hp.values
    assert again.space.to_dict() == hp.space.to_dict()
    assert again.is_active("filters")


def test_from_config_also_takes_a_space_and_a_config():
    hp = HyperParameters()
    hp.Int("units", 4, 16, step=4)
    chosen = HyperParameters.from_config(hp.space, {"units": 12})
    assert chosen.get("units") == 12
    with pytest.raises(SearchSpaceError, match="takes what get_config"):
        HyperParameters.from_config([1, 2])


def test_copy_is_independent_and_merge_adds_parameters():
    hp = HyperParameters()
    hp.Int("units", 4, 16)
    copy = hp.copy()
    copy.Float("lr", 0.1, 1.0)
    assert "lr" not in hp and "lr" in copy
    other = HyperParameters()
    other.Fixed("batch_size", 32)
    hp.merge(other)
    assert hp.get("batch_size") == 32 and len(hp) == 2


def test_an_override_wins_over_the_build_functions_declaration():
    given = HyperParameters()
    given.Fixed("lr", 0.05)
    hp = HyperParameters()
    hp.override(given)
    assert hp.Float("lr", 1e-4, 1e-2) == 0.05
    assert hp.values == {"lr": 0.05}


def test_new_entries_can_be_forbidden():
    hp = HyperParameters()
    hp._allow_new = False
    with pytest.raises(SearchSpaceError, match="allow_new_entries=False"):
        hp.Int("units", 4, 16)


def test_a_name_declared_again_differently_keeps_its_first_definition_with_a_warning():
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    with pytest.warns(UserWarning, match="'units' is declared again.*the first one stands"):
        assert hp.Int("units", 1, 5) == 32
    assert hp.values == {"units": 32} and hp.Int("units", 32, 512, step=32) == 32
