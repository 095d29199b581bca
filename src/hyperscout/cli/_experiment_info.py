"""``hyperscout experiment list | show | export | delete``: reading (and removing) stored
experiments. Everything comes from the store, so it works while an engine runs."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from ..store import ExperimentRecord, TrialRecord
from . import _format
from ._common import UsageError, open_store
from ._experiment_cmds import hint


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser(
        "experiment",
        parents=[common],
        help="list, show, export or delete stored experiments",
        description="Inspect stored experiments.",
    )
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("list", parents=[common], help="every stored experiment")
    p.add_argument("--all", action="store_true",
                   help="accepted for nnictl's habit: the list always has every experiment")
    p.set_defaults(handler=cmd_list)

    p = verbs.add_parser("show", parents=[common], help="one experiment in detail")
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=cmd_show)

    p = verbs.add_parser("export", parents=[common], help="every trial as CSV or JSON")
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of to stdout")
    p.set_defaults(handler=cmd_export)

    p = verbs.add_parser(
        "delete", parents=[common], help="remove an experiment, its trials and its folder"
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_delete)


def _direction(record: ExperimentRecord) -> str:
    return str(record.config.get("direction", "maximize"))


# -- list ------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    records = store.experiments()
    if not records:
        print(
            f"no experiments in {store.path}; start one with `{hint(args, 'create --config FILE')}`"
        )
        return 0
    out = _format.table("id", "name", "status", "trials", "best", "started", "duration")
    for record in records:
        trials = store.trials(record.id)
        best = _format.best_trial(trials, _direction(record))
        out.add_row(
            record.id,
            record.name or _format.DASH,
            record.status,
            _format.progress(record, trials),
            _format.value(best.value if best else None),
            _format.timestamp(record.started),
            _format.duration(record.elapsed if record.started else None),
        )
    _format.console().print(out)
    return 0


# -- show ------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    from rich.table import Table

    store = open_store(args)
    record = store.experiment(args.id)
    trials = store.trials(record.id)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")  # paths and params are never cut short
    for key, text in _show_rows(record, trials):
        grid.add_row(key, text)
    _format.console().print(grid)
    return 0


def _show_rows(record: ExperimentRecord, trials: list[TrialRecord]) -> list[tuple[str, str]]:
    config = record.config
    status = record.status
    if record.status == "running":
        status += f" (engine process {record.engine_pid})"
    if record.message:
        status += f": {record.message}"
    rows = [("experiment", record.id), ("name", record.name or _format.DASH), ("status", status)]
    rows += _config_rows(config)
    rows += [
        ("created", _format.timestamp(record.created)),
        ("started", _format.timestamp(record.started)),
        ("ended", _format.timestamp(record.ended)),
        ("run time", _format.duration(record.elapsed if record.started else None)),
        ("trials", _state_counts(trials) or "none yet"),
    ]
    best = _format.best_trial(trials, _direction(record))
    if best is not None:
        rows.append(("best trial", f"{best.number}: {_format.value(best.value)}"))
        rows.append(("best params", json.dumps(best.params)))
    rows.append(("ask -> start", _format.mean_and_p95_ms(t.ask_to_start for t in trials)))
    rows.append(("report -> tell", _format.mean_and_p95_ms(t.report_to_tell for t in trials)))
    rows += [("folder", record.directory), ("log", record.log_path)]
    return rows


def _config_rows(config: dict[str, Any]) -> list[tuple[str, str]]:
    if config.get("trial_command"):
        trial = f"{config['trial_command']}  (in {config.get('trial_code_directory', '.')})"
    else:
        trial = str(config.get("trial_function") or "a Python function")
    tuner = str(config.get("tuner", "auto"))
    if config.get("tuner_args"):
        tuner += " " + json.dumps(config["tuner_args"])
    limits = [
        f"{name}={_format.duration(config[name]) if name in _DURATIONS else config[name]}"
        for name in ("max_trials", "max_duration", "trial_timeout", "max_failed_trials")
        if config.get(name) is not None
    ]
    rows = [
        ("trial", trial),
        ("tuner", f"{tuner}, {config.get('direction', 'maximize')}"),
        ("concurrency", str(config.get("concurrency", 1))),
        ("limits", ", ".join(limits) or "none"),
    ]
    if config.get("source"):
        rows.append(("config file", f"{config['source']} ({config.get('format', 'hyperscout')})"))
    return rows


def _state_counts(trials: list[TrialRecord]) -> str:
    counts: dict[str, int] = {}
    for t in trials:
        counts[t.state.value] = counts.get(t.state.value, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in counts.items())


# -- export ----------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from ._export import to_csv, to_json

    store = open_store(args)
    record = store.experiment(args.id)
    trials = store.trials(record.id)
    if args.format == "csv":
        text = to_csv(trials)
    else:
        text = to_json(trials, store.intermediates(record.id))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    Path(args.output).expanduser().write_text(text)
    print(f"wrote {len(trials)} trials of experiment {record.id} to {args.output}", file=sys.stderr)
    return 0


# -- delete ----------------------------------------------------------------------------------


def cmd_delete(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(args.id)
    if record.status == "running":
        raise UsageError(
            f"experiment {record.id} is running; stop it first with "
            f"`{hint(args, 'stop ' + record.id)}`, then delete it."
        )
    n_trials = len(store.trials(record.id))
    if not args.yes and not _confirm(record, n_trials):
        print("nothing deleted")
        return 1
    folder = store.delete_experiment(record.id)
    removed = _remove_folder(folder, record.id)
    print(
        f"deleted experiment {record.id} ({n_trials} trials)"
        + (f" and its folder {folder}" if removed else "")
    )
    return 0


def _confirm(record: ExperimentRecord, n_trials: int) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            f"deleting experiment {record.id} needs confirmation; pass --yes to "
            "delete it without a prompt."
        )
    answer = input(
        f"delete experiment {record.id} ({n_trials} trials) and its folder "
        f"{record.directory}? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def _remove_folder(folder: Path, experiment_id: str) -> bool:
    """Remove the experiment's folder, but only if it is the one the store made for it."""
    if folder.name != experiment_id or not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True


_DURATIONS = ("max_duration", "trial_timeout")  # seconds in the config, shown as 5m00s
