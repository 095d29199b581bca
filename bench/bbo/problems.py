"""The benchmark problems: synthetic test functions, mixed and conditional spaces.

Every problem is a hyperscout search space in NNI's search_space.json form plus an objective
that takes the params a trial sees (nested choices resolved to ``{"_name": ..., child: ...}``)
and returns a loss to minimise. `optimum` is the known minimum; the real tuning tasks of
`tasks_sklearn` have none (None), and the report uses the best value any tuner found instead.

The test functions and their constants follow the usual definitions (Surjanovic & Bingham's
Virtual Library of Simulation Experiments; Jamil & Yang, "A literature survey of benchmark
functions for global optimization problems", 2013). The rotated variants follow the idea of
the COCO/BBOB suite (Hansen et al., 2009): the same function seen through a fixed random
rotation around a shifted optimum, so that a tuner cannot profit from axis-aligned structure
or an optimum at the centre of the box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Objective = Callable[[Mapping[str, Any]], float]


@dataclass(frozen=True)
class Problem:
    """A search space (NNI form), a loss to minimise over it, and its known minimum.

    Attributes:
        name: Unique, used in the cache and the report ("ackley-5-rotated").
        space: NNI search_space.json dict.
        objective: params -> loss.
        optimum: The minimum of the loss, or None when unknown (real tasks).
        kind: "synthetic", "mixed", "conditional" or "real".
    """

    name: str
    space: dict[str, Any]
    objective: Objective
    optimum: float | None
    kind: str

    def __call__(self, params: Mapping[str, Any]) -> float:
        return float(self.objective(params))

    @property
    def n_dims(self) -> int:
        return len(self.space)


# -- test functions on a vector x (shape (d,)) ---------------------------------------------
def branin(x: np.ndarray) -> float:
    x1, x2 = x
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                         [381, 5743, 8828]])  # fmt: skip
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])  # fmt: skip
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])  # fmt: skip
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann(x: np.ndarray) -> float:
    """Hartmann's 3-D or 6-D function, picked by len(x)."""
    a, p = (_H3_A, _H3_P) if len(x) == 3 else (_H6_A, _H6_P)
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (x[:-1] - 1) ** 2))


def ackley(x: np.ndarray) -> float:
    mean_sq, mean_cos = np.mean(x**2), np.mean(np.cos(2 * math.pi * x))
    return float(-20 * math.exp(-0.2 * math.sqrt(mean_sq)) - math.exp(mean_cos) + 20 + math.e)


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    body = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + np.sin(2 * math.pi * w[-1]) ** 2)
    return float(np.sin(math.pi * w[0]) ** 2 + body + tail)


def styblinski_tang(x: np.ndarray) -> float:
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def michalewicz(x: np.ndarray, m: int = 10) -> float:
    i = np.arange(1, len(x) + 1)
    return float(-np.sum(np.sin(x) * np.sin(i * x**2 / math.pi) ** (2 * m)))


# name -> (function, box per coordinate, the argmin (None: not needed), minimum by dimension)
_STB_MIN = -39.16616570377142  # per dimension, at x_i = -2.903534
FUNCTIONS: dict[
    str, tuple[Callable[[np.ndarray], float], tuple[float, float], Any, dict[int, float]]
] = {
    "rosenbrock": (rosenbrock, (-5.0, 10.0), 1.0, {5: 0.0, 10: 0.0}),
    "ackley": (ackley, (-32.768, 32.768), 0.0, {5: 0.0, 10: 0.0}),
    "levy": (levy, (-10.0, 10.0), 1.0, {5: 0.0, 10: 0.0}),
    "styblinski-tang": (
        styblinski_tang,
        (-5.0, 5.0),
        -2.903534,
        {5: 5 * _STB_MIN, 10: 10 * _STB_MIN},
    ),
    "michalewicz": (michalewicz, (0.0, math.pi), None, {5: -4.687658, 10: -9.66015}),
}
DIMENSIONS = (5, 10)
ROTATED = ("rosenbrock", "ackley")  # at the lower dimensionality
ROTATION_SEED = 20261123


def _box_space(bounds: list[tuple[float, float]]) -> dict[str, Any]:
    return {f"x{i}": {"_type": "uniform", "_value": [lo, hi]} for i, (lo, hi) in enumerate(bounds)}


def _vector_objective(f: Callable[[np.ndarray], float], d: int) -> Objective:
    names = [f"x{i}" for i in range(d)]
    return lambda params: f(np.array([params[n] for n in names], dtype=float))


def box_problem(
    name: str, f: Callable[[np.ndarray], float], bounds: list[tuple[float, float]], optimum: float
) -> Problem:
    """A continuous problem on a box, one `uniform` parameter x0, x1, ... per coordinate."""
    return Problem(
        name, _box_space(bounds), _vector_objective(f, len(bounds)), optimum, "synthetic"
    )


def rotated(base: str, d: int, *, seed: int = ROTATION_SEED) -> Problem:
    """`base` at dimension `d` composed with a fixed random rotation about a shifted optimum.

    f_rot(x) = f(R (x - o) + x*): R is a random orthogonal matrix, o a random point in the
    middle 60% of the box, x* the argmin of f. So f_rot has the minimum of f, at o.
    """
    f, (lo, hi), argmin, minima = FUNCTIONS[base]
    rng = np.random.default_rng([seed, d, len(base)])
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    rotation = q * np.sign(np.diag(r))  # uniform over orthogonal matrices (Mezzadri, 2007)
    margin = 0.2 * (hi - lo)
    shift = rng.uniform(lo + margin, hi - margin, size=d)

    def f_rot(x: np.ndarray) -> float:
        return f(rotation @ (x - shift) + argmin)

    return box_problem(f"{base}-{d}-rotated", f_rot, [(lo, hi)] * d, minima[d])


