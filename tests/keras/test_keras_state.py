"""Freeing old models costs at most ~5% of the search's time."""

from __future__ import annotations

import time

from hyperscout.keras._keras_state import Collector


def test_collections_are_spaced_by_twenty_times_their_cost(monkeypatch):
    calls = []
    monkeypatch.setattr("gc.collect", lambda: (calls.append(1), time.sleep(0.01)))
    collector = Collector()
    assert collector.maybe_collect()  # the first one measures the cost
    assert not collector.maybe_collect()  # too soon after: 20 x 10 ms has not passed
    time.sleep(0.25)
    assert collector.maybe_collect()
    assert len(calls) == 2
