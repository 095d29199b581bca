"""Keras Tuner searches whose trials run on a Ray cluster (``executor="ray"``).

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

from ..states import TrialState
from ..store import Store

_WATCH_SECONDS = 0.1
_FAILED = (TrialState.FAILED, TrialState.TIMEOUT)


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
