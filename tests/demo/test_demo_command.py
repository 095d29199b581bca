"""`hyperscout demo`: the README's main job runs end to end and is stored."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hyperscout import TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow


def test_the_demo_tunes_stores_and_says_how_to_see_the_experiment_again(tmp_path):
    pytest.importorskip("torch")
    out = subprocess.run(
        [sys.executable, "-m", "hyperscout.cli", "demo", "--max-trials", "2",
         "--storage", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "best trial" in out.stdout and "hyperscout experiment show" in out.stdout
    store = Store(tmp_path)
    (experiment,) = store.experiments()
    trials = store.trials(experiment.id)
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 2
    assert all(t.n_intermediate == 10 and 0 <= t.value <= 1 for t in trials)
