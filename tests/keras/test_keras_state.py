"""Freeing old models costs at most ~5% of the search's time."""

from __future__ import annotations

from types import SimpleNamespace

from hyperscout.keras._keras_state import Collector


def test_collections_are_spaced_by_twenty_times_their_cost(monkeypatch):
    # a fake clock: the spacing follows the measured cost, whatever the machine's load
    clock = [100.0]
    calls = []

    def collect():
        calls.append(1)
        clock[0] += 0.01  # a collection costs 10 ms

    monkeypatch.setattr("gc.collect", collect)
    monkeypatch.setattr("hyperscout.keras._keras_state.time",
                        SimpleNamespace(monotonic=lambda: clock[0]))
    collector = Collector()
    assert collector.maybe_collect()  # the first one measures the cost
    clock[0] += 0.19
    assert not collector.maybe_collect()  # too soon after: 20 x 10 ms has not passed
    clock[0] += 0.02
    assert collector.maybe_collect()
    assert len(calls) == 2
