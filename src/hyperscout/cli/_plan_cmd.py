"""``hyperscout plan --config FILE``: print what a multi-fidelity run will spend (per
bracket and rung: configurations and budget; the totals; where ``max_trials`` and
``max_duration`` cut it) without running anything."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import config_path


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("plan", parents=[common],
                       help="print a config's budget plan (Hyperband brackets) without running",
                       description="Print the scheduler's budget plan of an experiment "
                       "config: configurations and budget per bracket and rung, the totals, "
                       "and how max_trials / max_duration cut it.")
    p.add_argument("--config", required=True, metavar="FILE", help="experiment config file")
    p.set_defaults(handler=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    from ..config import load_config
    from ..schedulers import create_scheduler
    from ..space import as_space
    from ..tuners import create

    config = load_config(path)
    probe = create("random", as_space(config.search_space), direction=config.direction, seed=0)
    scheduler = create_scheduler(config.scheduler, probe, **config.scheduler_args)
    plan = scheduler.plan()
    if plan is None:
        limit = (f"at most {config.max_trials} trials" if config.max_trials is not None
                 else "no max_trials")
        print(f"scheduler {scheduler.name}: every trial runs to its end ({limit}); no budget "
              "plan. Set `scheduler: hyperband` (or asha) for a multi-fidelity run.")
        return 0
    print(plan.render(config.max_trials, config.max_duration))
    return 0
