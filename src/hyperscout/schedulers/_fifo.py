"""`Fifo`, the default: every configuration the tuner proposes runs once, to the end."""

from __future__ import annotations

from ._base import Job, Scheduler


class Fifo(Scheduler):
    """One job per configuration, no budget, no promotions (early stopping, if any, is an
    assessor's job)."""

    name = "fifo"

    def _next(self) -> Job | None:
        config = self._new_config()
        return None if config is None else self._job(config)
