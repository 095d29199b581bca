"""``hyperscout trial ls | kill | rerun | dry-run``: one experiment's trials.

`kill` and `rerun` steer a running engine through control commands in the store
(``kill`` with a trial number, ``enqueue`` to pick up new waiting trials); when no engine
runs the experiment, `rerun` starts one in the background.
"""

from __future__ import annotations

import argparse
import sqlite3
from typing import Any

from ..states import TrialState
from ..store import Store, TrialRecord
from . import _format
from ._common import (
    UsageError,
    drain_stale_commands,
    open_store,
    require_running,
    the_running_experiment,
    wait_for,
)
from ._experiment_cmds import hint

KILL_TIMEOUT = 20.0  # seconds: the engine's SIGTERM grace (5 s) plus slack
PICKUP_WAIT = 1.0  # seconds `rerun` watches a running engine pick up the new trials
RERUN_STATES = (TrialState.FAILED, TrialState.TIMEOUT, TrialState.STALE)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    from ._dry_run import register_dry_run

    group = sub.add_parser(
        "trial",
        parents=[common],
        help="list, kill, re-run or dry-run trials",
        description="Inspect and steer the trials of an experiment.",
    )
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("ls", parents=[common], help="the trials of an experiment")
    p.add_argument("id", metavar="ID", nargs="?",
                   help="experiment id (default: the one running experiment)")
    p.add_argument(
        "--state",
        action="append",
        choices=[s.value for s in TrialState],
        help="only trials in this state (repeat for several)",
    )
    p.set_defaults(handler=cmd_ls)

    p = verbs.add_parser("kill", parents=[common], help="end a running trial (user_canceled)")
    p.add_argument("id", metavar="ID")
    p.add_argument("trial", metavar="TRIAL", type=int, help="trial number")
    p.set_defaults(handler=cmd_kill)

    p = verbs.add_parser("rerun", parents=[common], help="run trials again with the same params")
    p.add_argument("id", metavar="ID")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "trials", metavar="TRIAL", type=int, nargs="*", default=[], help="trial numbers"
    )
    which.add_argument(
        "--failed", action="store_true", help="every failed, timeout and stale trial not re-run yet"
    )
    p.set_defaults(handler=cmd_rerun)

    register_dry_run(verbs, common)


# -- ls ------------------------------------------------------------------------------------


