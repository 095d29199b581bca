"""``hyperscout demo``: the README's main job (a LeNet tuned on the 8x8 digits)."""

from __future__ import annotations

import argparse
import os
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common],
                       help="tune a small LeNet on scikit-learn's 8x8 digits (about 2 minutes)")
    p.add_argument("--max-trials", type=int, default=40, metavar="N")
    p.add_argument("--concurrency", type=int, default=2, metavar="N")
    p.add_argument("--tuner", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo._run import run_demo

    storage = getattr(args, "storage", None)
    run_demo(max_trials=args.max_trials, concurrency=args.concurrency, tuner=args.tuner,
             seed=args.seed,
             storage=None if storage is None else os.path.abspath(os.path.expanduser(storage)))
    return 0
