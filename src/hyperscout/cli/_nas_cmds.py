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
