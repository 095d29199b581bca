"""``hyperscout nas space`` (a model space's search space as JSON, for a config file's
``searchSpaceFile``) and ``hyperscout nas export`` (an experiment's best architecture as
JSON, for `hyperscout.nas.load_architecture`)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..trial import ARCHITECTURE_FILE
from . import _format
from ._common import open_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    nas = sub.add_parser("nas", help="neural architecture search: model spaces, architectures")
    verbs = nas.add_subparsers(dest="nas_command", metavar="VERB", required=True)
    space = verbs.add_parser(
        "space", parents=[common], help="write a model space's search space as JSON",
        description="Trace a hyperscout.nas model space and write its decisions as a "
        "search space file (hyperscout's JSON format) for `searchSpaceFile` of a config; "
        "the trial script then builds its model with hyperscout.nas.get_next_model.")
    space.add_argument("factory", metavar="MODULE:NAME",
                       help="the model space: an nn.Module class or function, or a "
                       "hyperscout.nas.ModelSpace object, importable from the working directory")
    space.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    space.set_defaults(handler=cmd_space)
    export = verbs.add_parser(
        "export", parents=[common], help="write an experiment's best architecture as JSON")
    export.add_argument("id", metavar="ID", help="the experiment")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    export.set_defaults(handler=cmd_export)


def cmd_space(args: argparse.Namespace) -> int:
    from ..nas import ModelSpace

    target = _import(args.factory)
    space = target if isinstance(target, ModelSpace) else ModelSpace(target)
    _write(space.search_space.to_dict(), args.output)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(args)
    record = store.experiment(args.id)
    trials = store.trials(args.id)
    best = _format.best_trial(trials, str(record.config.get("direction", "maximize")))
    if best is None:
        raise ConfigError(
            f"experiment {args.id} has no successful trial yet, so no best architecture; "
            f"`hyperscout trial ls {args.id}` shows how its trials ended.")
    chosen = Path(best.directory) / ARCHITECTURE_FILE  # a one-shot search's architecture
    _write(json.loads(chosen.read_text()) if chosen.is_file() else best.params, args.output)
    return 0


def oneshot_resume_error(store: Any, record: Any) -> str | None:
    """Why `resume` cannot continue `record` when it is a one-shot search (`nas.search`
    with a one-shot strategy: one in-process trial whose function is the search itself),
    and how to continue it instead; None for any other experiment."""
    config = record.config
    parameters = (record.space or {}).get("parameters") if isinstance(record.space, dict) else None
    if (config.get("trial_function") or config.get("trial_command")
            or config.get("executor") != "in_process" or config.get("max_trials") != 1
            or not parameters or [p.get("name") for p in parameters] != ["strategy"]):
        return None
    strategy = (parameters[0].get("values") or ["?"])[0]
    trials = store.trials(record.id)
    checkpoint = Path(trials[0].directory) / "supernet.pt" if trials else None
    how = (f"with `checkpoint={str(checkpoint)!r}` it continues from the epochs it finished"
           if checkpoint is not None and checkpoint.is_file()
           else "no checkpoint is left in its trial folder (no epoch had finished), so it "
           "starts afresh, unless the search named its own `checkpoint=` file")
    return (f"experiment {record.id} is a one-shot NAS search ({strategy}), which runs in "
            "the Python process that calls it and cannot be resumed from the command line; "
            "call hyperscout.nas.search(...) again with the same space, training and "
            f"strategy: {how}.")


def _import(spec: str) -> Any:
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ConfigError(f"give the model space as MODULE:NAME (for example "
                          f"'model:Net'), but got {spec!r}.")
    sys.path.insert(0, ".")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import the model space {spec!r} from the working "
                          f"directory: {exc}") from exc
    finally:
        sys.path.remove(".")
    return obj


def _write(data: Any, output: str | None) -> None:
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text)
        print(f"wrote {output}", file=sys.stderr)
