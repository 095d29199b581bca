"""Schedulers and assessors in the engine: Hyperband's plan run for real with checkpoint
hand-over, ASHA under concurrency, early stops of function and command trials, and a
killed engine resuming a Hyperband run without losing or repeating a job."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import time

import pytest

import hyperscout
from hyperscout import Experiment, TrialState, TrialStopped
from hyperscout.store import Store

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _accuracy(x: float, epoch: int) -> float:
    return x * (1 - math.exp(-epoch / 3))


def train_with_checkpoints(params):
    """A trial as a user writes one: train up to the budget, from a checkpoint if any."""
    budget = int(hyperscout.get_budget())
    start, acc = 0, 0.0
    previous = hyperscout.load_checkpoint_dir()
    if previous is not None:
        state = json.loads((previous / "state.json").read_text())
        start, acc = state["epoch"], state["acc"]
    assert start == hyperscout.get_previous_budget()
    for epoch in range(start + 1, budget + 1):
        acc = _accuracy(params["x"], epoch)
        hyperscout.report_intermediate_result(acc, step=epoch)
    (hyperscout.checkpoint_dir() / "state.json").write_text(
        json.dumps({"epoch": budget, "acc": acc}))
    return acc


def test_hyperband_runs_its_plan_and_promoted_trials_continue_from_checkpoints(tmp_path):
    exp = Experiment(train_with_checkpoints, SPACE, tuner="random", scheduler="hyperband",
                     scheduler_args={"max_epochs": 9, "factor": 3}, storage=tmp_path,
                     seed=0, progress=False)
    assert exp.plan().trials == 22
    exp.run()
    trials = exp.trials()
    assert len(trials) == 22 and all(t.state is TrialState.SUCCEEDED for t in trials)
    by_job = {t.schedule["job"]: t for t in trials}
    store = exp.store
    for t in trials:
        job = t.schedule
        assert t.params["TRIAL_BUDGET"] == job["budget"]
        steps = [p.step for p in store.intermediates(exp.id, t.number)]
        assert steps == list(range(int(job["previous_budget"]) + 1, int(job["budget"]) + 1))
        if job["parent"] is not None:
            parent = by_job[job["parent"]]
            assert parent.schedule["config"] == job["config"]
            assert parent.params["x"] == t.params["x"]
            rung = [p for p in trials if p.schedule["bracket"] == job["bracket"]
                    and p.schedule["rung"] == parent.schedule["rung"]]
            promoted = [p for p in trials if p.schedule["parent"] is not None
                        and p.schedule["bracket"] == job["bracket"]
                        and p.schedule["rung"] == job["rung"]]
            best = sorted(rung, key=lambda p: -p.value)[: len(promoted)]
            assert parent.number in {b.number for b in best}
    assert exp.best_trial.params["TRIAL_BUDGET"] == 9


def test_asha_keeps_two_workers_busy_and_promotes_the_best(tmp_path):
    exp = Experiment(train_with_checkpoints, SPACE, tuner="random", scheduler="asha",
                     scheduler_args={"max_t": 9, "grace_period": 1, "reduction_factor": 3},
                     max_trials=30, concurrency=2, storage=tmp_path, seed=1, progress=False)
    exp.run()
    trials = exp.trials()
    assert len(trials) == 30
    rungs = [t.schedule["rung"] for t in trials]
    assert rungs.count(0) > rungs.count(1) > rungs.count(2) >= 1
    for t in trials:
        if t.schedule["parent"] is not None:
            parent = next(p for p in trials if p.schedule["job"] == t.schedule["parent"])
            assert parent.params["x"] == t.params["x"]


def test_pbt_members_continue_their_own_or_the_copied_checkpoint(tmp_path):
    exp = Experiment(train_with_checkpoints, SPACE, tuner="random", scheduler="pbt",
                     scheduler_args={"max_budget": 9, "interval": 3, "population_size": 4},
                     concurrency=2, storage=tmp_path, seed=2, progress=False)
    exp.run()
    trials = exp.trials()
    assert len(trials) == 12 and all(t.state is TrialState.SUCCEEDED for t in trials)
    by_job = {t.schedule["job"]: t for t in trials}
    copied = 0
    for t in trials:
        steps = [p.step for p in exp.store.intermediates(exp.id, t.number)]
        assert steps == list(range(int(t.schedule["previous_budget"]) + 1,
                                   int(t.params["TRIAL_BUDGET"]) + 1))
        if t.schedule["parent"] is not None:
            parent = by_job[t.schedule["parent"]]
            copied += parent.schedule["config"] != t.schedule["config"]
    assert copied == 2  # the worst member of each of generations 0 and 1


def curve_trial(params):
    """Accuracy that plateaus at x; catches the stop to leave a mark, as a user might."""
    try:
        for step in range(1, 11):
            hyperscout.report_intermediate_result(params["x"] * (1 - 0.5 ** step), step=step)
            time.sleep(0.01)
    except TrialStopped:
        (hyperscout.checkpoint_dir() / "saved").write_text("yes")
        raise
    return params["x"]


def test_the_median_assessor_stops_bad_function_trials_and_spares_the_good(tmp_path):
    exp = Experiment(curve_trial, SPACE, tuner="random", assessor="median",
                     assessor_args={"start_step": 3}, max_trials=16, storage=tmp_path, seed=3,
                     progress=False)
    exp.run()
    trials = exp.trials()
    stopped = [t for t in trials if t.state is TrialState.EARLY_STOPPED]
    done = [t for t in trials if t.state is TrialState.SUCCEEDED]
    assert stopped and done and len(stopped) + len(done) == 16
    for t in stopped:
        assert "median" in t.reason and "step" in t.reason
        assert t.n_intermediate < 10 and t.value is None and t.latest is not None
        assert (tmp_path / "experiments" / exp.id / "trials" / str(t.number) / "checkpoint"
                / "saved").exists()
    assert exp.best_trial.value >= max(t.params["x"] for t in stopped)


COMMAND_TRIAL = """
import time, nni
p = nni.get_next_parameter()
for step in range(1, 200):
    nni.report_intermediate_result(p["x"] * 0.001, step=step)
    time.sleep(0.05)
