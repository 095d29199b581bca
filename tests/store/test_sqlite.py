"""Store: experiments, trials, reports, leases and commands in one SQLite file."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from hyperscout.errors import ExperimentNotFound, StoreError, TrialNotFound
from hyperscout.states import TrialState
from hyperscout.store import Store


def _record(seq: int, kind: str, value: float, step: int | None = None) -> dict:
    return {"seq": seq, "kind": kind, "value": value, "metrics": {"default": value},
            "step": step, "time": time.time()}


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path)


@pytest.fixture
def exp(store: Store) -> str:
    return store.create_experiment(config={"max_trials": 3}, space={"parameters": []}, name="t")


def test_the_database_is_in_wal_mode_next_to_the_experiment_folders(store, exp, tmp_path):
    mode = sqlite3.connect(tmp_path / "hyperscout.db").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)
    assert (tmp_path / "experiments" / exp / "trials").is_dir()


def test_default_location_follows_hyperscout_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HYPERSCOUT_HOME", str(tmp_path / "home"))
    assert Store().path == tmp_path / "home" / "hyperscout.db"


def test_reports_are_stored_once_even_when_read_twice(store, exp):
    store.add_trial(exp, 0, {"x": 1})
    records = [_record(0, "intermediate", 0.1, 0), _record(1, "intermediate", 0.2, 1),
               _record(2, "final", 0.3)]
    assert store.add_reports(exp, 0, records[:2]) == 2
    assert store.add_reports(exp, 0, records) == 1  # the first two are already there
    trial = store.trial(exp, 0)
    assert (trial.value, trial.latest, trial.n_intermediate, trial.last_seq) == (0.3, 0.2, 2, 2)
    assert [r.value for r in store.intermediates(exp, 0)] == [0.1, 0.2]


def test_a_running_trial_whose_lease_lapsed_reads_as_stale(store, exp):
    store.add_trial(exp, 0, {})
    store.start_trial(exp, 0, lease_until=time.time() - 1)
    assert store.trial(exp, 0).state is TrialState.STALE
    assert store.expire_leases(exp) == [0]
    assert store.trial(exp, 0).reason == "lease lapsed: its runner vanished"


def test_an_experiment_whose_engine_died_reads_as_interrupted(store, exp):
    store.claim(exp, pid=2**22 + 12345)  # no such process
    assert store.experiment(exp).status == "interrupted"
    store.claim(exp, pid=os.getpid())
    assert store.experiment(exp).status == "running"


def test_a_live_engine_keeps_its_claim(store, exp):
    store.claim(exp, pid=os.getpid())
    with pytest.raises(StoreError, match="already run by engine process"):
        store.claim(exp, pid=1)


def test_commands_are_taken_once(store, exp):
    store.add_command(exp, "kill", trial=3)
    store.add_command(exp, "stop")
    assert [(c.kind, c.trial) for c in store.take_commands(exp)] == [("kill", 3), ("stop", None)]
    assert store.take_commands(exp) == []


def test_a_claim_drops_commands_for_a_gone_engine_and_keeps_those_sent_since_its_start(
        store, exp):
    store.add_command(exp, "kill", trial=1)  # for an engine that died
    started = time.time()
    time.sleep(0.01)
    store.add_command(exp, "stop")  # `hyperscout stop` while the new engine was starting
    store.claim(exp, pid=os.getpid(), since=started)
    assert [c.kind for c in store.take_commands(exp)] == ["stop"]
    store.add_command(exp, "stop")
    store.set_status(exp, "stopped")
    store.claim(exp, pid=os.getpid())  # a run started by hand: everything before is stale
    assert store.take_commands(exp) == []


def test_a_failed_transaction_writes_nothing(store, exp):
    with pytest.raises(RuntimeError), store.transaction():
        store.add_trial(exp, 0, {})
        raise RuntimeError("boom")
    assert store.trials(exp) == []


def test_unknown_ids_name_the_fix(store, exp):
    with pytest.raises(ExperimentNotFound, match="hyperscout experiment list"):
        store.experiment("nope")
    with pytest.raises(TrialNotFound, match="hyperscout trial ls"):
        store.trial(exp, 42)


def test_delete_removes_every_row_but_refuses_a_running_experiment(store, exp):
    store.add_trial(exp, 0, {})
    store.claim(exp, pid=os.getpid())
    with pytest.raises(StoreError, match="stop it first"):
        store.delete_experiment(exp)
    store.set_status(exp, "stopped")
    store.delete_experiment(exp)
    with pytest.raises(ExperimentNotFound):
        store.experiment(exp)


def test_a_schema_1_store_is_migrated_on_open_and_keeps_its_trials(tmp_path):
    from hyperscout.store._schema import SCHEMA

    v1 = [s.replace(", schedule TEXT", "") for s in SCHEMA]  # the trials table as in schema 1
    db = sqlite3.connect(tmp_path / "hyperscout.db")
    for statement in v1:
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.commit()
    db.close()
    store = Store(tmp_path)
    exp = store.create_experiment(config={}, space={"parameters": []}, name="old")
    store.add_trial(exp, 0, {"x": 1})  # written before the migration's column mattered
    number = store.new_trial(exp, {"x": 2}, schedule={"job": 0, "config": 0, "budget": 3})
    assert store.trial(exp, 0).schedule is None
    assert store.trial(exp, number).schedule["budget"] == 3
    version = store._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert version[0] == "2"


def test_placements_name_the_latest_node_of_each_trial(tmp_path) -> None:
    store = Store(tmp_path / "store")
    exp = store.create_experiment(config={}, space={"parameters": []}, name="placed")
    store.add_event(exp, "placement", "runs on 10.0.0.1 (a, Ray node 111111111111)", trial=0)
    store.add_event(exp, "placement", "runs on 10.0.0.2 (b, Ray node 222222222222)", trial=1)
    store.add_event(exp, "placement", "runs on 10.0.0.3 (c, Ray node 333333333333)", trial=0)
    store.add_event(exp, "started", "trial 1 started", trial=1)
    assert store.placements(exp) == {0: "10.0.0.3 (c, Ray node 333333333333)",
                                     1: "10.0.0.2 (b, Ray node 222222222222)"}


def test_a_file_that_is_not_a_store_is_named_and_left_as_it_is(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database, just notes\n" * 200)
    with pytest.raises(StoreError, match=r"notes\.db is not a readable hyperscout store"):
        Store(path)
    assert path.read_bytes() == b"not a database, just notes\n" * 200
