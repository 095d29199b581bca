"""Specification of `UnitEncoding`: the map between configs and the unit hypercube that
model-based tuners share. Every point decodes to a valid config; decoding an encoded config
gives it back exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

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
    UnitEncoding,
)


def mixed_space() -> SearchSpace:
    """Every kind, with conditions nested three deep."""
    return SearchSpace(
        [
            Choice("model", ["linear", "mlp", "cnn"]),
            Float("lr", 1e-5, 1, sampling="log"),
            Float("momentum", 0.5, 0.999, sampling="reverse_log"),
            Float("wd", 0, 0.1),
            Int("n_layers", 1, 4, condition=Condition("model", ["mlp", "cnn"])),
            Int("units", 16, 512, sampling="log", condition=Condition("n_layers", [2, 3, 4])),
            Float("dropout", 0, 0.5, q=0.05, condition=Condition("units", [16, 32, 64])),
            Int("kernel", 3, 7, step=2, condition=Condition("model", "cnn")),
            Float("scale", 1e-3, 10, step=10, sampling="log"),
            Normal("shift", 0, 1),
            Normal("gain", 1, 0.5, log=True),
            Normal("offset", 0, 2, q=0.5),
            Normal("count", 0, 1, q=0.5, log=True),
            Float("batch", 1, 100, q=5, sampling="log"),
            Choice("shape", [[3, 3], {"k": 1}, None]),
            Boolean("bias"),
            Fixed("epochs", 10),
        ]
    )


@pytest.mark.parametrize("choices", ["onehot", "index"])
def test_decode_of_encode_is_exact_on_random_configs(choices):
    space = mixed_space()
    encoding = UnitEncoding(space, choices=choices)
    rng = np.random.default_rng(0)
    for _ in range(300):
        config = space.sample(rng)
        x = encoding.encode(config)
        assert x.shape == (encoding.n_dims,) and np.all((0 <= x) & (x <= 1))
        assert encoding.decode(x) == config


@pytest.mark.parametrize("choices", ["onehot", "index"])
def test_every_point_decodes_to_a_valid_config_that_is_a_fixed_point(choices):
    space = mixed_space()
    encoding = UnitEncoding(space, choices=choices)
    rng = np.random.default_rng(1)
    for _ in range(300):
        config = encoding.decode(rng.random(encoding.n_dims))
        space.validate(config)
        assert encoding.decode(encoding.encode(config)) == config


def test_dimensions_per_kind():
    space = mixed_space()
    assert UnitEncoding(space).n_dims == 3 + 13 + 3 + 1  # one-hot model and shape; Fixed: none
    encoding = UnitEncoding(space, choices="index")
    assert encoding.n_dims == 16
    assert encoding.slices["model"] == slice(0, 1) and encoding.slices["epochs"] == slice(16, 16)


def test_inactive_parameters_encode_as_one_half_and_are_ignored():
    space = mixed_space()
    encoding = UnitEncoding(space)
    config = space.defaults()  # model == "linear": n_layers, units, dropout, kernel inactive
    x = encoding.encode(config)
    for name in ("n_layers", "units", "dropout", "kernel"):
        assert np.all(x[encoding.slices[name]] == 0.5)
    x[encoding.slices["n_layers"]] = 0.99  # whatever an inactive dimension holds
    assert encoding.decode(x) == config


def test_choices_decode_by_argmax_or_floor():
    space = SearchSpace([Choice("c", ["a", "b", "c"])])
    assert UnitEncoding(space).encode({"c": "b"}).tolist() == [0.0, 1.0, 0.0]
    assert UnitEncoding(space).decode([0.2, 0.1, 0.7]) == {"c": "c"}
    index = UnitEncoding(space, choices="index")
    assert index.encode({"c": "b"}).tolist() == [0.5]
    assert [index.decode([u])["c"] for u in (0.0, 0.33, 0.34, 0.99, 1.0)] == [
        "a",
        "a",
        "b",
        "c",
        "c",
    ]


def test_numbers_decode_to_valid_grid_values():
    space = SearchSpace(
        [
            Int("n", 0, 9),
            Int("k", 8, 64, step=8),
            Float("q", 1, 10, q=3),
            Float("s", 0, 1, step=0.25),
        ]
    )
    encoding = UnitEncoding(space)
    assert encoding.decode([0.55, 0.0, 1.0, 0.5]) == {"n": 5, "k": 8, "q": 9.0, "s": 0.5}
    assert encoding.encode({"n": 5, "k": 64, "q": 1.0, "s": 1.0}).tolist() == pytest.approx(
        [0.55, 1 - 0.5 / 8, 0.25 / 9, 0.9]
    )


def test_log_kinds_are_encoded_in_log_space():
    space = SearchSpace(
        [Float("lr", 1e-4, 1, sampling="log"), Int("units", 1, 1023, sampling="log")]
    )
    encoding = UnitEncoding(space)
    assert encoding.encode({"lr": 1e-2, "units": 1})[0] == pytest.approx(0.5)
    assert encoding.decode([0.25, 0.5]) == {"lr": pytest.approx(1e-3), "units": 32}


def test_the_prior_is_uniform_in_the_unit_cube():
    space = SearchSpace([Normal("z", 3, 2), Float("lr", 1e-4, 1, sampling="log")])
    encoding = UnitEncoding(space)
    rng = np.random.default_rng(2)
    points = encoding.encode_many(space.sample(rng) for _ in range(2000))
    for column in points.T:
        assert stats.kstest(column, "uniform").pvalue > 1e-3


def test_normals_encode_through_the_normal_cdf():
    encoding = UnitEncoding(SearchSpace([Normal("z", 1, 2), Normal("g", 0, 1, log=True)]))
    x = encoding.encode({"z": 1.0, "g": math.exp(1.0)})
    assert x.tolist() == pytest.approx([0.5, stats.norm.cdf(1.0)])
    assert encoding.decode([stats.norm.cdf(-1), 0.5]) == {"z": pytest.approx(-1.0), "g": 1.0}


def test_encode_many_and_decode_many_use_rows():
    space = mixed_space()
    encoding = UnitEncoding(space)
    configs = [space.sample(np.random.default_rng(i)) for i in range(5)]
    points = encoding.encode_many(configs)
    assert points.shape == (5, encoding.n_dims)
    assert encoding.decode_many(points) == configs
    assert encoding.encode_many([]).shape == (0, encoding.n_dims)


def test_points_outside_the_cube_are_clipped():
    encoding = UnitEncoding(SearchSpace([Float("x", 0, 10)]))
    assert encoding.decode([1.7]) == {"x": 10.0} and encoding.decode([-3]) == {"x": 0.0}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.decode([0.5]), r"a point of this encoding has shape \(4,\), but got \(1,\)"),
        (lambda e: e.decode([0.5, np.nan, 0.5, 0.5]), r"a point to decode must be finite"),
        (
            lambda e: e.decode_many([0.5, 0.5, 0.5, 0.5]),
            r"points to decode must have shape \(n, 4\)",
        ),
        (
            lambda e: e.encode({"x": 11.0, "c": "a"}),
            r"value 11.0 is not a possible value of parameter 'x'",
        ),
        (
            lambda e: UnitEncoding(e.space, choices="binary"),
            r"`choices` must be 'onehot' or 'index'",
        ),
    ],
)
def test_bad_input_is_rejected(call, message):
    encoding = UnitEncoding(SearchSpace([Float("x", 0, 10), Choice("c", ["a", "b", "c"])]))
    with pytest.raises(SearchSpaceError, match=message):
        call(encoding)


# -- snapping many points at once ------------------------------------------------------------
@pytest.mark.parametrize("choices", ["onehot", "index"])
def test_snap_gives_valid_encoded_points_that_decode_and_encode_unchanged(choices):
    encoding = UnitEncoding(mixed_space(), choices=choices)
    points = np.random.default_rng(2).random((500, encoding.n_dims))
    snapped = encoding.snap(points)
    assert snapped.shape == points.shape
    again = encoding.encode_many(encoding.decode_many(snapped))
    np.testing.assert_allclose(again, snapped, atol=1e-12)


@pytest.mark.parametrize("choices", ["onehot", "index"])
def test_snap_agrees_with_decode_then_encode_away_from_cell_edges(choices):
    encoding = UnitEncoding(mixed_space(), choices=choices)
    points = np.random.default_rng(3).random((500, encoding.n_dims))
    exact = encoding.encode_many(encoding.decode_many(points))
    differ = np.abs(encoding.snap(points) - exact).max(axis=1) > 1e-12
    assert differ.mean() < 0.15  # only rows with a coordinate near a cell's edge


def test_snap_sets_inactive_parameters_to_one_half_and_one_hot_to_the_argmax():
    space = SearchSpace([
        Choice("model", ["linear", "mlp"]),
        Int("units", 1, 4, condition=Condition("model", "mlp")),
        Float("lr", 0.0, 1.0),
    ])
    encoding = UnitEncoding(space)
    snapped = encoding.snap(np.array([[0.9, 0.2, 0.1, 0.37], [0.1, 0.6, 0.3, 0.37]]))
    np.testing.assert_allclose(snapped[0], [1.0, 0.0, 0.5, 0.37])  # linear: units inactive
    np.testing.assert_allclose(snapped[1], [0.0, 1.0, 0.375, 0.37])  # mlp, units = 2


def test_blocks_describe_each_parameters_dimensions():
    encoding = UnitEncoding(SearchSpace([
        Choice("c", ["a", "b", "c"]), Int("n", 1, 3), Float("x", 0, 1), Fixed("f", 1)]))
    kinds = {b.name: (b.kind, b.dims) for b in encoding.blocks}
    assert kinds == {"c": ("onehot", slice(0, 3)), "n": ("discrete", slice(3, 4)),
                     "x": ("continuous", slice(4, 5))}
    assert list(next(b for b in encoding.blocks if b.name == "n").values) == [1, 2, 3]


def test_snap_rejects_bad_points_with_a_clear_error():
    encoding = UnitEncoding(SearchSpace([Float("x", 0, 1)]))
    with pytest.raises(SearchSpaceError, match="shape"):
        encoding.snap(np.zeros((3, 2)))
    with pytest.raises(SearchSpaceError, match="finite"):
        encoding.snap(np.array([[np.nan]]))
