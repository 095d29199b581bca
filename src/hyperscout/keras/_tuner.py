"""`Tuner`: Keras Tuner's tuner lifecycle over a hyperscout experiment.

``tuner.search(x, y, validation_split=0.2, epochs=10)`` becomes one hyperscout experiment
in the store at ``directory/project_name``: each Keras Tuner trial is a hyperscout trial
(``hyperscout trial ls ID --storage directory/project_name`` lists them), run in this
process by the in-process executor, so the build function, the data and the callbacks are
used as they are, as in Keras Tuner; or, with ``executor="ray"``, each trial's fit on a
worker of a Ray cluster (see `_on_ray`). Which configurations are tried, and for how many
epochs, is decided by hyperscout's tuners and schedulers (see the subclasses).

What a trial does (`run_trial`, which a subclass may override as in Keras Tuner): build
the model from the trial's hyperparameters, fit it with the arguments of `search` plus a
callback that reports every epoch to the engine, keeps the best epoch's weights for
`get_best_models` and stops the fit when the engine asks; repeat
`executions_per_trial` times; the trial's score is the objective at the best epoch,
averaged over the executions.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from .. import trial as trial_api
from ..engine import Experiment
from ..errors import ConfigError, TrialStopped
from ..schedulers import BUDGET_KEY
from ..space import Fixed, SearchSpace
from ..states import TrialState
from ..store import Store
from ..trial import SCHEDULE_FILE
from ._callbacks import _TrialCallback, save_weights
from ._discovery import discover_space
from ._hypermodel import HyperModel, as_hypermodel
from ._hyperparameters import HyperParameters
from ._keras_state import Collector, snapshot
from ._keras_state import apply as apply_keras_settings
from ._models import copy_callbacks, load_weights, recompile
from ._objective import Objective
from ._on_ray import FailureWatch, RayTrial, check_executor, prepare_ray
from ._scores import trial_metrics
from ._trials import MetricsTracker, Trial, keras_epoch
from .errors import FailedTrialError, FatalError
from .oracles import Oracle, check_count

BEST_WEIGHTS = "best.weights.h5"  # the best epoch's weights, in the trial's folder
LAST_WEIGHTS = "model.weights.h5"  # the last epoch's, in its checkpoint folder (promotions)


class _TrialRun:
    """The state of one running trial that its callbacks share."""

    def __init__(self, objective: Objective, best_weights: Path) -> None:
        self.objective = objective
        self.best_weights = best_weights
        self.best: float | None = None

    def is_best(self, value: float) -> bool:
        if self.best is None or self.objective.better(value, self.best):
            self.best = value
            return True
        return False


class LiveTrial:
    """The trial `run_trial` receives: its id, hyperparameters, folder and budget."""

    def __init__(self, number: int, hyperparameters: HyperParameters, directory: Path,
                 budget: Any) -> None:
        self.trial_id = str(number)
        self.number = number
        self.hyperparameters = hyperparameters
        self.directory = directory
        self.budget = budget
        self.status = "RUNNING"

    def __repr__(self) -> str:
        return f"LiveTrial(trial_id={self.trial_id!r}, hyperparameters={self.hyperparameters!r})"


class Tuner:
    """A search driven by an oracle: ``Tuner(oracle, hypermodel, ...)``, as in Keras Tuner.

    The oracle (see `hyperscout.keras.oracles`) holds the objective, the trial budget, the
    seed and the hyperscout tuner and scheduler; `RandomSearch`, `BayesianOptimization`,
    `Hyperband` and `GridSearch` make theirs from their own arguments. Users may subclass
    any of them and override `run_trial(trial, *args, **kwargs)` (return a History, a dict
    of metrics, or the objective's value) or the hooks `on_trial_begin` / `on_trial_end` /
    `on_search_begin` / `on_search_end`.
    """

    def __init__(self, oracle: Oracle, hypermodel: Any = None,
                 max_model_size: int | None = None, optimizer: Any = None, loss: Any = None,
                 metrics: Any = None, distribution_strategy: Any = None,
                 directory: str | Path | None = None, project_name: str | None = None,
                 logger: Any = None, tuner_id: Any = None, overwrite: bool = False,
                 executions_per_trial: int = 1, executor: str = "in_process",
                 executor_args: dict[str, Any] | None = None, concurrency: int | None = None,
                 **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{sorted(kwargs)}; see help({type(self).__name__}) for its "
                            "arguments (the objective, trials and seed belong to the oracle).")
        if not isinstance(oracle, Oracle):
            raise ConfigError(
                f"`oracle` must be a kt.oracles.Oracle (for example "
                f"kt.oracles.RandomSearchOracle(objective='val_loss', max_trials=10)), but "
                f"got {type(oracle).__name__}.")
        check_count("executions_per_trial", executions_per_trial)
        self.executor, self.executor_args, self.concurrency = check_executor(
            executor, executor_args, concurrency)
        self._on_worker = False  # True in a Ray worker's copy of the tuner
        self.oracle = oracle
        oracle._bind(self)
        self.hypermodel: HyperModel | None = (
            None if hypermodel is None and self._overrides_run_trial()
            else as_hypermodel(hypermodel))
        self.executions_per_trial = executions_per_trial
        self.distribution_strategy = distribution_strategy
        self.max_model_size = max_model_size
        self.logger, self.tuner_id = logger, tuner_id  # accepted; no effect here
        self._compile_overrides = {k: v for k, v in
                                   (("optimizer", optimizer), ("loss", loss), ("metrics", metrics))
                                   if v is not None}
        self.directory = Path(directory if directory is not None else ".")
        self.project_name = project_name or "untitled_project"
        self.project_dir = self.directory / self.project_name
        if overwrite and self.project_dir.exists():
            shutil.rmtree(self.project_dir)
        self._space: SearchSpace | None = None
        self._store: Store | None = None
        self.experiment_id: str | None = None
        self._fit_args: tuple[Any, ...] = ()
        self._fit_kwargs: dict[str, Any] = {}
        self._populate_space()

    def __getstate__(self) -> dict[str, Any]:
        """What a Ray worker's copy needs: not the store's connection or the collector."""
        state = dict(self.__dict__)
        for name in ("_store", "_collector", "_fatal"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._store, self._collector, self._fatal = None, Collector(), None

    # -- the oracle's settings, as the tuner reads them --------------------------------------
    @property
    def _objective(self) -> Objective:
        return self.oracle.objective

    @property
    def _max_trials(self) -> int | None:
        return self.oracle.max_trials

    @property
    def _given(self) -> HyperParameters | None:
        return self.oracle._given

    @property
    def seed(self) -> int | None:
        return self.oracle.seed

    @property
    def max_retries_per_trial(self) -> int:
        return self.oracle.max_retries_per_trial

    @property
    def max_consecutive_failed_trials(self) -> int:
        return self.oracle.max_consecutive_failed_trials

    @property
    def tune_new_entries(self) -> bool:
        return self.oracle.tune_new_entries

    @property
    def allow_new_entries(self) -> bool:
        return self.oracle.allow_new_entries

    # -- the space ------------------------------------------------------------------------
    def _overrides_run_trial(self) -> bool:
        return type(self).run_trial is not Tuner.run_trial

    def _populate_space(self) -> None:
        """The search space: every parameter the build function declares (see
        `discover_space`), or only those of `hyperparameters` with
        ``tune_new_entries=False``."""
        if self.hypermodel is None or not self.tune_new_entries:
            self._space = self._given.space if self._given is not None else SearchSpace([])
            return
        hypermodel, given = self.hypermodel, self._given

        def declare_and_build(hp: HyperParameters) -> Any:
            if given is not None:
                hp.override(given)
            if isinstance(hypermodel, HyperModel):
                hypermodel.declare_hyperparameters(hp)
            return hypermodel.build(hp)

        self._space = discover_space(declare_and_build)

    def _add_fit_parameters(self, fit_args: tuple[Any, ...], fit_kwargs: dict[str, Any]) -> None:
        """Add to the space the parameters a hypermodel's own `fit` declares (Keras
        Tuner's "tune model training" pattern: a batch size, shuffling), found by calling
        it once, at the defaults, with a stand-in model that ends the call when it is
        called (once: the user's code before `model.fit` runs, so it is not explored
        value by value)."""
        assert self._space is not None
        hp = HyperParameters.from_config(self._space, self._space.defaults())
        with contextlib.suppress(Exception):  # _FitProbed, or the fit's own error
            self.hypermodel.fit(hp, _StandInModel(), *fit_args,  # type: ignore[union-attr]
                                **{k: v for k, v in fit_kwargs.items() if k != "callbacks"})
        self._space = hp.space

    def _hyperparameters_for(self, params: dict[str, Any],
                             trial_dir: Path | None = None) -> HyperParameters:
        """The trial's HyperParameters; a trial of a multi-fidelity scheduler also carries
        Keras Tuner's ``tuner/epochs``, ``tuner/initial_epoch`` and (when it continues
        another trial) ``tuner/trial_id`` entries, read from its schedule."""
        assert self._space is not None
        values = {k: v for k, v in params.items() if k != BUDGET_KEY}
        hp = HyperParameters.from_config(self._space, values)
        if self._given is not None:
            hp.override(self._given)
        schedule = _schedule(trial_dir) if trial_dir is not None else {}
        for name, value in self._schedule_entries(schedule).items():
            hp._register(Fixed(name, value))
        hp._allow_new = self.allow_new_entries or self.hypermodel is None
        hp._untuned_warning = self.hypermodel is not None and self.tune_new_entries
        return hp

    def _schedule_entries(self, schedule: dict[str, Any]) -> dict[str, Any]:
        if schedule.get("budget") is None:
            return {}
        entries: dict[str, Any] = {"tuner/epochs": _whole(schedule["budget"]),
                                   "tuner/initial_epoch":
                                       _whole(schedule.get("previous_budget") or 0)}
        if schedule.get("parent_trial") is not None:
            entries["tuner/trial_id"] = str(schedule["parent_trial"])
        entries.update(self.oracle._schedule_entries(schedule))
        return entries

    # -- the search -----------------------------------------------------------------------
    @property
    def remaining_trials(self) -> int | None:
        if self._max_trials is None:
            return None
        return max(0, self._max_trials - len(self._records()))

    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Run trials until `max_trials` (or the scheduler's plan) is done; the arguments go
        to ``model.fit`` (or the hypermodel's ``fit``). A search interrupted by a crash or
        Ctrl-C continues where it stopped when the same project is searched again."""
        self._fit_args, self._fit_kwargs = fit_args, dict(fit_kwargs)
        self._verbose = fit_kwargs.get("verbose", 1)
        self._fatal: BaseException | None = None
        self._consecutive_failures = 0
        self._last_failure: str | None = None
        self._keras_settings = snapshot()  # the caller's, for trials run in another thread
        self._collector = Collector()
        if _overrides_fit(self.hypermodel) and self.tune_new_entries:
            self._add_fit_parameters(fit_args, fit_kwargs)
        started_ray = prepare_ray(self) if self.executor == "ray" else False
        experiment = self._experiment()
        self._best_so_far = self._best_score()
        if self._verbose:
            print(f"[hyperscout] experiment {experiment.id} in {self.project_dir} "
                  f"(`hyperscout trial ls {experiment.id} --storage {self.project_dir}`)",
                  flush=True)
            plan = experiment.plan()
            if plan is not None:
                print(plan.render(self._max_trials, None), flush=True)
        self.on_search_begin()
        watch = (FailureWatch(self, experiment.id).start()  # type: ignore[arg-type]
                 if self.executor == "ray" else None)
        try:
            experiment.run()
        finally:
            self._fit_args, self._fit_kwargs = (), {}
            if watch is not None:
                watch.stop()
            if started_ray:
                import ray

                ray.shutdown()
        self.on_search_end()
        if self._fatal is not None:
            raise self._fatal
        record = self._open_store().experiment(experiment.id)
        if record.status == "stopped" and record.message == "received SIGINT":
            # as Keras Tuner: Ctrl-C ends the script too, once the trial is recorded (the
            # same project continues where it stopped)
            raise KeyboardInterrupt(f"search of project {self.project_name!r} interrupted; "
                                    "searching again continues it")
        if self._consecutive_failures >= self.max_consecutive_failed_trials:
            raise RuntimeError(
                f"{self._consecutive_failures} trials in a row failed, which is the limit "
                f"(max_consecutive_failed_trials={self.max_consecutive_failed_trials}); the "
                f"last one: {self._last_failure}. Fix the build or fit code, or raise the "
                "limit; the trials are kept in the store.")

    def reload(self) -> None:
        """Keras Tuner reads a project's saved state back here; hyperscout's state is the
        project's store, read whenever it is needed, so there is nothing to reload."""

    def save(self) -> None:
        """Keras Tuner saves its state here; every result is already in the project's
        store the moment it is reported, so there is nothing to save."""

    def _open_store(self) -> Store:
        if self._store is None:
            self._store = Store(self.project_dir)
        return self._store

    def _experiment(self) -> Experiment:
        """The project's experiment: the stored one when there is one, else a new one."""
        store = self._open_store()
        assert self._space is not None
        direction = "maximize" if self._objective.direction == "max" else "minimize"
        on_ray = self.executor == "ray"
        experiment = Experiment(
            RayTrial(self) if on_ray else self._trial_function, self._space,
            tuner=self.oracle._engine_tuner(self._space, direction),
            tuner_args=self.oracle.tuner_args, scheduler=self.oracle.scheduler,
            scheduler_args=self.oracle.scheduler_args, direction=direction,
            max_trials=self._max_trials, seed=self.seed, storage=store, progress=False,
            name=self.project_name, executor=self.executor,
            executor_args=self.executor_args if on_ray else None,
            concurrency=self.concurrency or 1)
        existing = self._stored_experiment()
        if existing is not None:
            if existing.space != self._space.to_dict():
                raise ConfigError(
                    f"the search space of project {self.project_name!r} in {self.directory} "
                    "differs from the one stored there by an earlier search; pass "
                    "overwrite=True to start over, or use another project_name.")
            store.set_config(existing.id, experiment.config.to_dict())
            experiment.id = existing.id
        else:
            experiment.create()
        self.experiment_id = experiment.id
        return experiment

    def _stored_experiment(self) -> Any:
        if not (self.project_dir / "hyperscout.db").exists():
            return None
        mine = [e for e in self._open_store().experiments() if e.name == self.project_name]
        return mine[-1] if mine else None

    # -- one trial ------------------------------------------------------------------------
    def _trial_function(self, params: dict[str, Any]) -> dict[str, float]:
        """What the engine runs for each trial (in this process)."""
        directory = trial_api.get_trial_dir()
        assert directory is not None
        number = int(trial_api.get_trial_id())
        trial = LiveTrial(number, self._hyperparameters_for(params, directory), directory,
                          params.get(BUDGET_KEY))
        started = time.monotonic()
        self._show_start(trial)
        self.on_trial_begin(trial)
        try:
            metrics = self._attempts(trial)
        finally:
            self._collector.maybe_collect()
        self._consecutive_failures = 0
        trial.status = "COMPLETED"
        self.on_trial_end(trial)
        self._show_end(trial, metrics["default"], time.monotonic() - started)
        return metrics

    def _attempts(self, trial: LiveTrial) -> dict[str, float]:
        """`run_trial`, retried up to `max_retries_per_trial` times."""
        attempt = 0
        while True:
            try:
                results = self.run_trial(trial, *self._fit_args, **self._fit_kwargs)
                metrics = trial_metrics(results, self._objective)
                break
            except TrialStopped:
                raise
            except FatalError as exc:
                self._fatal = exc
                self._stop_search()
                raise
            except Exception as exc:
                if not isinstance(exc, FailedTrialError) and attempt < self.max_retries_per_trial:
                    attempt += 1
                    print(f"[hyperscout] trial {trial.number} failed ({type(exc).__name__}: {exc}); "
                          f"retry {attempt} of {self.max_retries_per_trial}", flush=True)
                    continue
                self._failed(exc)
                raise
        return metrics

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        """Build and fit the model `executions_per_trial` times; return the Histories."""
        run = _TrialRun(self._objective, trial.directory / BEST_WEIGHTS)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        results = []
        for execution in range(self.executions_per_trial):
            fit_kwargs = dict(kwargs)
            fit_kwargs["callbacks"] = copy_callbacks(callbacks) + [_TrialCallback(run, execution)]
            model = self._build_model(trial.hyperparameters)
            if trial.budget is not None:  # a multi-fidelity scheduler: epochs are the budget
                fit_kwargs["epochs"] = int(trial.budget)
                fit_kwargs["initial_epoch"] = int(trial_api.get_previous_budget() or 0)
                self._continue_from_checkpoint(model)
            try:
                results.append(self.hypermodel.fit(trial.hyperparameters, model, *args,  # type: ignore[union-attr]
                                                   **fit_kwargs))
            except TrialStopped:
                self._save_checkpoint(trial, model)
                raise
            self._save_checkpoint(trial, model)
        return results

    def _build_model(self, hp: HyperParameters) -> Any:
        if self.hypermodel is None:
            raise ConfigError("this tuner has no hypermodel to build; pass one, or override "
                              "run_trial to build and train the model yourself.")
        apply_keras_settings(self._keras_settings)
        if self.distribution_strategy is not None:
            with self.distribution_strategy.scope():
                model = self.hypermodel.build(hp)
        else:
            model = self.hypermodel.build(hp)
        if model is None:
            raise FailedTrialError("the build function returned None; return the compiled model.")
        if self._compile_overrides:
            recompile(model, self._compile_overrides)
        if self.max_model_size is not None:
            size = model.count_params()
            if size > self.max_model_size:
                raise FailedTrialError(
                    f"the model has {size} parameters, more than max_model_size="
                    f"{self.max_model_size}.")
        return model

    def _continue_from_checkpoint(self, model: Any) -> None:
        folder = trial_api.load_checkpoint_dir()
        if folder is not None and (folder / LAST_WEIGHTS).exists():
            load_weights(model, folder / LAST_WEIGHTS)

    def _save_checkpoint(self, trial: Any, model: Any) -> None:
        """The last epoch's weights, which a promoted configuration continues from."""
        if trial.budget is None:
            return
        folder = trial_api.checkpoint_dir()
        if folder is not None:
            save_weights(model, folder / LAST_WEIGHTS)

    def _failed(self, exc: BaseException) -> None:
        if self._on_worker:
            return  # the user's process counts (FailureWatch)
        self._consecutive_failures += 1
        self._last_failure = f"{type(exc).__name__}: {exc}"
        if self._consecutive_failures >= self.max_consecutive_failed_trials:
            self._stop_search()

    def _stop_search(self) -> None:
        """Ask the engine to stop after this trial (from the trial's own thread, through
        the store's control path, on a connection of its own)."""
        if self._on_worker:
            return  # the user's process stops the search (FailureWatch)
        assert self.experiment_id is not None
        store = Store(self.project_dir)
        try:
            store.add_command(self.experiment_id, "stop")
        finally:
            store.close()

    # -- what the search prints ---------------------------------------------------------------
    def _show_start(self, trial: LiveTrial) -> None:
        if not self._verbose:
            return
        values = ", ".join(f"{k}={_fmt(v)}" for k, v in trial.hyperparameters.values.items())
        budget = ""
        if trial.budget is not None:
            start = trial_api.get_previous_budget() or 0
            budget = (f" (epochs {_fmt(start)} to {_fmt(trial.budget)})" if start
                      else f" ({_fmt(trial.budget)} epochs)")
        print(f"\n[hyperscout] trial {trial.trial_id}{budget}: {values}", flush=True)

    def _show_end(self, trial: LiveTrial, score: float, seconds: float) -> None:
        if self._best_so_far is None or self._objective.better(score, self._best_so_far):
            self._best_so_far = score
        if self._verbose:
            print(f"[hyperscout] trial {trial.trial_id} done in {seconds:.1f} s: "
                  f"{self._objective.name} {_fmt(score)} (best so far "
                  f"{_fmt(self._best_so_far)})", flush=True)

    # -- hooks (Keras Tuner's) --------------------------------------------------------------
    def on_search_begin(self) -> None:
        """Called before the first trial of `search`."""

    def on_search_end(self) -> None:
        """Called when `search` ends."""

    def on_trial_begin(self, trial: Any) -> None:
        """Called before `run_trial`."""

    def on_trial_end(self, trial: Any) -> None:
        """Called after a trial succeeded."""

    # -- results ----------------------------------------------------------------------------
    def _records(self) -> list[Any]:
        if self.experiment_id is None:
            existing = self._stored_experiment()
            if existing is None:
                return []
            self.experiment_id = existing.id
        return self._open_store().trials(self.experiment_id)

    def _trials(self) -> list[Trial]:
        records = self._records()
        if not records:
            return []
        points: dict[int, list[Any]] = {}
        for point in self._open_store().intermediates(self.experiment_id):  # type: ignore[arg-type]
            points.setdefault(point.number, []).append(point)
        return [self._trial_view(r, points.get(r.number, [])) for r in records]

    def _trial_view(self, record: Any, points: list[Any]) -> Trial:
        try:
            hp = self._hyperparameters_for(record.params, Path(record.directory))
        except Exception:  # noqa: BLE001 - a record from another space: show its values
            hp = HyperParameters()
        metrics = MetricsTracker(points, record.metrics, self._objective)
        best_step = None
        scored = [(p.value, keras_epoch(p.step)) for p in points]
        if scored:
            pick = max if self._objective.direction == "max" else min
            best_step = pick(scored, key=lambda vs: vs[0])[1]
        return Trial(record, hp, metrics, best_step)

    def _best_trials(self, n: int) -> list[Trial]:
        done = [t for t in self._trials() if t.state is TrialState.SUCCEEDED and t.score is not None]
        sign = 1.0 if self._objective.direction == "max" else -1.0
        done.sort(key=lambda t: (-sign * t.score, t.number))  # type: ignore[operator]
        seen: set[str] = set()
        best = []
        for t in done:
            key = repr(sorted((k, v) for k, v in t.hyperparameters.values.items()
                              if not k.startswith("tuner/")))
            if key not in seen:
                seen.add(key)
                best.append(t)
        return best[:n]

    def _best_score(self) -> float | None:
        best = self._best_trials(1)
        return best[0].score if best else None

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The hyperparameters of the best completed trials, best first."""
        return [t.hyperparameters for t in self._best_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list[Any]:
        """The best trials' models, rebuilt and loaded with the weights of their best
        epoch; best first."""
        return [self.load_model(t) for t in self._best_trials(num_models)]

    def load_model(self, trial: Trial) -> Any:
        """The trial's model with the weights of its best epoch."""
        if self.hypermodel is None:
            raise ConfigError("this tuner has no hypermodel to rebuild models with.")
        path = trial.directory / BEST_WEIGHTS
        if not path.exists():
            raise FileNotFoundError(
                f"trial {trial.trial_id} saved no weights ({path} is missing): a run_trial "
                "override must save them itself; rebuild the model from "
                "get_best_hyperparameters() and train it instead.")
        model = self.hypermodel.build(trial.hyperparameters)
        load_weights(model, path)
        return model

    def get_trial_dir(self, trial_id: str) -> Path:
        return self.oracle.get_trial(trial_id).directory

    def results_summary(self, num_trials: int = 10) -> None:
        """Print the best `num_trials` trials: parameters and score."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(self._objective)
        for trial in self._best_trials(num_trials):
            print()
            trial.summary()

    def search_space_summary(self, extended: bool = False) -> None:
        """Print the search space: each parameter with its kind and range."""
        assert self._space is not None
        print("Search space summary")
        print(f"Default search space size: {len(self._space)}")
        for param in self._space:
            print(f"{param.name} ({type(param).__name__})")
            print(_describe(param))


def _describe(param: Any) -> dict[str, Any]:
    d = dict(SearchSpace([_unconditional(param)]).to_dict()["parameters"][0])
    if param.condition is not None:
        d["condition"] = {"parent": param.condition.parent,
                          "values": list(param.condition.values)}
    d.pop("name", None)
    d.pop("type", None)
    return d


def _unconditional(param: Any) -> Any:
    import dataclasses

    return dataclasses.replace(param, condition=None) if param.condition is not None else param


def _schedule(trial_dir: Path) -> dict[str, Any]:
    """The trial's job as its scheduler planned it ({} without a scheduler)."""
    try:
        return json.loads((trial_dir / SCHEDULE_FILE).read_text())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return {}


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value



def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _overrides_fit(hypermodel: Any) -> bool:
    return isinstance(hypermodel, HyperModel) and type(hypermodel).fit is not HyperModel.fit


class _FitProbed(Exception):
    """Raised by `_StandInModel` once a probed `fit` calls its model."""


class _StandInModel:
    """The model a hypermodel's `fit` gets while its parameters are discovered: calling
    it or any of its attributes ends the call, so nothing trains; the call's arguments
    are evaluated first (``model.fit(x, batch_size=hp.Choice(...))`` declares its
    parameter)."""

    def __getattr__(self, name: str) -> Any:
        return _StandInModel()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _FitProbed("the stand-in model was used")
