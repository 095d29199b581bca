"""`RayExecutor`: each trial is a Ray task on a Ray cluster; the engine and its store stay
on the machine that runs them (the head, usually).

A trial runs on its worker node in a folder of its own there (nothing assumes a shared
file system); a command trial works in it with a copy of the code directory (the one
shipped by ``runtime_env={"working_dir": ...}``, else `code_dir` if the node sees it).
Beside the trial, a pump thread of the task (`_ray_worker`) forwards what the trial
appends to its metrics file and logs, as it happens, to a relay actor on the engine's
node, and carries the engine's early-stop and kill requests back. What a trial continues
from travels with it: its own checkpoint from before a restart, and for a configuration a
scheduler promoted, its parent's. When the trial ends, the other files it left (its
checkpoint among them, up to `MAX_RETURNED_BYTES`; the rest are named in its stderr log)
come back into its folder on the head. So reports drive schedulers and assessors exactly
as for a local trial, and `hyperscout log trial` and the dashboard read the logs where
they always do. A task whose worker process or node dies, with no kill asked for, is
reported as vanished: the engine marks the trial stale and the retry policy may run it
again, on whichever node has room; whatever it reported before is already stored.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..devices import USABLE, MemoryEstimate, is_cuda_oom, stderr_tail
from ..errors import ConfigError
from ..trial import CHECKPOINT_DIR, METRICS_FILE, STOP_FILE
from ._base import Event, Executor, Exit, Placed, Report, SharedGpuOom, TrialSpec
from ._channel import prepare_directory
from ._ray_worker import MAX_RETURNED_BYTES, PUMP_SECONDS, run_trial


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
        raise ConfigError("executor 'ray' needs Ray: pip install -e '.[ray]' in hyperscout's "
                          "clone") from exc
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
        check_gpu_packing(self.options, gpu_memory)
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
        self._remote = ray.remote(run_trial)
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
            ray.wait(refs, num_returns=1, timeout=max(0.0, min(timeout, PUMP_SECONDS)))
        elif timeout > 0:
            time.sleep(min(timeout, PUMP_SECONDS))
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

    def _learn_gpu_memory(self, run: _Running, result: dict[str, Any]) -> SharedGpuOom | None:
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
        return SharedGpuOom(f"a {run.gpu_share:g} share of a GPU on Ray", self.estimate.value())

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


def check_gpu_packing(options: RayOptions, gpu_memory: float | str | None) -> None:
    """`gpu_memory_per_trial` on Ray packs trials of one GPU each."""
    if gpu_memory is not None and not 0 < options.gpus_per_trial <= 1:
        raise ConfigError(
            "`gpu_memory_per_trial` on Ray packs trials of one GPU each: set "
            "`executor_args.gpus_per_trial` to 1 (what a trial gets until its memory is "
            f"known), not {options.gpus_per_trial!r}.")


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
