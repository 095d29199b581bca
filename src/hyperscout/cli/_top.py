"""``hyperscout top``: a live view of the running experiments and their running trials,
redrawn from the store every `--interval` seconds (like `top`; Ctrl-C quits)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ..states import TrialState
from ..store import ExperimentRecord, Store
from . import _format
from ._common import open_store


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("top", parents=[common], help="live view of running experiments and trials")
    p.add_argument("--once", action="store_true", help="print one snapshot and exit")
    p.add_argument(
        "--interval", type=_seconds, default=1.0, metavar="S", help="seconds between redraws"
    )
    p.set_defaults(handler=cmd_top)


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, but got {text}")
    return value


def cmd_top(args: argparse.Namespace) -> int:
    from rich.live import Live

    store = open_store(args)
    console = _format.console()
    if args.once:
        console.print(render(store))
        return 0
    try:
        with Live(render(store), console=console, auto_refresh=False) as live:
            while True:
                time.sleep(args.interval)
                live.update(render(store), refresh=True)
    except KeyboardInterrupt:
        return 0


def render(store: Store) -> Any:
    """One snapshot: a table of running trials per running experiment."""
    from rich.console import Group
    from rich.text import Text

    running = [r for r in store.experiments() if r.status == "running"]
    stamp = time.strftime("%H:%M:%S")
    if not running:
        return Text(f"{stamp}  no running experiments in {store.path}")
    parts: list[Any] = [Text(f"{stamp}  {len(running)} running experiment(s) in {store.path}")]
    parts += [_experiment_table(store, record) for record in running]
    return Group(*parts)


def _experiment_table(store: Store, record: ExperimentRecord) -> Any:
    trials = store.trials(record.id)
    best = _format.best_trial(trials, str(record.config.get("direction", "maximize")))
    failed = sum(t.state in (TrialState.FAILED, TrialState.TIMEOUT) for t in trials)
    title = (
        f"{record.id}"
        + (f" ({record.name})" if record.name else "")
        + f"  trials {_format.progress(record, trials)} done, {failed} failed"
        + f"  best {_format.value(best.value if best else None)}"
        + f"  run time {_format.duration(record.elapsed)}"
    )
    out = _format.table(
        "trial", "params", "latest", "reports", "duration", "gpus", "pid", title=title
    )
    for t in trials:
        if t.state is TrialState.RUNNING:
            out.add_row(
                str(t.number),
                _format.params(t.params, limit=60),
                _format.value(t.latest),
                str(t.n_intermediate),
                _format.duration(t.duration),
                t.gpus or "",
                str(t.pid or ""),
            )
    return out
