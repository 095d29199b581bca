"""What the API answers, computed from trial records: sorting with missing values last,
filters, and charts thinned without losing the best points."""

from __future__ import annotations

import pytest
from records import record

from hyperscout import TrialState
from hyperscout.errors import ConfigError
from hyperscout.web import _queries as q


def test_missing_values_sort_last_in_either_order() -> None:
    trials = [record(0, {"x": 1}, 0.5), record(1, {"x": 2}, None, state=TrialState.FAILED),
              record(2, {"x": 3}, 0.9)]
    for descending in (False, True):
        numbers = [t.number for t in q.select(trials, q.TrialQuery(sort="value",
                                                                    descending=descending))]
        assert numbers[-1] == 1
    assert [t.number for t in q.select(trials, q.TrialQuery(sort="value", descending=True))] == [2, 0, 1]


def test_a_column_of_numbers_and_text_still_sorts() -> None:
    trials = [record(0, {"a": "relu"}, 1.0), record(1, {"a": 3}, 1.0), record(2, {"a": 1}, 1.0)]
    assert [t.number for t in q.select(trials, q.TrialQuery(sort="param:a"))] == [2, 1, 0]


def test_filters_combine_and_search_looks_at_params_state_and_reason() -> None:
    trials = [record(n, {"lr": n / 10, "opt": "adam" if n % 2 else "sgd"}, float(n))
              for n in range(10)]
    trials.append(record(10, {"lr": 0.5, "opt": "sgd"}, None, state=TrialState.FAILED,
                         reason="CUDA out of memory"))
    query = q.TrialQuery(ranges={"lr": (0.2, 0.6)}, equals={"opt": "adam"})
    assert [t.number for t in q.select(trials, query)] == [3, 5]
    assert [t.number for t in q.select(trials, q.TrialQuery(search="out of MEMORY"))] == [10]
    assert len(q.select(trials, q.TrialQuery(search="sgd"))) == 6


def test_a_page_has_the_total_before_paging_and_the_columns() -> None:
    trials = [record(n, {"x": n}, float(n)) for n in range(120)]
    answer = q.page(trials, q.TrialQuery(sort="value", descending=True, offset=100, limit=50))
    assert answer["total"] == 120 and len(answer["rows"]) == 20
    assert answer["rows"][0]["number"] == 19 and answer["params"] == ["x"]


def test_paging_limits_are_checked() -> None:
    with pytest.raises(ConfigError, match="limit"):
        q.select([], q.TrialQuery(limit=q.MAX_PAGE + 1))


def test_charts_of_many_trials_are_thinned_but_keep_every_new_best() -> None:
    n = 10_000
    trials = [record(i, {"x": i}, float(i % 997) + i / n, ended=2000.0 + i) for i in range(n)]
    chart = q.metric_chart(trials, "maximize")
    assert chart["total"] == n and chart["shown"] <= q.CHART_POINTS + len(chart["best"])
    shown = {p["number"] for p in chart["points"]}
    assert {b["number"] for b in chart["best"]} <= shown
    assert chart["best"][-1]["y"] == max(t.value for t in trials)
    parallel = q.parallel_chart(trials, "maximize", 1.0)
    assert sum(parallel["top"]) == 100 and parallel["shown"] <= q.CHART_POINTS + 100


def test_minimizing_experiments_count_the_lowest_value_as_best() -> None:
    trials = [record(i, {"x": i}, v, ended=2000.0 + i) for i, v in enumerate([3.0, 1.0, 2.0, 0.5])]
    assert [b["y"] for b in q.metric_chart(trials, "minimize")["best"]] == [3.0, 1.0, 0.5, 0.5]
    assert q.parallel_chart(trials, "minimize", 25)["top"] == [False, False, False, True]


def test_a_page_names_the_node_of_each_placed_trial() -> None:
    trials = [record(n, {"x": n}, float(n)) for n in range(3)]
    local = q.page(trials, q.TrialQuery())
    assert local["nodes"] is False and local["rows"][0]["node"] is None
    placed = q.page(q.TrialTable(trials, {0: "10.0.0.1 (a, Ray node 1)", 2: "10.0.0.2 (b, Ray node 2)"}),
                    q.TrialQuery())
    assert placed["nodes"] is True
    assert [r["node"] for r in placed["rows"]] == ["10.0.0.1 (a, Ray node 1)", None,
                                                   "10.0.0.2 (b, Ray node 2)"]
