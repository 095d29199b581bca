"""Executors: where trials run. Local function workers, in-process
threads and local command processes."""

from ._base import Event, Executor, Exit, Report, TrialSpec
from ._channel import ReportTail, prepare_directory, read_reports
from ._command import CommandExecutor, reap_orphan
from ._function import FunctionExecutor
from ._in_process import InProcessExecutor

__all__ = [
    "CommandExecutor",
    "Event",
    "Executor",
    "Exit",
    "FunctionExecutor",
    "InProcessExecutor",
    "Report",
    "ReportTail",
    "TrialSpec",
    "prepare_directory",
    "read_reports",
    "reap_orphan",
]
