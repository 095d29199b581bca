"""Keras Tuner searches whose trials run on a Ray cluster (``executor="ray"``), and the
check of a tuner's executor settings.

Keras Tuner's own distributed tuning needs a chief process and workers started by hand
with environment variables. Here the tuner stays in the user's process with the engine
and its store; each trial's ``fit`` runs as a Ray task on whichever worker has room,
with a copy of the tuner (its hypermodel, the arguments of ``search`` and the callbacks),
sent once through Ray's object store. A copy cannot tell the search to stop, so the
user's process watches the stored trials instead: a trial that raised `FatalError`, or
`max_consecutive_failed_trials` failures in a row, stop the search as they do locally;
and it prints each finished trial, since the trial's own output lands in its log.
"""

from __future__ import annotations

import threading
from typing import Any

from ..errors import ConfigError
from ..states import TrialState
from ..store import Store

_WATCH_SECONDS = 0.1
_FAILED = (TrialState.FAILED, TrialState.TIMEOUT)


def check_executor(executor: str, args: dict[str, Any] | None, concurrency: int | None
                   ) -> tuple[str, dict[str, Any], int | None]:
    """A tuner's `executor`, `executor_args` and `concurrency`, checked."""
    if executor not in ("in_process", "ray"):
        raise ConfigError(f"`executor` must be 'in_process' (trials in this process, the "
                          f"default) or 'ray' (each trial's fit on a Ray worker), not "
                          f"{executor!r}.")
    if args is not None and not isinstance(args, dict):
        raise ConfigError(f"`executor_args` must be a mapping of Ray options (address, "
                          f"cpus_per_trial, gpus_per_trial, ...), not {args!r}.")
    if executor == "in_process":
        if args:
            raise ConfigError("`executor_args` are options of executor='ray'; pass "
                              "executor='ray' too, or drop them.")
        if concurrency not in (None, 1):
            raise ConfigError(f"concurrency={concurrency!r} needs executor='ray': trials in "
                              "this process run one at a time.")
    else:
        from ..executors import RayOptions

        RayOptions.from_args(args)  # a bad option fails here, by name
    if concurrency is not None and (isinstance(concurrency, bool)
                                    or not isinstance(concurrency, int) or concurrency < 1):
        raise ConfigError(f"`concurrency` must be a whole number >= 1, not {concurrency!r}.")
    return executor, dict(args or {}), concurrency


def prepare_ray(tuner: Any) -> bool:
    """Join the cluster (whether this started Ray), size the search to it unless
    `concurrency` was given, and mark the user's own code to travel by value."""
    from ..executors import RayOptions, connect_ray, ray_trial_slots, ship_by_value

    options = RayOptions.from_args(tuner.executor_args)
    started = connect_ray(options)
    if tuner.concurrency is None:
        tuner.concurrency = ray_trial_slots(options)
    hypermodel = tuner.hypermodel
    ship_by_value(tuner, hypermodel, getattr(hypermodel, "build", None),
                  getattr(hypermodel, "_build", None),
                  *tuner._fit_kwargs.get("callbacks", None) or [])
    return started


class RayTrial:
    """The function each Ray task runs: the tuner's trial, on the worker's copy of it."""

    def __init__(self, tuner: Any) -> None:
        self.tuner = tuner

    def __call__(self, params: dict[str, Any]) -> dict[str, float]:
        self.tuner._on_worker = True
        return self.tuner._trial_function(params)


class FailureWatch:
    """Follows the search's trials in the store from the user's process (see the module
    docstring); `stop` ends it."""

    def __init__(self, tuner: Any, experiment_id: str) -> None:
        self.tuner = tuner
        self.experiment_id = experiment_id
        self.store = Store(tuner.project_dir)  # a connection of its own, for this thread
        self.seen = {t.number for t in self.store.trials(experiment_id) if t.ended}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="hyperscout-keras-watch")

    def start(self) -> FailureWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join()
        self.check()  # what ended last
        self.store.close()

    def _loop(self) -> None:
        while not self._done.wait(_WATCH_SECONDS):
            self.check()

    def check(self) -> None:
        tuner = self.tuner
        ended = sorted((t for t in self.store.trials(self.experiment_id)
                        if t.ended is not None and t.number not in self.seen),
                       key=lambda t: (t.ended, t.number))
        nodes = self.store.placements(self.experiment_id) if ended else {}
        for t in ended:
            self.seen.add(t.number)
            if t.state is TrialState.SUCCEEDED:
                tuner._consecutive_failures = 0
            elif t.state in _FAILED:
                tuner._consecutive_failures += 1
                tuner._last_failure = t.reason
                if (t.reason or "").startswith("FatalError") and tuner._fatal is None:
                    from .errors import FatalError

                    tuner._fatal = FatalError(t.reason.partition(": ")[2] or t.reason)
                    tuner._stop_search()
                elif tuner._consecutive_failures >= tuner.max_consecutive_failed_trials:
                    tuner._stop_search()
            if tuner._verbose:
                where = f" on {nodes[t.number]}" if t.number in nodes else ""
                outcome = (f"{tuner._objective.name} {t.value:.4g}" if t.value is not None
                           else (t.reason or t.state.value))
                print(f"[hyperscout] trial {t.number} {t.state.value}{where}: {outcome}",
                      flush=True)
