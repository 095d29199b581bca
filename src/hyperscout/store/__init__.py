"""The store: SQLite in WAL mode, the single source of truth read by the CLI and dashboard."""

from ._records import CommandRecord, EventRecord, ExperimentRecord, IntermediateRecord, TrialRecord
from ._sqlite import DB_NAME, ENV_HOME, Store, default_home, resolve_storage
from ._summary import best_trial, finished_configurations

__all__ = [
    "DB_NAME",
    "ENV_HOME",
    "CommandRecord",
    "EventRecord",
    "ExperimentRecord",
    "IntermediateRecord",
    "Store",
    "TrialRecord",
    "best_trial",
    "default_home",
    "finished_configurations",
    "resolve_storage",
]
