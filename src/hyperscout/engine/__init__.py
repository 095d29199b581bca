"""The experiment engine: the loop that asks tuners, runs trials, stores results, resumes."""

from ._experiment import Experiment, import_function
from ._gpus import GpuPool, detect_gpus
from ._optimize import OptimizeResult, optimize

__all__ = ["Experiment", "GpuPool", "OptimizeResult", "detect_gpus", "import_function", "optimize"]
