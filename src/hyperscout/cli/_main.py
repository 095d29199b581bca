"""The ``hyperscout`` command line: the parser and the error policy.

Each command group lives in its own module with a ``register(subparsers, common)``
function; `COMMAND_GROUPS` lists them in the order ``hyperscout --help`` shows them. To
add a command (the lead wires ``demo`` this way), write such a function and append it.

Errors: a `HyperscoutError` (or an OS error such as an unwritable file) prints one line on
stderr, ``hyperscout: error: ...``, and exits 1; a malformed command line exits 2
(argparse's convention); Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import HyperscoutError
from . import (
    _demo_cmd,
    _experiment_cmds,
    _experiment_info,
    _log_cmds,
    _nas_cmds,
    _plan_cmd,
    _top,
    _trial_cmds,
    _web_cmds,
)

PROG = "hyperscout"

COMMAND_GROUPS: list[Callable[[Any, argparse.ArgumentParser], None]] = [
    _experiment_cmds.register,
    _plan_cmd.register,
    _experiment_info.register,
    _trial_cmds.register,
    _log_cmds.register,
    _top.register,
    _web_cmds.register,
    _nas_cmds.register,
    _demo_cmd.register,
]


def build_parser(*, engine: bool = False) -> argparse.ArgumentParser:
    """The command line's parser; `engine` adds the hidden ``_engine`` command that the
    background engine process runs (left out otherwise, so no error message lists it)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run and inspect hyperparameter-optimisation experiments.",
        epilog="Every command takes --storage PATH; see `hyperscout COMMAND --help`.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--storage", metavar="PATH", default=None, help=_STORAGE_HELP)
    # The same option after the command; SUPPRESS keeps a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--storage", metavar="PATH", default=argparse.SUPPRESS, help=_STORAGE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMAND_GROUPS:
        register(sub, common)
    if engine:
        hidden = sub.add_parser("_engine", parents=[common])  # no help=: not in --help
        hidden.add_argument("id")
        hidden.add_argument("--since", type=float, default=None)
        hidden.set_defaults(handler=_cmd_engine)
    return parser


_STORAGE_HELP = (
    "the store: its folder or database file (default: $HYPERSCOUT_HOME, else ~/.hyperscout)"
)


def _cmd_engine(args: argparse.Namespace) -> int:
    from ._daemon import run_engine

    return run_engine(args.id, args.storage, args.since)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hyperscout`` command line with `argv` (default: ``sys.argv[1:]``); return
    the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(engine="_engine" in argv).parse_args(argv)
    warnings.showwarning = _show_warning
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # a trial_function is importable from the cwd
    try:
        return int(args.handler(args) or 0)
    except HyperscoutError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 128 + signal.SIGINT
    except BrokenPipeError:  # `hyperscout trial ls ID | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        if args.handler is _cmd_engine:
            raise  # the engine's log keeps the whole traceback
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


_default_showwarning = warnings.showwarning


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A config warning (an NNI field hyperscout ignores, ...) as one plain line."""
    from ..config import ConfigWarning

    if issubclass(category, ConfigWarning):
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1
