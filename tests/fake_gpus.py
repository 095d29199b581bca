"""A fake GPU layer for the packing tests: an ``nvidia-smi`` that answers the queries
hyperscout makes from a folder (``gpus.json`` lists the devices; ``procs/PID`` files say
which process holds how much memory on which device), and a trial that takes its memory
there, or fails as PyTorch does when the device has too little left."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

NVIDIA_SMI = '''#!{python}
import json, os, sys
root = os.environ["HYPERSCOUT_FAKE_GPUS"]
gpus = json.load(open(os.path.join(root, "gpus.json")))
procs = []
for name in os.listdir(os.path.join(root, "procs")):
    try:
        gpu, mib = open(os.path.join(root, "procs", name)).read().split()
        os.kill(int(name), 0)
    except (OSError, ValueError):
        continue
    procs.append((int(name), int(gpu), float(mib)))
query = next(a for a in sys.argv[1:] if a.startswith("--query"))
fields = query.split("=", 1)[1].split(",")
if query.startswith("--query-gpu"):
    for g in gpus:
        used = sum(m for _, i, m in procs if i == g["index"])
        row = {{"index": g["index"], "uuid": "GPU-fake-%d" % g["index"], "memory.total": g["total"],
               "memory.used": used}}
        print(", ".join(str(row[f]) for f in fields))
else:
    for pid, i, mib in procs:
        row = {{"gpu_uuid": "GPU-fake-%d" % i, "pid": pid, "used_memory": mib}}
        print(", ".join(str(row[f]) for f in fields))
'''

TRIAL = '''
import fcntl, os, sys, time
import hyperscout as hs
p = hs.get_next_parameter()
root = os.environ["HYPERSCOUT_FAKE_GPUS"]
gpu = int(os.environ["CUDA_VISIBLE_DEVICES"].split(",")[0])
total = {{g["index"]: g["total"] for g in __import__("json").load(open(root + "/gpus.json"))}}
with open(root + "/lock", "w") as lock:  # allocate: take the memory if the device has it
    fcntl.flock(lock, fcntl.LOCK_EX)
    used = 0.0
    for name in os.listdir(root + "/procs"):
        try:
            g, mib = open(root + "/procs/" + name).read().split()
            os.kill(int(name), 0)
        except (OSError, ValueError):
            continue
        used += float(mib) if int(g) == gpu else 0.0
    if used + p["mib"] > total[gpu]:
        print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate %d MiB. GPU %d "
              "has a total capacity of %d MiB" % (p["mib"], gpu, total[gpu]), file=sys.stderr)
        sys.exit(1)
    open(root + "/procs/%d" % os.getpid(), "w").write("%d %d" % (gpu, p["mib"]))
try:
    for step in range(1, {steps} + 1):
        time.sleep({step_seconds})
        hs.report_intermediate_result(step)
    hs.report_final_result(p["mib"])
finally:
    os.remove(root + "/procs/%d" % os.getpid())
'''


def install(tmp_path: Path, monkeypatch, totals: list[float], *, steps: int = 4,
            step_seconds: float = 0.6) -> Path:
    """Fake devices with `totals` MiB each on PATH; the trial script's folder."""
    root = devices(tmp_path / "fake-gpus", totals)
    bin_dir = fake_smi(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HYPERSCOUT_FAKE_GPUS", str(root))
    return trial_code(tmp_path / "code", steps=steps, step_seconds=step_seconds)


def devices(root: Path, totals: list[float]) -> Path:
    """A folder of fake devices with `totals` MiB each (``HYPERSCOUT_FAKE_GPUS`` names it)."""
    (root / "procs").mkdir(parents=True)
    (root / "gpus.json").write_text(json.dumps(
        [{"index": i, "total": t} for i, t in enumerate(totals)]))
    return root


def fake_smi(bin_dir: Path) -> Path:
    """A folder holding the fake nvidia-smi, to put first on PATH."""
    bin_dir.mkdir(parents=True)
    smi = bin_dir / "nvidia-smi"
    smi.write_text(NVIDIA_SMI.format(python=sys.executable))
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def trial_code(code: Path, *, steps: int = 4, step_seconds: float = 0.6) -> Path:
    """A folder with ``trial.py``: takes ``params["mib"]`` on its device, or fails as
    PyTorch does when the device has too little left."""
    code.mkdir(parents=True)
    (code / "trial.py").write_text(TRIAL.format(steps=steps, step_seconds=step_seconds))
    return code


def hold(root: Path, pid: int, gpu: int, mib: float) -> None:
    """Make process `pid` hold `mib` on device `gpu`."""
    (root / "procs" / str(pid)).write_text(f"{gpu} {mib}")


MIXED_SPACE = {"mib": {"_type": "choice", "_value": [3000, 9000]},
               "rep": {"_type": "choice", "_value": [0, 1, 2, 3, 4, 5]}}
"""Six 3000 MiB configurations, then (in grid order) six of 9000 MiB: packed by the first
ones' measurements, a 9000 MiB trial beside them runs out of a 16000 MiB device."""


def out_of_memory_retries(exp: Any) -> list[tuple[Any, Any, Any]]:
    """Each ``gpu_oom`` event of `exp` with the trial it names and the trial that ran its
    configuration again; and checks what every such run must show: the failed trial was a
    9000 MiB one, its re-run succeeded, and every configuration ended with a result."""
    trials = exp.trials()
    ooms = [e for e in exp.store.events(exp.id) if e.kind == "gpu_oom"]
    assert ooms, "9000 MiB trials beside 3000 MiB ones must run out of a 16000 MiB GPU"
    out = []
    for event in ooms:
        failed = next(t for t in trials if t.number == event.trial)
        retry = next(t for t in trials if t.retry_of == (failed.retry_of or failed.number)
                     and t.number > failed.number)
        assert failed.params["mib"] == 9000 and retry.state.value == "succeeded"
        assert failed.state.value == "failed"
        out.append((event, failed, retry))
    chains = {t.retry_of if t.retry_of is not None else t.number for t in trials}
    assert len(chains) == 12 and exp.best_trial.value == 9000  # none lost to the OOMs
    return out
