"""Weight reuse between neighbouring architectures in multi-trial search (the seed's
"supernet trick"): a trial starts from the trained weights of the finished trial whose
architecture differs from its own in the fewest decisions, for every tensor whose name and
shape the two frozen models share, instead of from a random initialisation.

Frozen models of one space name their modules alike (a chosen `LayerChoice` candidate sits
where the choice was), so a tensor with the same name and shape is the same layer; one
that differs (another candidate, another width) keeps its fresh initialisation. Trials
find each other through the experiment's folder: each saves ``weights.pt`` beside its
``params.json`` after its evaluator returns, so this works where trial folders are shared
(the local executor), not across the nodes of a Ray cluster.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

WEIGHTS = "weights.pt"


def nearest_trained(trial_dir: Path, arch: dict[str, Any]) -> tuple[Path, int] | None:
    """The folder of the finished sibling trial nearest to `arch` (fewest differing
    decisions; the newest on ties) and that distance; None when no sibling has weights."""
    best: tuple[int, float, Path] | None = None
    for sibling in trial_dir.parent.iterdir():
        weights = sibling / WEIGHTS
        if sibling == trial_dir or not weights.is_file():
            continue
        try:
            other = json.loads((sibling / "params.json").read_text())
        except (OSError, ValueError):
            continue
        distance = sum(arch.get(k) != other.get(k) for k in set(arch) | set(other))
        key = (distance, -weights.stat().st_mtime, sibling)
        if best is None or key[:2] < best[:2]:
            best = key
    return None if best is None else (best[2], best[0])


def inherit(model: nn.Module, state: dict[str, torch.Tensor]) -> tuple[int, int]:
    """Copy into `model` every tensor of `state` with the same name and shape; return how
    many tensors were copied and how many the model has."""
    own = model.state_dict()
    shared = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(shared, strict=False)
    return len(shared), len(own)


def start_from_neighbour(model: nn.Module, trial_dir: Path, arch: dict[str, Any]) -> None:
    found = nearest_trained(trial_dir, arch)
    if found is None:
        return
    folder, distance = found
    try:
        state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"hyperscout: weight reuse skipped ({folder.name}: {exc})", file=sys.stderr)
        return
    copied, total = inherit(model, state)
    print(f"hyperscout: started from trial {folder.name} ({distance} decision(s) apart): "
          f"{copied} of {total} tensors inherited", file=sys.stderr)


def save_weights(model: nn.Module, trial_dir: Path) -> None:
    """Write the trained weights atomically, so a sibling never reads half a file."""
    partial = trial_dir / (WEIGHTS + ".partial")
    torch.save(model.state_dict(), partial)
    partial.replace(trial_dir / WEIGHTS)
