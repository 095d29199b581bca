"""`Experiment`: the public face of the engine. Build it from arguments, a config file or a
stored experiment; `run()` it in the foreground; read its trials back from the store."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..assessors import Assessor, create_assessor
from ..config import ExperimentConfig
from ..durations import parse_duration
from ..errors import ConfigError, EngineError
from ..executors import (
    CommandExecutor,
    Executor,
    FunctionExecutor,
    InProcessExecutor,
    RayExecutor,
    RayOptions,
    check_trial_function,
    read_reports,
    reap_orphans,
)
from ..schedulers import BUDGET_KEY, Job, JobOutcome, Scheduler, create_scheduler
from ..space import SearchSpace, as_space
from ..states import TrialState
from ..store import Store, TrialRecord
from ..trial import METRICS_FILE
from ..tuners import GridTuner, Tuner, create
from ._chains import ChainCounts, ancestor_curve, latest_per_chain, root_of
from ._loop import EXPERIMENT_STOPPED, EngineLoop, Queued, RunState
from ._progress import Progress

TrialFunction = Callable[..., Any]


class Experiment:
    """An experiment: a search space, a trial (function or shell command), a tuner, limits.

    Args:
        trial: a Python callable (``fn(params)`` returning the metric, or ``fn()`` using
            the trial API), or a shell command (NNI's trial command) run in `code_dir`.
        space: a `SearchSpace`, an NNI search_space.json dict, or hyperscout's space dict.
        tuner: a tuner name (``"random"``, ``"grid"``, NNI names), ``"module:Class"``,
            or a `Tuner` instance.
        scheduler: ``"fifo"`` (default), ``"hyperband"`` or ``"asha"``, with
            `scheduler_args` (``max_budget``/``max_epochs``/``R``, ``eta``/``factor``, ...).
        assessor: stop trials early from their curves: ``"median"`` or ``"patience"``,
            with `assessor_args` (``start_step``, ...).
        max_duration, trial_timeout: seconds or strings like ``"30m"``.
        max_retries: re-runs per failure class (``failed``, ``timeout``, ``stale``); an
            int applies to all.
        gpus_per_trial: GPUs per trial through CUDA_VISIBLE_DEVICES (None: left alone;
            0: none; a fraction: a share of one). `max_trials_per_gpu` shares a GPU by
            count; `gpu_memory_per_trial` (MiB, ``"8GiB"`` or ``"auto"``: measured from
            the first trials) packs trials onto GPUs by memory. See docs/experiments.md.
        storage: the store's file or folder (default ``$HYPERSCOUT_HOME`` or
            ``~/.hyperscout``).
        progress: show the live display (default: when stdout is a terminal).
        executor: where a function trial runs: ``"local"`` (forked worker processes,
            isolated from the engine and from each other) or ``"in_process"`` (a thread of
            this process, one trial at a time, as Keras Tuner runs them: nothing is forked
            or pickled, at the price of isolation; see `InProcessExecutor`), or
            ``"ray"`` (function or command trials as Ray tasks, see `RayExecutor`). Stored
            in the config, so `resume` runs the rest of the trials the same way.
        executor_args: the Ray executor's options (`RayOptions`): ``address``,
            ``runtime_env``, ``cpus_per_trial``, ``gpus_per_trial``, ``memory_per_trial``,
            ``resources``.

    Example:
        >>> exp = Experiment(lambda p: -(p["x"] - 1) ** 2,
        ...                  {"x": {"_type": "uniform", "_value": [-3, 3]}},
        ...                  max_trials=5, storage=tmp_path, seed=0)  # doctest: +SKIP
        >>> exp.run()  # doctest: +SKIP
    """

    def __init__(self, trial: TrialFunction | str | None = None, space: Any = None, *,
                 tuner: str | Tuner = "auto", tuner_args: dict[str, Any] | None = None,
                 scheduler: str = "fifo", scheduler_args: dict[str, Any] | None = None,
                 assessor: str | None = None, assessor_args: dict[str, Any] | None = None,
                 direction: str = "maximize", max_trials: int | None = None,
                 max_duration: float | str | None = None, concurrency: int = 1,
                 trial_timeout: float | str | None = None, max_failed_trials: int | None = None,
                 max_retries: int | dict[str, int] = 0, gpus_per_trial: float | None = None,
                 gpu_indices: list[int] | None = None, max_trials_per_gpu: int = 1,
                 gpu_memory_per_trial: float | str | None = None,
                 code_dir: str | os.PathLike[str] = ".", name: str | None = None,
                 storage: str | os.PathLike[str] | Store | None = None, seed: int | None = None,
                 progress: bool | None = None, config: ExperimentConfig | None = None,
                 executor: str | None = None,
                 executor_args: dict[str, Any] | None = None) -> None:
        if config is None:
            if space is None:
                raise ConfigError("`space` is required: pass a SearchSpace or an NNI "
                                  "search_space.json dict.")
            config = ExperimentConfig(
                search_space=_space_json(space),
                trial_command=trial if isinstance(trial, str) else None,
                trial_code_directory=str(Path(code_dir).resolve()),
                trial_function=_qualified_name(trial) if callable(trial) else None,
                name=name, tuner=tuner if isinstance(tuner, str) else _tuner_name(tuner),
                tuner_args=dict(tuner_args or (_stored_options(tuner)
                                               if isinstance(tuner, Tuner) else {})),
                scheduler=scheduler,
                scheduler_args=dict(scheduler_args or {}), assessor=assessor,
                assessor_args=dict(assessor_args or {}), direction=direction,
                max_trials=max_trials,
                max_duration=parse_duration(max_duration, name="max_duration"),
                concurrency=concurrency,
                trial_timeout=parse_duration(trial_timeout, name="trial_timeout"),
                max_failed_trials=max_failed_trials, max_retries=max_retries,  # type: ignore[arg-type]
                gpus_per_trial=gpus_per_trial, gpu_indices=gpu_indices,
                max_trials_per_gpu=max_trials_per_gpu,
                gpu_memory_per_trial=gpu_memory_per_trial,
                seed=tuner.seed if seed is None and isinstance(tuner, Tuner) else seed,
                executor=executor if executor in ("in_process", "ray") else "local",
                executor_args=dict(executor_args or {}),
            )
        elif executor in EXECUTORS and executor != config.executor:
            config = dataclasses.replace(config, executor=executor, executor_args=dict(
                executor_args if executor_args is not None else config.executor_args))
        self.config = config
        self.space: SearchSpace = as_space(config.search_space)
        # when whoever started this run asked for it: commands sent since then (a stop while
        # a background engine starts) are for this run (`Store.claim`)
        self._commands_since: float | None = None
        self._trial = trial if callable(trial) else None
        if self._trial is not None:
            check_trial_function(self._trial)
        self._tuner_instance = tuner if isinstance(tuner, Tuner) else None
        if self._trial is None and config.trial_command is None and config.trial_function is None:
            raise ConfigError("`trial` is required: a Python callable or a shell command"
                              + (f", but got {trial!r}." if trial is not None else "."))
        self._check_components()
        self._executor_kind = _check_executor(executor or config.executor, self.config,
                                              self._trial)
        self.store = storage if isinstance(storage, Store) else Store(storage)
        self._progress = progress
        self.id: str | None = None

    def _check_components(self) -> None:
        """Build the tuner, the scheduler and the assessor once now, so a bad name or option
        (or a tuner that cannot search this space) fails before anything is stored or run."""
        tuner = self._tuner_instance or create(
            self.config.tuner, self.space, direction=self.config.direction, seed=0,
            **self.config.tuner_args)
        if (isinstance(tuner, GridTuner) and not self.space.is_finite
                and self.config.max_trials is None and self.config.max_duration is None):
            endless = [p.name for p in self.space if not p.is_finite]
            raise ConfigError(
                f"the grid tuner refines the continuous parameters {endless} without end: "
                "set max_trials or max_duration, or give them a `step` (or `q`) so the "
                "grid is finite.")
        probe = create("random", self.space, direction=self.config.direction, seed=0)
        scheduler = create_scheduler(self.config.scheduler, probe, **self.config.scheduler_args)
        if scheduler.plan() is not None and BUDGET_KEY in self.space.names:
            raise ConfigError(
                f"the search space has a parameter named {BUDGET_KEY!r}, which the "
                f"{scheduler.name} scheduler sets itself (the trial's budget); rename it.")
        self._new_assessor()

    def _check_change(self, stored: dict[str, Any], config: dict[str, Any]) -> None:
        """Refuse a changed config that cannot run, or whose search space differs from
        the one the stored trials were drawn from, while the store still holds the old."""
        if stored.get("search_space") != config.get("search_space"):
            raise ConfigError(
                "the search space differs from the one this experiment's trials were drawn "
                "from; a resumed experiment keeps its space. Create a new experiment for "
                "the new space.")
        self.config.validate()
        self._check_components()

    def _new_assessor(self) -> Assessor | None:
        if self.config.assessor is None:
            return None
        return create_assessor(self.config.assessor, self.config.direction,
                               **self.config.assessor_args)

    def plan(self) -> Any:
        """The scheduler's budget plan (`BudgetPlan`), or None without a multi-fidelity
        scheduler; ``plan().render(max_trials=...)`` prints it."""
        probe = create("random", self.space, direction=self.config.direction, seed=0)
        return create_scheduler(self.config.scheduler, probe, **self.config.scheduler_args).plan()

    # -- construction from files and the store ------------------------------------------
    @classmethod
    def from_config(cls, path_or_config: str | os.PathLike[str] | ExperimentConfig, *,
                    storage: str | os.PathLike[str] | Store | None = None,
                    progress: bool | None = None) -> Experiment:
        """An experiment from a config file (hyperscout, NNI v1 or v2) or an `ExperimentConfig`."""
        if isinstance(path_or_config, ExperimentConfig):
            config = path_or_config
        else:
            from ..config import load_config

            config = load_config(path_or_config)
        return cls(config=config, storage=storage, progress=progress)

    @classmethod
    def load(cls, experiment_id: str, *, storage: str | os.PathLike[str] | Store | None = None,
             trial: TrialFunction | None = None, tuner: Tuner | None = None,
             progress: bool | None = None, executor: str | None = None) -> Experiment:
        """The stored experiment `experiment_id`, ready to `run()` (which resumes it).

        Pass `trial` for an experiment of a function that cannot be imported by name, and
        `tuner` for one built with a tuner instance whose class cannot be imported."""
        store = storage if isinstance(storage, Store) else Store(storage)
        record = store.experiment(experiment_id)
        config = ExperimentConfig.from_dict(record.config)
        if trial is None and config.trial_command is None and config.trial_function is None:
            raise EngineError(
                "this experiment runs a Python function that cannot be imported by name; "
                "resume it from Python with Experiment.load(ID, trial=your_function).run()."
            )
        exp = cls(trial=trial, config=config, storage=store, progress=progress,
                  tuner=tuner if tuner is not None else config.tuner, executor=executor)
        exp.id = experiment_id
        return exp

    # -- running ------------------------------------------------------------------------
    def create(self) -> str:
        """Store the experiment (status ``created``) without running it; return its id."""
        if self.id is None:
            self.id = self.store.create_experiment(
                config=self.config.to_dict(), space=self.space.to_dict(), name=self.config.name)
        return self.id

    def run(self) -> Experiment:
        """Run (or resume) in the foreground until a limit, exhaustion or a stop."""
        experiment_id = self.create()
        record = self.store.experiment(experiment_id)
        if record.status == "running":
            raise EngineError(
                f"experiment {experiment_id} is already running (engine process "
                f"{record.engine_pid}); stop it with `hyperscout stop {experiment_id}`.")
        config = json.loads(json.dumps(self.config.to_dict()))  # as stored: lists, not tuples
        if record.config != config:  # new limits, e.g. a larger max_trials
            self._check_change(record.config, config)  # before anything is stored
        self.store.claim(experiment_id, os.getpid(), since=self._commands_since)
        if record.config != config:
            self.store.set_config(experiment_id, config)
        try:
            state = self._recover(experiment_id)
            scheduler = self._build_scheduler(experiment_id)
            assessor = self._build_assessor(experiment_id)
            progress = Progress(
                live=sys.stdout.isatty() if self._progress is None else self._progress,
                log_path=Path(record.directory) / "experiment.log")
            progress.log(f"experiment {experiment_id} running: tuner {self.config.tuner}, "
                         f"scheduler {scheduler.name}"
                         + (f", assessor {assessor.name}" if assessor else "")
                         + f", concurrency {self.config.concurrency}, max_trials "
                         f"{self.config.max_trials}, max_duration {self.config.max_duration}")
            plan = scheduler.plan()
            if plan is not None:
                text = plan.render(self.config.max_trials, self.config.max_duration)
                progress.log(text)
                if self._progress is not False:  # shown unless the caller asked for quiet
                    print(text, flush=True)
            loop = EngineLoop(store=self.store, experiment_id=experiment_id, config=self.config,
                              scheduler=scheduler, executor=self._executor(), state=state,
                              elapsed_before=record.elapsed, progress=progress,
                              assessor=assessor)
        except KeyboardInterrupt:
            self.store.set_status(experiment_id, "stopped", "interrupted before it started")
            raise
        except BaseException as exc:
            self.store.set_status(experiment_id, "failed", f"engine error: {exc!r}"[:500])
            raise
        try:
            loop.run()
        except BaseException:
            if loop._lost is None:  # else another engine (or a stop) owns the status now
                self.store.set_status(experiment_id, "failed", loop._message)
            raise
        return self

    def stop(self) -> None:
        """Ask the engine running this experiment (in any process) to stop."""
        if self.id is not None:
            self.store.add_command(self.id, "stop")

    def _executor(self) -> Executor:
        fresh = bool(self.config.gpus_per_trial)
        if self._executor_kind == "in_process":
            return InProcessExecutor(
                self._trial or import_function(self.config.trial_function,  # type: ignore[arg-type]
                                               self.config.trial_code_directory))
        if self._executor_kind == "ray":
            options = RayOptions.from_args(self.config.executor_args)
            if self.config.trial_command is not None and self._trial is None:
                return RayExecutor(command=self.config.trial_command,
                                   code_dir=self.config.trial_code_directory, options=options,
                                   gpu_memory=self.config.gpu_memory_per_trial)
            fn = self._trial or import_function(
                self.config.trial_function, self.config.trial_code_directory)  # type: ignore[arg-type]
            return RayExecutor(fn=fn, options=options, gpu_memory=self.config.gpu_memory_per_trial)
        if self._trial is not None:
            return FunctionExecutor(self._trial, fresh_process=fresh)
        if self.config.trial_function is not None:
            return FunctionExecutor(import_function(self.config.trial_function,
                                                    self.config.trial_code_directory),
                                    fresh_process=fresh)
        assert self.config.trial_command is not None
        return CommandExecutor(self.config.trial_command, self.config.trial_code_directory)

    def _build_scheduler(self, experiment_id: str) -> Scheduler:
        """The scheduler over the tuner, both rebuilt from the stored results: every job
        with the outcome of its latest trial (a retry runs the same job again), in job
        order. A trial queued by the user (`trial rerun` included) that has not started
        has no job yet: it is adopted as a new one when it launches, as in a live run."""
        tuner = self._tuner_instance or create(
            self.config.tuner, self.space, direction=self.config.direction,
            seed=self.config.seed, **self.config.tuner_args)
        scheduler = create_scheduler(self.config.scheduler, tuner, **self.config.scheduler_args)
        trials = self.store.trials(experiment_id)
        latest_of_job = {t.schedule["job"]: t for t in trials if t.schedule is not None}
        outcomes = [JobOutcome(Job.from_dict(schedule, t.params), *_outcome(t))
                    for t in latest_of_job.values() if (schedule := t.schedule) is not None]
        scheduled = {root_of(t) for t in trials if t.schedule is not None}
        legacy = 0
        for root, trial in latest_per_chain(trials).items():
            if root in scheduled or trial.state is TrialState.WAITING:
                continue  # filed above, or queued by the user and not started yet
            job = Job(legacy, legacy, dict(trial.params))  # stored before schedulers existed
            legacy += 1
            outcomes.append(JobOutcome(job, *_outcome(trial)))
        scheduler.restore(outcomes)
        return scheduler

    def _build_assessor(self, experiment_id: str) -> Assessor | None:
        """The assessor, fed every stored learning curve (a promoted trial's curve begins
        with the curves of the trials it continues, as in the live run) and every trial's
        end."""
        assessor = self._new_assessor()
        if assessor is None:
            return None
        trials = self.store.trials(experiment_id)
        points: dict[int, list[tuple[int, float]]] = {}
        for point in self.store.intermediates(experiment_id):
            step = point.step if point.step is not None else point.seq
            points.setdefault(point.number, []).append((step, point.value))
        trial_of_job = {t.schedule["job"]: t.number for t in trials if t.schedule}
        by_number = {t.number: t for t in trials}
        for trial in trials:
            for step, value in ancestor_curve(trial, trial_of_job, by_number.__getitem__,
                                              lambda n: points.get(n, [])):
                assessor.report(trial.number, step, value)
            for step, value in points.get(trial.number, []):
                assessor.report(trial.number, step, value)
        for trial in trials:
            if trial.state.is_finished:
                assessor.finish(trial.number, trial.state)
        return assessor

    def _recover(self, experiment_id: str) -> RunState:
        """Bring the store up to date after an interrupted run and queue what must (re-)run.

        One transaction: an engine killed half-way through leaves the store as it was."""
        chains = latest_per_chain(self.store.trials(experiment_id))
        reap_orphans([Path(t.directory) for t in chains.values()
                      if t.state in (TrialState.RUNNING, TrialState.STALE) and t.ended is None])
        with self.store.transaction():
            for root, latest in chains.items():
                self._recover_chain(experiment_id, root, latest)
            trials = self.store.trials(experiment_id)
        state = RunState(ChainCounts.from_trials(trials, self.config.direction))
        for trial in trials:
            if trial.state is TrialState.WAITING:
                job = Job.from_dict(trial.schedule, trial.params) if trial.schedule else None
                state.queue.append(Queued(trial.number, trial.params, job, root_of(trial),
                                          trial.attempt))
        return state

    def _recover_chain(self, experiment_id: str, root: int, latest: TrialRecord) -> None:
        state = latest.state
        if state in (TrialState.RUNNING, TrialState.STALE) and latest.ended is None:
            directory = Path(latest.directory)  # its processes are gone (reap_orphans)
            self.store.add_reports(experiment_id, latest.number, read_reports(directory))
            ended = _last_seen(directory, latest.started or latest.created)
            if self.store.trial(experiment_id, latest.number).metrics is not None:
                self.store.finish_trial(experiment_id, latest.number, TrialState.SUCCEEDED,
                                        reason="final result recovered from its metrics file",
                                        ended=ended)
                return
            self.store.finish_trial(experiment_id, latest.number, TrialState.STALE,
                                    reason="the engine stopped while it ran", ended=ended)
            self._requeue(experiment_id, root, latest, "re-run on resume")
        elif state is TrialState.USER_CANCELED and latest.reason == EXPERIMENT_STOPPED:
            self._requeue(experiment_id, root, latest, "re-run on resume")
        elif state in (TrialState.FAILED, TrialState.TIMEOUT, TrialState.STALE):
            kind = "failed" if state is TrialState.FAILED else state.value
            if latest.attempt < self.config.max_retries.get(kind, 0):  # a retry never written
                self._requeue(experiment_id, root, latest, f"retry ({kind})", latest.attempt + 1)

    def _requeue(self, experiment_id: str, root: int, trial: TrialRecord, why: str,
                 attempt: int | None = None) -> None:
        number = self.store.new_trial(
            experiment_id, trial.params, retry_of=root,
            attempt=trial.attempt if attempt is None else attempt,
            reason=f"{why} of trial {trial.number}", schedule=trial.schedule)
        self.store.add_event(experiment_id, "requeue",
                             f"trial {trial.number} re-runs as {number} ({why})", trial.number)

    # -- results ------------------------------------------------------------------------
    def trials(self) -> list[TrialRecord]:
        """Every stored trial of this experiment, in number order."""
        if self.id is None:
            return []
        return self.store.trials(self.id)

    @property
    def best_trial(self) -> TrialRecord | None:
        """The succeeded trial with the best final value (by `direction`)."""
        done = [t for t in self.trials() if t.state is TrialState.SUCCEEDED and t.value is not None]
        if not done:
            return None
        sign = 1.0 if self.config.direction == "maximize" else -1.0
        return max(done, key=lambda t: (sign * t.value, -t.number))  # type: ignore[operator]


EXECUTORS = ("local", "in_process", "ray")


def _check_executor(kind: str, config: ExperimentConfig, trial: Any) -> str:
    if kind not in EXECUTORS:
        raise ConfigError(f"`executor` must be one of {list(EXECUTORS)}, but got {kind!r}.")
    if kind == "ray" and config.gpus_per_trial:
        raise ConfigError("with executor 'ray', Ray places GPUs: set `gpus_per_trial` in "
                          "`executor_args` (fractions allowed) instead of the top-level one.")
    if kind == "in_process":
        if trial is None and config.trial_function is None:
            raise ConfigError("executor='in_process' runs a Python callable; pass it as "
                              "`trial`, or use executor='local' for a command.")
        if config.concurrency != 1:
            raise ConfigError(
                f"executor='in_process' runs one trial at a time, but concurrency is "
                f"{config.concurrency}; set concurrency=1 or use executor='local'.")
        if config.gpus_per_trial:
            raise ConfigError(
                "executor='in_process' cannot give a trial its own GPUs (CUDA_VISIBLE_DEVICES "
                "is read once per process); drop gpus_per_trial or use executor='local'.")
    return kind


def _stored_options(tuner: Tuner) -> dict[str, Any]:
    """A tuner instance's options as the config stores them, so `resume` rebuilds the same
    tuner; none when they are not plain JSON values (then `load` needs ``tuner=``)."""
    try:
        json.dumps(tuner.options)
    except (TypeError, ValueError):
        return {}
    return tuner.options


def _tuner_name(tuner: Tuner) -> str:
    """How a tuner instance is stored: its importable class (``module:Class``), so
    `resume` can rebuild it; otherwise its class name, and `load` needs `tuner=`."""
    return _qualified_name(type(tuner)) or type(tuner).__name__


def _space_json(space: Any) -> Any:
    """The space as stored: an NNI-style dict as given (validated early, with the space's
    own error messages), anything else `as_space` takes as hyperscout's dict form."""
    if isinstance(space, dict):
        as_space(space)
        return space
    return as_space(space).to_dict()


