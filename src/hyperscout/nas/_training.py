"""`Classification`: how to train and score a classifier, written once and used three ways:
as the evaluator of multi-trial search (it trains each frozen model and reports its
validation accuracy after every epoch), as the training setup of one-shot strategies
(their supernet trains on the same data, loss and optimiser), and to retrain the
architecture a search found from scratch.

Data is either a pair of tensors ``(inputs, labels)``, batched and shuffled here on the
tensors' device (fast for data that fits in memory), or any re-iterable source of
``(inputs, labels)`` batches such as a ``torch.utils.data.DataLoader``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import nn

from ..errors import ConfigError

Data = tuple[torch.Tensor, torch.Tensor] | Iterable[Any]
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "cosine", "onecycle")


class Classification:
    """Train a classifier with cross-entropy (or `loss`) and score it by accuracy.

    Args:
        train_data: the training data (see the module docstring).
        val_data: the validation data the search scores on (one-shot strategies also
            learn their architecture parameters or controller on it).
        test_data: optional held-out data that `retrain` scores the final model on.
        epochs: passes over `train_data` per fit (and of a one-shot supernet's training).
        batch_size: for tensor data.
        optimizer: ``"sgd"`` (Nesterov momentum), ``"adam"``, ``"adamw"``, or a function
            ``f(parameters) -> torch.optim.Optimizer``.
        learning_rate, weight_decay, momentum: of the named optimisers.
        schedule: ``"cosine"`` (to zero over all steps), ``"onecycle"`` or ``"constant"``.
        loss: ``f(outputs, labels) -> scalar tensor``; cross-entropy by default.
        device: where models and batches go (``"cpu"``, ``"cuda"``, ...); by default the
            tensors' device, else the CPU.
        seed: seeds the initialisation-independent randomness (shuffling).

    Called on a model (``evaluate(model)``), it fits it and returns the last validation
    accuracy, reporting each epoch's as an intermediate result inside a trial, so it is
    an evaluator for `nas.search` as it stands.
    """

    def __init__(self, train_data: Data, val_data: Data, *, test_data: Data | None = None,
                 epochs: int = 10, batch_size: int = 128,
                 optimizer: str | Callable[[Any], torch.optim.Optimizer] = "adam",
                 learning_rate: float = 1e-3, weight_decay: float = 0.0,
                 momentum: float = 0.9, schedule: str = "cosine",
                 loss: Callable[[Any, torch.Tensor], torch.Tensor] | None = None,
                 device: str | torch.device | None = None, seed: int = 0) -> None:
        for name, data in (("train_data", train_data), ("val_data", val_data)):
            _check_data(name, data)
        if test_data is not None:
            _check_data("test_data", test_data)
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"`{name}` of Classification must be a whole number >= 1, "
                                  f"but got {value!r}.")
        if not callable(optimizer) and optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"`optimizer` must be one of {OPTIMIZERS} or a function of the parameters "
                f"returning a torch optimizer, but got {optimizer!r}.")
        if schedule not in SCHEDULES:
            raise ConfigError(f"`schedule` must be one of {SCHEDULES}, but got {schedule!r}.")
        if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
            raise ConfigError(f"`learning_rate` must be a number > 0, but got {learning_rate!r}.")
        if loss is not None and not callable(loss):
            raise ConfigError(f"`loss` must be a function (outputs, labels) -> tensor, but got "
                              f"{loss!r}.")
        self.train_data, self.val_data, self.test_data = train_data, val_data, test_data
        self.epochs, self.batch_size = epochs, batch_size
        self.optimizer, self.schedule = optimizer, schedule
        self.learning_rate, self.weight_decay = float(learning_rate), float(weight_decay)
        self.momentum = float(momentum)
        self.loss = loss or nn.functional.cross_entropy
        self.seed = seed
        self.device = torch.device(device) if device is not None else _data_device(train_data)

    # -- data ------------------------------------------------------------------------------
    def batches(self, data: Data, *, shuffle: bool = False,
                generator: torch.Generator | None = None) -> Iterator[tuple[Any, torch.Tensor]]:
        """The batches of `data` on `device`; tensor data in `batch_size` slices, shuffled
        with `generator` when `shuffle`."""
        if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], torch.Tensor):
            x, y = data
            n = len(x)
            order = torch.randperm(n, generator=generator) if shuffle else None
            for i in range(0, n, self.batch_size):
                if order is None:
                    xb, yb = x[i:i + self.batch_size], y[i:i + self.batch_size]
                else:
                    index = order[i:i + self.batch_size].to(x.device)
                    xb, yb = x[index], y[index]
                yield xb.to(self.device, non_blocking=True), yb.to(self.device, non_blocking=True)
            return
        for batch in data:
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                raise ConfigError(
                    f"a data source of Classification must yield (inputs, labels) pairs, but "
                    f"yielded {type(batch).__name__}.")
            yield _to(batch[0], self.device), batch[1].to(self.device)

    def steps_per_epoch(self, data: Data | None = None) -> int:
        data = self.train_data if data is None else data
        if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], torch.Tensor):
            return math.ceil(len(data[0]) / self.batch_size)
        return len(data)  # type: ignore[arg-type]

    # -- optimisation ----------------------------------------------------------------------
    def make_optimizer(self, parameters: Any) -> torch.optim.Optimizer:
        """The optimiser of `parameters` this setup names."""
        params = list(parameters)
        if callable(self.optimizer):
            return self.optimizer(params)
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=self.learning_rate, momentum=self.momentum,
                                   nesterov=self.momentum > 0, weight_decay=self.weight_decay)
        cls = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return cls(params, lr=self.learning_rate, weight_decay=self.weight_decay)

    def make_schedule(self, optimizer: torch.optim.Optimizer,
                      total_steps: int) -> torch.optim.lr_scheduler.LRScheduler:
        """A per-step learning-rate schedule over `total_steps`."""
        if self.schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, total_steps))
        if self.schedule == "onecycle":
            peaks = [group["lr"] for group in optimizer.param_groups]
            return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks,
                                                       total_steps=max(1, total_steps))
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)

    # -- training and scoring --------------------------------------------------------------
    def fit(self, model: nn.Module, *, epochs: int | None = None,
            report: bool = True) -> float:
        """Train `model` in place from its current weights; return the validation accuracy
        after the last epoch (each epoch's is reported inside a trial when `report`)."""
        from .. import trial as trial_api

        epochs = self.epochs if epochs is None else epochs
        model.to(self.device)
        optimizer = self.make_optimizer(model.parameters())
        schedule = self.make_schedule(optimizer, epochs * self.steps_per_epoch())
        generator = torch.Generator().manual_seed(self.seed)
        in_trial = report and trial_api.get_trial_dir() is not None
        accuracy = float("nan")
        for _ in range(epochs):
            model.train()
            for x, y in self.batches(self.train_data, shuffle=True, generator=generator):
                optimizer.zero_grad(set_to_none=True)
                self.loss(model(x), y).backward()
                optimizer.step()
                schedule.step()
            accuracy = self.score(model)
            if in_trial:
                trial_api.report_intermediate_result(accuracy)
        return accuracy

    def __call__(self, model: nn.Module) -> float:
        return self.fit(model)

    @torch.no_grad()
    def score(self, model: Callable[[Any], Any], data: Data | None = None, *,
              max_batches: int | None = None) -> float:
        """The accuracy of `model` on `data` (the validation data by default); an
        ``nn.Module`` is put in eval mode first."""
        if isinstance(model, nn.Module):
            model.eval()
        correct = total = 0
        for i, (x, y) in enumerate(self.batches(self.val_data if data is None else data)):
            if max_batches is not None and i >= max_batches:
                break
            correct += int((model(x).argmax(-1) == y).sum())
            total += len(y)
        if total == 0:
            raise ConfigError("the data to score on is empty; give Classification some.")
        return correct / total


def _check_data(name: str, data: Any) -> None:
    if isinstance(data, tuple):
        if len(data) != 2 or not all(isinstance(t, torch.Tensor) for t in data):
            raise ConfigError(
                f"`{name}` as a tuple must be (inputs, labels) tensors, but got a tuple of "
                f"{[type(t).__name__ for t in data]}.")
        if len(data[0]) != len(data[1]):
            raise ConfigError(
                f"`{name}` has {len(data[0])} inputs but {len(data[1])} labels; give one label "
                "per input.")
        if len(data[0]) == 0:
            raise ConfigError(f"`{name}` is empty.")
        return
    if isinstance(data, (str, bytes, torch.Tensor)) or not isinstance(data, Iterable):
        raise ConfigError(
            f"`{name}` must be an (inputs, labels) pair of tensors or a re-iterable source of "
            f"(inputs, labels) batches such as a DataLoader, but got {type(data).__name__}.")
    if iter(data) is data:
        raise ConfigError(
            f"`{name}` is a one-pass iterator, but training passes over the data once per "
            "epoch: give a DataLoader or a list of batches.")


def _data_device(data: Any) -> torch.device:
    if isinstance(data, tuple) and isinstance(data[0], torch.Tensor):
        return data[0].device
    return torch.device("cpu")


def _to(x: Any, device: torch.device) -> Any:
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, (tuple, list)):
        return type(x)(_to(t, device) for t in x)
    return x
