"""The worker side of `RayExecutor`: the Ray task that runs one trial in a folder of its
own on its node, and the pump beside it that forwards the trial's reports and logs to the
engine's relay and carries the engine's stop and kill requests back (see `_ray`)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..devices import SAMPLE_SECONDS, GpuDevices, process_ancestors
from ..trial import CHECKPOINT_DIR, METRICS_FILE, PARAMS_FILE, SCHEDULE_FILE, STOP_FILE
from ._channel import ReportTail, command_env, prepare_directory, trial_env
from ._command import exit_reason, signal_group

MAX_RETURNED_BYTES = 1 << 30  # the trial's other files brought back to the head, at most
PUMP_SECONDS = 0.2  # how often a running trial's new reports and log lines are forwarded
_PARENT = "_parent"  # the checkpoint of the trial a promoted one continues
_LOGS = ("stdout.log", "stderr.log")
_NOT_RETURNED = {METRICS_FILE, PARAMS_FILE, SCHEDULE_FILE, STOP_FILE, *_LOGS}
_NOT_RETURNED_DIRS = (_PARENT + "/",)


def run_trial(payload: dict[str, Any], fn: Any, relay: Any) -> dict[str, Any]:
    """The Ray task: run one trial in a local folder, pumping its output to the relay."""
    import ray

    number = payload["number"]
    node = f"{ray.util.get_node_ip_address()} ({socket.gethostname()}, Ray node " \
           f"{ray.get_runtime_context().get_node_id()[:12]})"
    ray.get(relay.push.remote(number, "node", node))
    folder = Path(tempfile.mkdtemp(prefix=f"hyperscout-{payload['experiment_id']}-{number}-"))
    schedule = dict(payload["schedule"]) if payload["schedule"] else payload["schedule"]
    checkpoints = payload.get("checkpoints") or {}
    if "own" in checkpoints:
        _write_files(folder / CHECKPOINT_DIR, ray.get(checkpoints["own"]))
    if "parent" in checkpoints:
        _write_files(folder / _PARENT / CHECKPOINT_DIR, ray.get(checkpoints["parent"]))
    if schedule and schedule.get("parent_dir"):
        schedule["parent_dir"] = str(folder / _PARENT)  # where load_checkpoint_dir looks
    prepare_directory(folder, payload["params"], schedule)
    pump = _Pump(folder, relay, number, measure_gpu=payload.get("measure_gpu", False))
    try:
        if payload["command"] is not None:
            result = _run_command(payload, folder, pump)
        else:
            pump.start()
            result = _run_function(fn, payload, folder)
        pump.stop()
        result["files"], result["left_behind"] = _read_files(folder, pump.unchanged)
        result["gpu_peak_mib"], result["gpu_total_mib"] = pump.gpu_peak, pump.gpu_total
        return result
    finally:
        pump.stop()
        shutil.rmtree(folder, ignore_errors=True)


class _Pump:
    """Forwards a running trial's new report lines and log bytes to the relay, and acts on
    the engine's requests: ``stop`` writes the trial's stop file; ``kill`` ends it."""

    def __init__(self, folder: Path, relay: Any, number: int, *, measure_gpu: bool = False
                 ) -> None:
        self.folder, self.relay, self.number = folder, relay, number
        self.devices = GpuDevices() if measure_gpu else None
        self.gpu_peak, self.gpu_total = 0.0, 0.0
        self._gpu_sampled = 0.0
        self.tail = ReportTail(folder)
        self.offsets = dict.fromkeys(_LOGS, 0)
        self.on_kill: Callable[[str], None] = _kill_this_worker
        self.unchanged: dict[str, tuple[int, int]] = {}  # code copied in, not sent back
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="hyperscout-pump")
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.wait(PUMP_SECONDS):
            self.forward()
            self.act()
            self.sample_gpu()

    def sample_gpu(self) -> None:
        """About once a second: the GPU memory held by this worker process and what it
        started (the trial), and the memory of the device it is on."""
        now = time.monotonic()
        if self.devices is None or now - self._gpu_sampled < SAMPLE_SECONDS:
            return
        self._gpu_sampled = now
        me = os.getpid()
        held: dict[int, float] = {}
        for p in self.devices.processes():
            if p.pid == me or me in process_ancestors(p.pid):
                held[p.gpu] = held.get(p.gpu, 0.0) + p.used_mib
        if held:
            self.gpu_peak = max(self.gpu_peak, sum(held.values()))
            totals = {g.index: g.total_mib for g in self.devices.gpus()}
            self.gpu_total = min((totals[g] for g in held if g in totals), default=self.gpu_total)

    def act(self) -> None:
        import ray

        for kind, reason in ray.get(self.relay.requests.remote(self.number)):
            if kind == "stop":
                (self.folder / STOP_FILE).write_text(reason)
            elif kind == "kill":
                self.forward()  # nothing already reported is lost
                self.on_kill(reason)

    def forward(self) -> None:
        import ray

        with self._lock:
            pushes = []
            records = self.tail.read()
            if records:
                pushes.append(self.relay.push.remote(self.number, "reports", records))
            for name in _LOGS:
                try:
                    with open(self.folder / name, "rb") as f:
                        f.seek(self.offsets[name])
                        data = f.read(4 << 20)
                except FileNotFoundError:
                    continue
                if data:
                    self.offsets[name] += len(data)
                    pushes.append(self.relay.push.remote(self.number, "log", (name, data)))
            if pushes:
                ray.get(pushes)

    def stop(self) -> None:
        if self._thread is not None:
            self._done.set()
            self._thread.join()
            self._thread = None
        self.forward()


def _kill_this_worker(reason: str) -> None:
    """A function trial cannot be interrupted from another thread: its worker process ends
    (after the pump forwarded everything) and Ray replaces it."""
    os._exit(1)


def _run_command(payload: dict[str, Any], folder: Path, pump: _Pump) -> dict[str, Any]:
    env = command_env(_env_of(payload, folder))
    code = os.getcwd() if payload["ships_code"] else payload["code_dir"]
    if os.path.isdir(code):
        _copy_code(Path(code), folder)
    else:
        with open(folder / "stderr.log", "a") as err:
            err.write(f"hyperscout: the code directory {code} is not on this node "
                      f"({socket.gethostname()}); ship it with executor_args.runtime_env "
                      "{'working_dir': ...}\n")
    pump.unchanged = _snapshot(folder)
    with open(folder / "stdout.log", "ab") as out, open(folder / "stderr.log", "ab") as err:
        process = subprocess.Popen(["/bin/sh", "-c", payload["command"]], cwd=folder, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   start_new_session=True)
    killed: list[str] = []

    def kill(reason: str) -> None:
        killed.append(reason)
        signal_group(process.pid, signal.SIGTERM)

    pump.on_kill = kill
    deadline = None
    while True:
        try:
            code = process.wait(timeout=PUMP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pump.forward()
            pump.act()
            pump.sample_gpu()
            if killed and deadline is None:
                deadline = time.monotonic() + payload["kill_grace"]
            if deadline is not None and time.monotonic() >= deadline:
                signal_group(process.pid, signal.SIGKILL)
    signal_group(process.pid, signal.SIGKILL)  # leftovers of its group
    return {"ok": code == 0, "exit_code": code, "reason": exit_reason(code)}


def _env_of(payload: dict[str, Any], folder: Path) -> dict[str, str]:
    return {**{k: str(v) for k, v in payload["env"].items()},
            **trial_env(payload["experiment_id"], payload["number"], folder)}


def _run_function(fn: Any, payload: dict[str, Any], folder: Path) -> dict[str, Any]:
    from .. import trial as trial_api
    from ..errors import TrialStopped
    from ._function import _redirect, _restore, _takes_params

    env = _env_of(payload, folder)
    os.environ.update(env)
    context = trial_api.TrialContext(payload["experiment_id"], str(payload["number"]),
                                     payload["number"], folder, params=dict(payload["params"]))
    trial_api._install(context)
    saved = _redirect(folder)
    try:
        params = dict(payload["params"])
        result = fn(params) if _takes_params(fn) else fn()
        context.hand_back(result)
        return {"ok": True, "exit_code": 0, "reason": None}
    except TrialStopped as exc:
        return {"ok": True, "exit_code": 0, "reason": f"stopped early: {exc}"[:500]}
    except BaseException as exc:  # noqa: BLE001 - a trial may raise anything
        traceback.print_exc()
        return {"ok": False, "exit_code": None, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        _restore(saved)
        trial_api._install(None)
        for key in env:
            os.environ.pop(key, None)


_CODE_IGNORED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".venv", "venv")


def _copy_code(source: Path, folder: Path) -> None:
    """A command trial works in a folder of its own with a copy of the code, as NNI's
    remote trials do, so trials never write over each other's files."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(_CODE_IGNORED(directory, names))
        if Path(directory) == source:  # the trial's own files win over the code's
            skipped |= _NOT_RETURNED & set(names)
        return skipped

    shutil.copytree(source, folder, ignore=ignore, dirs_exist_ok=True, symlinks=True)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _read_files(folder: Path, unchanged: dict[str, tuple[int, int]]
                ) -> tuple[dict[str, bytes], list[str]]:
    """The files the trial wrote besides those already forwarded (and the code copied in
    for it), up to the size cap; and the names of those over it."""
    out: dict[str, bytes] = {}
    left: list[str] = []
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if (not path.is_file() or path.is_symlink() or relative in _NOT_RETURNED
                or relative.startswith(_NOT_RETURNED_DIRS)):
            continue
        st = path.stat()
        if unchanged.get(relative) == (st.st_size, st.st_mtime_ns):
            continue
        if total + st.st_size > MAX_RETURNED_BYTES:
            left.append(relative)
            continue
        out[relative] = path.read_bytes()
        total += st.st_size
    return out, left


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
