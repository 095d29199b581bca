"""SPOS, single-path one-shot search (Guo et al., "Single Path One-Shot Neural
Architecture Search with Uniform Sampling", ECCV 2020): every training step runs one
architecture drawn uniformly at random on the shared weights, so all of them train about
equally; afterwards a tuner (regularized evolution by default) searches the trained
supernet, scoring each architecture it proposes on the shared weights with its own
batch-norm statistics. `RandomOneShot` is the same with random search at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, SearchSpaceExhausted
from ..tuners import create
from ._model_space import Architecture
from ._oneshot import OneShotStrategy, step_stats
from ._shared import SharedSupernet
from ._strategies import Strategy, as_strategy
from ._training import Classification


class SPOS(OneShotStrategy):
    """Uniform single-path supernet training, then a search over the trained supernet.

    Args:
        search: the strategy of the search over the trained supernet: a tuner name or a
            multi-trial `Strategy` (``RegularizedEvolution()`` by default).
        search_trials: architectures it scores on the supernet.
        bn_batches, eval_batches: see `OneShotStrategy`.
    """

    name = "spos"

    def __init__(self, *, search: str | Strategy | None = None, search_trials: int = 100,
                 bn_batches: int = 10, eval_batches: int | None = None) -> None:
        super().__init__(bn_batches=bn_batches, eval_batches=eval_batches)
        if isinstance(search_trials, bool) or not isinstance(search_trials, int) \
                or search_trials < 1:
            raise ConfigError(f"`search_trials` of SPOS must be a whole number >= 1, but got "
                              f"{search_trials!r}.")
        self.search_strategy = as_strategy(search) if search is not None else Strategy(
            "evolution", {"population_size": 20, "sample_size": 5})
        self.search_trials = search_trials

    def train_step(self, net: SharedSupernet, x: Any, y: torch.Tensor,
                   optimizer: torch.optim.Optimizer, training: Classification,
                   rng: np.random.Generator) -> tuple[float, float]:
        net.use(net.sample(rng))
        optimizer.zero_grad(set_to_none=True)
        logits = net(x)
        loss = training.loss(logits, y)
        loss.backward()
        optimizer.step()
        return step_stats(loss, logits, y)

    def export(self, net: SharedSupernet, training: Classification, rng: np.random.Generator,
               seed: int) -> tuple[list[tuple[Architecture, float]], dict[str, Any]]:
        tuner = create(self.search_strategy.tuner, net.search_space, seed=seed,
                       **self.search_strategy.options)
        scored: list[tuple[Architecture, float]] = []
        for _ in range(self.search_trials):
            try:
                suggestion = tuner.ask()
            except SearchSpaceExhausted:
                break  # a small space, every architecture scored
            value = self.score(net, suggestion.params, training)
            tuner.tell(suggestion.id, value)
            scored.append((dict(net.arch), value))
        return scored, {"search": self.search_strategy.tuner}


def RandomOneShot(*, search_trials: int = 100, bn_batches: int = 10,
                  eval_batches: int | None = None) -> SPOS:
    """SPOS with random search over the trained supernet (NNI's ``RandomOneShot``)."""
    return SPOS(search="random", search_trials=search_trials, bn_batches=bn_batches,
                eval_batches=eval_batches)
