"""``hyperscout view`` and ``hyperscout dashboard`` serve the web dashboard, and
``hyperscout create`` starts one beside its engine and prints the address."""

from __future__ import annotations

import json
import os
import urllib.error
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cli_helpers
import pytest

pytest.importorskip("uvicorn", reason="the dashboard needs the web extra: pip install -e '.[web]' in hyperscout's clone")


def serve(*args: str, storage: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start ``hyperscout ARGS``; the process, the address it printed and its lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hyperscout.cli", *args, "--storage", str(storage)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if line.startswith("dashboard: "):
            return process, line.split()[1], lines
    raise AssertionError(f"no address printed: {lines}")


def get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_view_serves_one_experiment_on_localhost(seeded: cli_helpers.Seeded) -> None:
    port = free_port()
    process, url, lines = serve("view", seeded.id, "--port", str(port),
                                storage=seeded.storage)
    try:
        assert url == f"http://127.0.0.1:{port}/#/e/{seeded.id}"
        assert any(line.startswith("token (needed by stop and kill") for line in lines)
        rows = get(f"http://127.0.0.1:{port}/api/experiments")
        assert [r["id"] for r in rows] == [seeded.id]  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(10)


def test_a_taken_port_moves_to_the_next_free_one_and_says_so(seeded: cli_helpers.Seeded) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, url, lines = serve("dashboard", "--port", str(port), storage=seeded.storage)
        try:
            assert f"port {port} is taken; using" in lines[0]
            chosen = int(re.search(r":(\d+)/", url).group(1))  # type: ignore[union-attr]
            assert chosen > port
            assert get(f"http://127.0.0.1:{chosen}/api/experiments")
        finally:
            process.terminate()
            process.wait(10)


def test_beyond_localhost_the_address_carries_a_printed_token(seeded: cli_helpers.Seeded) -> None:
    port = free_port()
    process, url, lines = serve("dashboard", "--host", "0.0.0.0", "--port", str(port),
                                storage=seeded.storage)
    try:
        token = url.split("?token=")[1]
        assert len(token) >= 24
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"http://127.0.0.1:{port}/api/experiments")
        assert refused.value.code == 401
        assert get(f"http://127.0.0.1:{port}/api/experiments?token={token}")
    finally:
        process.terminate()
        process.wait(10)
    assert any(line.startswith("token (needed") for line in lines)


def test_view_of_an_unknown_experiment_fails_with_the_store_message(
        seeded: cli_helpers.Seeded) -> None:
    done = cli_helpers.hyperscout("view", "nope", storage=seeded.storage)
    assert done.returncode == 1
    assert "no experiment 'nope'" in done.stderr and "Traceback" not in done.stderr


def test_create_starts_a_dashboard_on_the_given_port_that_ends_after_its_experiment(
        tmp_path: Path, trial_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPERSCOUT_DASHBOARD", "1")
    (trial_dir / "sleep").write_text("")  # still running when create returns
    config = tmp_path / "config.yml"
    config.write_text(f"search_space:\n  x: {{_type: uniform, _value: [0, 1]}}\n"
                      f"trial_command: python trial.py\ntrial_code_directory: {trial_dir}\n"
                      "max_trials: 2\n")
    storage = tmp_path / "store"
    port = free_port()  # nnictl's spelling: -c FILE --port P
    done = cli_helpers.hyperscout("create", "-c", str(config), "--port", str(port),
                                  storage=storage)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if "dashboard:" in x)
    url = line.split("dashboard:")[1].strip()
    assert url.startswith(f"http://127.0.0.1:{port}/") and "#/e/" in url, line
    exp_id = url.split("#/e/")[1]
    try:
        assert get(url.split("#")[0] + f"api/experiments/{exp_id}")["id"] == exp_id  # type: ignore[index]
        # unwatched, it ends LINGER s after the experiment (test_a_lingering_view_ends...)
        cli_helpers.hyperscout("stop", exp_id, storage=storage)
        again = cli_helpers.hyperscout("resume", exp_id, storage=storage)  # still serving:
        assert again.returncode == 0, again.stderr  # resume keeps it, starts no second one
        assert f"dashboard: {url}" in again.stdout, again.stdout
    finally:
        cli_helpers.hyperscout("stop", exp_id, storage=storage)
        for proc_line in subprocess.run(["pgrep", "-f", f"view {exp_id}"],
                                        capture_output=True, text=True,
                                        check=False).stdout.split():
            os.kill(int(proc_line), 15)


def test_a_lingering_view_ends_once_its_experiment_ended_and_nobody_watches(
        seeded: cli_helpers.Seeded) -> None:
    process, _, _ = serve("view", seeded.id, "--port", str(free_port()), "--linger", "1",
                          storage=seeded.storage)
    started = time.monotonic()
    try:
        process.wait(20)
    finally:
        process.kill()
    assert process.returncode is not None and time.monotonic() - started < 20


def test_create_in_the_foreground_starts_a_dashboard_only_on_a_given_port(
        tmp_path: Path, trial_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPERSCOUT_DASHBOARD", "1")
    config = tmp_path / "config.yml"
    config.write_text(f"search_space:\n  x: {{_type: uniform, _value: [0, 1]}}\n"
                      f"trial_command: python trial.py\ntrial_code_directory: {trial_dir}\n"
                      "max_trials: 1\n")
    storage = tmp_path / "store"
    plain = cli_helpers.hyperscout("create", "-c", str(config), "--foreground", storage=storage)
    assert plain.returncode == 0, plain.stderr
    assert "dashboard:" not in plain.stdout, "a scripted foreground run starts no server"
    port = free_port()
    done = cli_helpers.hyperscout("create", "-c", str(config), "--foreground", "--port",
                                  str(port), storage=storage)
    assert done.returncode == 0, done.stderr
    url = next(x for x in done.stdout.splitlines() if "dashboard:" in x).split()[-1]
    exp_id = url.split("#/e/")[1]
    try:
        assert url == f"http://127.0.0.1:{port}/#/e/{exp_id}"
        assert get(f"http://127.0.0.1:{port}/api/experiments/{exp_id}")["status"] == "done"  # type: ignore[index]
    finally:
        for pid in subprocess.run(["pgrep", "-f", f"view {exp_id}"], capture_output=True,
                                  text=True, check=False).stdout.split():
            os.kill(int(pid), 15)
