"""Parameter importance: how much of the spread of the trials' results each parameter's
main effect explains.

Method (named in every answer): the trials are grouped by the parameter's value (a
choice's values, or up to 10 quantile bins of a numeric parameter), and the importance is
omega-squared, the share of the results' variance between the groups' means, less what
noise alone would put there. It is the first-order term of a functional ANOVA, estimated
by binning instead of through a fitted forest: cheap enough for 10,000 trials and with no
dependency, but blind to interactions (which fANOVA reports separately). A parameter of a
conditional branch is measured over the trials where it is active.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..states import TrialState
from ..store import TrialRecord

METHOD = ("main-effect variance share (omega-squared over the parameter's values or up to "
          "10 quantile bins; a first-order functional-ANOVA estimate, no interactions)")
MIN_TRIALS = 8
_BINS = 10
_MIN_PER_BIN = 3


def importance(trials: Sequence[TrialRecord]) -> dict[str, Any]:
    """Each parameter's importance in [0, 1], most important first."""
    scored = [t for t in trials if t.value is not None and np.isfinite(t.value)
              and t.state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)]
    if len(scored) < MIN_TRIALS:
        return {"method": METHOD, "trials": len(scored), "importances": [],
                "note": f"needs at least {MIN_TRIALS} finished trials with a value."}
    names: dict[str, None] = {}
    for t in scored:
        for k in t.params:
            names.setdefault(k, None)
    out = []
    for name in names:
        active = [t for t in scored if name in t.params]
        if len(active) < MIN_TRIALS:
            continue
        groups = _groups([t.params[name] for t in active])
        if groups is None:
            continue
        y = np.array([t.value for t in active], dtype=float)
        out.append({"name": name, "importance": _omega_squared(y, groups),
                    "trials": len(active)})
    out.sort(key=lambda d: -d["importance"])
    return {"method": METHOD, "trials": len(scored), "importances": out}


def _groups(values: list[Any]) -> np.ndarray | None:
    """A group label per value; None when the parameter never varies."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric:
        x = np.array(values, dtype=float)
        distinct = np.unique(x)
        if len(distinct) < 2:
            return None
        if len(distinct) <= _BINS:
            return np.searchsorted(distinct, x)
        bins = max(2, min(_BINS, len(x) // _MIN_PER_BIN))
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1]))
        return np.searchsorted(edges, x, side="right")
    labels = [json.dumps(v, sort_keys=True) for v in values]
    distinct_labels = sorted(set(labels))
    if len(distinct_labels) < 2:
        return None
    index = {label: i for i, label in enumerate(distinct_labels)}
    return np.array([index[label] for label in labels])


def _omega_squared(y: np.ndarray, groups: np.ndarray) -> float:
    total = float(((y - y.mean()) ** 2).sum())
    if total <= 0:
        return 0.0
    labels = np.unique(groups)
    between = sum(len(y[groups == g]) * (y[groups == g].mean() - y.mean()) ** 2 for g in labels)
    k, n = len(labels), len(y)
    if n <= k:
        return 0.0
    within_mean_square = (total - between) / (n - k)
    omega = (between - (k - 1) * within_mean_square) / (total + within_mean_square)
    return float(min(1.0, max(0.0, omega)))
