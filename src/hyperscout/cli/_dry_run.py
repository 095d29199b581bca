"""``hyperscout trial dry-run``: run ONE trial of a config in the foreground, outside any
search, to check the trial code before launching an experiment.

The trial runs through the executor the engine would use (`CommandExecutor` for a trial
command, `FunctionExecutor` for a trial function), so it sees exactly the environment of a
real trial (``HYPERSCOUT_TRIAL_DIR``, the nni shim on ``PYTHONPATH``, ...), in a temporary
trial folder that is removed afterwards. Its stdout and stderr are streamed to the
terminal and every result it reports is printed as it arrives.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from ..engine import import_function
from ..errors import ConfigError
from ._common import config_path

DRY_RUN_ID = "dry-run"
_POLL = 0.05


def register_dry_run(verbs: Any, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "dry-run",
        parents=[common],
        help="run one trial of a config in the foreground, outside any search",
        description="Run one trial with the space's default params (or "
        "--params) to check the trial code; exits with the trial's exit code.",
    )
    p.add_argument("--config", required=True, metavar="FILE", help="experiment config file")
    p.add_argument("--params", metavar="JSON", help="params as JSON, e.g. '{\"lr\": 0.01}'")
    p.set_defaults(handler=cmd_dry_run)


def cmd_dry_run(args: argparse.Namespace) -> int:
    path = config_path(args.config)  # before the imports: a typo is the likeliest error
    from ..config import load_config
    from ..space import as_space

    config = load_config(path)
    space = as_space(config.search_space)
    params = _params(space, args.params)
    executor = _executor(config)
    print(f"[hyperscout] dry run with params {json.dumps(params)}", flush=True)
    directory = Path(tempfile.mkdtemp(prefix="hyperscout-dry-run-"))
    try:
        return _run(executor, params, directory / "trials" / "0")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _executor(config: Any) -> Any:
    """The executor the engine would build for this config (a new one: no pool to share)."""
    from ..executors import CommandExecutor, FunctionExecutor

    if config.trial_command is not None:
        return CommandExecutor(config.trial_command, config.trial_code_directory)
    if config.trial_function is not None:
        return FunctionExecutor(import_function(config.trial_function,
                                                config.trial_code_directory))
    raise ConfigError("the config names no trial: set `trial_command` (or `trial_function`).")


def _params(space: Any, text: str | None) -> dict[str, Any]:
    if text is None:
        return space.to_params(space.defaults())
    try:
        params = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--params must be a JSON object, but got {text!r} ({exc}).") from None
    if not isinstance(params, dict):
        raise ConfigError(
            f"--params must be a JSON object like '{{\"lr\": 0.01}}', but got {text!r}."
        )
    try:
        space.validate(space.from_params(params))
    except (ValueError, KeyError, TypeError) as exc:
        reason = str(exc).replace("the config is missing", "it is missing")  # it: --params
        raise ConfigError(f"--params {text}: {reason}") from None
    return params


def _run(executor: Any, params: dict[str, Any], directory: Path) -> int:
    from ..executors import Exit, Report, TrialSpec

    spec = TrialSpec(DRY_RUN_ID, 0, params, directory)
    executor.start(spec)
    logs = [
        _Follow(directory / "stdout.log", sys.stdout),
        _Follow(directory / "stderr.log", sys.stderr),
    ]
    exit_event = None
    try:
        while exit_event is None:
            events = executor.poll(_POLL)
            for log in logs:  # output first: the trial printed it before it reported
                log.copy()
            for event in events:
                if isinstance(event, Report):
                    _print_report(event.record)
                elif isinstance(event, Exit):
                    exit_event = event
    except KeyboardInterrupt:
        executor.shutdown()
        print("\n[hyperscout] dry run interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        for log in logs:
            log.copy()
    executor.shutdown()
    return _exit_status(exit_event)


def _print_report(record: dict[str, Any]) -> None:
    metrics = json.dumps(record.get("metrics") or {"default": record["value"]})
    if record["kind"] == "final":
        print(f"[hyperscout] final result: {record['value']:.6g} {metrics}", flush=True)
    else:
        print(
            f"[hyperscout] intermediate result (step {record.get('step')}): "
            f"{record['value']:.6g} {metrics}",
            flush=True,
        )


def _exit_status(event: Any) -> int:
    code = event.exit_code if event.exit_code is not None else (0 if event.ok else 1)
    if code < 0:  # killed by a signal, as a shell reports it
        code = 128 - code
    verdict = "succeeded" if event.ok else f"failed ({event.reason})"
    print(f"[hyperscout] trial {verdict}, exit code {code}", file=sys.stderr, flush=True)
    return code


class _Follow:
    """Copies what a trial appends to one of its log files onto our own stream."""

    def __init__(self, path: Path, stream: IO[str]) -> None:
        self.path, self.stream, self.offset = path, stream, 0

    def copy(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        if data:
            self.offset += len(data)
            self.stream.write(data.decode(errors="replace"))
            self.stream.flush()
