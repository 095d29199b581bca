"""Sharing GPUs: by a fractional `gpus_per_trial`, and by memory (`gpu_memory_per_trial`,
a fixed amount or "auto": measured from the first trials, then packed). A trial that runs
out of CUDA memory on a shared GPU runs again with a GPU to itself, and packing backs off.
Tested through a fake device layer (`fake_gpus`: a fake nvidia-smi on PATH)."""

from __future__ import annotations

import os

import fake_gpus
import pytest

from hyperscout import Experiment, TrialState
from hyperscout.config import ExperimentConfig
from hyperscout.engine import GpuPool
from hyperscout.devices import GpuDevices
from hyperscout.devices import MemoryEstimate, is_cuda_oom
from hyperscout.errors import ConfigError

MIB = {"mib": {"_type": "choice", "_value": [3000]}}


def _overlaps(trials) -> dict[str, int]:
    """The most trials that ran at once on each GPU."""
    most: dict[str, int] = {}
    for t in trials:
        at_once = sum(1 for o in trials if o.gpus == t.gpus and o.started <= t.started < o.ended)
        most[t.gpus] = max(most.get(t.gpus, 0), at_once)
    return most


# -- placing, without processes -------------------------------------------------------------

def test_a_fractional_share_puts_that_many_trials_on_each_gpu_first_spreading():
    pool = GpuPool(0.5, [0, 1])
    assert [pool.acquire(n)["CUDA_VISIBLE_DEVICES"] for n in range(4)] == ["0", "1", "0", "1"]
    assert pool.acquire(4) is None and not pool.can_acquire()
    pool.release(1)
    assert pool.acquire(5) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert pool.sharing(5) == [3]


def test_an_exclusive_trial_waits_for_an_empty_gpu_and_keeps_it():
    pool = GpuPool(0.25, [0])
    pool.acquire(0)
    assert not pool.can_acquire(exclusive=True)
    pool.release(0)
    assert pool.acquire(1, exclusive=True) == {"CUDA_VISIBLE_DEVICES": "0"}
    assert pool.acquire(2) is None  # nothing joins it


def test_a_fixed_memory_per_trial_packs_by_each_gpus_memory(tmp_path, monkeypatch):
    fake_gpus.install(tmp_path, monkeypatch, [16000, 8000])
    pool = GpuPool(1, memory_per_trial=3500.0)
    placed = [pool.acquire(n) for n in range(8)]
    gpus = [p["CUDA_VISIBLE_DEVICES"] if p else None for p in placed]
    # 95% of 16000 holds four of 3500 MiB, of 8000 two; the rest wait
    assert sorted(g for g in gpus if g) == ["0"] * 4 + ["1"] * 2 and gpus[6:] == [None, None]
    assert "expecting 3.4 GiB of 15.6 GiB" in pool.describe(0)
    pool.close()


def test_memory_held_by_other_processes_is_left_to_them(tmp_path, monkeypatch):
    fake_gpus.install(tmp_path, monkeypatch, [16000])
    fake_gpus.hold(tmp_path / "fake-gpus", os.getpid(), 0, 10000)  # someone else's job
    pool = GpuPool(1, memory_per_trial=3000.0)
    assert pool.acquire(0) is not None  # alone, it may try
    assert pool.acquire(1) is None  # 10000 + 3000 held, 3000 more does not fit in what is free
    pool.close()


def test_the_fake_devices_read_like_nvidia_smi(tmp_path, monkeypatch):
    fake_gpus.install(tmp_path, monkeypatch, [16000, 8000])
    fake_gpus.hold(tmp_path / "fake-gpus", os.getpid(), 1, 1234)
    devices = GpuDevices()
    assert [(g.index, g.total_mib, g.used_mib) for g in devices.gpus()] == [
        (0, 16000, 0), (1, 8000, 1234)]
    assert [(p.pid, p.gpu, p.used_mib) for p in devices.processes()] == [(os.getpid(), 1, 1234)]


