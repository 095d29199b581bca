"""``hyperscout log trial | experiment``: print a trial's stdout/stderr or the engine log."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from ..states import TrialState
from ._common import UsageError, open_store

_BLOCK = 1 << 16


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser(
        "log", parents=[common], help="print a trial's output or an experiment's engine log"
    )
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = verbs.add_parser("trial", parents=[common], help="a trial's stdout.log (or stderr.log)")
    p.add_argument("id", metavar="ID")
    p.add_argument("trial", metavar="TRIAL", type=int)
    p.add_argument("--stderr", action="store_true", help="print stderr.log instead")
    p.add_argument("--tail", type=_count, metavar="N", help="only the last N lines")
    p.set_defaults(handler=cmd_log_trial)

    p = verbs.add_parser("experiment", parents=[common], help="the experiment's engine log")
    p.add_argument("id", metavar="ID")
    p.add_argument("--tail", type=_count, metavar="N", help="only the last N lines")
    p.set_defaults(handler=cmd_log_experiment)


def _count(text: str) -> int:
    number = int(text)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, but got {number}")
    return number


def cmd_log_trial(args: argparse.Namespace) -> int:
    store = open_store(args)
    trial = store.trial(args.id, args.trial)
    name = "stderr.log" if args.stderr else "stdout.log"
    path = Path(trial.directory) / name
    if not path.is_file():
        why = (
            "it has not started yet"
            if trial.state is TrialState.WAITING
            else f"its folder {trial.directory} holds none"
        )
        raise UsageError(f"trial {trial.number} of experiment {args.id} has no {name}: {why}.")
    _print_file(path, args.tail)
    return 0


def cmd_log_experiment(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(args.id)
    path = Path(record.log_path)
    if not path.is_file():
        raise UsageError(
            f"experiment {record.id} has no log yet ({path}); it is written once its engine starts."
        )
    _print_file(path, args.tail)
    return 0


def _print_file(path: Path, tail: int | None) -> None:
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    with open(path, "rb") as f:
        if out is None:  # a text-only stdout (a notebook): decode
            data = f.read() if tail is None else _last_lines(f, tail)
            sys.stdout.write(data.decode(errors="replace"))
        elif tail is None:
            shutil.copyfileobj(f, out)
        else:
            out.write(_last_lines(f, tail))
    sys.stdout.flush()


def _last_lines(f: Any, n: int) -> bytes:
    """The last `n` lines of a binary file, read backwards in blocks (logs can be large)."""
    if n == 0:
        return b""
    end = f.seek(0, os.SEEK_END)
    data = b""
    position = end
    while position > 0 and data.count(b"\n") <= n:
        step = min(_BLOCK, position)
        position -= step
        f.seek(position)
        data = f.read(step) + data
    lines = data.splitlines(keepends=True)
    return b"".join(lines[-n:])
