"""What this machine's GPUs hold, for packing trials onto them by memory: readings through
NVML or nvidia-smi (`GpuDevices`), the memory each running trial holds (`MemoryMonitor`),
the estimate for later trials (`MemoryEstimate`), and CUDA out-of-memory recognition.
Shared by the engine (local trials) and the Ray executor (trials on worker nodes)."""

from ._memory import (
    SAMPLE_SECONDS,
    USABLE,
    MemoryEstimate,
    MemoryMonitor,
    is_cuda_oom,
    process_ancestors,
    stderr_tail,
)
from ._nvml import GpuDevices, GpuProcess, GpuReading

__all__ = ["SAMPLE_SECONDS", "USABLE", "GpuDevices", "GpuProcess", "GpuReading",
           "MemoryEstimate", "MemoryMonitor", "is_cuda_oom", "process_ancestors", "stderr_tail"]
