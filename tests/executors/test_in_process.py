"""The in-process executor: trials run in a thread of the engine's process, one at a time."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from hyperscout import Experiment, TrialState, should_stop
from hyperscout import trial as trial_api
from hyperscout.errors import ConfigError, EngineError
from hyperscout.executors import Exit, InProcessExecutor, TrialSpec
from hyperscout.tuners import RandomTuner

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _drain(executor, until=lambda events: any(isinstance(e, Exit) for e in events), limit=10.0):
    events, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        events += executor.poll(0.05)
        if until(events):
            return events
    raise AssertionError(f"no exit within {limit} s: {events}")


def test_trials_run_in_the_callers_own_thread_and_their_results_reach_the_store(tmp_path):
    threads = []

    def trial(params):
        threads.append(threading.current_thread())
        for step in range(3):
            trial_api.report_intermediate_result(params["x"] * step)
        return params["x"]

    exp = Experiment(trial, SPACE, tuner="random", max_trials=6, seed=0, storage=tmp_path,
                     progress=False, executor="in_process").run()
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 6
    assert all(t.n_intermediate == 3 and t.value == t.params["x"] for t in trials)
    # the caller's thread: where its script ran torch, so trials share that OpenMP pool
    assert threads == [threading.main_thread()] * 6


def test_an_experiment_started_from_a_worker_thread_runs_its_trials_in_that_thread(tmp_path):
    threads, errors = [], []

    def trial(params):
        threads.append(threading.current_thread())
        return params["x"]

    def caller():
        try:
            Experiment(trial, SPACE, tuner="random", max_trials=3, seed=0, storage=tmp_path,
                       progress=False, executor="in_process").run()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    worker = threading.Thread(target=caller)
    worker.start()
    worker.join(30)
    assert errors == [] and threads == [worker] * 3


def test_a_trial_whose_logs_cannot_be_opened_fails_and_the_experiment_goes_on(
        tmp_path, monkeypatch):
    from hyperscout.executors import _in_process

    real_enter, calls = _in_process._tee.__enter__, []

    def enter(self):
        calls.append(self)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_enter(self)

    monkeypatch.setattr(_in_process._tee, "__enter__", enter)
    exp = Experiment(lambda p: p["x"], SPACE, tuner="random", max_trials=2, seed=0,
                     storage=tmp_path, progress=False, executor="in_process").run()
    first, second = exp.trials()
    assert first.state is TrialState.FAILED and "OSError: disk full" in first.reason
    assert second.state is TrialState.SUCCEEDED


def test_an_engine_error_is_raised_in_the_caller_and_recorded(tmp_path):
    class Broken(RandomTuner):
        def ask(self):
            if len(self.trials) >= 2:
                raise RuntimeError("tuner bug")
            return super().ask()

    exp = Experiment(lambda p: p["x"], SPACE, tuner=Broken(SPACE, seed=0), max_trials=4,
                     storage=tmp_path, progress=False, executor="in_process")
    with pytest.raises(RuntimeError, match="tuner bug"):
        exp.run()
    assert exp.store.experiment(exp.id).status == "failed"
    assert [t.state for t in exp.trials()] == [TrialState.SUCCEEDED] * 2


def _wait_for_the_stop(limit=10.0):
    deadline = time.monotonic() + limit
    while not should_stop():
        assert time.monotonic() < deadline, f"the engine did not act on Ctrl-C in {limit} s"
        time.sleep(0.01)


def test_ctrl_c_during_a_trial_stops_the_experiment_gracefully(tmp_path):
    def trial(params):
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C mid-trial
        _wait_for_the_stop()
        return 0.5  # a trial may still hand back what it has

    handler = signal.getsignal(signal.SIGINT)  # the default, or ignored under nohup
    exp = Experiment(trial, SPACE, tuner="random", max_trials=3, seed=0, storage=tmp_path,
                     progress=False, executor="in_process").run()
    record = exp.store.experiment(exp.id)
    assert (record.status, record.message) == ("stopped", "received SIGINT")
    assert len(exp.trials()) == 1, "a trial was started after Ctrl-C"
    assert signal.getsignal(signal.SIGINT) is handler


def test_an_ignored_sigint_stays_ignored_while_the_experiment_runs(tmp_path):
    seen = []
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a job started with `&`
    try:
        Experiment(lambda p: seen.append(signal.getsignal(signal.SIGINT)) or 0.5, SPACE,
                   max_trials=1, storage=tmp_path, progress=False,
                   executor="in_process").run()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIG_IGN]


def test_ctrl_c_again_while_the_stop_is_under_way_interrupts_the_trial_at_once(tmp_path):
    interrupted = []

    def trial(params):
        os.kill(os.getpid(), signal.SIGINT)
        _wait_for_the_stop()  # the engine has acted on the first Ctrl-C
        try:
            os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C again
            time.sleep(10.0)  # in a long step that never reaches a report
        except KeyboardInterrupt:
            interrupted.append(True)
            raise
        return 0.5

    started = time.monotonic()
    exp = Experiment(trial, SPACE, tuner="random", max_trials=3, seed=0, storage=tmp_path,
                     progress=False, executor="in_process").run()
    assert interrupted and time.monotonic() - started < 5.0
    record = exp.store.experiment(exp.id)
    assert (record.status, record.message) == ("stopped", "received SIGINT")
    [only] = exp.trials()
    assert only.state is TrialState.USER_CANCELED


def test_an_abandoned_trial_holds_the_callers_thread_while_later_trials_run_elsewhere(
        tmp_path, monkeypatch):
    release, threads = threading.Event(), []

    def trial(params):
        threads.append(threading.current_thread())
        if len(threads) == 1:
            release.wait(10.0)  # ignores its timeout
            return 0.0
        if len(threads) == 3:
            release.set()
        return params["x"]

    monkeypatch.setattr(Experiment, "_executor",
                        lambda self: InProcessExecutor(trial, kill_grace=0.2))
    stdout = sys.stdout
    exp = Experiment(trial, SPACE, tuner="random", max_trials=3, seed=0, storage=tmp_path,
                     progress=False, executor="in_process", trial_timeout=0.3).run()
    states = [t.state for t in exp.trials()]
    assert states[0] is not TrialState.SUCCEEDED and states[1:] == [TrialState.SUCCEEDED] * 2
    assert threads[0] is threading.main_thread()
    assert threading.main_thread() not in threads[1:]
    assert sys.stdout is stdout, "the trials' copies to their logs were left in place"


def test_a_trials_prints_go_to_the_terminal_and_to_its_log(tmp_path, capsys):
    def trial(params):
        print("hello from the trial")
        print("a warning", file=sys.stderr)
        return 1.0

    exp = Experiment(trial, SPACE, tuner="random", max_trials=1, seed=0, storage=tmp_path,
                     progress=False, executor="in_process").run()
    directory = exp.trials()[0].directory
    out = capsys.readouterr()
    assert "hello from the trial" in out.out and "a warning" in out.err
    assert "hello from the trial" in (tmp_path / directory / "stdout.log").read_text()
    assert "a warning" in (tmp_path / directory / "stderr.log").read_text()


def test_an_exception_fails_the_trial_with_its_traceback_in_stderr_log(tmp_path):
    def trial(params):
        raise ValueError("bad configuration")

    exp = Experiment(trial, SPACE, tuner="random", max_trials=2, seed=0, storage=tmp_path,
                     progress=False, executor="in_process").run()
    failed = exp.trials()[0]
    assert failed.state is TrialState.FAILED
    assert "ValueError: bad configuration" in failed.reason
    assert "Traceback" in (tmp_path / failed.directory / "stderr.log").read_text()


def test_a_kill_reaches_the_function_at_its_next_stop_check(tmp_path):
    checked = threading.Event()

    def trial():
        while not should_stop():
            checked.set()
            time.sleep(0.01)
        trial_api.report_intermediate_result(0.5)  # raises TrialStopped: asked to stop

    executor = InProcessExecutor(trial, kill_grace=5.0)
    executor.start(TrialSpec("exp", 0, {"x": 0.1}, tmp_path / "0"))
    assert checked.wait(5.0)
    executor.kill(0, "killed by the user")
    exit_ = next(e for e in _drain(executor) if isinstance(e, Exit))
    assert exit_.ok and exit_.reason.startswith("stopped early: killed by the user")
    assert executor.running == set()


def test_a_trial_that_ignores_a_kill_is_abandoned_after_the_grace_period(tmp_path):
    release = threading.Event()
    executor = InProcessExecutor(lambda: release.wait(10.0), kill_grace=0.2)
    executor.start(TrialSpec("exp", 0, {}, tmp_path / "0"))
    executor.kill(0, "timed out")
    exit_ = next(e for e in _drain(executor) if isinstance(e, Exit))
    release.set()
    assert not exit_.ok and "did not stop within 0.2 s and was abandoned" in exit_.reason


def test_an_abandoned_trial_that_reports_late_does_not_report_as_the_next_trial(tmp_path):
    release, next_started = threading.Event(), threading.Event()

    def trial(params):
        if params["x"] == 0.0:
            release.wait(10.0)  # ignores its kill, then reports
            trial_api.report_intermediate_result(123.0)
            return None
        next_started.set()
        release.set()
        time.sleep(0.3)  # the abandoned trial reports meanwhile
        return params["x"]

    executor = InProcessExecutor(trial, kill_grace=0.2)
    executor.start(TrialSpec("exp", 0, {"x": 0.0}, tmp_path / "0"))
    executor.kill(0, "timed out")
    _drain(executor)
    executor.start(TrialSpec("exp", 1, {"x": 0.5}, tmp_path / "1"))
    events = _drain(executor)
    assert next_started.is_set()
    reported = [e.record["value"] for e in events if not isinstance(e, Exit)]
    assert reported == [0.5], "the abandoned trial's late report was taken for trial 1's"


def test_one_trial_at_a_time(tmp_path):
    release = threading.Event()
    executor = InProcessExecutor(lambda: release.wait(10.0))
    executor.start(TrialSpec("exp", 0, {}, tmp_path / "0"))
    with pytest.raises(EngineError, match="one trial at a time"):
        executor.start(TrialSpec("exp", 1, {}, tmp_path / "1"))
    release.set()
    _drain(executor)


@pytest.mark.parametrize("options, fragment", [
    ({"concurrency": 2}, "concurrency is 2"),
    ({"gpus_per_trial": 1}, "cannot give a trial its own GPUs"),
    ({"executor": "cluster"}, "`executor` must be one of"),
])
def test_in_process_options_that_cannot_work_are_refused(tmp_path, options, fragment):
    options = {"executor": "in_process", **options}
    with pytest.raises(ConfigError, match=fragment):
        Experiment(lambda p: 1.0, SPACE, storage=tmp_path, **options)


def test_a_command_trial_cannot_run_in_process(tmp_path):
    with pytest.raises(ConfigError, match="runs a Python callable"):
        Experiment("python -c pass", SPACE, storage=tmp_path, executor="in_process")
