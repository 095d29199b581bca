"""Fixtures of the dashboard tests: a real experiment run by the engine (command trials,
so each has its logs and intermediate results), and the app over its store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the dashboard tests need the web extra: "
                    "pip install -e '.[web]' in hyperscout's clone")
pytest.importorskip("httpx2", reason="FastAPI's TestClient needs httpx2 (in the dev extra)")

from fastapi.testclient import TestClient  # noqa: E402

from hyperscout import Experiment  # noqa: E402
from hyperscout.web import create_app  # noqa: E402

SPACE = {
    "lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "units": {"_type": "choice", "_value": [16, 32, 64]},
}

TRIAL = """\
import sys
import hyperscout as hs
p = hs.get_next_parameter()
score = 1.0 - abs(p["lr"] - 0.01) * 5 + p["units"] / 1000
for step in range(3):
    hs.report_intermediate_result(score * (step + 1) / 3)
print("training with", p)
print("a warning <b>bold</b>", file=sys.stderr)
if p["units"] == 16 and p["lr"] < 0.001:
    sys.exit(2)
hs.report_final_result(score)
"""

TOKEN = "test-token"
N_TRIALS = 20  # enough for the importance estimate (8 valued trials at least)


@pytest.fixture(scope="session")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished experiment of N_TRIALS trials (a few fail); its store's path and id."""
    root = tmp_path_factory.mktemp("web")
    (root / "trial.py").write_text(TRIAL)
    exp = Experiment("python trial.py", SPACE, code_dir=root, name="web-tests", max_trials=N_TRIALS,
                     tuner="random", seed=3, storage=root / "store", progress=False)
    exp.run()
    return {"storage": root / "store", "id": exp.id}


@pytest.fixture(scope="session")
def client(finished: dict[str, Any]) -> TestClient:
    return TestClient(create_app(finished["storage"], token=TOKEN), base_url="http://127.0.0.1")


@pytest.fixture
def exp_id(finished: dict[str, Any]) -> str:
    return str(finished["id"])


SLOW_TRIAL = """\
import time
import hyperscout as hs
p = hs.get_next_parameter()
for step in range(600):
    hs.report_intermediate_result(p["x"] * step)
    print("step", step, flush=True)
    time.sleep(0.1)
hs.report_final_result(p["x"])
"""


def start_running(root: Path, max_trials: int = 6) -> tuple[Path, str]:
    """A background engine running trials that each take a minute (one at a time); its
    store and the experiment's id. Stop it with `stop_running`."""
    import subprocess
    import sys

    (root / "slow.py").write_text(SLOW_TRIAL)
    (root / "config.yml").write_text(
        "search_space:\n  x: {_type: uniform, _value: [0, 1]}\n"
        f"trial_command: python slow.py\ntrial_code_directory: {root}\n"
        f"max_trials: {max_trials}\ntuner: random\nname: running\n")
    storage = root / "store"
    done = subprocess.run([sys.executable, "-m", "hyperscout.cli", "create", "--config",
                           str(root / "config.yml"), "--storage", str(storage)],
                          capture_output=True, text=True, timeout=60, check=True)
    exp_id = done.stdout.split()[1]
    return storage, exp_id


def stop_running(storage: Path, exp_id: str) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "hyperscout.cli", "stop", exp_id, "--storage",
                    str(storage)], capture_output=True, timeout=60, check=False)


def wait_until(condition: Any, timeout: float = 30.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {condition}")


class LiveServer:
    """The dashboard served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, storage: Path, token: str = TOKEN) -> None:
        import threading

        import uvicorn

        from hyperscout.web import bind

        self.app = create_app(storage, token=token)
        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, 20)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
