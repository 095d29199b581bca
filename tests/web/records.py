"""TrialRecords made directly, for the tests of what the dashboard computes from them."""

from __future__ import annotations

from typing import Any

from hyperscout import TrialState
from hyperscout.store import TrialRecord


def record(number: int, params: dict[str, Any], value: float | None = None, *,
           state: TrialState = TrialState.SUCCEEDED, ended: float | None = None,
           reason: str | None = None) -> TrialRecord:
    started = 1000.0 + number
    return TrialRecord(
        experiment_id="e", number=number, state=state, params=params, value=value,
        metrics=None if value is None else {"default": value}, created=started,
        started=started, ended=ended if ended is not None else started + 1, attempt=0,
        retry_of=None, reason=reason, exit_code=None, last_seq=0, n_intermediate=0,
        latest=value, gpus=None, pid=None, ask_to_start=None, report_to_tell=None,
        directory="/nowhere")
