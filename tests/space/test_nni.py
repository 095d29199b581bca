"""Specification of the NNI search_space.json codec: every type maps to the documented
parameter, reading then writing returns the input exactly, nested choices go to any
depth, and malformed or inexpressible spaces fail with a message that says why."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from hyperscout.errors import SearchSpaceError
from hyperscout.space import Boolean, Choice, Condition, Fixed, Float, Int, Normal, SearchSpace

ALL_TYPES = {
    "optimizer": {"_type": "choice", "_value": ["adam", "sgd", 3, None, [1, 2], {"beta": 0.9}]},
    "seed": {"_type": "randint", "_value": [0, 10]},
    "dropout": {"_type": "uniform", "_value": [0, 0.5]},
    "batch": {"_type": "quniform", "_value": [16, 256, 16]},
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "hidden": {"_type": "qloguniform", "_value": [8, 1024, 8]},
    "shift": {"_type": "normal", "_value": [0, 1.5]},
    "offset": {"_type": "qnormal", "_value": [10, 2, 0.5]},
    "scale": {"_type": "lognormal", "_value": [0.0, 1]},
    "width": {"_type": "qlognormal", "_value": [2, 0.5, 4]},
}


def depth3() -> dict:
    """Nested choices three levels deep, with plain values and dict values mixed in."""
    return {
        "block": {
            "_type": "choice",
            "_value": [
                {
                    "_name": "conv",
                    "kernel": {"_type": "randint", "_value": [1, 8]},
                    "norm": {
                        "_type": "choice",
                        "_value": [
                            {
                                "_name": "batch",
                                "momentum": {"_type": "uniform", "_value": [0.5, 0.99]},
                                "affine": {
                                    "_type": "choice",
                                    "_value": [
                                        {
                                            "_name": "yes",
                                            "eps": {"_type": "loguniform", "_value": [1e-6, 1e-3]},
                                        },
                                        "no",
                                    ],
                                },
                            },
                            "none",
                            {"not_nested": True},
                        ],
                    },
                },
                {"_name": "identity"},
                42,
            ],
        },
        "lr": {"_type": "qloguniform", "_value": [0.001, 1, 0.001]},
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"_type": "choice", "_value": ["a", 1]}, Choice("x", ["a", 1])),
        ({"_type": "randint", "_value": [2, 9]}, Int("x", 2, 8)),
        ({"_type": "uniform", "_value": [0, 1]}, Float("x", 0, 1)),
        ({"_type": "quniform", "_value": [0, 10, 2]}, Float("x", 0, 10, q=2)),
        ({"_type": "loguniform", "_value": [0.01, 1]}, Float("x", 0.01, 1, sampling="log")),
        ({"_type": "qloguniform", "_value": [1, 64, 1]}, Float("x", 1, 64, q=1, sampling="log")),
        ({"_type": "normal", "_value": [0, 2]}, Normal("x", 0, 2)),
        ({"_type": "qnormal", "_value": [0, 2, 0.5]}, Normal("x", 0, 2, q=0.5)),
        ({"_type": "lognormal", "_value": [0, 2]}, Normal("x", 0, 2, log=True)),
        ({"_type": "qlognormal", "_value": [0, 2, 1]}, Normal("x", 0, 2, q=1, log=True)),
    ],
)
def test_each_nni_type_maps_to_its_parameter(spec, expected):
    assert SearchSpace.from_nni({"x": spec})["x"] == expected


def test_randint_upper_is_exclusive():
    space = SearchSpace.from_nni({"seed": {"_type": "randint", "_value": [0, 3]}})
    rng = np.random.default_rng(0)
    assert {space.sample(rng)["seed"] for _ in range(300)} == {0, 1, 2}
    assert space.size == 3


def test_all_ten_types_round_trip_exactly():
    space = SearchSpace.from_nni(copy.deepcopy(ALL_TYPES))
    assert space.to_nni() == ALL_TYPES
    # the JSON text is identical too: bounds keep their int / float types
    assert json.dumps(space.to_nni()) == json.dumps(ALL_TYPES)


def test_round_trip_through_the_own_form_and_back_to_nni():
    space = SearchSpace.from_nni(ALL_TYPES)
    assert SearchSpace.from_dict(json.loads(json.dumps(space.to_dict()))).to_nni() == ALL_TYPES


def test_nested_choices_at_depth_three_round_trip_exactly():
    assert SearchSpace.from_nni(depth3()).to_nni() == depth3()


def test_nested_options_become_conditional_children():
    space = SearchSpace.from_nni(depth3())
    assert space.names == (
        "block",
        "block/conv/kernel",
        "block/conv/norm",
        "block/conv/norm/batch/momentum",
        "block/conv/norm/batch/affine",
        "block/conv/norm/batch/affine/yes/eps",
        "lr",
    )
    assert space["block"] == Choice(
        "block", ["conv", "identity", 42], subspaces=["conv", "identity"]
    )
    assert space["block/conv/norm"].values == ("batch", "none", {"not_nested": True})
    assert space["block/conv/norm/batch/affine/yes/eps"].condition == Condition(
        "block/conv/norm/batch/affine", ("yes",)
    )


def test_nested_sampling_activates_children_only_under_their_option():
    space = SearchSpace.from_nni(depth3())
    rng = np.random.default_rng(1)
    deepest = 0
    for _ in range(500):
        config = space.sample(rng)
        params = space.to_params(config)
        if config["block"] != "conv":
            assert set(config) == {"block", "lr"}
        if "block/conv/norm/batch/affine/yes/eps" in config:
            deepest += 1
            assert params["block"]["norm"]["affine"]["_name"] == "yes"
            assert 1e-6 <= params["block"]["norm"]["affine"]["eps"] <= 1e-3
        assert space.from_params(params) == config
    assert deepest > 10


@pytest.mark.parametrize(
    ("nni", "message"),
    [
        (
            {"x": {"_type": "gaussian", "_value": [0, 1]}},
            r"unknown NNI _type 'gaussian' for parameter 'x'; the known types are choice, randint, uniform, quniform, loguniform, qloguniform, normal, qnormal, lognormal, qlognormal",
        ),
        ({"x": {"_value": [0, 1]}}, r"NNI parameter 'x' must be a dict with '_type' and '_value'"),
        ({"x": {"_type": "uniform"}}, r"must be a dict with '_type' and '_value'"),
        ({"x": [0, 1]}, r"must be a dict with '_type' and '_value'"),
        (
            {"x": {"_type": "uniform", "_value": [0, 1, 2]}},
            r"'_value' of NNI parameter 'x' \(uniform\) must be \[low, high\], but got \[0, 1, 2\] \(3 entries\)",
        ),
        ({"x": {"_type": "qnormal", "_value": [0, 1]}}, r"must be \[mu, sigma, q\]"),
        ({"x": {"_type": "randint", "_value": [5]}}, r"must be \[lower, upper\]"),
        (
            {"x": {"_type": "uniform", "_value": "0,1"}},
            r"'_value' of NNI parameter 'x' \(uniform\) must be a list",
        ),
        ({"x": {"_type": "choice", "_value": {"a": 1}}}, r"must be a list"),
        (
            {"x": {"_type": "randint", "_value": [3, 3]}},
            r"randint \[lower, upper\) needs lower < upper for parameter 'x', but got \[3, 3\]",
        ),
        (
            {"x": {"_type": "uniform", "_value": [1, 0]}},
            r"`low` must be < `high` for parameter 'x'",
        ),
        (
            {"x": {"_type": "loguniform", "_value": [0, 1]}},
            r"`low` must be > 0 for parameter 'x' with log sampling",
        ),
        ({"x": {"_type": "quniform", "_value": [0, 1, 0]}}, r"`q` must be > 0"),
        ({"x": {"_type": "normal", "_value": [0, -1]}}, r"`sigma` must be > 0"),
        ({"x": {"_type": "choice", "_value": []}}, r"must not be empty"),
        (
            {"x": {"_type": "uniform", "_value": [0, 1], "_default": 0}},
            r"unexpected keys \['_default'\]",
        ),
        (
            {"x": {"_type": "choice", "_value": [{"_name": "a"}, {"_name": "a"}]}},
            r"choice 'x' has two options named 'a'",
        ),
        (
            {"x": {"_type": "choice", "_value": [{"_name": "a"}, "a"]}},
            r"has the value 'a' and a nested option with that '_name'",
        ),
        ({"x": {"_type": "choice", "_value": ["a", {"_name": "a"}]}}, r"two options named 'a'"),
        (
            {"x": {"_type": "choice", "_value": [{"_name": 3}]}},
            r"'_name' of a nested option of choice 'x' must be a non-empty string",
        ),
        (
            {"x": {"_type": "choice", "_value": [{"_name": "a", "k": 3}]}},
            r"NNI parameter 'x/a/k' must be a dict with '_type'",
        ),
        (
            {
                "x": {
                    "_type": "choice",
                    "_value": [{"_name": "a", "k": {"_type": "uniform", "_value": [0, 1]}}],
                },
                "x/a/k": {"_type": "uniform", "_value": [0, 1]},
            },
            r"'x/a/k' is defined twice",
        ),
        ([1, 2], r"an NNI search space is a dict"),
    ],
)
def test_malformed_nni_spaces_are_rejected(nni, message):
    with pytest.raises(SearchSpaceError, match=message):
        SearchSpace.from_nni(nni)


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            Int("n", 8, 64, step=8),
            r"cannot express parameter 'n' .*randint is uniform over consecutive integers",
        ),
        (Int("n", 1, 64, sampling="log"), r"cannot express parameter 'n'"),
        (Float("x", 0, 1, step=0.1), r"NNI has no step grids"),
        (Float("x", 0.1, 1, sampling="reverse_log"), r"no reverse_log sampling"),
        (Boolean("b"), r"NNI has no boolean or fixed type"),
        (Fixed("f", 3), r"NNI has no boolean or fixed type"),
    ],
)
def test_to_nni_rejects_what_nni_cannot_express(param, message):
    with pytest.raises(SearchSpaceError, match=message + r".*space.to_dict\(\)"):
        SearchSpace([param]).to_nni()


def test_to_nni_rejects_keras_style_conditions():
    space = SearchSpace([Choice("m", ["a", "b"]), Int("n", 0, 3, condition=Condition("m", "a"))])
    with pytest.raises(
        SearchSpaceError, match=r"NNI conditions exist only as nested choice options"
    ):
        space.to_nni()


def test_to_nni_leaves_out_defaults_and_ordering():
    space = SearchSpace(
        [Choice("c", [3, 1], default=1, ordered=False), Float("x", 0, 1, default=0.5)]
    )
    assert space.to_nni() == {
        "c": {"_type": "choice", "_value": [3, 1]},
        "x": {"_type": "uniform", "_value": [0, 1]},
    }


def test_nested_choices_built_in_python_write_as_nni():
    space = SearchSpace(
        [
            Choice("layer", ["conv", "skip"], subspaces=["conv"]),
            Int("layer/conv/size", 1, 4, condition=Condition("layer", "conv")),
        ]
    )
    assert space.to_nni() == {
        "layer": {
            "_type": "choice",
            "_value": [{"_name": "conv", "size": {"_type": "randint", "_value": [1, 5]}}, "skip"],
        }
    }
