"""Specification of `SearchSpace`: construction rules, conditional sampling, validation,
canonical keys, params <-> config, conditional-aware size and grid, and the JSON forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hyperscout.errors import SearchSpaceError
from hyperscout.space import (
    Boolean,
    Choice,
    Condition,
    Fixed,
    Float,
    Int,
    Normal,
    SearchSpace,
    as_space,
)


def deep_space(lr=None) -> SearchSpace:
    """Conditions nested three deep: model -> n_layers -> activation -> negative_slope."""
    return SearchSpace(
        [
            Choice("model", ["linear", "mlp", "cnn"]),
            lr or Float("lr", 1e-4, 1e-1, sampling="log"),
            Int("n_layers", 1, 3, condition=Condition("model", ["mlp", "cnn"])),
            Choice("activation", ["relu", "tanh"], condition=Condition("n_layers", [2, 3])),
            Float("negative_slope", 0.0, 0.3, q=0.1, condition=Condition("activation", "relu")),
            Boolean("bias", condition=Condition("model", "linear")),
        ]
    )


def finite_deep_space() -> SearchSpace:
    return deep_space(lr=Choice("lr", [1e-3, 1e-2, 1e-1]))


NNI_NESTED = {
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "layer0": {
        "_type": "choice",
        "_value": [
            {
                "_name": "Conv",
                "kernel_size": {"_type": "choice", "_value": [3, 5]},
                "norm": {
                    "_type": "choice",
                    "_value": [
                        {
                            "_name": "BatchNorm",
                            "momentum": {"_type": "uniform", "_value": [0.1, 0.9]},
                        },
                        "none",
                    ],
                },
            },
            {"_name": "Pool", "size": {"_type": "randint", "_value": [2, 4]}},
            "Identity",
        ],
    },
}


# -- construction ---------------------------------------------------------------------------
def test_duplicate_names_are_rejected():
    with pytest.raises(SearchSpaceError, match=r"names must be unique, but 'x' is defined twice"):
        SearchSpace([Int("x", 0, 1), Float("x", 0, 1)])


def test_a_condition_must_reference_an_earlier_parameter():
    with pytest.raises(SearchSpaceError, match=r"refers to 'model', which is not an earlier"):
        SearchSpace(
            [Int("units", 1, 4, condition=Condition("model", "mlp")), Choice("model", ["mlp"])]
        )


def test_a_condition_must_list_values_its_parent_can_take():
    with pytest.raises(SearchSpaceError, match=r"lists 'rnn', which parameter 'model' cannot take"):
        SearchSpace(
            [Choice("model", ["mlp"]), Int("units", 1, 4, condition=Condition("model", "rnn"))]
        )


def test_only_parameters_go_in_a_space():
    with pytest.raises(SearchSpaceError, match=r"holds Parameter objects"):
        SearchSpace([{"_type": "uniform"}])


def test_container_protocol():
    space = deep_space()
    assert space.names == ("model", "lr", "n_layers", "activation", "negative_slope", "bias")
    assert len(space) == 6 and [p.name for p in space] == list(space.names)
    assert space["lr"] == Float("lr", 1e-4, 1e-1, sampling="log")
    assert "bias" in space and "nope" not in space
    with pytest.raises(KeyError, match=r"no parameter named 'nope'"):
        space["nope"]
    assert space == deep_space() and space != finite_deep_space()
    assert hash(space) == hash(deep_space())
    assert repr(space).startswith("SearchSpace([\n    Choice('model'")
    assert SearchSpace([]).size == 1 and list(SearchSpace([]).grid()) == [{}]


# -- sampling, defaults, activity ----------------------------------------------------------------
def test_sampling_a_nested_conditional_space_yields_only_active_parameters():
    space = deep_space()
    rng = np.random.default_rng(7)
    seen = set()
    for _ in range(400):
        config = space.sample(rng)
        space.validate(config)  # all active parameters present, no inactive one
        assert all(space.is_active(name, config) for name in config)
        assert list(config) == [n for n in space.names if n in config]  # space order
        seen.add(tuple(config))
    assert ("model", "lr", "n_layers", "activation", "negative_slope") in seen  # depth 3 reached
    assert ("model", "lr", "bias") in seen
    assert ("model", "lr", "n_layers") in seen


def test_sampling_is_deterministic_under_a_seed():
    space = deep_space()
    one = [space.sample(np.random.default_rng(3)) for _ in range(3)]
    two = [space.sample(np.random.default_rng(3)) for _ in range(3)]
    assert one == two


def test_defaults_are_the_active_defaults():
    assert deep_space().defaults() == {"model": "linear", "lr": 1e-4, "bias": False}
    space = SearchSpace(
        [
            Choice("model", ["mlp", "linear"]),
            Int("units", 8, 64, condition=Condition("model", "mlp")),
        ]
    )
    assert space.defaults() == {"model": "mlp", "units": 8}


def test_is_active_follows_the_whole_chain_of_parents():
    space = deep_space()
    config = {
        "model": "mlp",
        "lr": 0.01,
        "n_layers": 2,
        "activation": "relu",
        "negative_slope": 0.1,
    }
    assert space.is_active("negative_slope", config)
    assert not space.is_active("bias", config)
    stale = dict(config, model="linear")  # activation's own parent still says 2, but is inactive
    assert not space.is_active("negative_slope", stale)
    assert space.is_active("n_layers", {"model": "cnn"})


# -- validation, canonical form, keys -------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model": "linear", "lr": 0.01}, r"missing a value for active parameter 'bias'"),
        (
            {"model": "linear", "lr": 0.01, "bias": True, "n_layers": 2},
            r"parameter 'n_layers', which is inactive .*'model' in \['mlp', 'cnn'\]",
        ),
        (
            {"model": "linear", "lr": 5.0, "bias": True},
            r"value 5.0 is not a possible value of parameter 'lr'",
        ),
        ({"model": "rnn", "lr": 0.01}, r"value 'rnn' is not one of the values of choice 'model'"),
        (
            {"model": "linear", "lr": 0.01, "bias": True, "extra": 1},
            r"unknown parameter\(s\) \['extra'\]",
        ),
        (["model"], r"a config must be a dict"),
    ],
)
def test_validate_rejects_bad_configs(config, message):
    with pytest.raises(SearchSpaceError, match=message):
        deep_space().validate(config)


def test_normalize_returns_space_order_and_sampled_types():
    space = deep_space()
    config = {
        "n_layers": 2.0,
        "negative_slope": 0,
        "activation": "relu",
        "lr": 0.05,
        "model": "mlp",
    }
    normal = space.normalize(config)
    assert list(normal) == ["model", "lr", "n_layers", "activation", "negative_slope"]
    assert type(normal["n_layers"]) is int and type(normal["negative_slope"]) is float
    assert space.normalize(dict(config, negative_slope=0.1 * 3))["negative_slope"] == 0.3  # clipped


def test_key_identifies_duplicates_exactly():
    space = deep_space()
    a = {"model": "mlp", "lr": 0.01, "n_layers": 1}
    b = {"n_layers": 1.0, "lr": 0.01, "model": "mlp"}
    assert space.key(a) == space.key(b) == '{"lr":0.01,"model":"mlp","n_layers":1}'
    assert space.key(a) != space.key(dict(a, lr=0.07 * 0.1))
    assert "0.007000000000000001" in space.key(dict(a, lr=0.07 * 0.1))  # repr-exact floats


# -- params (what a trial sees) --------------------------------------------------------------------
def test_to_params_resolves_nested_choices_like_nni():
    space = SearchSpace.from_nni(NNI_NESTED)
    config = {
        "lr": 0.01,
        "layer0": "Conv",
        "layer0/Conv/kernel_size": 5,
        "layer0/Conv/norm": "BatchNorm",
        "layer0/Conv/norm/BatchNorm/momentum": 0.5,
    }
    params = space.to_params(config)
    assert params == {
        "lr": 0.01,
        "layer0": {
            "_name": "Conv",
            "kernel_size": 5,
            "norm": {"_name": "BatchNorm", "momentum": 0.5},
        },
    }
    assert space.from_params(params) == config
    assert space.to_params({"lr": 0.01, "layer0": "Identity"}) == {"lr": 0.01, "layer0": "Identity"}
    assert space.to_params({"lr": 0.01, "layer0": "Pool", "layer0/Pool/size": 3}) == {
        "lr": 0.01,
        "layer0": {"_name": "Pool", "size": 3},
    }


def test_from_params_accepts_flat_configs_and_rejects_unknown_options():
    space = SearchSpace.from_nni(NNI_NESTED)
    flat = {"lr": 0.01, "layer0": "Pool", "layer0/Pool/size": 2}
    assert space.from_params(flat) == flat
    with pytest.raises(SearchSpaceError, match=r"'Dense' as the nested option of choice 'layer0'"):
        space.from_params({"lr": 0.01, "layer0": {"_name": "Dense"}})
    with pytest.raises(SearchSpaceError, match=r"give 'stride' inside option 'Pool'"):
        space.from_params({"lr": 0.01, "layer0": {"_name": "Pool", "size": 2, "stride": 1}})


def test_params_round_trip_on_random_configs():
    space = SearchSpace.from_nni(NNI_NESTED)
    rng = np.random.default_rng(0)
    for _ in range(200):
        config = space.sample(rng)
        params = space.to_params(config)
        assert space.from_params(json.loads(json.dumps(params))) == config


# -- size and grid ------------------------------------------------------------------------------------
def test_size_sums_over_branches():
    # linear: bias (2); mlp and cnn: n_layers=1 (1) + 2 and 3 x (relu x 4 slopes + tanh) = 11
    assert finite_deep_space().size == 3 * (2 + 11 + 11)
    assert deep_space().size == math.inf
    assert SearchSpace.from_nni(NNI_NESTED).size == math.inf


def test_grid_of_a_conditional_space_enumerates_size_distinct_valid_configs():
    space = finite_deep_space()
    configs = list(space.grid())
    assert len(configs) == space.size == 72
    keys = [space.key(c) for c in configs]
    assert len(set(keys)) == len(keys)
    for config in configs:
        space.validate(config)
    assert configs == list(space.grid())  # deterministic
    assert configs[0] == {"model": "linear", "lr": 0.001, "bias": False}  # first param slowest
    assert configs[-1]["model"] == "cnn"


def test_grid_of_nested_nni_choices_counts_each_option_branch():
    space = SearchSpace.from_nni(
        {
            "a": {
                "_type": "choice",
                "_value": [
                    {
                        "_name": "x",
                        "b": {
                            "_type": "choice",
                            "_value": [
                                {"_name": "y", "c": {"_type": "randint", "_value": [0, 3]}},
                                1,
                            ],
                        },
                    },
                    2,
                ],
            },
            "d": {"_type": "quniform", "_value": [0, 1, 0.5]},
        }
    )
    configs = list(space.grid())
    assert space.size == len(configs) == (3 + 1 + 1) * 3
    assert len({space.key(c) for c in configs}) == len(configs)


def test_grid_names_the_first_continuous_parameter():
    space = SearchSpace([Choice("a", [1, 2]), Float("lr", 0, 1), Normal("z", 0, 1)])
    assert not space.is_finite
    with pytest.raises(
        SearchSpaceError,
        match=r"parameter 'lr' is a continuous float; grid search needs `q` or `step`",
    ):
        space.grid()


def test_size_of_a_large_quantised_grid_is_exact_without_enumeration():
    space = SearchSpace([Float("x", 0, 1000, q=0.001), Int("n", 0, 9999)])
    assert space.size == 1_000_001 * 10_000


# -- JSON forms -----------------------------------------------------------------------------------------
def test_to_dict_round_trips_through_json():
    space = SearchSpace(
        [
            *deep_space(),
            Normal("z", 0, 1, q=0.5, log=True),
            Fixed("epochs", 10),
            Int("units", 32, 512, step=32, default=64),
            Float("beta", 0.9, 0.999, sampling="reverse_log"),
        ]
    )
    data = json.loads(json.dumps(space.to_dict()))
    assert data["parameters"][2] == {
        "name": "n_layers",
        "kind": "int",
        "low": 1,
        "high": 3,
        "condition": {"parent": "model", "values": ["mlp", "cnn"]},
    }
    assert SearchSpace.from_dict(data) == space


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"parameters": [{"name": "x", "kind": "complex"}]},
            r"unknown parameter kind 'complex' for 'x'; the known kinds are choice, int",
        ),
        (
            {"parameters": [{"name": "x", "kind": "int", "low": 0, "high": 1, "colour": 1}]},
            r"malformed int parameter",
        ),
        ({"parameters": [{"low": 0}]}, r"must be a dict with 'name' and 'kind'"),
        ({"params": []}, r"hyperscout's space form is"),
    ],
)
def test_from_dict_rejects_malformed_input(data, message):
    with pytest.raises(SearchSpaceError, match=message):
        SearchSpace.from_dict(data)


def test_as_space_accepts_every_form():
    space = SearchSpace.from_nni(NNI_NESTED)
    assert as_space(space) is space
    assert as_space(NNI_NESTED) == space
    assert as_space(space.to_dict()) == space
    assert as_space(list(space)) == space
    # an NNI parameter that happens to be called "parameters" is still NNI
    nni = {"parameters": {"_type": "choice", "_value": [1, 2]}}
    assert as_space(nni).names == ("parameters",)
    with pytest.raises(SearchSpaceError, match=r"cannot read a search space from 42"):
        as_space(42)


@pytest.mark.parametrize(
    "module",
    ["_base", "_params", "_numeric", "_space", "_nni", "_hyperparameters", "_encoding"],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"hyperscout.space.{module}"))
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module}"
