"""`RayExecutor`: each trial is a Ray task on a Ray cluster; the engine and its store stay
on the machine that runs them (the head, usually).

A trial runs on its worker node in a folder of its own there (nothing assumes a shared
file system); a command trial works in it, with a copy of the code directory (the one
shipped by ``runtime_env={"working_dir": ...}``, else `code_dir` if the node sees it). Beside the trial, a pump thread of the task forwards to the engine, through
a small relay actor pinned to the engine's node, what the trial appends to its metrics
file and logs, as it happens; and it carries the engine's early-stop and kill requests
back. What a trial continues from travels with it: its own checkpoint from before a
restart, and for a configuration a scheduler promoted, its parent's. When the trial ends,
the other files it left (its checkpoint among them, up to `MAX_RETURNED_BYTES`; the rest
are named in its stderr log) come back into its folder on the head. So reports drive schedulers and assessors exactly as for a
local trial, and `hyperscout log trial` and the dashboard read the logs where they always
do. A task whose worker process or node dies, with no kill asked for, is reported as
vanished: the engine marks the trial stale and the retry policy may run it again, on
whichever node has room; whatever it reported before is already stored.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..trial import (
    ENV_EXPERIMENT_ID,
    ENV_SEQUENCE_ID,
    ENV_TRIAL_DIR,
    ENV_TRIAL_ID,
    METRICS_FILE,
    PARAMS_FILE,
    CHECKPOINT_DIR,
    SCHEDULE_FILE,
    STOP_FILE,
)
from ..devices import GpuDevices, MemoryEstimate, is_cuda_oom, stderr_tail
from ..devices._memory import SAMPLE_SECONDS, USABLE, _ancestors
from ._base import Event, Executor, Exit, Placed, Report, TrialSpec
from ._channel import ReportTail, prepare_directory

MAX_RETURNED_BYTES = 1 << 30  # the trial's other files brought back to the head, at most
_PARENT = "_parent"  # on the worker: the checkpoint of the trial a promoted one continues
_PUMP_SECONDS = 0.2  # how often a running trial's new reports and log lines are forwarded
_SHIM_DIR = str(Path(__file__).resolve().parent.parent / "_nni_shim")
_LOGS = ("stdout.log", "stderr.log")
_NOT_RETURNED = {METRICS_FILE, PARAMS_FILE, SCHEDULE_FILE, STOP_FILE, *_LOGS}
_NOT_RETURNED_DIRS = (_PARENT + "/",)


@dataclass(frozen=True)
class RayOptions:
    """Where and with what each trial runs on Ray (``executor_args`` in a config).

    `address`: ``"auto"`` joins the running cluster of this machine, ``"ray://host:10001"``
    a remote head; None starts a Ray instance for this experiment and stops it at the end.
    `runtime_env` goes to ``ray.init`` as is (``working_dir`` to ship the trial code,
    ``env_vars``, ``pip``). Per trial: `cpus_per_trial`, `gpus_per_trial` (fractions
    allowed), `memory_per_trial` (bytes), and custom `resources`.
    """

    address: str | None = None
    runtime_env: dict[str, Any] | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    memory_per_trial: int | None = None
    resources: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: dict[str, Any] | None) -> RayOptions:
        args = dict(args or {})
        known = {"address", "runtime_env", "cpus_per_trial", "gpus_per_trial",
                 "memory_per_trial", "resources"}
        unknown = sorted(set(args) - known)
        if unknown:
            raise ConfigError(f"unknown Ray executor option(s) {unknown}; the options are "
                              f"{sorted(known)}.")
        for name in ("cpus_per_trial", "gpus_per_trial"):
            value = args.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or value < 0):
                raise ConfigError(f"`{name}` must be a number >= 0 (fractions allowed), "
                                  f"not {value!r}.")
        memory = args.get("memory_per_trial")
        if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int)
                                   or memory <= 0):
            raise ConfigError(f"`memory_per_trial` must be a number of bytes > 0, not {memory!r}.")
        resources = args.get("resources") or {}
        if not isinstance(resources, dict) or not all(
                isinstance(k, str) and isinstance(v, (int, float)) and v >= 0
                for k, v in resources.items()):
            raise ConfigError(f"`resources` must map resource names to amounts >= 0, not "
                              f"{resources!r}.")
        env = args.get("runtime_env")
        if env is not None and not isinstance(env, dict):
            raise ConfigError(f"`runtime_env` must be a mapping (Ray's runtime_env), not {env!r}.")
        address = args.get("address")
        if address is not None and not isinstance(address, str):
            raise ConfigError(f"`address` must be 'auto', 'ray://HOST:PORT' or unset, not "
                              f"{address!r}.")
        return cls(address=address, runtime_env=env,
                   cpus_per_trial=float(args.get("cpus_per_trial", 1.0)),
                   gpus_per_trial=float(args.get("gpus_per_trial", 0.0) or 0.0),
                   memory_per_trial=memory, resources=dict(resources))


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("executor 'ray' needs Ray: pip install 'hyperscout[ray]'") from exc
    return ray


@dataclass
class _Running:
    spec: TrialSpec
    ref: Any
    kill_reason: str | None = None
    kill_deadline: float | None = None
    stop_sent: bool = False
    gpu_share: float | None = None  # the GPU share Ray reserved, when packing by memory
    logs: dict[str, int] = field(default_factory=dict)


class RayExecutor(Executor):
    """Runs function or command trials as Ray tasks (see the module docstring)."""

    def __init__(self, *, fn: Callable[..., Any] | None = None, command: str | None = None,
                 code_dir: str | os.PathLike[str] = ".", options: RayOptions | None = None,
                 kill_grace: float = 5.0, gpu_memory: float | str | None = None) -> None:
        if (fn is None) == (command is None):
            raise TypeError("RayExecutor runs either a function (`fn`) or a command (`command`)")
        self.ray = _import_ray()
        self.options = options or RayOptions()
        if gpu_memory is not None and not 0 < self.options.gpus_per_trial <= 1:
            raise ConfigError(
                "`gpu_memory_per_trial` on Ray packs trials of one GPU each: set "
                "`executor_args.gpus_per_trial` to 1 (what a trial gets until its memory is "
                f"known), not {self.options.gpus_per_trial!r}.")
        self.gpu_memory = gpu_memory
        self.estimate = MemoryEstimate(None if gpu_memory in (None, "auto")
                                       else float(gpu_memory))  # type: ignore[arg-type]
        self._device_mib: float | None = None  # the smallest GPU seen, in MiB
        self.kill_grace = kill_grace
        self.stops_by_signal = command is not None
        self.command = command
        self.code_dir = str(Path(code_dir).resolve())
        self._started_ray = False
        self._connect()
        ray = self.ray
        self._relay: Any = None  # made at the first start, when the experiment is known
        self._trials_dir: Path | None = None
        if fn is not None:
            _pickle_by_value_if_local(ray, fn)
        self._fn_ref = ray.put(fn) if fn is not None else None
        resources = {k: float(v) for k, v in self.options.resources.items()}
        task_options: dict[str, Any] = {"num_cpus": self.options.cpus_per_trial,
                                        "num_gpus": self.options.gpus_per_trial,
                                        "max_retries": 0, "retry_exceptions": False}
        if resources:
            task_options["resources"] = resources
        if self.options.memory_per_trial:
            task_options["memory"] = self.options.memory_per_trial
        self._remote = ray.remote(_run_trial)
        self._task_options = task_options
        self._task = self._remote.options(**task_options)
        self._running: dict[int, _Running] = {}

    def _connect(self) -> None:
        self._started_ray = connect_ray(self.options)

    @property
    def running(self) -> set[int]:
        return set(self._running)

    def _ensure_relay(self, spec: TrialSpec) -> Any:
        """The experiment's relay: a detached actor named after it, on this node, so that
        what trials forwarded just before an engine died is still there for the engine
        that resumes the experiment."""
        if self._relay is None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            here = self.ray.get_runtime_context().get_node_id()
            self._relay = self.ray.remote(_Relay).options(
                name=f"hyperscout-relay-{spec.experiment_id}", namespace="hyperscout",
                lifetime="detached", get_if_exists=True, num_cpus=0, max_restarts=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)).remote()
            self._trials_dir = spec.directory.parent
        return self._relay

    def start(self, spec: TrialSpec) -> int | None:
        prepare_directory(spec.directory, spec.params, spec.schedule)
        relay = self._ensure_relay(spec)
        payload = {"experiment_id": spec.experiment_id, "number": spec.number,
                   "params": spec.params, "schedule": spec.schedule, "env": spec.env,
                   "command": self.command, "code_dir": self.code_dir,
                   "kill_grace": self.kill_grace,
                   "ships_code": bool((self.options.runtime_env or {}).get("working_dir")),
                   "checkpoints": self._checkpoints(spec)}
        share = self._gpu_share(spec) if self.gpu_memory is not None else None
        payload["measure_gpu"] = self.gpu_memory is not None
        task = (self._task if share is None
                else self._remote.options(**{**self._task_options, "num_gpus": share}))
        ref = task.remote(payload, self._fn_ref, relay)
        self._running[spec.number] = _Running(spec, ref, gpu_share=share)
        return None

    def can_start(self) -> bool:
        """While no trial has been measured, only as many trials as the cluster has GPUs:
        each asks for a whole one, and those queued behind them would too."""
        if self.gpu_memory is None or (self.estimate.value() is not None and self._device_mib):
            return True
        gpus = int(self.ray.cluster_resources().get("GPU", 0.0) + 1e-9)
        return len(self._running) < max(1, gpus)

    def _gpu_share(self, spec: TrialSpec) -> float:
        """The share of a GPU to ask Ray for: a whole one until a trial was measured (or
        after it ran out of memory on a shared one), then what the estimate needs."""
        need = self.estimate.value()
        if spec.exclusive or need is None or not self._device_mib:
            return 1.0
        return min(1.0, max(0.01, math.ceil(100 * need / (USABLE * self._device_mib)) / 100))

    def _checkpoints(self, spec: TrialSpec) -> dict[str, Any]:
        """What the trial continues from, sent with it (the worker may be another machine):
        its own checkpoint from before a restart, and a promoted configuration's parent's."""
        out: dict[str, Any] = {}
        parent = (spec.schedule or {}).get("parent_dir")
        for key, folder in (("own", spec.directory / CHECKPOINT_DIR),
                            ("parent", Path(parent) / CHECKPOINT_DIR if parent else None)):
            if folder is not None and folder.is_dir():
                files = {path.relative_to(folder).as_posix(): path.read_bytes()
                         for path in folder.rglob("*") if path.is_file()}
                if files:
                    out[key] = self.ray.put(files)
        return out

    def poll(self, timeout: float) -> list[Event]:
        ray = self.ray
        refs = [r.ref for r in self._running.values()]
        if refs:
            ray.wait(refs, num_returns=1, timeout=max(0.0, min(timeout, _PUMP_SECONDS)))
        elif timeout > 0:
            time.sleep(min(timeout, _PUMP_SECONDS))
        self._forward_stops()
        events: list[Event] = self._drain()
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=0) if refs else ([], [])
        if done:
            events += self._drain()  # what a finished task pushed before it returned
        finished = {id(ref) for ref in done}
        now = time.monotonic()
        for number, run in list(self._running.items()):
            if id(run.ref) in finished:
                events.append(self._exit(run))
                del self._running[number]
            elif run.kill_deadline is not None and now >= run.kill_deadline:
                with contextlib.suppress(Exception):
                    ray.cancel(run.ref, force=True)
                run.kill_deadline = None
        return events

    def _forward_stops(self) -> None:
        """An early stop is a ``stop`` file the engine writes in the head's trial folder;
        the trial sees it in its own folder on the worker."""
        for number, run in self._running.items():
            if run.stop_sent:
                continue
            path = run.spec.directory / STOP_FILE
            if path.exists():
                run.stop_sent = True
                self._relay.request.remote(number, "stop", path.read_text())

    def _drain(self) -> list[Event]:
        events: list[Event] = []
        if self._relay is None:
            return events
        try:
            items = self.ray.get(self._relay.drain.remote(), timeout=60)
        except (self.ray.exceptions.ActorUnavailableError, self.ray.exceptions.GetTimeoutError):
            return events  # a busy or reconnecting relay: what it holds comes next time
        for number, kind, payload in items:
            run = self._running.get(number)
            if run is not None:
                directory = run.spec.directory
            elif kind in ("reports", "log") and self._trials_dir is not None:
                directory = self._trials_dir / str(number)  # a trial of an engine that died
                if not directory.is_dir():
                    continue
            else:
                continue
            if kind == "reports":
                with open(directory / METRICS_FILE, "a") as f:  # for resume and the CLI
                    f.writelines(json.dumps(r) + "\n" for r in payload)
                events.extend(Report(number, r) for r in payload)
            elif kind == "log":
                name, data = payload
                with open(directory / name, "ab") as f:
                    f.write(data)
            elif kind == "node" and run is not None:
                if run.gpu_share is not None:
                    payload += (f", {'a GPU' if run.gpu_share >= 1 else f'a {run.gpu_share:g} share of a GPU'}"
                                + (f" (expecting {self.estimate.value() / 1024:.1f} GiB)"
                                   if run.gpu_share < 1 and self.estimate.value() else ""))
                events.append(Placed(number, payload))
        return events

    def _exit(self, run: _Running) -> Exit:
        ray, number = self.ray, run.spec.number
        try:
            result = ray.get(run.ref)
        except Exception as exc:  # noqa: BLE001 - every way a task can end badly
            if run.kill_reason is not None:
                return Exit(number, ok=False, reason=run.kill_reason)
            name = type(exc).__name__
            if name in ("WorkerCrashedError", "NodeDiedError", "OwnerDiedError",
                        "TaskCancelledError", "ObjectLostError", "LocalRayletDiedError",
                        "TaskUnschedulableError", "ActorDiedError", "RaySystemError"):
                return Exit(number, ok=False, reason=f"Ray worker lost ({name})", vanished=True)
            return Exit(number, ok=False, reason=f"Ray task failed: {name}: {exc}"[:500])
        for relative, data in result.get("files", {}).items():
            target = run.spec.directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if result.get("left_behind"):
            with open(run.spec.directory / "stderr.log", "a") as f:
                f.write(f"hyperscout: files left on the node, over the {MAX_RETURNED_BYTES >> 20}"
                        f" MiB brought back per trial: {', '.join(result['left_behind'])}\n")
        if run.kill_reason is not None:
            return Exit(number, ok=False, exit_code=result.get("exit_code"),
                        reason=run.kill_reason)
        oom = self._learn_gpu_memory(run, result)
        return Exit(number, ok=bool(result["ok"]), exit_code=result.get("exit_code"),
                    reason=result.get("reason"), shared_gpu_oom=oom)

    def _learn_gpu_memory(self, run: _Running, result: dict[str, Any]) -> str | None:
        """Take in what the trial held on its GPU; say where, if it ran out of memory on a
        GPU it shared (the engine then runs it again alone, and packing backs off)."""
        if run.gpu_share is None:
            return None
        total = result.get("gpu_total_mib")
        if total:
            self._device_mib = min(self._device_mib or total, total)
        peak = result.get("gpu_peak_mib") or 0.0
        if peak and self.estimate.fixed is None:
            self.estimate.observe(peak)
        if peak and self.gpu_memory == "auto":
            with open(run.spec.directory / "stderr.log", "a") as f:
                f.write(f"hyperscout: this trial held at most {peak / 1024:.2f} GiB of GPU "
                        "memory\n")
        if result["ok"] or run.gpu_share >= 1 or not is_cuda_oom(
                result.get("reason"), stderr_tail(run.spec.directory / "stderr.log")):
            return None
        self.estimate.back_off()
        return (f"a {run.gpu_share:g} share of a GPU on Ray; later trials are now packed "
                f"expecting {self.estimate.value() / 1024:.2f} GiB each"
                if self.estimate.value() else f"a {run.gpu_share:g} share of a GPU on Ray")

    def kill(self, number: int, reason: str) -> None:
        run = self._running.get(number)
        if run is None or run.kill_reason is not None:
            return
        run.kill_reason = reason
        run.kill_deadline = time.monotonic() + self.kill_grace + 1.0
        if self._relay is not None:
            self._relay.request.remote(number, "kill", reason)

    def shutdown(self) -> list[Event]:
        for number in list(self._running):
            self.kill(number, "experiment stopped")
        events: list[Event] = []
        deadline = time.monotonic() + self.kill_grace + 3.0
        while self._running and time.monotonic() < deadline:
            events += self.poll(0.05)
        for run in self._running.values():
            with contextlib.suppress(Exception):
                self.ray.cancel(run.ref, force=True)
            events.append(Exit(run.spec.number, ok=False, reason=run.kill_reason
                               or "experiment stopped"))
        self._running.clear()
        if self._relay is not None:
            with contextlib.suppress(Exception):
                events += self._drain()
                self.ray.kill(self._relay)  # detached: it would outlive the experiment
        if self._started_ray:
            self.ray.shutdown()
        return events


def connect_ray(options: RayOptions) -> bool:
    """Join the cluster `options` name (or start a Ray instance for this process when it
    names none); whether this call started Ray, and so should shut it down."""
    ray = _import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    if options.runtime_env:
        kwargs["runtime_env"] = options.runtime_env
    if options.address is None:
        kwargs["_temp_dir"] = tempfile.mkdtemp(prefix="hyperscout-ray-", dir="/tmp")
    try:
        ray.init(address=options.address, **kwargs)
    except ConnectionError as exc:
        raise ConfigError(f"cannot join the Ray cluster at {options.address!r}: {exc}; "
                          "start it with `ray start --head`, or drop `address` to start "
                          "a Ray instance for this experiment.") from exc
    return options.address is None


def ray_trial_slots(options: RayOptions) -> int:
    """How many trials of `options`' size the connected cluster runs at once."""
    ray = _import_ray()
    total = ray.cluster_resources()
    limits = []
    for name, need in (("CPU", options.cpus_per_trial), ("GPU", options.gpus_per_trial),
                       *options.resources.items()):
        if need:
            limits.append(int(total.get(name, 0.0) / need + 1e-9))
    return max(1, min(limits)) if limits else max(1, int(total.get("CPU", 1)))


