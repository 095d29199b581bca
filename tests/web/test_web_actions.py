"""Stop and kill from the dashboard go through the engine's own control path: the engine
of a real running experiment acts on them, and what the trial reported is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TOKEN, start_running, stop_running, wait_until
from fastapi.testclient import TestClient

from hyperscout.store import Store
from hyperscout.web import create_app
from hyperscout.web._auth import HEADER

pytestmark = pytest.mark.slow


def test_kill_ends_a_running_trial_and_stop_ends_the_experiment(tmp_path: Path) -> None:
    storage, exp_id = start_running(tmp_path)
    store = Store(storage)
    client = TestClient(create_app(storage, token=TOKEN), base_url="http://127.0.0.1")
    try:
        wait_until(lambda: store.trial(exp_id, 0).n_intermediate >= 3)
        before = client.get(f"/api/experiments/{exp_id}/version").json()
        killed = client.post(f"/api/experiments/{exp_id}/trials/0/kill", headers={HEADER: TOKEN})
        assert killed.status_code == 200, killed.text
        trial = wait_until(lambda: (t := store.trial(exp_id, 0)).state.value != "running" and t)
        assert trial.state.value == "user_canceled"
        assert trial.n_intermediate >= 3  # what it reported is kept
        wait_until(lambda: client.get(f"/api/experiments/{exp_id}/version").json() != before)
        row = client.get(f"/api/experiments/{exp_id}/trials/0").json()
        assert row["state"] == "user_canceled" and len(row["intermediates"]) >= 3

        wait_until(lambda: store.trial(exp_id, 1).state.value == "running")
        log = wait_until(lambda: client.get(
            f"/api/experiments/{exp_id}/trials/1/log/stdout").json()["text"])
        assert log.startswith("step 0")
        stopped = client.post(f"/api/experiments/{exp_id}/stop", headers={HEADER: TOKEN})
        assert stopped.status_code == 200, stopped.text
        wait_until(lambda: store.experiment(exp_id).status != "running")
        assert client.get(f"/api/experiments/{exp_id}").json()["status"] == "stopped"
    finally:
        stop_running(storage, exp_id)
