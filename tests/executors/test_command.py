"""CommandExecutor: shell-command trials in their own process groups."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

from hyperscout.executors import CommandExecutor, Exit, Report, TrialSpec


def _drain(executor, timeout: float = 20.0) -> list:
    events, deadline = [], time.monotonic() + timeout
    while executor.running and time.monotonic() < deadline:
        events += executor.poll(0.05)
    assert not executor.running, "trials did not finish in time"
    return events


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "trial.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_an_nni_trial_script_runs_unchanged_through_the_shim(tmp_path):
    _script(tmp_path, """
        import nni
        params = nni.get_next_parameter()
        nni.report_intermediate_result(params["lr"] * 10)
        nni.report_final_result(params["lr"] * 100)
        print("trial", nni.get_trial_id(), nni.get_sequence_id())
    """)
    ex = CommandExecutor(f"{sys.executable} trial.py", tmp_path)
    ex.start(TrialSpec("exp", 7, {"lr": 0.5}, tmp_path / "t7"))
    events = _drain(ex)
    assert [e.record["value"] for e in events if isinstance(e, Report)] == [5.0, 50.0]
    assert events[-1] == Exit(7, ok=True, exit_code=0)
    assert "trial 7 7" in (tmp_path / "t7" / "stdout.log").read_text()


def test_nni_examples_idioms_work_merge_parameter_and_nnis_environment(tmp_path):
    _script(tmp_path, """
        import argparse, os
        import nni
        from nni.utils import merge_parameter
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.01)
        parser.add_argument("--batch_size", type=int, default=64)
        args = merge_parameter(parser.parse_args([]), nni.get_next_parameter())
        print("args", args.lr, type(args.batch_size).__name__, args.batch_size)
        print("env", os.environ["NNI_OUTPUT_DIR"], os.environ["NNI_TRIAL_JOB_ID"],
              os.environ["NNI_EXP_ID"])
        try:
            merge_parameter({"lr": 0.1}, {"momentum": 0.9})
        except ValueError as exc:
            print("refused", "momentum" in str(exc))
        try:
            merge_parameter({"batch": 32}, {"batch": 0.5})
        except TypeError as exc:
            print("lossy", "0.5" in str(exc))
        nni.report_final_result(args.lr)
    """)
    ex = CommandExecutor(f"{sys.executable} trial.py", tmp_path)
    ex.start(TrialSpec("exp", 3, {"lr": 0.5, "batch_size": 32.0}, tmp_path / "t3"))
    assert _drain(ex)[-1] == Exit(3, ok=True, exit_code=0)
    out = (tmp_path / "t3" / "stdout.log").read_text()
    assert "args 0.5 int 32" in out
    assert f"env {tmp_path / 't3'} 3 exp" in out
    assert "refused True" in out
    assert "lossy True" in out  # as NNI: no silent int(0.5)


def test_a_nonzero_exit_fails_the_trial_but_keeps_what_it_reported(tmp_path):
    _script(tmp_path, """
        import sys, hyperscout
        hyperscout.report_intermediate_result(0.25)
        sys.exit(4)
    """)
    ex = CommandExecutor(f"{sys.executable} trial.py", tmp_path)
    ex.start(TrialSpec("exp", 0, {}, tmp_path / "t0"))
    events = _drain(ex)
    assert [e.record["value"] for e in events if isinstance(e, Report)] == [0.25]
    assert events[-1] == Exit(0, ok=False, exit_code=4, reason="exit code 4")


def test_kill_terminates_the_whole_process_group(tmp_path):
    ex = CommandExecutor("sleep 60 & sleep 60", tmp_path, kill_grace=0.5)
    ex.start(TrialSpec("exp", 0, {}, tmp_path / "t0"))
    ex.poll(0.1)
    ex.kill(0, "killed by user")
    events = _drain(ex, timeout=5)
    assert events[-1].reason == "killed by user" and not events[-1].ok


def test_the_trial_runs_in_the_code_directory_with_gpu_environment(tmp_path):
    (tmp_path / "code").mkdir()
    ex = CommandExecutor('pwd > "$HYPERSCOUT_TRIAL_DIR/where"; echo "[$CUDA_VISIBLE_DEVICES]" >> "$HYPERSCOUT_TRIAL_DIR/where"',
                         tmp_path / "code")
    ex.start(TrialSpec("exp", 0, {}, tmp_path / "t0", env={"CUDA_VISIBLE_DEVICES": ""}))
    _drain(ex)
    where = (tmp_path / "t0" / "where").read_text().split()
    assert where == [str(tmp_path / "code"), "[]"]


def test_reaping_kills_a_trial_process_that_appears_only_at_the_second_scan(
        tmp_path, monkeypatch):
    # a trial the dead engine was forking has no marker in its environment until it execs
    import subprocess

    from hyperscout.executors import _command

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    scans = []

    def processes_with(markers):
        scans.append(markers)
        return [] if len(scans) == 1 else [child.pid]

    monkeypatch.setattr(_command, "_processes_with", processes_with)
    assert _command.reap_orphans([tmp_path / "trial"]) == [child.pid]
    assert child.wait(5) is not None and len(scans) == 2


def test_reaping_finds_a_trial_process_by_the_folder_in_its_environment(tmp_path):
    import os
    import subprocess

    from hyperscout.executors import reap_orphans
    from hyperscout.trial import ENV_TRIAL_DIR

    folder = tmp_path / "trial"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                             env={**os.environ, ENV_TRIAL_DIR: str(tmp_path / "other")})
    mine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                            env={**os.environ, ENV_TRIAL_DIR: str(folder)})
    try:
        assert reap_orphans([folder]) == [mine.pid]
        assert mine.wait(5) is not None and other.poll() is None
    finally:
        other.kill()
        other.wait()
