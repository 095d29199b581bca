"""GPU assignment: hand each trial `gpus_per_trial` devices through CUDA_VISIBLE_DEVICES,
never more than `max_trials_per_gpu` trials on one device (NNI's gpuNum and
maxTrialNumberPerGpu)."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import ConfigError


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


class GpuPool:
    """Tracks which GPUs are in use. With `gpus_per_trial` None the pool is inert: the
    environment is left alone. With 0, trials see no GPU (``CUDA_VISIBLE_DEVICES=""``)."""

    def __init__(self, gpus_per_trial: int | None, indices: list[int] | None = None, *,
                 max_trials_per_gpu: int = 1) -> None:
        self.per_trial = gpus_per_trial
        self.max_per_gpu = max_trials_per_gpu
        if indices is not None:
            bad = [i for i in indices if isinstance(i, bool) or not isinstance(i, int) or i < 0]
            if bad or len(set(indices)) != len(indices):
                raise ConfigError(
                    f"`gpu_indices` must list distinct GPU numbers >= 0, but got {list(indices)}. "
                    "Share a GPU between trials with `max_trials_per_gpu` instead."
                )
        self.indices = list(indices) if indices is not None else (
            detect_gpus() if gpus_per_trial else [])
        if gpus_per_trial and len(self.indices) < gpus_per_trial:
            found = f"GPUs {self.indices}" if self.indices else "no GPU (nvidia-smi found none)"
            raise ConfigError(
                f"`gpus_per_trial` is {gpus_per_trial} but there is {found}. Lower "
                "`gpus_per_trial` (0 runs on the CPU) or list the devices in `gpu_indices`."
            )
        self._load = dict.fromkeys(self.indices, 0)
        self._held: dict[int, list[int]] = {}

    def can_acquire(self) -> bool:
        """Whether `acquire` would succeed now."""
        if not self.per_trial:
            return True
        return sum(load < self.max_per_gpu for load in self._load.values()) >= self.per_trial

    def acquire(self, number: int) -> dict[str, str] | None:
        """The environment for trial `number`, or None while no GPU is free."""
        if self.per_trial is None:
            return {}
        if self.per_trial == 0:
            return {"CUDA_VISIBLE_DEVICES": ""}
        free = sorted((load, i) for i, load in self._load.items() if load < self.max_per_gpu)
        if len(free) < self.per_trial:
            return None
        chosen = sorted(i for _, i in free[: self.per_trial])
        for i in chosen:
            self._load[i] += 1
        self._held[number] = chosen
        return {"CUDA_VISIBLE_DEVICES": ",".join(map(str, chosen))}

    def release(self, number: int) -> None:
        for i in self._held.pop(number, []):
            self._load[i] -= 1

    def assigned(self, number: int) -> str | None:
        held = self._held.get(number)
        return ",".join(map(str, held)) if held else None