def ship_by_value(*objects: Any) -> None:
    """Send the code of `objects` (functions, classes, instances) to Ray workers by value
    when it lives in the user's own modules, which workers cannot import."""
    ray = _import_ray()
    for obj in objects:
        if obj is not None:
            _pickle_by_value_if_local(ray, obj)
            if not isinstance(obj, type):
                _pickle_by_value_if_local(ray, type(obj))


def _pickle_by_value_if_local(ray: Any, fn: Any) -> None:
    """Ship a trial function defined in the user's own module (a script, a test file, a
    module beside them) by value: workers cannot import what is not installed there.
    Functions of installed packages, and of hyperscout itself, travel by reference."""
    name = getattr(fn, "__module__", None) or ""
    module = sys.modules.get(name)
    if module is None or name == "__main__" or name.split(".")[0] == "hyperscout":
        return
    file = getattr(module, "__file__", None)
    if not file:
        return
    path = Path(file).resolve()
    roots = {sysconfig.get_paths()[key] for key in ("purelib", "platlib", "stdlib")}
    if any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return
    with contextlib.suppress(ValueError):  # already registered
        ray.cloudpickle.register_pickle_by_value(module)


class _Relay:
    """The Ray actor between the engine and its running trials: trials push what they
    report and log; the engine drains it, and leaves stop and kill requests."""

    def __init__(self) -> None:
        self._out: list[tuple[int, str, Any]] = []
        self._requests: dict[int, list[tuple[str, str]]] = {}

    def push(self, number: int, kind: str, payload: Any) -> None:
        self._out.append((number, kind, payload))

    def drain(self) -> list[tuple[int, str, Any]]:
        out, self._out = self._out, []
        return out

    def request(self, number: int, kind: str, reason: str) -> None:
        self._requests.setdefault(number, []).append((kind, reason))

    def requests(self, number: int) -> list[tuple[str, str]]:
        return self._requests.pop(number, [])


