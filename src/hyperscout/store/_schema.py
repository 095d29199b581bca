"""The database schema. Bump `SCHEMA_VERSION` and add a migration when it changes."""

SCHEMA_VERSION = 2

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS experiments (
        id TEXT PRIMARY KEY, name TEXT, status TEXT NOT NULL, config TEXT NOT NULL,
        space TEXT NOT NULL, created REAL NOT NULL, started REAL, ended REAL,
        elapsed REAL NOT NULL DEFAULT 0, engine_pid INTEGER, heartbeat REAL,
        directory TEXT NOT NULL, message TEXT)""",
    """CREATE TABLE IF NOT EXISTS trials (
        experiment_id TEXT NOT NULL REFERENCES experiments(id), number INTEGER NOT NULL,
        state TEXT NOT NULL, params TEXT NOT NULL, value REAL, metrics TEXT, latest REAL,
        created REAL NOT NULL, started REAL, ended REAL, lease_until REAL,
        attempt INTEGER NOT NULL DEFAULT 0, retry_of INTEGER, reason TEXT, exit_code INTEGER,
        pid INTEGER, gpus TEXT, last_seq INTEGER NOT NULL DEFAULT -1,
        n_intermediate INTEGER NOT NULL DEFAULT 0, ask_to_start REAL, report_to_tell REAL,
        directory TEXT NOT NULL, schedule TEXT, PRIMARY KEY (experiment_id, number))""",
    """CREATE TABLE IF NOT EXISTS intermediates (
        experiment_id TEXT NOT NULL, number INTEGER NOT NULL, seq INTEGER NOT NULL,
        step INTEGER, value REAL NOT NULL, metrics TEXT NOT NULL, time REAL NOT NULL,
        PRIMARY KEY (experiment_id, number, seq))""",
    """CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, experiment_id TEXT NOT NULL, time REAL NOT NULL,
        trial INTEGER, kind TEXT NOT NULL, message TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT, experiment_id TEXT NOT NULL, time REAL NOT NULL,
        kind TEXT NOT NULL, trial INTEGER, done INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS trials_state ON trials (experiment_id, state)",
    "CREATE INDEX IF NOT EXISTS events_experiment ON events (experiment_id, id)",
    "CREATE INDEX IF NOT EXISTS commands_pending ON commands (experiment_id, done)",
)

MIGRATIONS = {
    # version -> statements that bring a store of that version to the next
    1: ("ALTER TABLE trials ADD COLUMN schedule TEXT",),  # the scheduler's job of a trial
}
