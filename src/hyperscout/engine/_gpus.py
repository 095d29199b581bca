"""GPU assignment: hand each trial its devices through CUDA_VISIBLE_DEVICES.

Three ways to share a device between trials:
- by count: never more than `max_trials_per_gpu` trials on one device (NNI's gpuNum and
  maxTrialNumberPerGpu);
- by share: a fractional `gpus_per_trial` (0.25: four trials per device);
- by memory: `gpu_memory_per_trial`, a fixed amount or ``"auto"`` (measured, see
  `hyperscout.devices`): a trial joins a device while the memory its trials are expected to hold,
  and what the device has free, leave room for it.
A trial placed `exclusive` (run again after it ran out of memory on a shared device) gets
a device with nothing else on it, and nothing joins it there.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from ..devices import USABLE, GpuDevices, MemoryEstimate, MemoryMonitor
from ..errors import ConfigError

_EPSILON = 1e-9


def detect_gpus() -> list[int]:
    """Indices of the GPUs `nvidia-smi` lists; empty when it is absent or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(line) for line in out.split() if line.strip().isdigit()]


@dataclass
class _Slot:
    share: float
    mib: float | None  # what it is expected to hold; None: unknown (it runs alone)
    exclusive: bool


class GpuPool:
    """Tracks which GPUs are in use. With `gpus_per_trial` None the pool is inert: the
    environment is left alone. With 0, trials see no GPU (``CUDA_VISIBLE_DEVICES=""``)."""

    def __init__(self, gpus_per_trial: float | None, indices: list[int] | None = None, *,
                 max_trials_per_gpu: int = 1, memory_per_trial: float | str | None = None,
                 devices: GpuDevices | None = None) -> None:
        self.per_trial = gpus_per_trial
        self.max_per_gpu = max_trials_per_gpu
        self.share = float(gpus_per_trial) if gpus_per_trial and gpus_per_trial < 1 else None
        if indices is not None:
            bad = [i for i in indices if isinstance(i, bool) or not isinstance(i, int) or i < 0]
            if bad or len(set(indices)) != len(indices):
                raise ConfigError(
                    f"`gpu_indices` must list distinct GPU numbers >= 0, but got {list(indices)}. "
                    "Share a GPU between trials with `max_trials_per_gpu` instead."
                )
        self.indices = list(indices) if indices is not None else (
            detect_gpus() if gpus_per_trial else [])
        needed = 1 if self.share else (gpus_per_trial or 0)
        if gpus_per_trial and len(self.indices) < needed:
            found = f"GPUs {self.indices}" if self.indices else "no GPU (nvidia-smi found none)"
            raise ConfigError(
                f"`gpus_per_trial` is {gpus_per_trial} but there is {found}. Lower "
                "`gpus_per_trial` (0 runs on the CPU) or list the devices in `gpu_indices`."
            )
        self.by_memory = memory_per_trial is not None
        self.estimate = MemoryEstimate(None if memory_per_trial in (None, "auto")
                                       else float(memory_per_trial))  # type: ignore[arg-type]
        self.monitor: MemoryMonitor | None = None
        self._total: dict[int, float] = {}
        if self.by_memory:
            self.monitor = MemoryMonitor(devices or GpuDevices())
            readings = self.monitor.readings()
            self._total = {i: readings[i].total_mib for i in self.indices if i in readings}
            missing = [i for i in self.indices if i not in self._total]
            if missing:
                raise ConfigError(
                    f"`gpu_memory_per_trial` needs each GPU's memory, but GPUs {missing} "
                    "could not be read (through NVML or nvidia-smi); drop "
                    "`gpu_memory_per_trial` or list readable devices in `gpu_indices`.")
            self.monitor.start()
        self._slots: dict[int, dict[int, _Slot]] = {i: {} for i in self.indices}
        self._held: dict[int, list[int]] = {}

    def close(self) -> None:
        if self.monitor is not None:
            self.monitor.stop()

    # -- placing ---------------------------------------------------------------------------
    def _fits(self, gpu: int, exclusive: bool, mib: float | None) -> bool:
        slots = self._slots[gpu]
        if exclusive or (self.by_memory and mib is None):
            return not slots
        if any(s.exclusive or (self.by_memory and s.mib is None) for s in slots.values()):
            return False
        if self.share is not None and sum(s.share for s in slots.values()) + self.share > 1 + _EPSILON:
            return False
        if self.by_memory:
            assert mib is not None
            if not slots:
                return True  # alone, a trial may always try, however large it seems
            # room: what packing may hand out, less what other processes hold now, less
            # what this experiment's trials there are expected to hold
            reserved = sum(s.mib or 0.0 for s in slots.values())
            reading = self.monitor.readings().get(gpu) if self.monitor else None
            foreign = 0.0
            if reading is not None:
                foreign = max(0.0, reading.used_mib - self.monitor.holding(list(slots)))
            return reserved + foreign + mib <= USABLE * self._total[gpu]
        if self.share is None:
            return len(slots) < self.max_per_gpu
        return True

    def _choose(self, exclusive: bool) -> list[int] | None:
        mib = self.estimate.value() if self.by_memory else None
        fitting = [g for g in self.indices if self._fits(g, exclusive, mib)]
        count = 1 if self.share is not None or self.by_memory else int(self.per_trial or 0)
        if len(fitting) < count:
            return None
        # spread first: the least loaded devices, so trials share only when they must
        fitting.sort(key=lambda g: (sum(s.mib or s.share for s in self._slots[g].values()),
                                    len(self._slots[g]), g))
        return sorted(fitting[:count])

    def can_acquire(self, exclusive: bool = False) -> bool:
        """Whether `acquire` would succeed now."""
        if not self.per_trial:
            return True
        return self._choose(exclusive) is not None

    def acquire(self, number: int, exclusive: bool = False) -> dict[str, str] | None:
        """The environment for trial `number`, or None while no GPU is free."""
        if self.per_trial is None:
            return {}
        if self.per_trial == 0:
            return {"CUDA_VISIBLE_DEVICES": ""}
        chosen = self._choose(exclusive)
        if chosen is None:
            return None
        mib = self.estimate.value() if self.by_memory else None
        for g in chosen:
            self._slots[g][number] = _Slot(self.share or 1.0, mib, exclusive)
        self._held[number] = chosen
        return {"CUDA_VISIBLE_DEVICES": ",".join(map(str, chosen))}

    def started(self, number: int, pid: int | None) -> None:
        """Follow trial `number`'s memory (its process `pid` and what it starts)."""
        if self.monitor is not None and number in self._held:
            self.monitor.track(number, pid, self._held[number])

    def release(self, number: int) -> float:
        """Free trial `number`'s devices; the peak memory it was seen to hold (MiB)."""
        peak = 0.0
        if self.monitor is not None and number in self._held:
            peak = self.monitor.forget(number)
            if self.estimate.fixed is None:
                self.estimate.observe(peak)
        for g in self._held.pop(number, []):
            self._slots[g].pop(number, None)
        return peak

    def reported(self, number: int) -> None:
        """Trial `number` reported a result: a trial's memory has mostly grown to what it
        needs by its first epoch, so its peak so far counts from now on."""
        if self.monitor is None or number not in self._held:
            return
        peak = self.monitor.peak(number)
        if peak > 0:
            self.estimate.observe(peak)
            for g in self._held[number]:
                slot = self._slots[g][number]
                slot.mib = max(slot.mib or 0.0, peak * self.estimate.margin)

    # -- what the engine records -------------------------------------------------------------
    def assigned(self, number: int) -> str | None:
        held = self._held.get(number)
        return ",".join(map(str, held)) if held else None

    def sharing(self, number: int) -> list[int]:
        """The other trials on trial `number`'s devices."""
        return sorted({n for g in self._held.get(number, []) for n in self._slots[g]
                       if n != number})

    def describe(self, number: int) -> str | None:
        """Where trial `number` was placed and why, for its events (packing only)."""
        held = self._held.get(number)
        if not held or not (self.by_memory or self.share is not None):
            return None
        slot = self._slots[held[0]][number]
        others = self.sharing(number)
        where = f"GPU {','.join(map(str, held))}"
        if slot.exclusive:
            return f"{where} to itself (it ran out of memory on a shared GPU before)"
        if self.by_memory and slot.mib is None:
            return f"{where} to itself until a trial's GPU memory has been measured"
        parts = [where, f"shared with trials {', '.join(map(str, others))}" if others
                 else "alone for now"]
        if self.by_memory:
            parts.append(f"expecting {slot.mib / 1024:.1f} GiB of "
                         f"{self._total[held[0]] / 1024:.1f} GiB")
        else:
            parts.append(f"a {slot.share:g} share")
        return ", ".join(parts)
