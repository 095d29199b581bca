"""The store: SQLite in WAL mode, the single source of truth read by the CLI and dashboard."""

from ._records import CommandRecord, EventRecord, ExperimentRecord, IntermediateRecord, TrialRecord
from ._sqlite import DB_NAME, ENV_HOME, Store, default_home, resolve_storage

__all__ = [
    "DB_NAME",
    "ENV_HOME",
    "CommandRecord",
    "EventRecord",
    "ExperimentRecord",
    "IntermediateRecord",
    "Store",
    "TrialRecord",
    "default_home",
    "resolve_storage",
]
