"""How the CLI shows things: durations, times, values, params, and rich tables.

Everything here is pure formatting of store records; no command logic. Tables go through
one `console()`, which is as wide as the terminal, or at least 160 columns when stdout is a
pipe or a file (so `hyperscout trial ls ID | grep` sees whole rows, not wrapped cells).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from ..store import ExperimentRecord, TrialRecord

PIPE_WIDTH = 160  # the least width of a table written to a pipe or a file
DASH = "-"


def console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr) sized to the terminal, or `PIPE_WIDTH` wide."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else max(shutil.get_terminal_size((0, 0)).columns, PIPE_WIDTH)
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def table(*columns: str, title: str | None = None) -> Table:
    """An empty table with these column headers; numbers are right-aligned by callers."""
    from rich import box
    from rich.table import Table

    return Table(
        *columns,
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        title_justify="left",
        header_style="bold",
    )


def duration(seconds: float | None) -> str:
    """``"0.42s"``, ``"12.3s"``, ``"4m05s"``, ``"2h03m"``, ``"3d04h"``; ``-`` for None."""
    if seconds is None:
        return DASH
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def timestamp(epoch: float | None) -> str:
    """Local time ``2024-05-01 13:04:05``; ``-`` for None."""
    if epoch is None:
        return DASH
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def iso_time(epoch: float | None) -> str | None:
    """ISO 8601 with the local offset and milliseconds, for exports; None stays None."""
    if epoch is None:
        return None
    from datetime import datetime

    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="milliseconds")


def value(number: float | None) -> str:
    """A metric value with 6 significant digits; ``-`` for None."""
    return DASH if number is None else f"{number:.6g}"


def params(p: dict[str, Any], *, limit: int = 80) -> str:
    """Compact one-line params, ``lr=0.01 layers=2``, cut to `limit` characters."""
    parts = []
    for name, v in p.items():
        text = f"{v:.4g}" if isinstance(v, float) else json.dumps(v, separators=(",", ":"))
        parts.append(f"{name}={text}")
    line = " ".join(parts)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def best_trial(trials: Iterable[TrialRecord], direction: str) -> TrialRecord | None:
    """The succeeded trial with the best value (the earliest on a tie), or None."""
    from ..store import best_trial as best

    return best(trials, direction)


def progress(record: ExperimentRecord, trials: Sequence[TrialRecord]) -> str:
    """``done/total``: configurations finished of `max_trials` (``?`` when unlimited)."""
    from ..store import finished_configurations

    total = record.config.get("max_trials")
    return f"{finished_configurations(trials)}/{'?' if total is None else total}"


def mean_and_p95_ms(seconds: Iterable[float | None]) -> str:
    """``"mean 1.2 ms, p95 3.4 ms (n=20)"`` of the known values; ``-`` when none."""
    values = sorted(s * 1000.0 for s in seconds if s is not None)
    if not values:
        return DASH
    mean = sum(values) / len(values)
    p95 = values[max(0, math.ceil(0.95 * len(values)) - 1)]  # nearest rank
    return f"mean {mean:.1f} ms, p95 {p95:.1f} ms (n={len(values)})"


def tail_lines(text: str, n: int | None) -> str:
    """The last `n` lines of `text` (all of it when `n` is None)."""
    if n is None:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[-n:]) if n > 0 else ""