# -- mixed spaces --------------------------------------------------------------------------
_SPHERE_INT_SHIFT = (3, -2, 7, 0)
_SPHERE_FLOAT_SHIFT = (1.5, -2.5)
_SPHERE_OFFSET = {"a": 2.0, "b": 0.0, "c": 1.0, "d": 3.0}


def _mixed_sphere(params: Mapping[str, Any]) -> float:
    ints = sum((params[f"i{k}"] - s) ** 2 for k, s in enumerate(_SPHERE_INT_SHIFT)) / 10
    floats = sum((params[f"x{k}"] - c) ** 2 for k, c in enumerate(_SPHERE_FLOAT_SHIFT))
    return ints + floats + 10 * (params["q"] - 0.35) ** 2 + _SPHERE_OFFSET[params["offset"]]


MIXED_SPHERE_SPACE: dict[str, Any] = {
    **{f"i{k}": {"_type": "randint", "_value": [-10, 11]} for k in range(4)},
    **{f"x{k}": {"_type": "uniform", "_value": [-5, 5]} for k in range(2)},
    "q": {"_type": "quniform", "_value": [0, 1, 0.05]},
    "offset": {"_type": "choice", "_value": list(_SPHERE_OFFSET)},
}

_ACTIVATION_PENALTY = {"relu": 0.0, "tanh": 0.15, "sigmoid": 0.6}


def _mixed_hpo(params: Mapping[str, Any]) -> float:
    """A made-up training loss with interactions: the best lr and dropout depend on layers."""
    layers = params["layers"]
    lr_term = 0.5 * (math.log10(params["lr"]) + 3 + 0.3 * (layers - 4)) ** 2
    batch_term = 0.1 * (math.log2(params["batch_size"]) - 6) ** 2
    dropout_term = 4 * (params["dropout"] - 0.1 * layers) ** 2
    rest = 0.05 * (layers - 4) ** 2 + 2 * (params["momentum"] - 0.9) ** 2
    return lr_term + batch_term + dropout_term + rest + _ACTIVATION_PENALTY[params["activation"]]


MIXED_HPO_SPACE: dict[str, Any] = {  # also the 6-D space of the timing mode
    "lr": {"_type": "loguniform", "_value": [1e-5, 1e-1]},
    "layers": {"_type": "randint", "_value": [1, 7]},
    "batch_size": {"_type": "choice", "_value": [16, 32, 64, 128, 256]},
    "dropout": {"_type": "quniform", "_value": [0, 0.5, 0.05]},
    "activation": {"_type": "choice", "_value": list(_ACTIVATION_PENALTY)},
    "momentum": {"_type": "uniform", "_value": [0, 0.99]},
}


# -- a conditional space -------------------------------------------------------------------
def _conditional(params: Mapping[str, Any]) -> float:
    """Three branches with their own sub-parameters; the best one (branin) is not the one
    that random search finds good values in most easily (tuned)."""
    model, shared = params["model"], (params["scale"] - 0.3) ** 2
    if model["_name"] == "branin":
        return branin(np.array([model["x1"], model["x2"]])) + shared
    if model["_name"] == "rosenbrock":
        return 1.0 + rosenbrock(np.array([model[f"u{k}"] for k in range(3)])) / 50 + shared
    return 0.6 + (math.log10(model["lr"]) + 3) ** 2 / 4 + abs(model["k"] - 7) / 10 + shared


CONDITIONAL_SPACE: dict[str, Any] = {
    "scale": {"_type": "uniform", "_value": [0, 1]},
    "model": {
        "_type": "choice",
        "_value": [
            {
                "_name": "branin",
                "x1": {"_type": "uniform", "_value": [-5, 10]},
                "x2": {"_type": "uniform", "_value": [0, 15]},
            },
            {
                "_name": "rosenbrock",
                **{f"u{k}": {"_type": "uniform", "_value": [-2, 2]} for k in range(3)},
            },
            {
                "_name": "tuned",
                "lr": {"_type": "loguniform", "_value": [1e-5, 1]},
                "k": {"_type": "quniform", "_value": [1, 10, 1]},
            },
        ],
    },
}
BRANIN_MIN = 0.397887357729738


def synthetic_problems() -> list[Problem]:
    """Every problem with a known optimum, in report order."""
    problems = [
        box_problem("branin", branin, [(-5.0, 10.0), (0.0, 15.0)], BRANIN_MIN),
        box_problem("hartmann3", hartmann, [(0.0, 1.0)] * 3, -3.86278214782076),
        box_problem("hartmann6", hartmann, [(0.0, 1.0)] * 6, -3.32236801141551),
    ]
    for base, (f, box, _, minima) in FUNCTIONS.items():
        problems += [box_problem(f"{base}-{d}", f, [box] * d, minima[d]) for d in DIMENSIONS]
    problems += [rotated(base, DIMENSIONS[0]) for base in ROTATED]
    problems += [
        Problem("mixed-sphere", MIXED_SPHERE_SPACE, _mixed_sphere, 0.0, "mixed"),
        Problem("mixed-hpo", MIXED_HPO_SPACE, _mixed_hpo, 0.0, "mixed"),
        Problem("conditional", CONDITIONAL_SPACE, _conditional, BRANIN_MIN, "conditional"),
    ]
    return problems