def test_packing_by_memory_needs_readable_gpus(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi
    with pytest.raises(ConfigError, match=r"`gpu_memory_per_trial` needs each GPU's memory"):
        GpuPool(1, [0], memory_per_trial="auto")


def test_the_estimate_is_the_largest_peak_with_a_margin_that_grows_after_an_oom():
    estimate = MemoryEstimate()
    assert estimate.value() is None
    estimate.observe(1000)
    estimate.observe(2000)
    estimate.observe(1500)
    assert estimate.value() == pytest.approx(2400)
    estimate.back_off()
    assert estimate.value() == pytest.approx(3600)


@pytest.mark.parametrize("text", [
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    "RuntimeError: CUDA error: out of memory on device 0",
    "tensorflow.python.framework.errors_impl.ResourceExhaustedError: RESOURCE_EXHAUSTED: OOM when allocating tensor",
    "CUBLAS_STATUS_ALLOC_FAILED when calling cublasCreate(handle)",
])
def test_cuda_out_of_memory_is_recognised_from_the_usual_messages(text):
    assert is_cuda_oom(None, f"Traceback ...\n{text}\n")


def test_other_failures_are_not_taken_for_out_of_memory():
    assert not is_cuda_oom("exit code 1", "ValueError: bad learning rate\nMemoryError")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"gpus_per_trial": 1.5}, "a share of one GPU between 0 and 1"),
    ({"gpus_per_trial": 1, "gpu_memory_per_trial": "lots"}, "'auto'.*or an amount such as 8GiB"),
    ({"gpus_per_trial": 2, "gpu_memory_per_trial": "auto"}, "packs trials of one GPU each"),
    ({"gpu_memory_per_trial": "auto"}, "packs trials of one GPU each"),
    ({"gpus_per_trial": 1, "gpu_memory_per_trial": 4096, "max_trials_per_gpu": 2},
     "set one way to share GPUs"),
])
def test_bad_gpu_settings_name_the_field_and_the_fix(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentConfig(search_space=MIB, trial_command="python t.py", **kwargs)


def test_gpu_memory_reads_units():
    config = ExperimentConfig(search_space=MIB, trial_command="python t.py", gpus_per_trial=1,
                              gpu_memory_per_trial="10GiB")
    assert config.gpu_memory_per_trial == 10240


# -- whole experiments on the fake devices ------------------------------------------------


@pytest.mark.slow
def test_auto_measures_the_first_trials_then_packs_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr("hyperscout.devices._memory.SAMPLE_SECONDS", 0.2)
    code = fake_gpus.install(tmp_path, monkeypatch, [16000, 16000])
    space = {**MIB, "x": {"_type": "uniform", "_value": [0, 1]}}
    exp = Experiment("python trial.py", space, code_dir=code, max_trials=12, concurrency=8,
                     tuner="random", gpus_per_trial=1, gpu_memory_per_trial="auto",
                     storage=tmp_path / "store", progress=False)
    exp.run()
    trials = exp.trials()
    assert [t.state for t in trials] == [TrialState.SUCCEEDED] * 12
    events = [e for e in exp.store.events(exp.id) if e.kind == "gpu"]
    first = [e.message for e in events if e.trial in (0, 1) and e.message.startswith("runs")]
    assert all("to itself until a trial's GPU memory has been measured" in m for m in first)
    assert any("held at most 2.93 GiB" in e.message for e in events)
    assert any("expecting 3.5 GiB of 15.6 GiB" in e.message for e in events)
    assert max(_overlaps(trials).values()) >= 3  # packed: 4 fit on each device


@pytest.mark.slow
def test_a_trial_out_of_memory_on_a_shared_gpu_runs_again_alone(tmp_path, monkeypatch):
    monkeypatch.setattr("hyperscout.devices._memory.SAMPLE_SECONDS", 0.2)
    code = fake_gpus.install(tmp_path, monkeypatch, [16000], steps=3, step_seconds=0.5)
    exp = Experiment("python trial.py", fake_gpus.MIXED_SPACE, code_dir=code, max_trials=12,
                     concurrency=4, tuner="grid", gpus_per_trial=1,
                     gpu_memory_per_trial="auto", storage=tmp_path / "store", progress=False)
    exp.run()
    gpu_events = [e for e in exp.store.events(exp.id) if e.kind == "gpu"]
    for event, failed, retry in fake_gpus.out_of_memory_retries(exp):
        assert "CUDA out of memory on GPU 0, shared with trials" in failed.reason
        assert retry.attempt == failed.attempt  # not counted as a failed attempt
        assert any(e.trial == retry.number and "to itself (it ran out of memory" in e.message
                   for e in gpu_events)
        assert "later trials are now packed expecting" in event.message
