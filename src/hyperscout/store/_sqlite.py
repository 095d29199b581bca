"""`Store`: the single source of truth, one SQLite file in WAL mode.

WAL with ``synchronous=NORMAL`` keeps every committed transaction through a killed
process (only a power loss can drop the last ones) without paying an fsync per commit.
Writers batch their work in `transaction()` blocks; a result is committed before the
engine acts on it. Readers (CLI, dashboard) never block the engine.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import string
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from typing_extensions import Self

from ..errors import ExperimentNotFound, StoreError, TrialNotFound
from ..states import TrialState
from ._records import (
    CommandRecord,
    EventRecord,
    ExperimentRecord,
    IntermediateRecord,
    TrialRecord,
)
from ._schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION

DB_NAME = "hyperscout.db"
ENV_HOME = "HYPERSCOUT_HOME"
ACTIVE_STATUSES = ("running",)


def default_home() -> Path:
    """``$HYPERSCOUT_HOME`` or ``~/.hyperscout``."""
    return Path(os.environ.get(ENV_HOME) or Path.home() / ".hyperscout").expanduser()


def resolve_storage(storage: str | os.PathLike[str] | None) -> Path:
    """The database file for a ``--storage`` value: a file path, a directory, or None."""
    if storage is None:
        return (default_home() / DB_NAME).absolute()
    # absolute: trial folders are recorded from it, and trials run in other directories
    path = Path(storage).expanduser().absolute()
    if path.is_dir() or (not path.suffix and not path.exists()):
        return path / DB_NAME
    return path


def _new_experiment_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Store:
    """All persistent state of all experiments in one database.

    Args:
        storage: database file or folder (``hyperscout.db`` inside it); default
            ``$HYPERSCOUT_HOME`` or ``~/.hyperscout``. Experiment folders (trial
            directories, logs) live next to the database in ``experiments/<id>/``.
    """

    def __init__(self, storage: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_storage(storage)
        self.home = self.path.parent
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                       check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the store at {self.path}: {exc}. Pass --storage PATH (or set "
                f"{ENV_HOME}) to a writable location."
            ) from exc
        self._db.row_factory = sqlite3.Row
        self._depth = 0
        try:
            self._init_schema()
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            self._db.close()
            raise StoreError(
                f"{self.path} is not a readable hyperscout store ({exc}). Point --storage "
                f"(or {ENV_HOME}) at a store's folder or its hyperscout.db; a damaged file "
                "can be checked with `sqlite3 FILE 'PRAGMA integrity_check'` and is left "
                "as it is.") from exc

    # -- connection -------------------------------------------------------------------
    def _init_schema(self) -> None:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        with self.transaction():
            for statement in SCHEMA:
                db.execute(statement)
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) < SCHEMA_VERSION:
                for version in range(int(row[0]), SCHEMA_VERSION):
                    for statement in MIGRATIONS[version]:
                        db.execute(statement)
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                           (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"the store {self.path} was written by a newer hyperscout (schema "
                    f"{row[0]} > {SCHEMA_VERSION}); upgrade hyperscout to read it."
                )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit; nested blocks join the outer one."""
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    def _write(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._db.execute(sql, tuple(args))

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._db.execute(sql, tuple(args)).fetchall()

    # -- experiments ------------------------------------------------------------------
    def create_experiment(self, *, config: dict[str, Any], space: Any, name: str | None) -> str:
        """Store a new experiment (status ``created``) and make its folder; return its id."""
        for _ in range(100):
            exp_id = _new_experiment_id()
            if not self._read("SELECT 1 FROM experiments WHERE id=?", (exp_id,)):
                break
        directory = self.home / "experiments" / exp_id
        (directory / "trials").mkdir(parents=True, exist_ok=True)
        self._write(
            "INSERT INTO experiments (id, name, status, config, space, created, elapsed, directory)"
            " VALUES (?, ?, 'created', ?, ?, ?, 0, ?)",
            (exp_id, name, json.dumps(config), json.dumps(space), time.time(), str(directory)),
        )
        return exp_id

    def experiment(self, experiment_id: str) -> ExperimentRecord:
        rows = self._read("SELECT * FROM experiments WHERE id=?", (experiment_id,))
        if not rows:
            raise ExperimentNotFound(
                f"no experiment {experiment_id!r} in the store {self.path}. "
                "`hyperscout experiment list` shows the stored ones (use --storage for another store)."
            )
        return self._experiment_record(rows[0])

    def experiments(self) -> list[ExperimentRecord]:
        rows = self._read("SELECT * FROM experiments ORDER BY created")
        return [self._experiment_record(r) for r in rows]

    def _experiment_record(self, row: sqlite3.Row) -> ExperimentRecord:
        status = row["status"]
        if status in ACTIVE_STATUSES and not _engine_alive(row["engine_pid"], row["heartbeat"]):
            status = "interrupted"
        return ExperimentRecord(
            id=row["id"], name=row["name"], status=status, config=json.loads(row["config"]),
            space=json.loads(row["space"]), created=row["created"], started=row["started"],
            ended=row["ended"], elapsed=row["elapsed"] or 0.0, engine_pid=row["engine_pid"],
            heartbeat=row["heartbeat"], directory=row["directory"], message=row["message"],
        )

    def set_config(self, experiment_id: str, config: dict[str, Any]) -> None:
        """Replace the stored config of an experiment (a front end that resumes it with new
        limits, e.g. a Keras tuner made again with a larger `max_trials`)."""
        self.experiment(experiment_id)  # raises ExperimentNotFound with the usual message
        self._write("UPDATE experiments SET config=? WHERE id=?",
                    (json.dumps(config), experiment_id))

    def claim(self, experiment_id: str, pid: int, *, since: float | None = None) -> None:
        """Mark `pid` as the engine of the experiment; fail if a live engine holds it.
        Commands queued before `since` (default: now) were meant for an engine that is
        gone and are dropped; later ones (a stop sent while this engine was starting) are
        kept for it."""
        with self.transaction():
            record = self.experiment(experiment_id)
            if record.status == "running" and record.engine_pid not in (None, pid):
                raise StoreError(
                    f"experiment {experiment_id} is already run by engine process "
                    f"{record.engine_pid}; stop it first with `hyperscout stop {experiment_id}`."
                )
            now = time.time()
            self._db.execute(
                "UPDATE experiments SET status='running', engine_pid=?, heartbeat=?,"
                " started=COALESCE(started, ?), ended=NULL, message=NULL WHERE id=?",
                (pid, now, now, experiment_id),
            )
            # commands queued for an engine that is gone must not steer the new one
            self._db.execute("UPDATE commands SET done=1 WHERE experiment_id=? AND done=0"
                             " AND time < ?", (experiment_id, now if since is None else since))

    def set_status(self, experiment_id: str, status: str, message: str | None = None) -> None:
        ended = time.time() if status not in ("running", "created") else None
        self._write(
            "UPDATE experiments SET status=?, message=?, ended=?, engine_pid=CASE WHEN ? IS NULL"
            " THEN engine_pid ELSE NULL END WHERE id=?",
            (status, message, ended, ended, experiment_id),
        )

    def engine_of(self, experiment_id: str) -> int | None:
        """The process the store names as the experiment's running engine, if any."""
        row = self._db.execute(
            "SELECT engine_pid FROM experiments WHERE id=? AND status='running'",
            (experiment_id,)).fetchone()
        return None if row is None else row[0]

    def heartbeat(self, experiment_id: str, *, elapsed: float, lease_until: float) -> None:
        """Renew the engine's heartbeat and the lease of every running trial, in one commit."""
        with self.transaction():
            self._db.execute("UPDATE experiments SET heartbeat=?, elapsed=? WHERE id=?",
                             (time.time(), elapsed, experiment_id))
            self._db.execute(
                "UPDATE trials SET lease_until=? WHERE experiment_id=? AND state='running'",
                (lease_until, experiment_id),
            )

    def delete_experiment(self, experiment_id: str) -> Path:
        """Remove the experiment's rows; return its folder (the caller removes files)."""
        record = self.experiment(experiment_id)
        if record.status == "running":
            raise StoreError(
                f"experiment {experiment_id} is running; stop it first with "
                f"`hyperscout stop {experiment_id}`."
            )
        with self.transaction():
            for table in ("intermediates", "events", "commands", "trials"):
                self._db.execute(f"DELETE FROM {table} WHERE experiment_id=?", (experiment_id,))
            self._db.execute("DELETE FROM experiments WHERE id=?", (experiment_id,))
        return Path(record.directory)

    # -- trials -----------------------------------------------------------------------
    def next_trial_number(self, experiment_id: str) -> int:
        row = self._read("SELECT MAX(number) FROM trials WHERE experiment_id=?", (experiment_id,))
        return 0 if row[0][0] is None else int(row[0][0]) + 1

    def add_trial(self, experiment_id: str, number: int, params: dict[str, Any], *,
                  state: TrialState = TrialState.WAITING, attempt: int = 0,
                  retry_of: int | None = None, reason: str | None = None,
                  lease_until: float | None = None,
                  schedule: dict[str, Any] | None = None) -> None:
        """Insert trial `number`; a number already taken raises `StoreError`."""
        directory = self.home / "experiments" / experiment_id / "trials" / str(number)
        started = time.time() if TrialState(state) is TrialState.RUNNING else None
        try:
            self._write(
                "INSERT INTO trials (experiment_id, number, state, params, created, started,"
                " lease_until, attempt, retry_of, reason, last_seq, n_intermediate, directory,"
                " schedule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, 0, ?, ?)",
                (experiment_id, number, TrialState(state).value, json.dumps(params), time.time(),
                 started, lease_until, attempt, retry_of, reason, str(directory),
                 None if schedule is None else json.dumps(schedule)),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"experiment {experiment_id} already has a trial {number}; use new_trial() "
                "to let the store pick the next free number."
            ) from exc

    def new_trial(self, experiment_id: str, params: dict[str, Any], **fields: Any) -> int:
        """Insert a trial under the next free number, chosen inside the same transaction
        (so the engine and a concurrent `trial rerun` never take the same one); return it."""
        with self.transaction():
            number = self.next_trial_number(experiment_id)
            self.add_trial(experiment_id, number, params, **fields)
        return number

    def start_trial(self, experiment_id: str, number: int, *, lease_until: float,
                    ask_to_start: float | None = None, gpus: str | None = None,
                    pid: int | None = None) -> None:
        self._write(
            "UPDATE trials SET state='running', started=?, lease_until=?, ask_to_start=?,"
            " gpus=?, pid=? WHERE experiment_id=? AND number=?",
            (time.time(), lease_until, ask_to_start, gpus, pid, experiment_id, number),
        )

    def set_schedule(self, experiment_id: str, number: int, schedule: dict[str, Any]) -> None:
        """Record the scheduler's job of a trial the user queued (adopted at launch)."""
        self._write("UPDATE trials SET schedule=? WHERE experiment_id=? AND number=?",
                    (json.dumps(schedule), experiment_id, number))

    def set_runner(self, experiment_id: str, number: int, *, pid: int | None,
                   ask_to_start: float | None, gpus: str | None) -> None:
        """Record how a started trial runs (its process, launch overhead, GPUs)."""
        self._write("UPDATE trials SET pid=?, ask_to_start=?, gpus=? WHERE experiment_id=?"
                    " AND number=?", (pid, ask_to_start, gpus, experiment_id, number))

    def add_reports(self, experiment_id: str, number: int, records: list[dict[str, Any]]) -> int:
        """Store report lines (intermediate and final) not stored yet; return how many."""
        if not records:
            return 0
        added = 0
        with self.transaction():
            row = self._db.execute(
                "SELECT last_seq FROM trials WHERE experiment_id=? AND number=?",
                (experiment_id, number),
            ).fetchone()
            if row is None:
                raise TrialNotFound(f"trial {number} of experiment {experiment_id} is not stored")
            last_seq = row[0]
            for record in sorted(records, key=lambda r: r["seq"]):
                if record["seq"] <= last_seq:
                    continue
                last_seq = record["seq"]
                added += 1
                if record["kind"] == "final":
                    self._db.execute(
                        "UPDATE trials SET value=?, metrics=? WHERE experiment_id=? AND number=?",
                        (record["value"], json.dumps(record["metrics"]), experiment_id, number),
                    )
                else:
                    self._db.execute(
                        "INSERT INTO intermediates VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (experiment_id, number, record["seq"], record["step"], record["value"],
                         json.dumps(record["metrics"]), record["time"]),
                    )
                    self._db.execute(
                        "UPDATE trials SET n_intermediate=n_intermediate+1, latest=?"
                        " WHERE experiment_id=? AND number=?",
                        (record["value"], experiment_id, number),
                    )
            self._db.execute("UPDATE trials SET last_seq=? WHERE experiment_id=? AND number=?",
                             (last_seq, experiment_id, number))
        return added

    def finish_trial(self, experiment_id: str, number: int, state: TrialState, *,
                     reason: str | None = None, exit_code: int | None = None,
                     report_to_tell: float | None = None, ended: float | None = None) -> None:
        """Record how a trial ended; `ended` is now unless given (a trial found dead on
        resume ended when it was last seen, not when the resume noticed)."""
        self._write(
            "UPDATE trials SET state=?, ended=?, reason=COALESCE(?, reason), exit_code=?,"
            " report_to_tell=?, lease_until=NULL, pid=NULL WHERE experiment_id=? AND number=?",
            (TrialState(state).value, time.time() if ended is None else ended, reason,
             exit_code, report_to_tell, experiment_id, number),
        )

    def set_overhead(self, experiment_id: str, number: int, report_to_tell: float) -> None:
        self._write("UPDATE trials SET report_to_tell=? WHERE experiment_id=? AND number=?",
                    (report_to_tell, experiment_id, number))

    def expire_leases(self, experiment_id: str) -> list[int]:
        """Turn running trials whose lease lapsed into ``stale``; return their numbers."""
        now = time.time()
        with self.transaction():
            rows = self._db.execute(
                "SELECT number FROM trials WHERE experiment_id=? AND state='running'"
                " AND (lease_until IS NULL OR lease_until < ?)", (experiment_id, now),
            ).fetchall()
            for (number,) in rows:
                self._db.execute(
                    "UPDATE trials SET state='stale', ended=?, reason=COALESCE(reason, ?),"
                    " lease_until=NULL WHERE experiment_id=? AND number=?",
                    (now, "lease lapsed: its runner vanished", experiment_id, number),
                )
        return [r[0] for r in rows]

    def trial(self, experiment_id: str, number: int) -> TrialRecord:
        rows = self._read("SELECT * FROM trials WHERE experiment_id=? AND number=?",
                          (experiment_id, number))
        if not rows:
            self.experiment(experiment_id)  # raises ExperimentNotFound first
            raise TrialNotFound(
                f"experiment {experiment_id} has no trial {number}; `hyperscout trial ls "
                f"{experiment_id}` lists its trials."
            )
        return _trial_record(rows[0])

    def trials(self, experiment_id: str, states: Iterable[TrialState | str] | None = None
               ) -> list[TrialRecord]:
        rows = self._read("SELECT * FROM trials WHERE experiment_id=? ORDER BY number",
                          (experiment_id,))
        records = [_trial_record(r) for r in rows]
        if states is not None:
            wanted = {TrialState(s) for s in states}
            records = [r for r in records if r.state in wanted]
        return records

    def trials_version(self, experiment_id: str) -> tuple[Any, ...]:
        """A cheap fingerprint of the experiment's trials: it changes whenever a trial is
        added, starts, reports, changes state or ends, so a reader (the dashboard) can
        keep what it read until then."""
        row = self._read(
            "SELECT COUNT(*), COALESCE(SUM(last_seq), 0), COALESCE(MAX(started), 0),"
            " COALESCE(MAX(ended), 0), COUNT(ended), GROUP_CONCAT(DISTINCT state)"
            " FROM trials WHERE experiment_id=?", (experiment_id,))[0]
        return tuple(row)

    def intermediates(self, experiment_id: str, number: int | None = None
                      ) -> list[IntermediateRecord]:
        sql = "SELECT * FROM intermediates WHERE experiment_id=?"
        args: tuple[Any, ...] = (experiment_id,)
        if number is not None:
            sql += " AND number=?"
            args += (number,)
        rows = self._read(sql + " ORDER BY number, seq", args)
        return [IntermediateRecord(r["number"], r["seq"], r["step"], r["value"],
                                   json.loads(r["metrics"]), r["time"]) for r in rows]

    # -- events and commands ------------------------------------------------------------
    def add_event(self, experiment_id: str, kind: str, message: str, trial: int | None = None
                  ) -> None:
        self._write("INSERT INTO events (experiment_id, time, trial, kind, message)"
                    " VALUES (?, ?, ?, ?, ?)", (experiment_id, time.time(), trial, kind, message))

    def events(self, experiment_id: str) -> list[EventRecord]:
        rows = self._read("SELECT * FROM events WHERE experiment_id=? ORDER BY id",
                          (experiment_id,))
        return [EventRecord(r["time"], r["kind"], r["trial"], r["message"]) for r in rows]

    def placements(self, experiment_id: str) -> dict[int, str]:
        """Where each trial ran (the node its latest ``placement`` event names), for
        executors that place trials on other machines."""
        rows = self._read("SELECT trial, message FROM events WHERE experiment_id=? AND "
                          "kind='placement' AND trial IS NOT NULL ORDER BY id", (experiment_id,))
        return {r["trial"]: r["message"].removeprefix("runs on ") for r in rows}

    def add_command(self, experiment_id: str, kind: str, trial: int | None = None) -> None:
        """Queue a control command (``stop``, ``kill``) for the experiment's engine."""
        self.experiment(experiment_id)
        self._write("INSERT INTO commands (experiment_id, time, kind, trial, done)"
                    " VALUES (?, ?, ?, ?, 0)", (experiment_id, time.time(), kind, trial))

    def take_commands(self, experiment_id: str) -> list[CommandRecord]:
        """Return the pending commands and mark them taken, in one transaction."""
        if not self._read("SELECT 1 FROM commands WHERE experiment_id=? AND done=0 LIMIT 1",
                          (experiment_id,)):
            return []  # the common case: a read, no write lock
        with self.transaction():
            rows = self._db.execute(
                "SELECT id, kind, trial FROM commands WHERE experiment_id=? AND done=0 ORDER BY id",
                (experiment_id,),
            ).fetchall()
            if rows:
                self._db.execute("UPDATE commands SET done=1 WHERE experiment_id=? AND done=0",
                                 (experiment_id,))
        return [CommandRecord(r[0], r[1], r[2]) for r in rows]


