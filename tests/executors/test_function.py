"""FunctionExecutor: trials in forked workers; crashes and hangs stay in their worker."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import hyperscout
from hyperscout.executors import Exit, FunctionExecutor, Report, TrialSpec


def _drain(executor, timeout: float = 10.0) -> list:
    events, deadline = [], time.monotonic() + timeout
    while executor.running and time.monotonic() < deadline:
        events += executor.poll(0.05)
    assert not executor.running, "trials did not finish in time"
    return events


def _spec(tmp_path: Path, number: int, params: dict) -> TrialSpec:
    return TrialSpec("exp", number, params, tmp_path / str(number))


def test_a_returned_number_becomes_the_final_report(tmp_path):
    ex = FunctionExecutor(lambda p: p["x"] * 2)
    ex.start(_spec(tmp_path, 0, {"x": 3}))
    events = _drain(ex)
    ex.shutdown()
    assert [e.record["value"] for e in events if isinstance(e, Report)] == [6.0]
    assert events[-1] == Exit(0, ok=True, exit_code=0)
    assert json.loads((tmp_path / "0" / "params.json").read_text()) == {"x": 3}


def _squares_in_child_processes(params):
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(2) as pool:  # as a DataLoader's workers
        return float(sum(pool.map(abs, range(params["n"]))))


def test_a_trial_may_start_processes_of_its_own(tmp_path):
    ex = FunctionExecutor(_squares_in_child_processes)
    ex.start(_spec(tmp_path, 0, {"n": 5}))
    events = _drain(ex, timeout=30)
    ex.shutdown()
    assert events[-1] == Exit(0, ok=True, exit_code=0), (tmp_path / "0" / "stderr.log").read_text()
    assert [e.record["value"] for e in events if isinstance(e, Report)] == [10.0]


def test_trial_api_inside_a_function_trial_reports_intermediates_then_final(tmp_path):
    def fn():
        params = hyperscout.get_next_parameter()
        for step in range(3):
            hyperscout.report_intermediate_result(params["x"] + step)
        hyperscout.report_final_result({"default": 10.0, "loss": 0.5})
        print("hello from the trial")
        return 99  # ignored: the final result was already reported

    ex = FunctionExecutor(fn)
    ex.start(_spec(tmp_path, 0, {"x": 1}))
    reports = [e.record for e in _drain(ex) if isinstance(e, Report)]
    ex.shutdown()
    assert [(r["kind"], r["value"]) for r in reports] == [
        ("intermediate", 1.0), ("intermediate", 2.0), ("intermediate", 3.0), ("final", 10.0)]
    assert reports[-1]["metrics"] == {"default": 10.0, "loss": 0.5}
    assert "hello from the trial" in (tmp_path / "0" / "stdout.log").read_text()


def test_an_exception_fails_the_trial_with_its_traceback_in_stderr(tmp_path):
    def fn(params):
        raise ValueError("diverged")

    ex = FunctionExecutor(fn)
    ex.start(_spec(tmp_path, 0, {}))
    exit_ = _drain(ex)[-1]
    ex.shutdown()
    assert not exit_.ok and exit_.reason == "ValueError: diverged"
    assert "Traceback" in (tmp_path / "0" / "stderr.log").read_text()


def test_a_crashing_worker_fails_only_its_trial_and_is_replaced(tmp_path):
    def fn(params):
        if params["crash"]:
            os._exit(3)
        return 1.0

    ex = FunctionExecutor(fn)
    ex.start(_spec(tmp_path, 0, {"crash": True}))
    ex.start(_spec(tmp_path, 1, {"crash": False}))
    exits = {e.number: e for e in _drain(ex) if isinstance(e, Exit)}
    ex.start(_spec(tmp_path, 2, {"crash": False}))
    exits.update({e.number: e for e in _drain(ex) if isinstance(e, Exit)})
    ex.shutdown()
    assert not exits[0].ok and "exit code 3" in exits[0].reason
    assert exits[1].ok and exits[2].ok


def test_kill_ends_a_hanging_trial_with_the_given_reason(tmp_path):
    ex = FunctionExecutor(lambda p: time.sleep(60), kill_grace=0.5)
    ex.start(_spec(tmp_path, 0, {}))
    ex.poll(0.2)
    t0 = time.monotonic()
    ex.kill(0, "trial timeout")
    exit_ = _drain(ex)[-1]
    ex.shutdown()
    assert exit_ == Exit(0, ok=False, exit_code=exit_.exit_code, reason="trial timeout")
    assert time.monotonic() - t0 < 5


def test_a_nan_metric_fails_the_trial_and_is_never_reported(tmp_path):
    ex = FunctionExecutor(lambda p: float("nan"))
    ex.start(_spec(tmp_path, 0, {}))
    events = _drain(ex)
    ex.shutdown()
    assert not [e for e in events if isinstance(e, Report)]
    assert "MetricError" in events[-1].reason