def _qualified_name(fn: Callable[..., Any]) -> str | None:
    """``module:qualname`` when `fn` can be imported back by that name, else None."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname:
        return None
    try:
        if import_function(f"{module}:{qualname}") is fn:
            return f"{module}:{qualname}"
    except ConfigError:
        pass
    return None


def import_function(path: str, code_dir: str | None = None) -> Callable[..., Any]:
    """The trial function named ``"package.module:function"``, importable from the working
    directory or else from `code_dir` (the experiment's `trial_code_directory`: the folder
    it was created in), so `resume` works from anywhere."""
    module_name, _, qualname = path.partition(":")
    try:
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            top = module_name.partition(".")[0]
            if (missing.name != top or not code_dir or code_dir in sys.path
                    or not Path(code_dir).is_dir()):
                raise
            sys.path.append(code_dir)  # after site-packages: its files shadow nothing
            obj = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        where = f" or from {code_dir}" if code_dir else ""
        raise ConfigError(
            f"`trial_function` {path!r} cannot be imported ({exc}); give it as "
            f"'package.module:function' importable from the working directory{where}."
        ) from exc
    if not callable(obj):
        raise ConfigError(f"`trial_function` {path!r} is not callable.")
    return obj


def _last_seen(directory: Path, since: float) -> float:
    """When a trial found dead on resume last did anything: the newest of its report and
    log files (not before it started)."""
    times = [since]
    for name in (METRICS_FILE, "stdout.log", "stderr.log"):
        try:
            times.append((directory / name).stat().st_mtime)
        except OSError:
            pass
    return max(times)


def _outcome(trial: TrialRecord) -> tuple[dict[str, float] | None, TrialState | None]:
    """(metrics, state) of a chain's latest trial for the scheduler; state None while it
    has not ended (it runs again). An early-stopped trial's result is its last report."""
    if not trial.state.is_finished:
        return None, None
    metrics = trial.metrics
    if trial.state is TrialState.EARLY_STOPPED and metrics is None and trial.latest is not None:
        metrics = {"default": trial.latest}
    if trial.state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) and metrics is not None:
        return metrics, trial.state
    return None, TrialState.FAILED
