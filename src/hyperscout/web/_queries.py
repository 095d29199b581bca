"""What the dashboard's API answers, computed from store records: experiment summaries,
pages of trials (sorted, filtered, searched), CSV, and chart data small enough to draw at
once however many trials there are. Nothing here knows about HTTP."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from ..states import TrialState
from ..store import (
    ExperimentRecord,
    IntermediateRecord,
    TrialRecord,
    best_trial,
    finished_configurations,
)

MAX_PAGE = 500  # trials per page, at most
CHART_POINTS = 2000  # points per chart series, at most
CURVE_POINTS = 200  # points per intermediate curve, at most
TRIAL_COLUMNS = ("number", "state", "value", "latest", "n_intermediate", "started", "ended",
                 "duration", "attempt")


def direction(record: ExperimentRecord) -> str:
    return str(record.config.get("direction", "maximize"))


def experiment_summary(record: ExperimentRecord, trials: Sequence[TrialRecord]) -> dict[str, Any]:
    """One experiment as the list and the overview show it."""
    config = record.config
    best = best_trial(trials, direction(record))
    counts: dict[str, int] = {}
    for t in trials:
        counts[t.state.value] = counts.get(t.state.value, 0) + 1
    return {
        "id": record.id,
        "name": record.name,
        "status": record.status,
        "message": record.message,
        "direction": direction(record),
        "trials": len(trials),
        "finished": finished_configurations(trials),
        "max_trials": config.get("max_trials"),
        "max_duration": config.get("max_duration"),
        "concurrency": config.get("concurrency"),
        "trial_timeout": config.get("trial_timeout"),
        "tuner": config.get("tuner"),
        "scheduler": config.get("scheduler"),
        "assessor": config.get("assessor"),
        "created": record.created,
        "started": record.started,
        "ended": record.ended,
        "elapsed": record.elapsed,
        "state_counts": counts,
        "best": None if best is None else {"number": best.number, "value": best.value,
                                           "params": best.params},
    }


def trial_row(t: TrialRecord) -> dict[str, Any]:
    """One trial as the table shows it."""
    return {
        "number": t.number,
        "state": t.state.value,
        "params": t.params,
        "value": t.value,
        "metrics": t.metrics or {},
        "latest": t.latest,
        "n_intermediate": t.n_intermediate,
        "started": t.started,
        "ended": t.ended,
        "duration": t.duration,
        "attempt": t.attempt,
        "retry_of": t.retry_of,
        "reason": t.reason,
        "gpus": t.gpus,
        "schedule": t.schedule,
    }


@dataclass
class TrialQuery:
    """How to cut a page out of an experiment's trials.

    `sort` is a column (`TRIAL_COLUMNS`), ``param:NAME`` or ``metric:NAME``; `states`
    keeps only those states; `search` keeps trials whose number, state, parameters or
    reason contain it (case-insensitive); `ranges` keeps trials whose parameter NAME lies
    in [low, high] (either end None); `equals` keeps those whose parameter NAME is VALUE.
    """

    sort: str = "number"
    descending: bool = False
    states: list[str] = field(default_factory=list)
    search: str = ""
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    equals: dict[str, str] = field(default_factory=dict)
    offset: int = 0
    limit: int = 50

    def check(self) -> None:
        known = {s.value for s in TrialState}
        bad = [s for s in self.states if s not in known]
        if bad:
            raise ConfigError(f"unknown trial state(s) {bad}; use some of {sorted(known)}.")
        if not (self.sort in TRIAL_COLUMNS or self.sort.startswith(("param:", "metric:"))):
            raise ConfigError(
                f"cannot sort by {self.sort!r}; use one of {list(TRIAL_COLUMNS)}, "
                "'param:NAME' or 'metric:NAME'.")
        if self.offset < 0 or not 1 <= self.limit <= MAX_PAGE:
            raise ConfigError(f"`offset` must be >= 0 and `limit` between 1 and {MAX_PAGE}.")


def parse_range(text: str) -> tuple[str, tuple[float | None, float | None]]:
    """``NAME:LOW:HIGH`` (either bound may be empty) as (NAME, (LOW, HIGH))."""
    name, sep, rest = text.partition(":")
    low, sep2, high = rest.partition(":")
    if not name or not sep or not sep2:
        raise ConfigError(f"a range filter is NAME:LOW:HIGH (a bound may be empty), not {text!r}.")
    try:
        return name, (float(low) if low else None, float(high) if high else None)
    except ValueError:
        raise ConfigError(f"the bounds of range filter {text!r} must be numbers.") from None


def parse_equals(text: str) -> tuple[str, str]:
    """``NAME:VALUE`` as (NAME, VALUE)."""
    name, sep, value = text.partition(":")
    if not name or not sep:
        raise ConfigError(f"an equality filter is NAME:VALUE, not {text!r}.")
    return name, value


class TrialTable:
    """An experiment's trials as read once from the store, with what every query needs
    computed once: the parameter and metric names, and the text a search looks in."""

    def __init__(self, trials: Sequence[TrialRecord], nodes: dict[int, str] | None = None
                 ) -> None:
        self.trials = list(trials)
        self.nodes = nodes or {}  # where each trial ran, for executors that place trials
        self.params = param_names(self.trials)
        self.metrics = metric_names(self.trials)
        self._haystacks: list[str] | None = None

    def haystacks(self) -> list[str]:
        if self._haystacks is None:
            self._haystacks = [_haystack(t) for t in self.trials]
        return self._haystacks


def select(table: TrialTable | Sequence[TrialRecord], query: TrialQuery) -> list[TrialRecord]:
    """The trials `query` keeps, in its order (before paging)."""
    query.check()
    if not isinstance(table, TrialTable):
        table = TrialTable(table)
    kept: list[TrialRecord] = table.trials
    if query.search:
        needle = query.search.lower()
        kept = [t for t, text in zip(table.trials, table.haystacks()) if needle in text]
    if query.states:
        wanted = set(query.states)
        kept = [t for t in kept if t.state.value in wanted]
    for name, (low, high) in query.ranges.items():
        kept = [t for t in kept if _in_range(t.params.get(name), low, high)]
    for name, value in query.equals.items():
        kept = [t for t in kept if name in t.params and _text(t.params[name]) == value]
    key = _sort_key(query.sort)
    keyed = [(key(t), t) for t in kept]
    present = [(k, t.number, t) for k, t in keyed if k is not None]
    missing = [t for k, t in keyed if k is None]  # always last, whatever the order
    present.sort(key=lambda item: (item[0], item[1]), reverse=query.descending)
    return [t for _, _, t in present] + missing


def page(table: TrialTable | Sequence[TrialRecord], query: TrialQuery) -> dict[str, Any]:
    """One page of `query`'s trials, with the total and the column names to show."""
    if not isinstance(table, TrialTable):
        table = TrialTable(table)
    rows = select(table, query)
    return {
        "total": len(rows),
        "all": len(table.trials),
        "offset": query.offset,
        "limit": query.limit,
        "params": table.params,
        "metrics": table.metrics,
        "nodes": bool(table.nodes),
        "rows": [dict(trial_row(t), node=table.nodes.get(t.number))
                 for t in rows[query.offset: query.offset + query.limit]],
    }


