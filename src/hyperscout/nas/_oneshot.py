"""One-shot search: train one weight-sharing supernet instead of one model per
architecture, then read the best architecture off it.

`OneShotStrategy` runs the part every one-shot method shares: the supernet of the space
(`SharedSupernet`), its training loop over a `Classification` setup's data and optimiser,
a checkpoint after every epoch (a search killed mid-way resumes from the last one and
loses at most an epoch), scoring an architecture on the trained weights (batch-norm
statistics recalibrated for it first), and the `OneShotResult`. The strategies (`SPOS`,
`DARTS`, `ENAS`) say what one training step does, what an epoch reports, and how the
architecture is chosen at the end.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError
from ._model_space import Architecture, ModelSpace
from ._shared import SharedSupernet
from ._training import Classification

CHECKPOINT_VERSION = 2


@dataclass
class Retrained:
    """A model trained from scratch on an architecture, and its scores."""

    model: nn.Module
    architecture: Architecture
    val_accuracy: float
    test_accuracy: float | None
    seconds: float


@dataclass
class OneShotResult:
    """What a one-shot search found.

    `best_value` is the architecture's validation accuracy on the supernet's shared
    weights (a ranking signal, lower than the accuracy it reaches trained alone);
    `history` has one row per epoch; `candidates` the architectures scored at the end;
    `experiment_id` the experiment `nas.search` recorded it as (None from
    `OneShotStrategy.search` itself). `retrain()` trains the best architecture from
    scratch: the number to report."""

    strategy: str
    space: ModelSpace
    training: Classification
    best_architecture: Architecture
    best_value: float
    history: list[dict[str, Any]]
    candidates: list[tuple[Architecture, float]]
    seconds: float
    supernet: SharedSupernet
    details: dict[str, Any] = field(default_factory=dict)
    experiment_id: str | None = None

    def best_model(self) -> nn.Module:
        """The frozen best architecture with fresh weights."""
        return self.space.freeze(self.best_architecture)

    def retrain(self, evaluate: Any = None, *, seed: int = 0) -> Retrained:
        """Train the best architecture from scratch with `evaluate` (a `Classification`;
        the search's own by default) and score it on its validation and test data."""
        return retrain(self.space, self.best_architecture, evaluate or self.training, seed=seed)


def retrain(space: ModelSpace, arch: Mapping[str, Any], evaluate: Any, *,
            seed: int = 0) -> Retrained:
    """Freeze `arch` with fresh weights (seeded), train it with `evaluate` and score it."""
    torch.manual_seed(seed)
    started = time.perf_counter()
    model = space.freeze(arch)
    if isinstance(evaluate, Classification):
        value = evaluate.fit(model)
        test = evaluate.score(model, evaluate.test_data) if evaluate.test_data is not None \
            else None
    elif callable(evaluate):
        from ._search import _takes_two

        value = evaluate(model, dict(arch)) if _takes_two(evaluate) else evaluate(model)
        test = None
    else:
        raise ConfigError(
            f"`evaluate` must be a nas.Classification or a function of the model, but got "
            f"{evaluate!r}.")
    return Retrained(model, dict(arch), float(value) if value is not None else float("nan"),
                     test, time.perf_counter() - started)


class OneShotStrategy(ABC):
    """The shared machinery of one-shot strategies (see the module docstring).

    Args:
        bn_batches: training batches each architecture's batch-norm statistics are
            measured on before it is scored on the supernet.
        eval_batches: validation batches an architecture is scored on (all when None).
    """

    name = "oneshot"

    def __init__(self, *, bn_batches: int = 10, eval_batches: int | None = None) -> None:
        for key, value in (("bn_batches", bn_batches), ("eval_batches", eval_batches)):
            if value is None and key == "eval_batches":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"`{key}` of {type(self).__name__} must be a whole number "
                                  f">= 0, but got {value!r}.")
        self.bn_batches, self.eval_batches = bn_batches, eval_batches
        self._check_stop: Callable[[], None] = _nothing  # `search`'s check_stop

    # -- what a strategy defines -----------------------------------------------------------
    def prepare(self, net: SharedSupernet, training: Classification,
                rng: np.random.Generator) -> None:
        """Build the strategy's own state (architecture weights, a controller)."""

    @abstractmethod
    def train_step(self, net: SharedSupernet, x: Any, y: torch.Tensor,
                   optimizer: torch.optim.Optimizer, training: Classification,
                   rng: np.random.Generator) -> tuple[float, float]:
        """One step on one training batch; the batch's loss and accuracy (`step_stats`)."""

    def end_epoch(self, net: SharedSupernet, training: Classification,
                  rng: np.random.Generator) -> dict[str, Any]:
        """Work done after each epoch (a controller's update); what to report of it."""
        return {}

    @abstractmethod
    def export(self, net: SharedSupernet, training: Classification, rng: np.random.Generator,
               seed: int) -> tuple[list[tuple[Architecture, float]], dict[str, Any]]:
        """The architectures scored to choose the best one, with their scores, and any
        details worth keeping (architecture weights)."""

    def state_dict(self) -> dict[str, Any]:
        """The strategy's state to checkpoint."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` gave."""

    # -- the shared loop -------------------------------------------------------------------
    def search(self, space: ModelSpace, training: Classification, *,
               fixed: Mapping[str, Any] | None = None, seed: int = 0,
               checkpoint: str | os.PathLike[str] | None = None,
               progress: bool | None = None,
               on_epoch: Callable[[dict[str, Any]], None] | None = None,
               check_stop: Callable[[], None] | None = None) -> OneShotResult:
        """Train the supernet of `space` with `training`'s data and optimiser for its
        `epochs`, then choose an architecture.

        Args:
            fixed: decisions held at a value instead of searched (`SharedSupernet`).
            seed: seeds the weights, the batches and the strategy.
            checkpoint: a file saved after every epoch; a search given an existing one
                resumes from it (it must come from the same space and strategy).
            progress: a line per epoch on stderr (default: when stderr is a terminal).
            on_epoch: called with each epoch's history row once it is checkpointed (the
                rows of a resumed checkpoint first); `nas.search` reports them to the store.
            check_stop: called before every training step and every architecture scored;
                an exception it raises ends the search (`nas.search` passes the trial's
                stop check, so a stop acts within a step).
        """
        if not isinstance(space, ModelSpace):
            raise ConfigError(f"`space` must be a hyperscout.nas.ModelSpace, but got {space!r}.")
        if not isinstance(training, Classification):
            raise ConfigError(
                f"one-shot strategies train a supernet, so they need the training setup as "
                f"a hyperscout.nas.Classification(train_data, val_data, ...), but got "
                f"{training!r}.")
        show = sys.stderr.isatty() if progress is None else progress
        self._check_stop = check_stop or _nothing
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        net = SharedSupernet(space, fixed=fixed, device=training.device)
        self.prepare(net, training, rng)
        optimizer = training.make_optimizer(net.parameters())
        schedule = training.make_schedule(optimizer,
                                          training.epochs * training.steps_per_epoch())
        generator = torch.Generator().manual_seed(seed)
        history: list[dict[str, Any]] = []
        path = Path(checkpoint) if checkpoint is not None else None
        if path is not None and path.exists():
            history = self._resume(path, space, net, optimizer, schedule, generator, rng)
        elapsed = history[-1]["seconds"] if history else 0.0
        started = time.perf_counter() - elapsed
        for row in history:
            if on_epoch is not None:
                on_epoch(row)
        for epoch in range(len(history), training.epochs):
            net.train()
            stats = []
            for x, y in self._stepping(training, generator, schedule):
                self._check_stop()
                stats.append(self.train_step(net, x, y, optimizer, training, rng))
            losses, accuracies = zip(*stats) if stats else ((float("nan"),), (float("nan"),))
            row = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
                   "train_accuracy": float(np.mean(accuracies)),
                   **self.end_epoch(net, training, rng)}
            row["seconds"] = time.perf_counter() - started
            history.append(row)
            if show:
                shown = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                 for k, v in row.items())
                print(f"[hyperscout] {self.name} {shown}", file=sys.stderr, flush=True)
            if path is not None:
                self._save(path, space, net, optimizer, schedule, generator, rng, history)
            if on_epoch is not None:
                on_epoch(row)
        candidates, details = self.export(net, training, rng, seed)
        best_arch, best_value = max(candidates, key=lambda c: c[1])
        return OneShotResult(self.name, space, training, dict(best_arch), float(best_value),
                             history, candidates, time.perf_counter() - started, net, details)

    @staticmethod
    def _stepping(training: Classification, generator: torch.Generator,
                  schedule: Any) -> Iterator[tuple[Any, torch.Tensor]]:
        for x, y in training.batches(training.train_data, shuffle=True, generator=generator):
            yield x, y
            schedule.step()

    def score(self, net: SharedSupernet, arch: Mapping[str, Any],
              training: Classification) -> float:
        """The validation accuracy of `arch` on the shared weights, batch-norm statistics
        measured for it on `bn_batches` training batches first."""
        self._check_stop()
        net.use(arch)
        if self.bn_batches:
            net.recalibrate(_first(training.batches(training.train_data), self.bn_batches))
        return training.score(net, max_batches=self.eval_batches)

    # -- checkpoints -----------------------------------------------------------------------
    def _identity(self, space: ModelSpace, net: SharedSupernet) -> dict[str, Any]:
        return {"version": CHECKPOINT_VERSION, "strategy": self.name,
                "space": net.search_space.to_dict()}

    def _save(self, path: Path, space: ModelSpace, net: SharedSupernet,
              optimizer: torch.optim.Optimizer, schedule: Any, generator: torch.Generator,
              rng: np.random.Generator, history: list[dict[str, Any]]) -> None:
        state = {**self._identity(space, net), "weights": net.state_dict(),
                 "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                 "generator": generator.get_state(), "torch_rng": torch.get_rng_state(),
                 "rng": rng.bit_generator.state, "strategy_state": self.state_dict(),
                 "history": history}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        torch.save(state, partial)
        os.replace(partial, path)

    def _resume(self, path: Path, space: ModelSpace, net: SharedSupernet,
                optimizer: torch.optim.Optimizer, schedule: Any, generator: torch.Generator,
                rng: np.random.Generator) -> list[dict[str, Any]]:
        try:
            state = torch.load(path, map_location=_device(net), weights_only=False)
        except Exception as exc:
            raise ConfigError(f"cannot read the one-shot checkpoint {str(path)!r}: {exc}. "
                              "Delete it to start afresh.") from exc
        identity = self._identity(space, net)
        theirs = {k: state.get(k) for k in identity}
        if theirs["version"] != CHECKPOINT_VERSION:
            raise ConfigError(
                f"the one-shot checkpoint {str(path)!r} is of format version "
                f"{theirs['version']!r}, which this hyperscout cannot resume (it writes "
                f"version {CHECKPOINT_VERSION}); delete it to start afresh.")
        if theirs != identity:
            what = [k for k in identity if theirs[k] != identity[k]]
            raise ConfigError(
                f"the one-shot checkpoint {str(path)!r} comes from another search (its "
                f"{', '.join(what)} differ{'s' if len(what) == 1 else ''}: it holds "
                f"{theirs.get('strategy')!r}); give another `checkpoint` path, or delete it "
                "to start afresh.")
        net.load_state_dict(state["weights"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        rng.bit_generator.state = state["rng"]
        self.load_state_dict(state["strategy_state"])
        return list(state["history"])


def step_stats(loss: torch.Tensor, logits: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """A training step's loss and accuracy, as `OneShotStrategy.train_step` returns them."""
    return float(loss.detach()), float((logits.detach().argmax(-1) == y).float().mean())


def _nothing() -> None:
    pass


def _device(net: nn.Module) -> torch.device:
    for tensor in itertools.chain(net.parameters(), net.buffers()):
        return tensor.device
    return torch.device("cpu")


def _first(batches: Iterator[Any], n: int) -> Iterator[Any]:
    for i, batch in enumerate(batches):
        if i >= n:
            return
        yield batch


class ValidationBatches:
    """An endless supply of shuffled validation batches (DARTS's architecture steps and
    ENAS's controller rewards each take the next one). Its state is where it stands in
    the current pass, so a resumed search takes the batches an uninterrupted one would."""

    def __init__(self, training: Classification, seed: int) -> None:
        self.training = training
        self.generator = torch.Generator().manual_seed(seed + 7919)
        self._pass_start = self.generator.get_state()  # the generator as this pass began
        self._taken = 0  # batches taken in this pass
        self._batches: Iterator[Any] = iter(())

    def next(self) -> tuple[Any, torch.Tensor]:
        for _ in range(2):
            for batch in self._batches:
                self._taken += 1
                return batch
            self._new_pass()
        raise ConfigError("the validation data yielded no batch; give Classification some.")

    def _new_pass(self) -> None:
        self._pass_start, self._taken = self.generator.get_state(), 0
        self._batches = self.training.batches(self.training.val_data, shuffle=True,
                                              generator=self.generator)

    def state_dict(self) -> dict[str, Any]:
        return {"pass_start": self._pass_start.clone(), "taken": self._taken}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["pass_start"])
        self._new_pass()
        for _ in range(state["taken"]):
            next(self._batches)
        self._taken = state["taken"]