def cmd_ls(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(the_running_experiment(store, args.id))
    trials = store.trials(record.id, states=args.state)
    if not trials:
        which = f" in state {', '.join(args.state)}" if args.state else ""
        print(f"experiment {record.id} has no trials{which}")
        return 0
    nodes = store.placements(record.id)  # only executors that place trials elsewhere
    columns = ["trial", "state", "value", "latest", "params", "duration", "reason"]
    out = _format.table(*columns, *(["node"] if nodes else []))
    for t in trials:
        latest = _format.value(t.latest)
        if t.n_intermediate:
            latest += f" ({t.n_intermediate})"
        row = [
            str(t.number),
            t.state.value,
            _format.value(t.value),
            latest,
            _format.params(t.params, limit=60),
            _format.duration(t.duration),
            t.reason or "",
        ]
        out.add_row(*row, *([nodes.get(t.number, "")] if nodes else []))
    for column in (0, 2, 3, 5):
        out.columns[column].justify = "right"
    _format.console().print(out)
    return 0


# -- kill ------------------------------------------------------------------------------------


def cmd_kill(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(args.id)
    trial = store.trial(record.id, args.trial)
    require_running(record, f"kill trial {trial.number}")
    if trial.state is not TrialState.RUNNING:
        raise UsageError(
            f"trial {trial.number} of experiment {record.id} is not running (state: "
            f"{trial.state.value}); only a running trial can be killed."
        )
    store.add_command(record.id, "kill", trial.number)
    print(f"asked engine process {record.engine_pid} to kill trial {trial.number} ...", flush=True)
    ended = wait_for(
        lambda: store.trial(record.id, trial.number).state is not TrialState.RUNNING, KILL_TIMEOUT
    )
    if not ended:
        raise UsageError(
            f"trial {trial.number} is still running {KILL_TIMEOUT:.0f} s after the "
            f"kill request; see `{hint(args, 'log experiment ' + record.id)}`."
        )
    final = store.trial(record.id, trial.number)
    print(
        f"trial {final.number} {final.state.value}" + (f" ({final.reason})" if final.reason else "")
    )
    return 0


# -- rerun -------------------------------------------------------------------------------------


def cmd_rerun(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(args.id)
    trials = store.trials(record.id)
    picked = failed_not_rerun(trials) if args.failed else _pick(store, record.id, args.trials)
    if not picked:
        print(f"experiment {record.id} has no failed, timeout or stale trial left to re-run")
        return 0
    new = []
    for trial in picked:
        number = add_rerun(store, record.id, trial)
        new.append(number)
        print(f"trial {number} re-runs trial {trial.number} ({_format.params(trial.params)})")
    _hand_to_engine(store, record.id, new, args)
    return 0


def _origin(trial: TrialRecord) -> int:
    """The first trial of a chain of re-runs (how the engine fills `retry_of`)."""
    return trial.retry_of if trial.retry_of is not None else trial.number


def failed_not_rerun(trials: list[TrialRecord]) -> list[TrialRecord]:
    """Failed, timed-out and stale trials that no later trial re-runs.

    A stale trial still marked running (its engine died) is left out: `resume` recovers
    and re-runs it by itself."""
    picked = []
    for t in trials:
        if t.state not in RERUN_STATES or t.ended is None:
            continue
        if not any(u.number > t.number and _origin(u) == _origin(t) for u in trials):
            picked.append(t)
    return picked


def _pick(store: Store, experiment_id: str, numbers: list[int]) -> list[TrialRecord]:
    picked = []
    for number in dict.fromkeys(numbers):
        trial = store.trial(experiment_id, number)
        if not trial.state.is_finished or trial.ended is None:
            raise UsageError(
                f"trial {number} of experiment {experiment_id} is "
                f"{trial.state.value}; only a finished trial can be re-run."
            )
        picked.append(trial)
    return picked


def add_rerun(store: Store, experiment_id: str, trial: TrialRecord) -> int:
    """Store a waiting copy of `trial`; return its number.

    A running engine may take the same next number at the same moment; the insert that
    loses the race fails on the primary key and simply takes the following number."""
    for _ in range(10):
        number = store.next_trial_number(experiment_id)
        try:
            store.add_trial(
                experiment_id,
                number,
                trial.params,
                retry_of=_origin(trial),
                reason=f"rerun of trial {trial.number} by user",
            )
            return number
        except sqlite3.IntegrityError:
            continue
    raise UsageError(
        f"could not add a re-run of trial {trial.number}: the trial numbers kept "
        "changing under it; try again."
    )


def _hand_to_engine(
    store: Store, experiment_id: str, numbers: list[int], args: argparse.Namespace
) -> None:
    def waiting() -> list[int]:
        return [
            t.number
            for t in store.trials(experiment_id, states=[TrialState.WAITING])
            if t.number in numbers
        ]

    if store.experiment(experiment_id).status == "running":
        store.add_command(experiment_id, "enqueue")
        wait_for(
            lambda: not waiting() or store.experiment(experiment_id).status != "running",
            PICKUP_WAIT,
        )
        if store.experiment(experiment_id).status == "running" or not waiting():
            print(
                "the running engine picks them up (`"
                + hint(args, "trial ls " + experiment_id)
                + "` shows them)"
            )
            return
    _resume_for_reruns(store, experiment_id, args)


def _resume_for_reruns(store: Store, experiment_id: str, args: argparse.Namespace) -> None:
    from ..engine import Experiment
    from ._daemon import start_engine

    Experiment.load(experiment_id, storage=store, progress=False)  # fail here, not in the log
    drain_stale_commands(store, experiment_id)
    pid = start_engine(store, experiment_id)
    print(
        f"no engine was running: resumed experiment {experiment_id} in the background "
        f"(engine process {pid}) to run them; it also continues the search up to its limits. "
        f"Log: {store.experiment(experiment_id).log_path}"
    )