nni.report_final_result(p["x"])
"""


@pytest.mark.slow
def test_a_command_trial_stopped_early_gets_sigterm_and_leaves_a_consistent_record(tmp_path):
    (tmp_path / "trial.py").write_text(COMMAND_TRIAL)
    exp = Experiment(f"{sys.executable} trial.py", SPACE, code_dir=tmp_path,
                     assessor="patience", assessor_args={"threshold": 0.5, "start_step": 3},
                     max_trials=2, storage=tmp_path / "store", seed=0, progress=False)
    started = time.monotonic()
    exp.run()
    assert time.monotonic() - started < 30  # 200 steps would take 10 s per trial
    for t in exp.trials():
        assert t.state is TrialState.EARLY_STOPPED
        # Reports that arrive together are assessed together, so on a busy machine the
        # decision may come at a later step than the first one past start_step.
        stopped_at = re.search(r"threshold at step (\d+)", t.reason)
        assert stopped_at and 3 <= int(stopped_at.group(1)) <= t.n_intermediate
        assert t.value is None and 3 <= t.n_intermediate < 40
        steps = [p.step for p in exp.store.intermediates(exp.id, t.number)]
        assert steps == list(range(1, len(steps) + 1))
        assert t.pid is None and t.ended is not None


ENGINE = """
import sys
from hyperscout import Experiment
exp = Experiment(sys.argv[1], {"x": {"_type": "uniform", "_value": [0, 1]}},
                 code_dir=sys.argv[2], tuner="random", scheduler="hyperband",
                 scheduler_args={"R": 9, "eta": 3}, concurrency=2, seed=7,
                 storage=sys.argv[3], progress=False)
exp.create()
print(exp.id, flush=True)
exp.run()
"""

HB_TRIAL = """
import json, time, hyperscout
p = hyperscout.get_next_parameter()
budget, start = int(hyperscout.get_budget()), 0
ckpt = hyperscout.load_checkpoint_dir()
if ckpt is not None:
    start = json.loads((ckpt / "state.json").read_text())["epoch"]
for epoch in range(start + 1, budget + 1):
    time.sleep(0.05)
    hyperscout.report_intermediate_result(p["x"] * epoch, step=epoch)
