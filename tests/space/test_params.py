"""Specification of the parameter kinds: validation messages, Keras defaults, plain Python
values, grids and sizes, and - statistically - each NNI type's exact distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hyperscout.errors import SearchSpaceError
from hyperscout.space import Boolean, Choice, Condition, Fixed, Float, Int, Normal

N = 20_000
ALPHA = 1e-3  # seeds are fixed, so a passing test stays passing; this only guards the design


def draws(param, n=N, seed=0):
    rng = np.random.default_rng(seed)
    return [param.sample(rng) for _ in range(n)]


def assert_frequencies(samples, expected: dict):
    """Chi-square test that `samples` follow the discrete distribution `expected`."""
    values = sorted(expected)
    assert set(samples) <= set(values), set(samples) - set(values)
    observed = np.array([samples.count(v) for v in values])
    probs = np.array([expected[v] for v in values])
    assert math.isclose(probs.sum(), 1.0, abs_tol=1e-9)
    keep = probs * len(samples) >= 5  # chi-square needs expected counts >= 5; pool the tail
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(probs[keep], probs[~keep].sum()) * len(samples)
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert stats.chisquare(obs, exp).pvalue > ALPHA


# -- validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Choice("act", []), r"`values` of choice 'act' must not be empty"),
        (lambda: Choice("act", ["relu", "tanh", "relu"]), r"must be distinct, but 'relu' appears"),
        (lambda: Choice("act", [1, 1.0]), r"must be distinct"),
        (lambda: Choice("act", "relu"), r"must be a list of values"),
        (lambda: Choice("act", ["relu"], default="elu"), r"`default` of choice 'act' must be one"),
        (
            lambda: Float("lr", 5, 1),
            r"`low` must be < `high` for parameter 'lr', but got low=5, high=1\. Swap",
        ),
        (lambda: Float("lr", 1, 1), r"`low` must be < `high`"),
        (
            lambda: Int("n", 5, 1),
            r"`low` must be <= `high` for parameter 'n', but got low=5, high=1",
        ),
        (lambda: Int("n", 1.5, 4), r"`low` must be an integer for parameter 'n'"),
        (
            lambda: Float("lr", 0, 1, sampling="log"),
            r"`low` must be > 0 for parameter 'lr' with log",
        ),
        (lambda: Int("n", -1, 8, sampling="reverse_log"), r"`low` must be > 0 .* reverse_log"),
        (lambda: Float("x", 0, 1, q=0), r"`q` must be > 0 for parameter 'x', but got q=0"),
        (lambda: Float("x", 0, 1, step=-0.1), r"`step` must be > 0 for parameter 'x'"),
        (lambda: Int("n", 0, 8, step=0), r"`step` must be > 0"),
        (lambda: Int("n", 1, 8, step=1, sampling="log"), r"`step` must be > 1 .* log sampling"),
        (lambda: Float("x", 0, 1, step=0.1, q=0.1), r"sets both `step` .* and `q`"),
        (lambda: Normal("z", 0, 0), r"`sigma` must be > 0 for parameter 'z'"),
        (lambda: Normal("z", 0, 1, q=-1), r"`q` must be > 0 for parameter 'z'"),
        (lambda: Float("x", 0, 1, default=2), r"`default` of parameter 'x' must be a possible"),
        (lambda: Int("n", 0, 10, step=5, default=3), r"`default` of parameter 'n'"),
        (
            lambda: Float("x", 0, 1, sampling="cubic"),
            r"`sampling` must be one of linear, log, reverse_log",
        ),
        (lambda: Float("x", "0", 1), r"`low` must be a number for parameter 'x'"),
        (lambda: Float("x", 0, math.inf), r"`high` must be finite"),
        (lambda: Boolean("b", default=1), r"`default` of boolean 'b' must be True or False"),
        (lambda: Fixed("f", {1, 2}), r"must be a JSON value"),
        (lambda: Int("", 0, 1), r"`name` must be a non-empty str"),
        (lambda: Choice("c", [{"_name": "x"}]), r"a dict with a '_name' key"),
        (lambda: Choice("c", ["a"], subspaces=["b"]), r"`subspaces` of choice 'c' must be one"),
        (
            lambda: Int("n", 0, 1, condition="model"),
            r"`condition` of parameter 'n' must be a Condition",
        ),
        (lambda: Condition("model", []), r"needs at least one value"),
    ],
)
def test_invalid_definitions_raise_naming_the_parameter_and_the_fix(build, message):
    with pytest.raises(SearchSpaceError, match=message):
        build()


def test_search_space_error_is_a_value_error():
    with pytest.raises(ValueError, match="Swap them"):
        Int("n", 3, 2)


# -- defaults and normalisation ------------------------------------------------------------
def test_defaults_follow_keras_tuner():
    assert Int("n", 3, 9).default == 3
    assert Float("x", 0.5, 2).default == 0.5
    assert Choice("act", ["relu", "tanh"]).default == "relu"
    assert Boolean("b").default is False
    assert Fixed("f", [1, 2]).default == [1, 2]
    assert Normal("z", 2.0, 1.0).default == 2.0
    assert Normal("z", 2.0, 1.0, log=True).default == math.exp(2.0)
    assert Normal("z", 0.2, 1.0, q=0.5).default == 0.0  # quantised, so it is a possible value


def test_explicit_defaults_are_kept_in_canonical_form():
    assert Int("n", 0, 10, default=4.0).default == 4
    assert type(Int("n", 0, 10, default=4.0).default) is int
    assert Float("x", 0, 1, default=1).default == 1.0
    assert Choice("c", [None, "a"], default=None).default is None
    assert Choice("c", ["a", None], default=None).default is None  # None is a real value


def test_default_of_a_grid_that_misses_low_is_the_smallest_reachable_value():
    assert Float("x", 1.6, 5, q=1).default == 2.0
    assert Int("n", 1, 100, step=2, sampling="reverse_log").default == 37


def test_ordered_defaults_to_true_only_for_numbers():
    assert Choice("c", [1, 2.5]).ordered is True
    assert Choice("c", ["a", "b"]).ordered is False
    assert Choice("c", [True, False]).ordered is False  # bools are not numbers here
    assert Choice("c", [1, "a"]).ordered is False
    assert Choice("c", ["a", "b"], ordered=True).ordered is True


def test_sampling_names_are_case_insensitive_like_keras():
    assert Float("x", 1, 10, sampling="LOG").sampling == "log"
    assert Int("n", 1, 10, sampling="Reverse_Log").sampling == "reverse_log"


def test_values_are_stored_as_plain_json():
    choice = Choice("shape", [(3, 3), np.int64(5)])
    assert choice.values == ([3, 3], 5)
    assert type(choice.values[1]) is int
    assert Float("x", np.float32(0.5), 1).low == 0.5


def test_bounds_keep_the_type_they_were_given():
    assert type(Float("x", 0, 1).low) is int
    assert type(Float("x", 0.0, 1).low) is float


# -- plain values, contains, canonical --------------------------------------------------------
@pytest.mark.parametrize(
    ("param", "kind"),
    [
        (Int("n", 0, 10), int),
        (Int("n", 1, 1000, sampling="log"), int),
        (Int("n", 8, 64, step=8), int),
        (Float("x", 0, 1), float),
        (Float("x", 0, 10, q=1), float),
        (Float("x", 1, 100, step=10, sampling="log"), float),
        (Normal("z", 0, 1), float),
        (Normal("z", 0, 1, q=1, log=True), float),
        (Boolean("b"), bool),
    ],
)
def test_samples_are_plain_python_values(param, kind):
    for value in draws(param, n=50):
        assert type(value) is kind
        assert param.contains(value)


def test_choice_returns_the_value_itself_as_a_copy():
    choice = Choice("cfg", [{"layers": [1, 2]}, [3, 4], None])
    rng = np.random.default_rng(0)
    seen = [choice.sample(rng) for _ in range(60)]
    assert {"layers": [1, 2]} in seen and [3, 4] in seen and None in seen
    first = next(v for v in seen if isinstance(v, dict))
    first["layers"].append(99)
    assert choice.values[0] == {"layers": [1, 2]}


def test_contains_checks_type_range_and_grid():
    assert Int("n", 0, 10).contains(3.0)
    assert not Int("n", 0, 10).contains(3.5)
    assert not Int("n", 0, 10).contains(True)
    assert not Int("n", 0, 10).contains(11)
    assert not Int("n", 0, 10, step=5).contains(3)
    assert Float("x", 0, 1).contains(1)
    assert not Float("x", 0, 1).contains(float("nan"))
    assert Float("x", 0, 1, step=0.1).contains(0.3)
    assert not Float("x", 0, 1, step=0.1).contains(0.35)
    assert not Float("x", 1, 10, q=3).contains(10)  # round(10/3)*3 = 9: 10 is unreachable
    assert Choice("c", [1, "a"]).contains(1.0)
    assert not Choice("c", [1, "a"]).contains(True)
    assert Fixed("f", {"a": 1}).contains({"a": 1.0})
    assert not Normal("z", 0, 1, log=True).contains(-1.0)


def test_canonical_gives_the_exact_sampled_form():
    assert Float("x", 0, 1, step=0.1).canonical(0.3) == 0.1 * 3
    assert Float("x", 0, 1, q=0.1).canonical(0.3) == round(0.3 / 0.1) * 0.1
    assert type(Int("n", 0, 9).canonical(4.0)) is int
    assert Normal("z", 0, 1, q=0.5).canonical(1.5) == 1.5
    with pytest.raises(
        SearchSpaceError, match=r"value 11 is not a possible value of parameter 'n'"
    ):
        Int("n", 0, 10).canonical(11)
    with pytest.raises(SearchSpaceError, match=r"is not one of the values of choice 'c'"):
        Choice("c", ["a"]).canonical("b")


# -- grids and sizes ---------------------------------------------------------------------------
def test_grid_values_and_size_of_finite_kinds():
    assert Int("n", 3, 6).grid_values() == (3, 4, 5, 6)
    assert Int("n", 32, 128, step=32).grid_values() == (32, 64, 96, 128)
    assert Int("n", 32, 130, step=32).size == 4
    assert Int("n", 1, 100, step=2, sampling="log").grid_values() == (1, 2, 4, 8, 16, 32, 64)
    reverse = Int("n", 1, 100, step=2, sampling="reverse_log").grid_values()
    assert reverse == (37, 69, 85, 93, 97, 99, 100)  # 101 - 2**k: dense near high
    assert Float("x", 0, 1, step=0.25).grid_values() == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert Float("x", 0, 1, step=0.1).size == 11  # 1 // 0.1 would say 9 + 1: the grid keeps 1.0
    assert Float("x", 1e-3, 1, step=10, sampling="log").size == 4
    assert Float("x", 1, 10, q=3).grid_values() == (1.0, 3.0, 6.0, 9.0)
    assert Float("x", 0, 10, q=2.5).grid_values() == (0.0, 2.5, 5.0, 7.5, 10.0)
    assert Float("x", 2, 10, q=5).grid_values() == (2.0, 5.0, 10.0)  # NNI's documented example
    assert Boolean("b").grid_values() == (False, True)
    assert Fixed("f", "x").size == 1
    assert Choice("c", ["a", "b", "c"]).size == 3


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            Float("lr", 0, 1),
            r"parameter 'lr' is a continuous float; grid search needs `q` or `step`",
        ),
        (Normal("z", 0, 1), r"parameter 'z' is a normal distribution with unbounded support"),
        (Normal("z", 0, 1, log=True, q=1), r"parameter 'z' is a lognormal distribution"),
    ],
)
def test_continuous_kinds_have_no_grid(param, message):
    assert param.size == math.inf and not param.is_finite
    with pytest.raises(SearchSpaceError, match=message):
        param.grid_values()


@pytest.mark.parametrize(
    "param",
    [
        Int("n", 0, 10),
        Int("n", 2, 64, step=2, sampling="log", default=8),
        Float("x", 1e-3, 1, sampling="reverse_log"),
        Float("x", 0, 1, q=0.1, condition=Condition("m", ["a", "b"])),
        Normal("z", 1, 2, q=0.5, log=True),
        Choice("c", [1, "a", {"b": [1]}], ordered=True, default="a"),
        Choice("c", ["Conv", "Pool", 3], subspaces=["Conv"]),
        Boolean("b", default=True),
        Fixed("f", {"k": [1, 2]}),
    ],
)
def test_to_dict_is_lossless(param):
    data = param.to_dict()
    kind = {c.kind: c for c in (Int, Float, Normal, Choice, Boolean, Fixed)}[data.pop("kind")]
    assert kind(**data) == param
    assert repr(param).startswith(type(param).__name__ + "(")


# -- distributions of the NNI types --------------------------------------------------------------
def test_randint_is_uniform_and_never_returns_upper():
    param = Int("seed", 0, 4)  # NNI randint [0, 5)
    samples = draws(param)
    assert 5 not in samples
    assert_frequencies(samples, {k: 0.2 for k in range(5)})


def test_uniform_is_uniform_on_low_high():
    samples = draws(Float("x", -2, 3))
    assert min(samples) >= -2 and max(samples) <= 3
    assert stats.kstest(samples, stats.uniform(-2, 5).cdf).pvalue > ALPHA


def test_quniform_values_and_clipped_endpoint_masses():
    # clip(round(uniform(1, 10) / 3) * 3, 1, 10): x in [1, 1.5) -> 0 -> clipped to 1;
    # [1.5, 4.5) -> 3; [4.5, 7.5) -> 6; [7.5, 10) -> 9. 10 itself is never reached.
    samples = draws(Float("x", 1, 10, q=3))
    assert set(samples) == {1.0, 3.0, 6.0, 9.0}
    assert_frequencies(samples, {1.0: 0.5 / 9, 3.0: 3 / 9, 6.0: 3 / 9, 9.0: 2.5 / 9})


def test_quniform_reaches_a_clipped_high_endpoint():
    # clip(round(uniform(0, 11) / 4) * 4, 0, 11): [0,2) -> 0, [2,6) -> 4, [6,10) -> 8 and
    # [10,11) -> 12, clipped to 11: high is reached when rounding passes it.
    samples = draws(Float("x", 0, 11, q=4))
    assert_frequencies(samples, {0.0: 2 / 11, 4.0: 4 / 11, 8.0: 4 / 11, 11.0: 1 / 11})


def test_loguniform_has_a_uniform_logarithm():
    samples = draws(Float("lr", 1e-4, 1e-1, sampling="log"))
    assert min(samples) >= 1e-4 and max(samples) <= 1e-1
    logs = np.log(samples)
    dist = stats.uniform(math.log(1e-4), math.log(1e-1) - math.log(1e-4))
    assert stats.kstest(logs, dist.cdf).pvalue > ALPHA


def test_qloguniform_masses_follow_the_formula():
    low, high, q = 1, 100, 20
    samples = draws(Float("x", low, high, q=q, sampling="log"))

    # P(round(X / q) * q == k*q) for X log-uniform: the log-measure of [(k-.5)q, (k+.5)q).
    def cdf(x):
        x = min(max(x, low), high)
        return math.log(x / low) / math.log(high / low)

    expected = {}
    for k in range(6):
        value = float(min(max(k * q, low), high))
        mass = cdf((k + 0.5) * q) - cdf((k - 0.5) * q)
        expected[value] = expected.get(value, 0.0) + mass
    assert set(samples) == {1.0, 20.0, 40.0, 60.0, 80.0, 100.0}
    assert_frequencies(samples, expected)


def test_normal_matches_mu_and_sigma():
    samples = draws(Normal("z", 3.0, 2.0))
    assert stats.kstest(samples, stats.norm(3.0, 2.0).cdf).pvalue > ALPHA
    assert abs(np.mean(samples) - 3.0) < 0.05 and abs(np.std(samples) - 2.0) < 0.05


def test_qnormal_is_normal_rounded_to_multiples_of_q():
    mu, sigma, q = 0.0, 1.0, 0.5
    samples = draws(Normal("z", mu, sigma, q=q))
    assert all(math.isclose(v / q, round(v / q)) for v in samples)
    ks = sorted({round(v / q) for v in samples})
    norm = stats.norm(mu, sigma)
    # round-half-even only matters on a measure-zero set, so each k gets [k-.5, k+.5) * q
    expected = {k * q: norm.cdf((k + 0.5) * q) - norm.cdf((k - 0.5) * q) for k in ks}
    rest = 1.0 - sum(expected.values())
    expected[min(expected)] += rest  # the far tails, never drawn, pooled into one cell
    assert_frequencies(samples, expected)


def test_lognormal_has_a_normal_logarithm():
    samples = draws(Normal("z", 1.0, 0.5, log=True))
    assert min(samples) > 0
    assert stats.kstest(np.log(samples), stats.norm(1.0, 0.5).cdf).pvalue > ALPHA


def test_qlognormal_is_lognormal_rounded_to_multiples_of_q():
    mu, sigma, q = 1.0, 0.5, 1.0
    samples = draws(Normal("z", mu, sigma, q=q, log=True))
    assert all(v == round(v) and v >= 0 for v in samples)
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    ks = range(int(max(samples)) + 1)
    expected = {float(k): dist.cdf((k + 0.5) * q) - dist.cdf(max(k - 0.5, 0) * q) for k in ks}
    expected[max(expected)] += 1.0 - sum(expected.values())
    assert_frequencies(samples, expected)


# -- distributions of the Keras kinds -------------------------------------------------------------
def test_int_step_grid_is_uniform():
    samples = draws(Int("units", 32, 128, step=32))
    assert_frequencies(samples, {v: 0.25 for v in (32, 64, 96, 128)})


def test_int_log_without_step_floors_a_loguniform_on_low_to_high_plus_one():
    low, high = 1, 8
    samples = draws(Int("n", low, high, sampling="log"))
    span = math.log((high + 1) / low)
    assert_frequencies(samples, {k: math.log((k + 1) / k) / span for k in range(low, high + 1)})


def test_float_log_step_grid_is_uniform():
    samples = draws(Float("lr", 1e-4, 1e-1, step=10, sampling="log"))
    expected = {1e-4 * 10**k: 0.25 for k in range(4)}
    assert set(samples) == set(expected)
    assert_frequencies(samples, expected)


def test_reverse_log_mirrors_a_loguniform_towards_high():
    low, high = 0.01, 1.0
    samples = draws(Float("beta", low, high, sampling="reverse_log"))

    # X = high + low - Y with Y log-uniform on [low, high]
    def cdf(x):
        y = np.clip(high + low - np.asarray(x), low, high)
        return 1.0 - np.log(y / low) / math.log(high / low)

    assert stats.kstest(samples, cdf).pvalue > ALPHA
    assert np.median(samples) > 0.85  # dense near high


def test_boolean_and_choice_are_uniform():
    assert_frequencies(draws(Boolean("b")), {False: 0.5, True: 0.5})
    assert_frequencies(draws(Choice("c", ["a", "b", "c"])), {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_fixed_always_returns_its_value():
    assert set(map(str, draws(Fixed("f", {"a": 1}), n=10))) == {"{'a': 1}"}