def param_names(trials: Iterable[TrialRecord]) -> list[str]:
    names: dict[str, None] = {}
    for t in trials:
        for k in t.params:
            names.setdefault(k, None)
    return list(names)


def metric_names(trials: Iterable[TrialRecord]) -> list[str]:
    names: dict[str, None] = {}
    for t in trials:
        for k in t.metrics or {}:
            if k != "default":
                names.setdefault(k, None)
    return list(names)


def to_csv(trials: Sequence[TrialRecord]) -> str:
    """The trials as CSV: one column per field, parameter (``param:NAME``) and metric."""
    params, metrics = param_names(trials), metric_names(trials)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*TRIAL_COLUMNS, *(f"param:{p}" for p in params),
                     *(f"metric:{m}" for m in metrics), "reason"])
    for t in trials:
        row = trial_row(t)
        writer.writerow([*(_cell(row[c]) for c in TRIAL_COLUMNS),
                         *(_cell(t.params.get(p)) for p in params),
                         *(_cell((t.metrics or {}).get(m)) for m in metrics),
                         t.reason or ""])
    return out.getvalue()


# -- charts --------------------------------------------------------------------------------
def metric_chart(trials: Sequence[TrialRecord], how: str) -> dict[str, Any]:
    """Every scored trial's value by when it ended, and the best-so-far line; at most
    `CHART_POINTS` trial points (evenly thinned, keeping every new best)."""
    scored = sorted((t for t in trials if t.value is not None and t.state in
                     (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)),
                    key=lambda t: (t.ended or t.created, t.number))
    sign = 1.0 if how == "maximize" else -1.0
    best: float | None = None
    best_line: list[dict[str, Any]] = []
    records = []
    for t in scored:
        is_best = best is None or sign * t.value > sign * best  # type: ignore[operator]
        if is_best:
            best = t.value
            best_line.append({"x": t.ended or t.created, "y": best, "number": t.number})
        records.append((is_best, t))
    keep = _thin([r for r in records], CHART_POINTS, must=lambda r: r[0])
    points = [{"x": t.ended or t.created, "y": t.value, "number": t.number, "params": t.params,
               "state": t.state.value} for _, t in keep]
    if best_line and scored:
        best_line.append({"x": scored[-1].ended or scored[-1].created, "y": best,
                          "number": best_line[-1]["number"]})
    return {"points": points, "best": best_line, "total": len(scored),
            "shown": len(points)}


def duration_chart(trials: Sequence[TrialRecord]) -> dict[str, Any]:
    done = [t for t in trials if t.started is not None and t.ended is not None]
    keep = _thin(done, CHART_POINTS)
    return {"points": [{"number": t.number, "duration": t.ended - t.started,  # type: ignore[operator]
                        "state": t.state.value} for t in keep],
            "total": len(done), "shown": len(keep)}


