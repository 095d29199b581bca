"""Packing trials onto GPUs by memory (``gpu_memory_per_trial: auto``).

Until a trial of the experiment has been measured, each trial gets a GPU to itself. A
monitor thread samples, about once a second, the memory each running trial holds on its
GPU: the processes a device lists, attributed to the trial whose process is their
ancestor; when a device lists none it can attribute (a container that sees other PIDs),
the growth of the device's used memory while one trial alone runs on it. A trial's peak
becomes, once it ends, the estimate for later trials: the largest peak seen times a
safety margin. A trial that still runs out of CUDA memory on a shared GPU is run again
with a GPU to itself, and the margin grows (`back_off`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable

from ._nvml import GpuDevices, GpuReading

SAMPLE_SECONDS = 1.0
FIRST_MARGIN = 1.2  # the estimate is the largest measured peak times this
BACK_OFF = 1.5  # the margin grows by this after a trial ran out of memory
USABLE = 0.95  # of a device's memory, what packing may hand out

_OOM = re.compile(
    r"CUDA out of memory|OutOfMemoryError|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation"
    r"|CUBLAS_STATUS_ALLOC_FAILED|RESOURCE_EXHAUSTED.{0,80}(?:memory|OOM)"
    r"|out of memory.{0,40}(?:GPU|CUDA|device)", re.IGNORECASE)


def is_cuda_oom(*texts: str | None) -> bool:
    """Whether a trial's exit reason or the end of its stderr says CUDA ran out of memory."""
    return any(text and _OOM.search(text) for text in texts)


def stderr_tail(path: os.PathLike[str] | str, size: int = 16 << 10) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class MemoryEstimate:
    """What a trial of this experiment is expected to need on its GPU, in MiB; None
    until one has been measured (with a fixed amount, that amount)."""

    def __init__(self, fixed: float | None = None) -> None:
        self.fixed = fixed
        self.largest_peak: float | None = None
        self.margin = FIRST_MARGIN

    def value(self) -> float | None:
        if self.fixed is not None:
            return self.fixed * (self.margin / FIRST_MARGIN)
        if self.largest_peak is None:
            return None
        return self.largest_peak * self.margin

    def observe(self, peak_mib: float) -> None:
        if peak_mib > 0:
            self.largest_peak = max(peak_mib, self.largest_peak or 0.0)

    def back_off(self) -> None:
        self.margin *= BACK_OFF


class MemoryMonitor:
    """Samples the running trials' GPU memory on a thread; `peak(number)` is the most a
    trial has held so far. `readings()` is the latest view of the devices."""

    def __init__(self, devices: GpuDevices, *, interval: float | None = None,
                 ancestors: Callable[[int], list[int]] | None = None) -> None:
        self.devices = devices
        self.interval = SAMPLE_SECONDS if interval is None else interval
        self._ancestors = ancestors or process_ancestors
        self._lock = threading.Lock()
        self._trials: dict[int, tuple[int, list[int], float]] = {}  # number -> pid, gpus, base
        self._peaks: dict[int, float] = {}
        self._current: dict[int, float] = {}
        self._latest: list[GpuReading] = devices.gpus()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> MemoryMonitor:
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="hyperscout-gpu-memory")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def readings(self) -> dict[int, GpuReading]:
        with self._lock:
            return {r.index: r for r in self._latest}

    def track(self, number: int, pid: int | None, gpus: list[int]) -> None:
        used = self.readings()
        base = sum(used[g].used_mib for g in gpus if g in used)
        with self._lock:
            self._trials[number] = (pid or 0, list(gpus), base)
            self._peaks.setdefault(number, 0.0)

    def forget(self, number: int) -> float:
        """Stop following trial `number`; its peak in MiB (0 if never measured)."""
        self.sample()  # its last moments, if it is quick
        with self._lock:
            self._trials.pop(number, None)
            self._current.pop(number, None)
            return self._peaks.pop(number, 0.0)

    def peak(self, number: int) -> float:
        with self._lock:
            return self._peaks.get(number, 0.0)

    def holding(self, numbers: list[int]) -> float:
        """What trials `numbers` hold now (MiB, at the latest sample)."""
        with self._lock:
            return sum(self._current.get(n, 0.0) for n in numbers)

    def _loop(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        readings = self.devices.gpus()
        processes = self.devices.processes() if readings else []
        with self._lock:
            trials = dict(self._trials)
        by_pid = {pid: number for number, (pid, _, _) in trials.items() if pid}
        held: dict[int, float] = {}
        for p in processes:
            owner = next((by_pid[a] for a in [p.pid, *self._ancestors(p.pid)] if a in by_pid),
                         None)
            if owner is not None:
                held[owner] = held.get(owner, 0.0) + p.used_mib
        used = {r.index: r.used_mib for r in readings}
        alone = {}
        for number, (_, gpus, _) in trials.items():
            for g in gpus:
                alone.setdefault(g, []).append(number)
        for number, (_, gpus, base) in trials.items():
            if number not in held and gpus and all(alone[g] == [number] for g in gpus):
                grown = sum(used.get(g, 0.0) for g in gpus) - base
                if grown > 0:
                    held[number] = grown
        with self._lock:
            if readings:
                self._latest = readings
            self._current = {n: mib for n, mib in held.items() if n in self._peaks}
            for number, mib in self._current.items():
                self._peaks[number] = max(self._peaks[number], mib)


def process_ancestors(pid: int) -> list[int]:
    """The parent chain of `pid` (from /proc), nearest first."""
    out = []
    for _ in range(32):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            break
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid <= 1:
            break
        out.append(ppid)
        pid = ppid
    return out
