"""Search spaces the tuner tests share: each stresses one part of the contract."""

from __future__ import annotations

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


def mixed() -> SearchSpace:
    """Every kind of parameter, continuous ones included (infinite)."""
    return SearchSpace(
        [
            Float("lr", 1e-4, 1e-1, sampling="log"),
            Int("layers", 1, 4),
            Choice("activation", ["relu", "tanh", "gelu"]),
            Boolean("batch_norm"),
            Normal("init_scale", 1.0, 0.1),
            Fixed("epochs", 3),
        ]
    )


def mixed_finite() -> SearchSpace:
    """Every discrete kind: 5 * 3 * 3 * 2 * 1 = 90 configs."""
    return SearchSpace(
        [
            Float("dropout", 0.0, 0.5, step=0.125),
            Int("layers", 1, 3),
            Choice("activation", ["relu", "tanh", "gelu"]),
            Boolean("batch_norm"),
            Fixed("epochs", 3),
        ]
    )


def conditional(*, finite: bool = True) -> SearchSpace:
    """Conditions three deep: model -> optimizer -> momentum -> nesterov (9 configs if finite)."""
    params = [
        Choice("model", ["linear", "tree"]),
        Int("depth", 1, 5, condition=Condition("model", ("tree",))),
        Choice("optimizer", ["sgd", "adam"], condition=Condition("model", ("linear",))),
        Choice("momentum", [0.0, 0.9], condition=Condition("optimizer", ("sgd",))),
        Boolean("nesterov", condition=Condition("momentum", (0.9,))),
    ]
    if not finite:
        params.append(
            Float("lr", 1e-4, 1.0, sampling="log", condition=Condition("optimizer", ("adam",)))
        )
    return SearchSpace(params)


def nni_nested(*, finite: bool = True) -> SearchSpace:
    """NNI's nested choice: (1 + 3 + 2) * 2 = 12 configs if finite."""
    pool = (
        {"_type": "choice", "_value": [2, 3]}
        if finite
        else {"_type": "uniform", "_value": [1.0, 4.0]}
    )
    return as_space(
        {
            "layer0": {
                "_type": "choice",
                "_value": [
                    {"_name": "Empty"},
                    {"_name": "Conv", "kernel_size": {"_type": "choice", "_value": [1, 2, 3]}},
                    {"_name": "Max_pool", "pooling_size": pool},
                ],
            },
            "lr": {"_type": "choice", "_value": [0.1, 0.01]},
        }
    )


def tiny() -> SearchSpace:
    """Three configs: exhausts in three asks."""
    return as_space({"k": {"_type": "choice", "_value": [1, 2, 3]}})


FINITE = {
    "mixed_finite": mixed_finite,
    "conditional": conditional,
    "nni_nested": nni_nested,
    "tiny": tiny,
}
INFINITE = {
    "mixed": mixed,
    "conditional_continuous": lambda: conditional(finite=False),
    "nni_nested_continuous": lambda: nni_nested(finite=False),
}
