"""A search whose process is killed mid-trial continues when the project is searched again:
nothing reported is lost, and max_trials counts what ran before the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hyperscout import Store, TrialState

SCRIPT = textwrap.dedent('''
    import os, sys, time
    os.environ.setdefault("KERAS_BACKEND", "torch")
    sys.path.insert(0, {tests!r})
    import keras
    import hyperscout.keras as kt
    from keras_helpers import build_model, make_data

    class Slow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(float(os.environ.get("EPOCH_PAUSE", "0")))

    x, y = make_data()
    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=5, seed=4,
                            directory={directory!r}, project_name="p")
    tuner.search(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[Slow()])
    print("DONE", len(tuner.oracle.trials))
''')


@pytest.mark.slow
def test_a_killed_search_resumes_without_losing_or_repeating_trials(tmp_path):
    script = tmp_path / "search.py"
    script.write_text(SCRIPT.format(tests=str(Path(__file__).parent), directory=str(tmp_path)))
    env = {**os.environ, "EPOCH_PAUSE": "0.3"}
    process = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True)
    store_file = tmp_path / "p" / "hyperscout.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it while its third trial runs
        if store_file.exists():
            store = Store(store_file)
            done = [e for e in store.experiments()]
            if done and len(store.trials(done[0].id, states=[TrialState.SUCCEEDED])) >= 2 \
                    and store.trials(done[0].id, states=[TrialState.RUNNING]):
                break
            store.close()
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    store = Store(store_file)
    [experiment] = store.experiments()
    before = {t.number: t.value for t in store.trials(experiment.id, states=[TrialState.SUCCEEDED])}
    assert len(before) >= 2

    out = subprocess.run([sys.executable, str(script)], env={**os.environ, "EPOCH_PAUSE": "0"},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    trials = Store(store_file).trials(experiment.id)
    succeeded = [t for t in trials if t.state is TrialState.SUCCEEDED]
    assert len(succeeded) == 5  # max_trials counts the trials before the kill
    assert {t.number: t.value for t in succeeded if t.number in before} == before
    interrupted = [t for t in trials if t.state is TrialState.STALE]
    assert len(interrupted) == 1 and interrupted[0].n_intermediate >= 0
    assert len({t.number for t in trials}) == len(trials)
