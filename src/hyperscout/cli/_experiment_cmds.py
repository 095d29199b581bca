"""Experiment lifecycle commands: ``create``, ``resume``, ``stop`` (nnictl's verbs)."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
from typing import Any

from ..store import Store
from . import _format
from ._common import (
    UsageError,
    check_runnable,
    config_path,
    drain_stale_commands,
    open_store,
    the_running_experiment,
    wait_for,
)
from ._daemon import start_engine
from ._nas_cmds import oneshot_resume_error
from ._web_cmds import Dashboard

STOP_TIMEOUT = 30.0  # seconds `stop` waits for the engine to end its trials and exit


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "create",
        parents=[common],
        help="create an experiment from a config "
        "file and start it (in the background unless --foreground)",
        description="Create an experiment from a hyperscout YAML or NNI config "
        "file and run it: by default in a detached background engine.",
    )
    p.add_argument(
        "-c",
        "--config",
        required=True,
        metavar="FILE",
        help="hyperscout YAML, NNI v1 or NNI v2 config file",
    )
    _port_option(p)
    p.add_argument("--name", help="experiment name (overrides the config's)")
    p.add_argument(
        "--executor",
        choices=("local", "ray"),
        help="where trials run (overrides the config's `executor`): this machine, or a Ray "
        "cluster (needs hyperscout[ray])",
    )
    p.add_argument(
        "--executor-arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an executor option, repeatable, the value read as YAML (overrides the "
        "config's `executor_args`), e.g. --executor-arg address=auto "
        "--executor-arg cpus_per_trial=0.5",
    )
    p.add_argument(
        "--foreground",
        action="store_true",
        help="run attached, with a live progress display; Ctrl-C stops gracefully",
    )
    p.set_defaults(handler=cmd_create)

    p = sub.add_parser(
        "resume",
        parents=[common],
        help="continue a stopped or interrupted experiment",
        description="Continue an experiment whose engine stopped: "
        "interrupted trials re-run, waiting trials start, limits count on.",
    )
    p.add_argument("id", metavar="ID", help="experiment id")
    p.add_argument("--foreground", action="store_true", help="run attached instead of detached")
    p.add_argument("--max-trials", type=int, metavar="N",
                   help="a new trial limit, e.g. to go on past the old one (nnictl update "
                   "trialnum)")
    p.add_argument("--max-duration", metavar="D",
                   help="a new time limit on the experiment's running time so far and "
                   "to come (`90`, `30m`, `2h`; nnictl update duration)")
    _port_option(p)
    p.set_defaults(handler=cmd_resume)

    p = sub.add_parser(
        "stop",
        parents=[common],
        help="stop a running experiment",
        description="Ask the engine to stop: it ends the running trials "
        "(recorded as user_canceled, re-run by `resume`) and exits.",
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument("id", metavar="ID", nargs="?",
                        help="experiment id (default: the one running experiment)")
    target.add_argument("--all", action="store_true", help="stop every running experiment")
    p.set_defaults(handler=cmd_stop)


def _port_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--port", type=int, default=None,
                   help="the dashboard's port, as nnictl's --port (default 8080, or the next "
                   "free one); with --foreground a dashboard is started only when given")


def hint(args: argparse.Namespace, command: str) -> str:
    """A command line to suggest, with ``--storage`` when the user gave one."""
    storage = getattr(args, "storage", None)
    if storage is None:
        return f"hyperscout {command}"
    return f"hyperscout {command} --storage {shlex.quote(os.path.abspath(storage))}"


# -- create / resume ---------------------------------------------------------------------


def cmd_create(args: argparse.Namespace) -> int:
    path = config_path(args.config)  # before the imports: a typo is the likeliest error
    from ..config import load_config
    from ..engine import Experiment

    config = load_config(path)
    if args.name:
        config.name = args.name
    _apply_executor_flags(config, args)
    store = open_store(args)
    exp = Experiment.from_config(config, storage=store, progress=None if args.foreground else False)
    check_runnable(exp)
    experiment_id = exp.create()
    if args.foreground:
        return run_foreground(exp, args)
    return _start_background(store, experiment_id, args, verb="started")


def _apply_executor_flags(config: Any, args: argparse.Namespace) -> None:
    import yaml

    if args.executor:
        config.executor = args.executor
    for item in args.executor_arg:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--executor-arg {item!r} must be KEY=VALUE, for example "
                             "--executor-arg address=auto.")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError as exc:
            raise UsageError(f"--executor-arg {key}: {text!r} is not a YAML value ({exc}).") from exc
        config.executor_args[key.strip()] = value
    if args.executor or args.executor_arg:
        config.validate()


def cmd_resume(args: argparse.Namespace) -> int:
    from ..engine import Experiment

    store = open_store(args)
    record = store.experiment(args.id)
    if record.status == "running":
        raise UsageError(
            f"experiment {record.id} is already running (engine process {record.engine_pid}); "
            f"watch it with `{hint(args, 'top')}` or stop it with `{hint(args, 'stop ' + record.id)}`."
        )
    oneshot = oneshot_resume_error(store, record)
    if oneshot is not None:
        raise UsageError(oneshot)
    exp = Experiment.load(record.id, storage=store, progress=None if args.foreground else False)
    if args.max_trials is not None or args.max_duration is not None:
        _new_limits(exp, args)
    check_runnable(exp)
    drain_stale_commands(store, record.id)
    if args.foreground:
        return run_foreground(exp, args)
    return _start_background(store, record.id, args, verb="resumed")


def _new_limits(exp: Any, args: argparse.Namespace) -> None:
    """Store the limits `resume` was given, so the engine (also a background one) runs to
    them."""
    import dataclasses

    from ..durations import parse_duration

    changes: dict[str, Any] = {}
    if args.max_trials is not None:
        changes["max_trials"] = args.max_trials
    if args.max_duration is not None:
        changes["max_duration"] = parse_duration(args.max_duration, name="--max-duration")
    exp.config = dataclasses.replace(exp.config, **changes)  # validated: names a bad value
    exp.store.set_config(exp.id, exp.config.to_dict())


def _start_background(
    store: Store, experiment_id: str, args: argparse.Namespace, *, verb: str
) -> int:
    dashboard = Dashboard(store, experiment_id, port=getattr(args, "port", None))
    try:
        pid = start_engine(store, experiment_id)
    except BaseException:
        dashboard.stop()
        raise
    record = store.experiment(experiment_id)
    if record.status not in ("running", "created"):  # nothing was left to do
        dashboard.stop()
        print(f"{verb} and already ended: {summary_line(store, experiment_id)}")
        print(f"  dashboard: {hint(args, 'view ' + experiment_id)}")
        return 0
    print(f"experiment {experiment_id} {verb} in the background (engine process {pid})")
    print(f"  log:    {record.log_path}")
    print(f"  dashboard: {dashboard.address()}")
    print(f"  watch:  {hint(args, 'top')}")
    print(f"  trials: {hint(args, 'trial ls ' + experiment_id)}")
    print(f"  stop:   {hint(args, 'stop ' + experiment_id)}")
    return 0


def run_foreground(exp: Any, args: argparse.Namespace) -> int:
    """Run `exp` attached; the engine turns Ctrl-C into a graceful stop.

    Exit status: 0 when the experiment ends (done or stopped by a command), 1 when it
    failed, 128 + signal number when a signal stopped it (130 for Ctrl-C).

    A dashboard is started beside it only when `--port` names one (`hyperscout view ID`
    opens one any time), so that scripted foreground runs start no server."""
    store = exp.store
    experiment_id = exp.create()
    print(
        f"experiment {experiment_id} running in the foreground (Ctrl-C stops it); "
        f"log: {store.experiment(experiment_id).log_path}",
        flush=True,
    )
    if getattr(args, "port", None) is not None:
        print(f"  dashboard: {Dashboard(store, experiment_id, port=args.port).address()}",
              flush=True)
    try:
        exp.run()
    except KeyboardInterrupt:  # a second Ctrl-C while the engine was shutting down
        return 128 + signal.SIGINT
    record = store.experiment(experiment_id)
    print(summary_line(store, experiment_id))
    if record.status == "failed":
        return 1
    message = record.message or ""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if record.status == "stopped" and message == f"received {sig.name}":
            return 128 + sig
    return 0


def summary_line(store: Store, experiment_id: str) -> str:
    """``experiment ID done: 5 trials (5 succeeded); best 0.93 (trial 2) x=0.5``."""
    record = store.experiment(experiment_id)
    trials = store.trials(experiment_id)
    counts: dict[str, int] = {}
    for t in trials:
        counts[t.state.value] = counts.get(t.state.value, 0) + 1
    states = ", ".join(f"{n} {s}" for s, n in counts.items())
    line = f"experiment {experiment_id} {record.status}: {len(trials)} trials"
    line += f" ({states})" if states else ""
    best = _format.best_trial(trials, record.config.get("direction", "maximize"))
    if best is not None:
        line += f"; best {_format.value(best.value)} (trial {best.number}) "
        line += _format.params(best.params)
    if record.message:
        line += f" [{record.message}]"
    return line


# -- stop ----------------------------------------------------------------------------------


def cmd_stop(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.all:
        ids = [r.id for r in store.experiments() if r.status == "running"]
        if not ids:
            print("no running experiments")
            return 0
    else:
        ids = [the_running_experiment(store, args.id)]
    return max(_stop_one(store, experiment_id, args) for experiment_id in ids)


def _stop_one(store: Store, experiment_id: str, args: argparse.Namespace) -> int:
    record = store.experiment(experiment_id)
    if record.status in ("interrupted", "created"):
        # No engine to ask (it died, or never started): record the stop directly.
        drain_stale_commands(store, experiment_id)
        store.add_command(experiment_id, "stop")  # for an engine starting right now
        store.set_status(experiment_id, "stopped", "stopped by user")
        print(
            f"experiment {experiment_id} had no running engine ({record.status}); marked "
            f"stopped. `{hint(args, 'resume ' + experiment_id)}` continues it."
        )
        return 0
    if record.status != "running":
        store.add_command(experiment_id, "stop")  # for an engine `resume` is starting now
        print(
            f"experiment {experiment_id} is not running (status {record.status}); an "
            "engine starting for it right now stops at once"
        )
        return 0
    from ..states import TrialState

    n_running = len(store.trials(experiment_id, states=[TrialState.RUNNING]))
    store.add_command(experiment_id, "stop")
    print(
        f"stopping experiment {experiment_id}: asked engine process {record.engine_pid} to end "
        f"its {n_running} running trial(s) and exit; waiting up to {STOP_TIMEOUT:.0f} s ...",
        flush=True,
    )
    if not wait_for(lambda: store.experiment(experiment_id).status != "running", STOP_TIMEOUT):
        raise UsageError(
            f"experiment {experiment_id} is still running {STOP_TIMEOUT:.0f} s after the stop "
            f"request; see `{hint(args, 'log experiment ' + experiment_id)}`, or end engine "
            f"process {record.engine_pid} yourself (kill {record.engine_pid})."
        )
    record = store.experiment(experiment_id)
    if record.status == "interrupted":  # the engine died instead of stopping cleanly
        store.set_status(experiment_id, "stopped", "stopped by user")
    print(summary_line(store, experiment_id))
    return 0
