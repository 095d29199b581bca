"""Trials as CSV (one row per trial, params and metrics flattened into columns) or JSON
(one object per trial, with its intermediate results).

CSV columns: ``number, state, value, param_<name>..., metric_<name>..., started, ended,
duration, attempt, retry_of, reason, exit_code``. Nested params (NNI nested choices) are
flattened with ``/``: ``param_layer0/_name``. Times are ISO 8601 with the local offset;
durations are seconds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from ..store import IntermediateRecord, TrialRecord
from ._format import iso_time

_HEAD = ("number", "state", "value")
_TAIL = ("started", "ended", "duration", "attempt", "retry_of", "reason", "exit_code")


def flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"_name": "x", "k": 3}}`` -> ``{"a/_name": "x", "a/k": 3}``."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            out.update(flatten(value, key + "/"))
        else:
            out[key] = value
    return out


def _columns(rows: Iterable[dict[str, Any]], prefix: str) -> list[str]:
    """The keys of `rows` in first-seen order, those under one top-level name (a nested
    choice's ``_name`` and its branches' parameters) kept side by side."""
    seen: dict[str, None] = {}  # first-seen order, without duplicates
    for row in rows:
        seen.update(dict.fromkeys(row))
    tops = list(dict.fromkeys(key.partition("/")[0] for key in seen))
    order = sorted(seen, key=lambda key: tops.index(key.partition("/")[0]))  # stable
    return [f"{prefix}{key}" for key in order]


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else value


def to_csv(trials: list[TrialRecord]) -> str:
    params = [flatten(t.params) for t in trials]
    metrics = [{k: v for k, v in (t.metrics or {}).items() if k != "default"} for t in trials]
    param_cols, metric_cols = _columns(params, "param_"), _columns(metrics, "metric_")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*_HEAD, *param_cols, *metric_cols, *_TAIL])
    for trial, p, m in zip(trials, params, metrics):
        row = [trial.number, trial.state.value, _cell(trial.value)]
        row += [_cell(p.get(c[len("param_") :])) for c in param_cols]
        row += [_cell(m.get(c[len("metric_") :])) for c in metric_cols]
        row += [_cell(v) for v in _tail(trial).values()]
        writer.writerow(row)
    return buffer.getvalue()


def _tail(trial: TrialRecord) -> dict[str, Any]:
    return {
        "started": iso_time(trial.started),
        "ended": iso_time(trial.ended),
        "duration": round(trial.duration, 3) if trial.duration and trial.ended else None,
        "attempt": trial.attempt,
        "retry_of": trial.retry_of,
        "reason": trial.reason,
        "exit_code": trial.exit_code,
    }


def to_json(trials: list[TrialRecord], intermediates: list[IntermediateRecord]) -> str:
    by_trial: dict[int, list[dict[str, Any]]] = {}
    for r in intermediates:
        by_trial.setdefault(r.number, []).append(
            {"step": r.step, "value": r.value, "metrics": r.metrics, "time": iso_time(r.time)}
        )
    out = [
        {
            "number": t.number,
            "state": t.state.value,
            "params": t.params,
            "value": t.value,
            "metrics": t.metrics,
            **_tail(t),
            "intermediate": by_trial.get(t.number, []),
        }
        for t in trials
    ]
    return json.dumps(out, indent=2) + "\n"