def _trial_record(row: sqlite3.Row) -> TrialRecord:
    state = TrialState(row["state"])
    if state is TrialState.RUNNING and row["lease_until"] is not None \
            and row["lease_until"] < time.time():
        state = TrialState.STALE
    metrics = row["metrics"]
    return TrialRecord(
        experiment_id=row["experiment_id"], number=row["number"], state=state,
        params=json.loads(row["params"]), value=row["value"],
        metrics=json.loads(metrics) if metrics else None, created=row["created"],
        started=row["started"], ended=row["ended"], attempt=row["attempt"],
        retry_of=row["retry_of"], reason=row["reason"], exit_code=row["exit_code"],
        last_seq=row["last_seq"], n_intermediate=row["n_intermediate"], latest=row["latest"],
        gpus=row["gpus"], pid=row["pid"], ask_to_start=row["ask_to_start"], report_to_tell=row["report_to_tell"],
        directory=row["directory"],
        schedule=json.loads(row["schedule"]) if row["schedule"] else None,
    )


HEARTBEAT_GRACE = 30.0  # seconds without a heartbeat before an engine counts as gone


def _engine_alive(pid: int | None, heartbeat: float | None) -> bool:
    if pid is None or heartbeat is None:
        return False
    if time.time() - heartbeat > HEARTBEAT_GRACE:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