def log_params(space: Any) -> set[str]:
    """Names of the parameters the stored search space samples on a log scale."""
    params = space.get("parameters", []) if isinstance(space, dict) else []
    return {p["name"] for p in params if isinstance(p, dict) and p.get("sampling") == "log"}


def parallel_chart(trials: Sequence[TrialRecord], how: str, top_percent: float,
                   log: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The finished trials' parameters and values for parallel coordinates; the top
    `top_percent` percent are marked; parameters in `log` are drawn on a log axis. At most
    `CHART_POINTS` trials, keeping the top."""
    if not 0 < top_percent <= 100:
        raise ConfigError(f"`top` must be a percentage in (0, 100], not {top_percent}.")
    scored = [t for t in trials if t.value is not None and t.state in
              (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)]
    sign = -1.0 if how == "maximize" else 1.0
    ranked = sorted(scored, key=lambda t: (sign * t.value, t.number))  # type: ignore[operator]
    n_top = max(1, math.ceil(len(ranked) * top_percent / 100)) if ranked else 0
    top = {t.number for t in ranked[:n_top]}
    keep = _thin(sorted(scored, key=lambda t: t.number), CHART_POINTS,
                 must=lambda t: t.number in top)
    names = param_names(scored)
    dims = []
    for name in names:
        values = [t.params.get(name) for t in keep]
        numeric = all(_is_number(v) for v in values if v is not None)
        positive = numeric and all(v > 0 for v in values if v is not None)
        dims.append({"name": name, "numeric": numeric, "log": name in log and positive,
                     "values": [v if numeric or v is None else _text(v) for v in values]})
    return {"dimensions": dims, "value": [t.value for t in keep],
            "numbers": [t.number for t in keep], "top": [t.number in top for t in keep],
            "total": len(scored), "shown": len(keep), "top_percent": top_percent}


def curves(points: Sequence[IntermediateRecord], numbers: Iterable[int] | None = None
           ) -> dict[str, Any]:
    """Intermediate curves by trial: each thinned to `CURVE_POINTS` points."""
    wanted = None if numbers is None else set(numbers)
    by_trial: dict[int, list[IntermediateRecord]] = {}
    for p in points:
        if wanted is None or p.number in wanted:
            by_trial.setdefault(p.number, []).append(p)
    return {"curves": [{"number": n, "steps": [p.step for p in kept],
                        "values": [p.value for p in kept]}
                       for n, ps in sorted(by_trial.items())
                       for kept in [_thin(ps, CURVE_POINTS)]]}


def top_numbers(trials: Sequence[TrialRecord], how: str, n: int) -> list[int]:
    """The `n` best scored trials' numbers (for curves of many trials at once): by final
    value, else by latest intermediate value."""
    sign = -1.0 if how == "maximize" else 1.0
    scored = [t for t in trials if (t.value if t.value is not None else t.latest) is not None]
    scored.sort(key=lambda t: (sign * (t.value if t.value is not None else t.latest), t.number))  # type: ignore[operator]
    return [t.number for t in scored[:n]]


def compare(trials: Sequence[TrialRecord], numbers: Sequence[int],
            points: Sequence[IntermediateRecord]) -> dict[str, Any]:
    """2 to 5 trials side by side: their rows and curves."""
    if not 2 <= len(numbers) <= 5 or len(set(numbers)) != len(numbers):
        raise ConfigError("compare takes 2 to 5 different trial numbers, as trials=1,2,3.")
    by_number = {t.number: t for t in trials}
    missing = [n for n in numbers if n not in by_number]
    if missing:
        raise LookupError(f"no trial {missing[0]} in this experiment.")
    return {"trials": [trial_row(by_number[n]) for n in numbers],
            **curves(points, numbers)}


# -- helpers -------------------------------------------------------------------------------
def _thin(items: Sequence[Any], limit: int, must: Any = None) -> list[Any]:
    """At most about `limit` of `items`, evenly spaced, in order, keeping every item for
    which `must` holds (and the first and last)."""
    if len(items) <= limit:
        return list(items)
    step = len(items) / limit
    chosen = {int(i * step) for i in range(limit)} | {0, len(items) - 1}
    return [x for i, x in enumerate(items) if i in chosen or (must is not None and must(x))]


def _sort_key(column: str) -> Any:
    if column.startswith("param:"):
        name = column[6:]
        return lambda t: _orderable(t.params.get(name))
    if column.startswith("metric:"):
        name = column[7:]
        return lambda t: _orderable((t.metrics or {}).get(name))
    if column == "state":
        return lambda t: t.state.value
    if column == "duration":
        return lambda t: t.duration
    return lambda t: getattr(t, column)


def _orderable(v: Any) -> Any:
    """Numbers before text, so a mixed column still sorts."""
    if v is None:
        return None
    if _is_number(v):
        return (0, float(v), "")
    return (1, 0.0, _text(v))


def _in_range(v: Any, low: float | None, high: float | None) -> bool:
    if not _is_number(v):
        return False
    return (low is None or v >= low) and (high is None or v <= high)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _haystack(t: TrialRecord) -> str:
    return " ".join([str(t.number), t.state.value, json.dumps(t.params), t.reason or ""]).lower()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return v

