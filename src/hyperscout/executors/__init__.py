"""Executors: where trials run. Local function workers, in-process
threads, local command processes, and Ray tasks (`RayExecutor`, the ``ray`` extra; Ray is
imported only when one is built)."""

from ._base import Event, Executor, Exit, Placed, Report, SharedGpuOom, TrialSpec
from ._channel import ReportTail, prepare_directory, read_reports
from ._command import CommandExecutor, reap_orphans
from ._function import FunctionExecutor, check_trial_function
from ._in_process import InProcessExecutor
from ._ray import RayExecutor, RayOptions, connect_ray, ray_trial_slots, ship_by_value

__all__ = [
    "CommandExecutor",
    "Event",
    "Executor",
    "Exit",
    "FunctionExecutor",
    "InProcessExecutor",
    "Placed",
    "RayExecutor",
    "RayOptions",
    "Report",
    "ReportTail",
    "SharedGpuOom",
    "TrialSpec",
    "check_trial_function",
    "connect_ray",
    "prepare_directory",
    "ray_trial_slots",
    "read_reports",
    "reap_orphans",
    "ship_by_value",
]
