"""A forked trial worker never deadlocks on torch when the engine's process already used
torch's thread pool: with torch imported in the engine, it runs torch on one thread and
says so in the trial's stderr. Without torch in the engine, nothing changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch", reason="needs torch (the torch extra)")

SCRIPT = textwrap.dedent("""
    import sys, torch
    from hyperscout import Experiment

    def trial(params):
        x = torch.randn(512, 512)
        return float((x @ x).sum().abs() > 0) + torch.get_num_threads() / 100

    if __name__ == "__main__":
        if sys.argv[2] == "used":
            torch.set_num_threads(2)
            torch.randn(1000, 1000) @ torch.randn(1000, 1000)  # starts the OpenMP pool
        if sys.argv[2] == "shrunk":  # a pool shrunk to one thread and back still hangs a fork
            torch.randn(1000, 1000) @ torch.randn(1000, 1000)
            torch.set_num_threads(1)
            torch.randn(1000, 1000) @ torch.randn(1000, 1000)
            torch.set_num_threads(2)
        exp = Experiment(trial, {"x": {"_type": "choice", "_value": [1, 2]}}, max_trials=2,
                         storage=sys.argv[1], seed=0, progress=False, trial_timeout=60)
        exp.run()
        print([t.state.value for t in exp.trials()], [t.value for t in exp.trials()])
        for t in exp.trials():
            print(open(t.directory + "/stderr.log").read())
""")


@pytest.mark.slow
@pytest.mark.parametrize("parent", ["used", "shrunk", "unused"])
def test_trials_finish_whether_or_not_the_engine_used_torch_threads(tmp_path, parent):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "store"), parent],
                         capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert "['succeeded', 'succeeded']" in out.stdout
    assert "torch runs on one thread in this trial" in out.stdout
    assert "[1.01, 1.01]" in out.stdout


def test_without_torch_in_the_engine_workers_are_left_alone(tmp_path):
    code = ("import sys; from hyperscout.executors._function import _torch_loaded; "
            "print(_torch_loaded(), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
