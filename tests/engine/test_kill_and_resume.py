"""The crash-safety promise: SIGKILL the engine at any moment, resume, lose nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hyperscout import Experiment, TrialState
from hyperscout.store import Store

pytestmark = pytest.mark.slow

TRIAL = """
import time, nni
p = nni.get_next_parameter()
for step in range(4):
    nni.report_intermediate_result(p["x"] * step)
    time.sleep(0.05)
nni.report_final_result(p["x"])
"""

ENGINE = """
import sys
from hyperscout import Experiment
exp = Experiment(sys.argv[1], {"x": {"_type": "uniform", "_value": [0, 1]}},
                 code_dir=sys.argv[2], max_trials=16, concurrency=2, seed=7,
                 storage=sys.argv[3], progress=False)
exp.create()
print(exp.id, flush=True)
exp.run()
"""


def _reported_in_files(store_dir: Path, exp_id: str) -> dict[int, list[dict]]:
    out = {}
    for d in (store_dir / "experiments" / exp_id / "trials").iterdir():
        path = d / "metrics.jsonl"
        if path.exists():
            out[int(d.name)] = [json.loads(l) for l in path.read_text().splitlines() if l.endswith("}")]
    return out


@pytest.mark.parametrize("kill_after", [1, 6])  # trials ended: early, and midway
def test_sigkill_mid_run_then_resume_loses_no_reported_result(tmp_path, kill_after):
    (tmp_path / "trial.py").write_text(TRIAL)
    (tmp_path / "engine.py").write_text(ENGINE)
    store_dir = tmp_path / "store"
    engine = subprocess.Popen(
        [sys.executable, "engine.py", f"{sys.executable} trial.py", str(tmp_path), str(store_dir)],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    exp_id = engine.stdout.readline().strip()
    # watch the store, not the clock: on a quiet machine all 16 trials can end in 2 s
    watcher = Store(store_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(
            t.ended is not None for t in watcher.trials(exp_id)) < kill_after:
        time.sleep(0.01)
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    watcher.close()

    store = Store(store_dir)
    assert store.experiment(exp_id).status == "interrupted"
    before = {t.number: t for t in store.trials(exp_id)}
    assert before, "the engine was killed before it started any trial"

    time.sleep(1.0)  # a resume that comes later than the kill
    resumed_at = time.time()
    exp = Experiment.load(exp_id, storage=store, progress=False)
    exp.run()
    for number, old in before.items():  # found dead on resume: ended when last seen
        if old.ended is None:
            assert store.trial(exp_id, number).ended < resumed_at

    trials = exp.trials()
    files = _reported_in_files(store_dir, exp_id)
    for t in trials:  # every line a trial wrote is in the store
        reported = files.get(t.number, [])
        finals = [r["value"] for r in reported if r["kind"] == "final"]
        if finals:
            assert t.value == finals[0]
        stored = store.intermediates(exp_id, t.number)
        assert len(stored) == sum(r["kind"] == "intermediate" for r in reported)
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers))
    originals = [t for t in trials if t.retry_of is None]
    assert len(originals) == 16  # max_trials counts what ran before the kill
    succeeded = {json.dumps(t.params, sort_keys=True) for t in trials
                 if t.state is TrialState.SUCCEEDED}
    assert len(succeeded) == 16  # every configuration finished, interrupted ones re-ran
    assert store.experiment(exp_id).status == "done"
    assert all(t.state is not TrialState.RUNNING for t in trials)


def test_sigterm_stops_gracefully_and_resume_reruns_the_canceled_trials(tmp_path):
    (tmp_path / "trial.py").write_text("import time, nni\nnni.get_next_parameter()\ntime.sleep(30)\n")
    (tmp_path / "engine.py").write_text(ENGINE)
    store_dir = tmp_path / "store"
    engine = subprocess.Popen(
        [sys.executable, "engine.py", f"{sys.executable} trial.py", str(tmp_path), str(store_dir)],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    exp_id = engine.stdout.readline().strip()
    store = Store(store_dir)
    deadline = time.monotonic() + 20
    while len(store.trials(exp_id, states=[TrialState.RUNNING])) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    engine.send_signal(signal.SIGTERM)
    assert engine.wait(timeout=20) == 0
    assert store.experiment(exp_id).status == "stopped"
    canceled = store.trials(exp_id, states=[TrialState.USER_CANCELED])
    assert len(canceled) == 2 and all(t.reason == "experiment stopped" for t in canceled)