# -- on the worker ---------------------------------------------------------------------------

def _run_trial(payload: dict[str, Any], fn: Any, relay: Any) -> dict[str, Any]:
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
        while not self._done.wait(_PUMP_SECONDS):
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
            if p.pid == me or me in _ancestors(p.pid):
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


def _trial_env(payload: dict[str, Any], folder: Path) -> dict[str, str]:
    env = {k: str(v) for k, v in payload["env"].items()}
    env[ENV_TRIAL_DIR] = str(folder)
    env[ENV_EXPERIMENT_ID] = payload["experiment_id"]
    env[ENV_TRIAL_ID] = str(payload["number"])
    env[ENV_SEQUENCE_ID] = str(payload["number"])
    return env


def _run_command(payload: dict[str, Any], folder: Path, pump: _Pump) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(_trial_env(payload, folder))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_SHIM_DIR, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
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
        _signal_group(process.pid, signal.SIGTERM)

    pump.on_kill = kill
    deadline = None
    while True:
        try:
            code = process.wait(timeout=_PUMP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pump.forward()
            pump.act()
            pump.sample_gpu()
            if killed and deadline is None:
                deadline = time.monotonic() + payload["kill_grace"]
            if deadline is not None and time.monotonic() >= deadline:
                _signal_group(process.pid, signal.SIGKILL)
    _signal_group(process.pid, signal.SIGKILL)  # leftovers of its group
    if code == 0:
        return {"ok": True, "exit_code": 0, "reason": None}
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return {"ok": False, "exit_code": code, "reason": f"killed by signal {name}"}
    return {"ok": False, "exit_code": code, "reason": f"exit code {code}"}


def _run_function(fn: Any, payload: dict[str, Any], folder: Path) -> dict[str, Any]:
    from .. import trial as trial_api
    from ..errors import TrialStopped
    from ._function import _restore, _takes_params

    os.environ.update(_trial_env(payload, folder))
    context = trial_api.TrialContext(payload["experiment_id"], str(payload["number"]),
                                     payload["number"], folder, params=dict(payload["params"]))
    trial_api._install(context)
    saved = _redirect(folder)
    try:
        params = dict(payload["params"])
        result = fn(params) if _takes_params(fn) else fn()
        if result is not None and not context.final_reported:
            context.report("final", result)
        return {"ok": True, "exit_code": 0, "reason": None}
    except TrialStopped as exc:
        return {"ok": True, "exit_code": 0, "reason": f"stopped early: {exc}"[:500]}
    except BaseException as exc:  # noqa: BLE001 - a trial may raise anything
        traceback.print_exc()
        return {"ok": False, "exit_code": None, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        _restore(saved)
        trial_api._install(None)
        for key in (ENV_TRIAL_DIR, ENV_EXPERIMENT_ID, ENV_TRIAL_ID, ENV_SEQUENCE_ID):
            os.environ.pop(key, None)


def _redirect(folder: Path) -> tuple[int, int]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    for fd, name in ((1, "stdout.log"), (2, "stderr.log")):
        target = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(target, fd)
        os.close(target)
    return saved


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


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
