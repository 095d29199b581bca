"""Helpers for plain PyTorch training loops: resume from a checkpoint, train to the budget
a scheduler gives, save the state a promoted trial continues from.

The trial API already reports (`report_intermediate_result`) and says when to stop
(`should_stop`); what a hand-written loop also needs is where its checkpoint lives and
which epochs to run. With a multi-fidelity scheduler (``hyperband``, ``asha``, ``bohb``,
``pbt``) a trial gets a budget of epochs and may continue the checkpoint of the trial it
was promoted from; without one it runs `default` epochs from scratch; standalone, it runs
`default` epochs and saves nothing. The same loop works in all three cases:

    model, optimizer = make_model(params), make_optimizer(...)
    state = hyperscout.torch.load_checkpoint()
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    for epoch in hyperscout.torch.epochs(default=10):
        train_one_epoch(model, optimizer)
        hyperscout.report_intermediate_result(evaluate(model), step=epoch)
        hyperscout.torch.save_checkpoint({"model": model.state_dict(),
                                          "optimizer": optimizer.state_dict()})
    hyperscout.report_final_result(evaluate(model))

torch is imported only here (the ``torch`` extra).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from . import trial as _trial

CHECKPOINT_FILE = "checkpoint.pt"

__all__ = ["CHECKPOINT_FILE", "epochs", "load_checkpoint", "save_checkpoint"]


def epochs(default: int) -> Iterator[int]:
    """The epochs this trial should train, numbered from 1: from the one after the
    checkpoint it continues (`get_previous_budget`) up to its budget (`get_budget`), or
    ``1..default`` without a scheduler. Stops early, between epochs, once the engine asks
    the trial to stop (`should_stop`)."""
    if isinstance(default, bool) or not isinstance(default, int) or default < 1:
        raise ValueError(f"`default` must be a whole number of epochs >= 1, but got {default!r}.")
    budget = _trial.get_budget(default)
    first = int(_trial.get_previous_budget() or 0) + 1
    for epoch in range(first, int(budget) + 1):
        if _trial.should_stop():
            return
        yield epoch


def save_checkpoint(state: Any, *, name: str = CHECKPOINT_FILE) -> Path | None:
    """Save `state` (anything `torch.save` takes, usually a dict of state dicts) as this
    trial's checkpoint, atomically: a kill mid-save leaves the previous checkpoint whole.
    Returns the file, or None when run standalone (nothing is saved)."""
    folder = _trial.checkpoint_dir()
    if folder is None:
        return None
    path = folder / name
    tmp = folder / (name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(*, name: str = CHECKPOINT_FILE, map_location: Any = "cpu") -> Any:
    """The checkpoint to continue from: this trial's own after a restart, else that of the
    trial a scheduler promoted it from; None when there is none (train from scratch)."""
    folder = _trial.load_checkpoint_dir()
    if folder is None or not (folder / name).exists():
        return None
    return torch.load(folder / name, map_location=map_location, weights_only=False)
