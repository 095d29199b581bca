"""Multi-trial strategies: each architecture is one trial of an ordinary experiment, and
the strategy is the tuner that proposes the next one from the results so far.

The names follow NNI's ``nni.nas.strategy`` so its users find them; each is a tuner of
`hyperscout.tuners` working on the model space's search space (a space of choices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class Strategy:
    """A multi-trial strategy: the tuner `name` with its `options`.

    Any tuner name works (``"tpe"``, ``"gp"``, ``"rl"``, ``"evolution"``, ``"random"``,
    ``"grid"``, or ``"package.module:Class"``); the classes below spell the usual ones.
    """

    tuner: str
    options: dict[str, Any] = field(default_factory=dict)


def Random() -> Strategy:
    """Architectures drawn uniformly at random."""
    return Strategy("random")


def GridSearch() -> Strategy:
    """Every architecture, in order (finite spaces only)."""
    return Strategy("grid")


def RegularizedEvolution(*, population_size: int = 20, sample_size: int = 5,
                         ) -> Strategy:
    """Aging evolution (Real et al., 2019): mutate the best of a random sample of the
    latest `population_size` architectures in one decision; the oldest dies."""
    return Strategy("evolution", {"population_size": population_size,
                                  "sample_size": sample_size})


def TPE(**options: Any) -> Strategy:
    """The tree-structured Parzen estimator on the space's encoding (options of
    `TPETuner`)."""
    return Strategy("tpe", options)


def GP(**options: Any) -> Strategy:
    """Gaussian-process Bayesian optimisation on the space's encoding (options of
    `GPTuner`)."""
    return Strategy("gp", options)


def PolicyBasedRL(**options: Any) -> Strategy:
    """An LSTM controller trained with REINFORCE (Zoph & Le, 2017); options of `RLTuner`
    (``hidden_size``, ``learning_rate``, ``entropy_weight``, ``baseline_decay``, ...)."""
    return Strategy("rl", options)


def as_strategy(strategy: Any) -> Strategy:
    """A `Strategy` from a tuner name or a `Strategy`; the name itself is checked where
    every tuner name is, when the experiment is built."""
    if isinstance(strategy, Strategy):
        return strategy
    if isinstance(strategy, str):
        return Strategy(strategy)
    raise ConfigError(
        f"`strategy` must be a tuner name or a Strategy (for example "
        f"hyperscout.nas.RegularizedEvolution()), but got {strategy!r}.")
