"""Robustness of the engine core: crash windows, signals, retry chains, bad input.
Each test names the behaviour it guards (found in review)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import hyperscout
from hyperscout import Experiment
from hyperscout.engine import GpuPool
from hyperscout.errors import ConfigError
from hyperscout.executors import Exit, FunctionExecutor, TrialSpec, _channel
from hyperscout.states import TrialState
from hyperscout.store import Store
from hyperscout.tuners._random import RandomTuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _quick(params):
    return params["x"]


def _history(tmp_path, rows, **config):
    """An experiment whose store holds `rows`: (state, retry_of, attempt, reason, value)."""
    store = Store(tmp_path)
    exp = Experiment(_quick, SPACE, storage=store, progress=False, seed=0, **config)
    exp_id = exp.create()
    for number, (state, retry_of, attempt, reason, value) in enumerate(rows):
        store.add_trial(exp_id, number, {"x": 0.1 * (number + 1)}, attempt=attempt,
                        retry_of=retry_of)
        store.start_trial(exp_id, number, lease_until=time.time() + 60)
        if value is not None:
            store.add_reports(exp_id, number, [{"seq": 0, "kind": "final", "value": value,
                                                "metrics": {"default": value}, "step": None,
                                                "time": time.time()}])
        store.finish_trial(exp_id, number, state, reason=reason)
    return store, exp_id


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# -- 1. a final report written just before the worker dies ---------------------------------

def test_final_report_written_right_before_worker_death_is_stored(tmp_path, monkeypatch):
    real_read = _channel.ReportTail.read
    slowed = []

    def slow_read(self):  # the engine is preempted right after reading the tail
        records = real_read(self)
        if records and not slowed:
            slowed.append(1)
            time.sleep(1.0)
        return records

    monkeypatch.setattr(_channel.ReportTail, "read", slow_read)

    def fn():
        hyperscout.report_intermediate_result(0.5)
        time.sleep(0.3)
        hyperscout.report_final_result(1.0)
        os._exit(0)  # e.g. a crash in teardown after the result was reported

    exp = Experiment(fn, SPACE, max_trials=1, storage=tmp_path, progress=False, seed=0)
    exp.run()
    [trial] = exp.trials()
    lines = (Path(trial.directory) / "metrics.jsonl").read_text().splitlines()
    assert any(json.loads(l)["kind"] == "final" for l in lines)
    assert trial.value == 1.0, "the final line is in metrics.jsonl but was never stored"


# -- 2. malformed metrics line -------------------------------------------------------------

def test_malformed_metrics_line_fails_the_trial_not_the_engine(tmp_path):
    def fn():
        with open(hyperscout.get_trial_dir() / "metrics.jsonl", "a") as f:
            f.write(json.dumps({"seq": 100, "kind": "intermediate", "value": 1}) + "\n")

    exp = Experiment(fn, SPACE, max_trials=2, storage=tmp_path, progress=False, seed=0)
    exp.run()  # currently: KeyError 'step' escapes from the loop
    assert exp.store.experiment(exp.id).status == "done"


# -- 3. start failures ---------------------------------------------------------------------

def test_trials_that_cannot_start_count_toward_max_failed_trials(tmp_path):
    exp = Experiment("true", SPACE, code_dir=tmp_path / "missing", max_trials=10,
                     max_failed_trials=2, storage=tmp_path / "store", progress=False, seed=0)
    exp.run()
    record = exp.store.experiment(exp.id)
    assert record.status == "failed"
    assert len(exp.trials()) <= 3


# -- 4. trial numbers: engine vs `hyperscout trial rerun` ----------------------------------

def test_engine_takes_next_free_number_when_a_rerun_was_inserted_meanwhile(tmp_path):
    def fn(params):
        if hyperscout.get_trial_id() == "0":  # `hyperscout trial rerun` runs meanwhile
            cli = Store(tmp_path)
            exp_id = hyperscout.get_experiment_id()
            cli.add_trial(exp_id, cli.next_trial_number(exp_id), params, retry_of=0,
                          reason="rerun of trial 0 by user")
            cli.close()
        return params["x"]

    exp = Experiment(fn, SPACE, max_trials=2, storage=tmp_path, progress=False, seed=0)
    exp.run()  # currently: sqlite3.IntegrityError (UNIQUE constraint) -> experiment failed
    numbers = [t.number for t in exp.trials()]
    assert len(numbers) == len(set(numbers)) == 3


# -- 5./6. resume bookkeeping with retry chains --------------------------------------------

def test_resume_does_not_requeue_a_canceled_retry_that_was_already_rerun(tmp_path):
    stopped = "experiment stopped"
    store, exp_id = _history(tmp_path, [
        (TrialState.USER_CANCELED, None, 0, stopped, None),  # stopped; re-run as 1
        (TrialState.USER_CANCELED, 0, 0, stopped, None),     # stopped again; re-run as 2
        (TrialState.SUCCEEDED, 0, 0, None, 0.3),             # done
    ], max_trials=1)
    Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
    assert len(store.trials(exp_id)) == 3, "trial 1 is re-run again on every resume"


def test_resume_counts_retried_attempts_as_live_run_did_for_max_failed_trials(tmp_path):
    store, exp_id = _history(tmp_path, [
        (TrialState.FAILED, None, 0, "exit code 1", None),  # retried as 1
        (TrialState.FAILED, 0, 1, "exit code 1", None),     # retried as 2
        (TrialState.SUCCEEDED, 0, 2, None, 0.3),
    ], max_trials=3, max_retries=2, max_failed_trials=0)
    # the live run counted 0 failed trials (both failures were retried)
    Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
    record = store.experiment(exp_id)
    assert record.status == "done", record.message
    assert len(store.trials(exp_id)) == 5


def test_resume_queues_the_retry_a_killed_engine_never_wrote(tmp_path):
    # SIGKILL between _apply's commit (trial 0 failed) and _maybe_retry's add_trial
    store, exp_id = _history(tmp_path, [(TrialState.FAILED, None, 0, "exit code 1", None)],
                             max_trials=1, max_retries=1)
    Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
    assert [t.retry_of for t in store.trials(exp_id)] == [None, 0]


def test_interrupted_trial_is_rerun_even_if_an_earlier_resume_died_midway(tmp_path):
    store = Store(tmp_path)
    exp = Experiment(_quick, SPACE, storage=store, progress=False, seed=0, max_trials=1)
    exp_id = exp.create()
    store.add_trial(exp_id, 0, {"x": 0.5})
    store.start_trial(exp_id, 0, lease_until=time.time() - 1)  # engine died while it ran

    real_add = store.add_trial

    def dies(*a, **k):  # the resuming engine is killed between the two commits
        raise RuntimeError("SIGKILL")

    store.add_trial = dies
    with pytest.raises(RuntimeError):
        Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
    store.add_trial = real_add
    Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
    assert any(t.retry_of == 0 for t in store.trials(exp_id)), \
        "trial 0 is stale with `ended` set, so no later resume re-runs it"


# -- 7. signals ----------------------------------------------------------------------------

def test_sigint_while_launching_also_ends_the_trial_being_started(tmp_path, monkeypatch):
    class SignalOnStart(FunctionExecutor):
        def start(self, spec):
            pid = super().start(spec)
            if spec.number == 0:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands mid-launch
            return pid

    def slow(params):
        time.sleep(4)
        return params["x"]

    monkeypatch.setattr(Experiment, "_executor", lambda self: SignalOnStart(slow))
    exp = Experiment(slow, SPACE, max_trials=4, concurrency=2, storage=tmp_path,
                     progress=False, seed=0)
    t0 = time.monotonic()
    exp.run()
    states = [t.state for t in exp.trials()]
    assert time.monotonic() - t0 < 3, "Ctrl-C waited for the trial to finish"
    assert TrialState.SUCCEEDED not in states, states
    assert len(states) == 1, "a trial was launched after the stop"


def test_experiment_runs_outside_the_main_thread(tmp_path):
    errors = []

    def target():
        try:
            Experiment(_quick, SPACE, max_trials=2, storage=tmp_path, progress=False,
                       seed=0).run()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not errors, errors  # ValueError: signal only works in main thread


# -- 8. processes left behind --------------------------------------------------------------

def test_trial_timeout_also_kills_subprocesses_of_a_function_trial(tmp_path):
    pid_file = tmp_path / "child.pid"

    def fn(params):
        child = subprocess.Popen(["sleep", "30"])
        pid_file.write_text(str(child.pid))
        time.sleep(30)

    exp = Experiment(fn, SPACE, max_trials=1, trial_timeout=1, storage=tmp_path / "s",
                     progress=False, seed=0)
    exp.run()
    child = int(pid_file.read_text())
    try:
        time.sleep(0.2)
        assert exp.trials()[0].state is TrialState.TIMEOUT
        assert not _alive(child), "the trial's child outlives the killed trial"
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


ENGINE = """
import os, sys, time
from hyperscout import Experiment
import hyperscout

