"""Carry Keras's global settings into a trial's thread, and free old models cheaply.

Keras 3 keeps its global state per thread. A trial runs in the thread that called
``search()`` (the in-process executor), except after an abandoned trial, when the next ones
run in threads of their own; without help those would not see what the user set before
``search()``: a mixed-precision dtype policy, a distribution, ``set_random_seed``, a
``keras.device`` scope. `snapshot` reads those settings in the caller's thread and
`apply` sets them in the trial's.

Keras Tuner calls ``clear_session()`` before each build, which runs a full garbage
collection: about 0.3 s per trial here with torch loaded, which dominates short trials.
`Collector` collects only once the time since its last collection is 20 times what that
collection cost, so freeing old models never takes more than about 5% of the search.
"""

from __future__ import annotations

import gc
import time
from typing import Any

_SETTINGS = ("dtype_policy", "distribution", "global_random_seed", "torch_device",
             "traceback_filtering", "interactive_logging", "flash_attention",
             "use_legacy_config", "nnx_enabled")


def snapshot() -> dict[str, Any]:
    """The Keras global settings of the calling thread that are set."""
    from keras.src.backend.common import global_state

    values = {name: global_state.get_global_attribute(name) for name in _SETTINGS}
    return {k: v for k, v in values.items() if v is not None}


def apply(settings: dict[str, Any]) -> None:
    """Apply `settings` in this thread.

    Not ``clear_session()``: it replaces Keras's per-thread state object for every thread
    at once, so it would also wipe the caller's settings."""
    from keras.src.backend.common import global_state

    for name, value in settings.items():
        global_state.set_global_attribute(name, value)


class Collector:
    """Runs `gc.collect()` at most as often as keeps it under ~5% of the elapsed time."""

    RATIO = 20.0

    def __init__(self) -> None:
        self._last_end = time.monotonic()
        self._cost = 0.0

    def maybe_collect(self) -> bool:
        now = time.monotonic()
        if now - self._last_end < self.RATIO * self._cost:
            return False
        gc.collect()
        self._last_end = time.monotonic()
        self._cost = self._last_end - now
        return True