(hyperscout.checkpoint_dir() / "state.json").write_text(json.dumps({"epoch": budget}))
hyperscout.report_final_result(p["x"] * budget)
"""


@pytest.mark.slow
def test_a_killed_engine_resumes_hyperband_without_losing_or_repeating_a_job(tmp_path):
    (tmp_path / "trial.py").write_text(HB_TRIAL)
    (tmp_path / "engine.py").write_text(ENGINE)
    store_dir = tmp_path / "store"
    engine = subprocess.Popen(
        [sys.executable, "engine.py", f"{sys.executable} trial.py", str(tmp_path),
         str(store_dir)], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    exp_id = engine.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it a few trials in, however fast they run
        if (store_dir / "hyperscout.db").exists():
            watcher = Store(store_dir)
            done = len(watcher.trials(exp_id, states=[TrialState.SUCCEEDED]))
            watcher.close()
            if done >= 3:
                break
        time.sleep(0.02)
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    store = Store(store_dir)
    assert store.trials(exp_id), "the engine was killed before it started any trial"
    assert sum(t.state is TrialState.SUCCEEDED for t in store.trials(exp_id)) < 22

    exp = Experiment.load(exp_id, storage=store, progress=False)
    exp.run()
    trials = exp.trials()
    succeeded = [t for t in trials if t.state is TrialState.SUCCEEDED]
    jobs = [t.schedule["job"] for t in succeeded]
    assert len(jobs) == len(set(jobs)) == 22  # every job of the plan, each once
    assert {(t.schedule["bracket"], t.schedule["rung"]) for t in succeeded} == {
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (2, 0)}
    top = [t for t in succeeded if t.schedule["budget"] == 9]
    assert len(top) == 1 + 1 + 3  # the top rung of each bracket
    for t in succeeded:  # each command trial trained on from its parent's checkpoint
        steps = [p.step for p in exp.store.intermediates(exp_id, t.number)]
        assert steps == list(range(int(t.schedule["previous_budget"]) + 1,
                                   int(t.schedule["budget"]) + 1))


def slow_train(params):
    time.sleep(0.05)  # gives the engine time to act on a stop before the trial ends
    budget = int(hyperscout.get_budget())
    start = 0
    previous = hyperscout.load_checkpoint_dir()
    if previous is not None:
        start = json.loads((previous / "state.json").read_text())["epoch"]
    for epoch in range(start + 1, budget + 1):
        hyperscout.report_intermediate_result(_accuracy(params["x"], epoch), step=epoch)
        time.sleep(0.05)
    (hyperscout.checkpoint_dir() / "state.json").write_text(json.dumps({"epoch": budget}))
    return _accuracy(params["x"], budget)


def test_an_assessor_under_hyperband_judges_whole_curves_and_never_a_finished_budget(tmp_path):
    exp = Experiment(slow_train, SPACE, tuner="random", scheduler="hyperband",
                     scheduler_args={"max_epochs": 9, "factor": 3}, assessor="median",
                     assessor_args={"start_step": 2}, storage=tmp_path, seed=4,
                     progress=False)
    exp.run()
    trials = exp.trials()
    stopped = [t for t in trials if t.state is TrialState.EARLY_STOPPED]
    assert stopped, "the median rule stopped nothing: the test exercises nothing"
    for t in stopped:  # decided while the trial still had epochs left to save
        decided_at = int(t.reason.split("at step ")[1].split(":")[0])
        assert decided_at < t.params["TRIAL_BUDGET"]
    # a promoted trial is judged on its configuration's curve from step 1: with
    # start_step 2, a trial continuing from epoch 3 may stop at its first report
    promoted = [t for t in stopped if t.schedule["parent"] is not None]
    assert all(t.n_intermediate >= 1 for t in promoted)


def test_a_space_parameter_named_like_the_budget_is_refused_before_anything_runs(tmp_path):
    from hyperscout.errors import ConfigError

    space = {"TRIAL_BUDGET": {"_type": "choice", "_value": [1, 2]}}
    with pytest.raises(ConfigError, match="TRIAL_BUDGET.*rename it"):
        Experiment(train_with_checkpoints, space, scheduler="asha",
                   scheduler_args={"max_budget": 9}, storage=tmp_path, progress=False)
    with pytest.raises(ConfigError, match="max_epochs` \\(max_budget\\) must be"):
        Experiment(train_with_checkpoints, SPACE, scheduler="hyperband",
                   scheduler_args={"max_epochs": -1}, storage=tmp_path, progress=False)
    assert not list(tmp_path.iterdir())  # nothing stored
