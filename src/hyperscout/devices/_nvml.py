"""What the GPUs of this machine hold: each device's total and used memory, and the memory
of each process on it. Read through NVML when the `nvidia-ml-py` package is installed
(fast: no process per reading), else through ``nvidia-smi``'s CSV queries, so a fake
``nvidia-smi`` on PATH stands in for real devices in tests."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class GpuReading:
    """One device: its index (as nvidia-smi numbers it) and memory in MiB."""

    index: int
    total_mib: float
    used_mib: float


@dataclass(frozen=True)
class GpuProcess:
    """A process with memory on a device."""

    pid: int
    gpu: int
    used_mib: float


class GpuDevices:
    """Readings of the GPUs; every method answers empty when none can be read."""

    def __init__(self) -> None:
        self._nvml = _open_nvml()

    def gpus(self) -> list[GpuReading]:
        if self._nvml is not None:
            return self._nvml_gpus()
        rows = _smi("--query-gpu=index,memory.total,memory.used")
        out = []
        for row in rows:
            try:
                out.append(GpuReading(int(row[0]), float(row[1]), float(row[2])))
            except (ValueError, IndexError):
                continue
        return out

    def processes(self) -> list[GpuProcess]:
        if self._nvml is not None:
            return self._nvml_processes()
        index_of = {row[1]: int(row[0]) for row in _smi("--query-gpu=index,uuid")
                    if len(row) >= 2 and row[0].isdigit()}
        out = []
        for row in _smi("--query-compute-apps=gpu_uuid,pid,used_memory"):
            try:
                out.append(GpuProcess(int(row[1]), index_of[row[0]], float(row[2])))
            except (ValueError, IndexError, KeyError):
                continue
        return out

    def _nvml_gpus(self) -> list[GpuReading]:
        nvml = self._nvml
        out = []
        try:
            for i in range(nvml.nvmlDeviceGetCount()):
                info = nvml.nvmlDeviceGetMemoryInfo(nvml.nvmlDeviceGetHandleByIndex(i))
                out.append(GpuReading(i, info.total / 2**20, info.used / 2**20))
        except nvml.NVMLError:
            return []
        return out

    def _nvml_processes(self) -> list[GpuProcess]:
        nvml = self._nvml
        out = []
        try:
            for i in range(nvml.nvmlDeviceGetCount()):
                handle = nvml.nvmlDeviceGetHandleByIndex(i)
                for p in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                    if p.usedGpuMemory is not None:
                        out.append(GpuProcess(p.pid, i, p.usedGpuMemory / 2**20))
        except nvml.NVMLError:
            return []
        return out


def _open_nvml() -> object | None:
    try:
        import pynvml  # the nvidia-ml-py package
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # noqa: BLE001 - no driver, no device: fall back to nvidia-smi
        return None
    return pynvml


def _smi(query: str) -> list[list[str]]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, query, "--format=csv,noheader,nounits"], capture_output=True,
                             text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [[cell.strip() for cell in line.split(",")] for line in out.splitlines() if line.strip()]
