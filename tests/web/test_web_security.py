"""Who may do what, and what the file endpoints refuse: the token rules, the loopback
Host check, and paths that would leave a trial's folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import TOKEN
from fastapi.testclient import TestClient

from hyperscout.store import Store
from hyperscout.web import create_app
from hyperscout.web._auth import HEADER


def test_actions_need_the_token_in_the_header(client: TestClient, exp_id: str) -> None:
    for path in (f"/api/experiments/{exp_id}/stop", f"/api/experiments/{exp_id}/trials/1/kill"):
        refused = client.post(path)
        assert refused.status_code == 403 and HEADER in refused.json()["detail"]
        assert client.post(path, params={"token": TOKEN}).status_code == 403  # header only
        assert client.post(path, headers={HEADER: "wrong"}).status_code == 403


def test_actions_on_a_finished_experiment_are_refused_with_the_reason(
        client: TestClient, exp_id: str) -> None:
    stop = client.post(f"/api/experiments/{exp_id}/stop", headers={HEADER: TOKEN})
    assert stop.status_code == 409 and "not running" in stop.json()["detail"]
    kill = client.post(f"/api/experiments/{exp_id}/trials/1/kill", headers={HEADER: TOKEN})
    assert kill.status_code == 409 and "only a running trial" in kill.json()["detail"]
    missing = client.post(f"/api/experiments/{exp_id}/trials/99/kill", headers={HEADER: TOKEN})
    assert missing.status_code == 404


def test_on_the_loopback_address_reads_are_open_to_local_names_only(
        finished: dict[str, Any]) -> None:
    app = create_app(finished["storage"], token=TOKEN)
    for base in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        assert TestClient(app, base_url=base).get("/api/experiments").status_code == 200
    rebound = TestClient(app, base_url="http://attacker.example").get("/")
    assert rebound.status_code == 403 and "localhost" in rebound.json()["detail"]
    assert TOKEN not in rebound.text


def test_beyond_localhost_every_request_needs_the_token(finished: dict[str, Any]) -> None:
    app = create_app(finished["storage"], token=TOKEN, require_token=True)
    client = TestClient(app, base_url="http://10.1.2.3:8080")
    for path in ("/", "/api/experiments", "/static/app.js", "/openapi.json"):
        refused = client.get(path)
        assert refused.status_code == 401 and "token" in refused.json()["detail"], path
        assert TOKEN not in refused.text
    assert client.get("/api/experiments", headers={HEADER: TOKEN}).status_code == 200
    assert client.get("/api/experiments", params={"token": "wrong"}).status_code == 401
    opened = client.get("/", params={"token": TOKEN})  # the printed address
    assert opened.status_code == 200
    assert client.get("/api/experiments").status_code == 200  # the cookie it set


def test_a_generated_token_is_used_when_none_is_given(finished: dict[str, Any]) -> None:
    app = create_app(finished["storage"])
    assert len(app.state.token) >= 24
    assert app.state.token != create_app(finished["storage"]).state.token


@pytest.fixture
def trial_folder(finished: dict[str, Any], exp_id: str, tmp_path: Path) -> Path:
    folder = Path(Store(finished["storage"]).trial(exp_id, 2).directory)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    link = folder / "link.txt"
    if not link.exists():
        os.symlink(secret, link)
        os.symlink(tmp_path, folder / "linked-dir")
        (folder / "sub").mkdir()
        (folder / "sub" / "ok.txt").write_text("inside")
    return folder


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "..%2F..%2Fhyperscout.db",
                                  "%2Fetc%2Fpasswd", "link.txt", "linked-dir/secret.txt",
                                  "sub/../../stdout.log"])
def test_files_outside_the_trial_folder_are_refused(client: TestClient, exp_id: str,
                                                    trial_folder: Path, path: str) -> None:
    response = client.get(f"/api/experiments/{exp_id}/trials/2/files/{path}")
    assert response.status_code == 404, path
    assert "do not serve" not in response.text and "root:" not in response.text


def test_files_inside_the_trial_folder_are_served(client: TestClient, exp_id: str,
                                                  trial_folder: Path) -> None:
    response = client.get(f"/api/experiments/{exp_id}/trials/2/files/sub/ok.txt")
    assert response.status_code == 200 and response.text == "inside"
    listed = {f["path"] for f in client.get(f"/api/experiments/{exp_id}/trials/2").json()["files"]}
    assert "sub/ok.txt" in listed and "link.txt" not in listed


def test_reads_are_capped_at_one_mebibyte(client: TestClient, exp_id: str,
                                          trial_folder: Path) -> None:
    (trial_folder / "big.txt").write_text("x" * (3 << 20))
    response = client.get(f"/api/experiments/{exp_id}/trials/2/files/big.txt")
    assert len(response.content) == 1 << 20