def fn(params):
    with open(sys.argv[2], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
    hyperscout.report_final_result(5.0)

exp = Experiment(fn, {"x": {"_type": "uniform", "_value": [0, 1]}}, max_trials=1,
                 storage=sys.argv[1], progress=False, seed=0)
exp.create()
print(exp.id, flush=True)
exp.run()
"""


@pytest.mark.slow
def test_resume_reaps_the_function_worker_of_a_killed_engine(tmp_path):
    (tmp_path / "engine.py").write_text(ENGINE)
    pid_file = tmp_path / "worker.pid"
    engine = subprocess.Popen([sys.executable, "engine.py", str(tmp_path / "s"), str(pid_file)],
                              cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    exp_id = engine.stdout.readline().strip()
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    worker = int(pid_file.read_text())
    engine.kill()
    engine.wait()
    try:
        store = Store(tmp_path / "s")
        Experiment.load(exp_id, storage=store, trial=_quick, progress=False).run()
        time.sleep(0.2)
        assert not _alive(worker), "the old worker still runs trial 0 after resume"
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


# -- 9. executor: a trial that finished before the kill ------------------------------------

def test_function_that_returned_before_a_timeout_kill_is_reported_ok(tmp_path):
    ex = FunctionExecutor(lambda p: 1.0)
    ex.start(TrialSpec("e", 0, {}, tmp_path / "0"))
    time.sleep(0.5)  # the function returned and sent "done"; the engine has not polled yet
    ex.kill(0, "trial timeout")
    events = []
    deadline = time.monotonic() + 10
    while ex.running and time.monotonic() < deadline:
        events += ex.poll(0.05)
    ex.shutdown()
    exit_ = [e for e in events if isinstance(e, Exit)][0]
    assert exit_.ok, exit_


# -- 10. bad input -------------------------------------------------------------------------

def test_gpu_pool_rejects_duplicate_gpu_indices():
    with pytest.raises(ConfigError):
        GpuPool(2, [0, 0])  # else acquire() returns None forever: the engine waits forever


def test_exception_in_the_loop_leaves_no_trial_running(tmp_path):
    class Broken(RandomTuner):
        def ask(self):
            if len(self.trials) >= 1:
                raise RuntimeError("tuner bug")
            return super().ask()

    def slow(params):
        time.sleep(2)
        return 1.0

    exp = Experiment(slow, SPACE, tuner=Broken(SPACE, seed=0), max_trials=4, concurrency=2,
                     storage=tmp_path, progress=False, seed=0)
    with pytest.raises(RuntimeError):
        exp.run()
    assert exp.store.experiment(exp.id).status == "failed"
    assert [t.state for t in exp.trials() if t.state is TrialState.RUNNING] == []


def test_experiment_built_with_a_tuner_instance_can_be_resumed(tmp_path):
    exp = Experiment(_quick, SPACE, tuner=RandomTuner(SPACE, seed=0), max_trials=1,
                     storage=tmp_path, progress=False, seed=0)
    exp.run()
    store = Store(tmp_path)
    Experiment.load(exp.id, storage=store, trial=_quick, progress=False).run()


def _reports_from_threads_and_a_child_process(params):
    def report_200():
        for i in range(200):
            hyperscout.report_intermediate_result(float(i), step=i)

    threads = [threading.Thread(target=report_200) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pid = os.fork()
    if pid == 0:  # a helper process of the trial reports too, numbering from its own count
        hyperscout.report_intermediate_result(-1.0, step=10_000)
        os._exit(0)
    os.waitpid(pid, 0)
    return 0.5


def test_reports_from_several_threads_and_processes_of_one_trial_are_all_kept(tmp_path):
    exp = Experiment(_reports_from_threads_and_a_child_process, SPACE, max_trials=2,
                     storage=tmp_path, progress=False)
    exp.run()
    for t in exp.trials():
        assert (t.state, t.value, t.n_intermediate) == (TrialState.SUCCEEDED, 0.5, 801)
        steps = [r.step for r in exp.store.intermediates(exp.id, t.number)]
        assert sorted(steps) == sorted([*range(200)] * 4 + [10_000])


def _clears_its_folder(params):
    folder = hyperscout.get_trial_dir()
    hyperscout.report_intermediate_result(0.1)
    time.sleep(0.3)  # the engine has read the first report
    for path in folder.iterdir():  # "keep only the newest checkpoint", too eagerly
        if path.suffix != ".log":
            path.unlink()
    hyperscout.report_intermediate_result(0.2)
    return 0.9


def test_a_trial_that_deletes_its_metrics_file_keeps_its_later_reports(tmp_path):
    exp = Experiment(_clears_its_folder, SPACE, max_trials=1, storage=tmp_path,
                     progress=False, executor="in_process")
    exp.run()
    [t] = exp.trials()
    assert (t.state, t.value, t.n_intermediate) == (TrialState.SUCCEEDED, 0.9, 2)


def test_a_hand_written_line_with_a_step_beyond_64_bits_is_skipped(tmp_path):
    (tmp_path / "metrics.jsonl").write_text(
        '{"seq": 0, "kind": "intermediate", "value": 1, "step": 9223372036854775808}\n'
        '{"seq": 1, "kind": "final", "value": 2}\n')
    assert [(r["kind"], r["seq"]) for r in _channel.read_reports(tmp_path)] == [("final", 1)]


def _final_then_lingers(params):
    hyperscout.report_final_result(params["x"])
    for _ in range(300):  # saving checkpoints, say, when the experiment's time runs out
        if hyperscout.should_stop():
            raise hyperscout.TrialStopped("asked to stop")
        time.sleep(0.1)


def _final_then_crashes(params):
    hyperscout.report_final_result(params["x"])
    raise RuntimeError("cleanup failed")


@pytest.mark.parametrize("executor", ["local", "in_process"])
def test_a_result_reported_before_a_stop_or_a_crash_stands(tmp_path, executor):
    lingering = Experiment(_final_then_lingers, SPACE, max_trials=1, max_duration=1.5,
                           storage=tmp_path / "a", progress=False, executor=executor)
    lingering.run()
    crashing = Experiment(_final_then_crashes, SPACE, max_trials=2, storage=tmp_path / "b",
                          progress=False, executor=executor)
    crashing.run()
    assert all(t.reason.endswith(", after it reported its final result")
               for t in crashing.trials())
    for exp in (lingering, crashing):
        for t in exp.trials():
            assert (t.state, t.value) == (TrialState.SUCCEEDED, t.params["x"]), t.reason
        assert exp.best_trial is not None
    again = Experiment.load(lingering.id, storage=tmp_path / "a", trial=_final_then_lingers,
                            progress=False).run()
    assert len(again.trials()) == 1, "a trial with its result is not run again on resume"


_SLOW_EXPERIMENT = """
import sys, time
from hyperscout import Experiment

def trial(params):
    time.sleep(0.2)
    return params["x"]

exp = Experiment(trial, {"x": {"_type": "uniform", "_value": [0, 1]}}, max_trials=40,
                 storage=sys.argv[1], progress=False, seed=0)
try:
    exp.run()
except Exception as exc:
    print(type(exc).__name__, exc, flush=True)
    sys.exit(3)
"""


def test_an_engine_that_lost_its_experiment_while_suspended_leaves_it_untouched(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_SLOW_EXPERIMENT)
    engine = subprocess.Popen([sys.executable, str(script), str(tmp_path / "store")],
                              stdout=subprocess.PIPE, text=True)
    store = Store(tmp_path / "store")
    deadline = time.monotonic() + 30
    while not (store.experiments() and store.trials(store.experiments()[0].id)):
        assert time.monotonic() < deadline, "the engine never started a trial"
        time.sleep(0.1)
    [experiment] = store.experiments()
    os.kill(engine.pid, signal.SIGSTOP)  # a laptop lid closed, a debugger breakpoint
    try:  # it looked dead, and `hyperscout stop` marked it stopped
        store.set_status(experiment.id, "stopped", "stopped by user")
        trials_then = len(store.trials(experiment.id))
    finally:
        os.kill(engine.pid, signal.SIGCONT)
    out, _ = engine.communicate(timeout=60)
    assert engine.returncode == 3 and "was marked stopped while this engine" in out, out
    after = store.experiment(experiment.id)
    assert (after.status, after.message) == ("stopped", "stopped by user")
    assert len(store.trials(experiment.id)) == trials_then, "it started no trial after"
