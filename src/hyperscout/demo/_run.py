"""`run_demo`: the README's main job. Tunes the LeNet of `hyperscout.demo.lenet` on the
8x8 digits with NNI-style command trials, shows live progress, and ends by printing the
best trial and the commands that show the stored experiment."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from . import TRIAL_MODULE, load_search_space


def run_demo(
    *,
    max_trials: int = 40,
    concurrency: int = 2,
    tuner: str = "auto",
    seed: int | None = 0,
    storage: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    out: TextIO | None = None,
) -> str:
    """Run the demo experiment in the foreground; return its id.

    Each trial is ``python -m hyperscout.demo.trial`` (a real NNI-style trial script) in
    its own process, reporting validation accuracy after every epoch.
    """
    from ..engine import Experiment

    out = out or sys.stdout
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            f"the demo needs torch and scikit-learn ({exc}). Install them with: "
            'pip install "torch==2.13.0" -e ".[demo]"'
        ) from exc
    exp = Experiment(
        f"{sys.executable} -m {TRIAL_MODULE}",
        load_search_space(),
        name="demo: LeNet on 8x8 digits",
        tuner=tuner,
        max_trials=max_trials,
        concurrency=concurrency,
        seed=seed,
        storage=storage,
        progress=progress,
    )
    experiment_id = exp.create()
    print(
        f"hyperscout demo: experiment {experiment_id}, {max_trials} trials of a LeNet on "
        f"scikit-learn's 8x8 digits, {concurrency} at a time (store: {exp.store.path})",
        file=out,
    )
    exp.run()
    best = exp.best_trial
    record = exp.store.experiment(experiment_id)
    print(f"\nexperiment {experiment_id} {record.status}: {len(exp.trials())} trials", file=out)
    if best is not None:
        print(f"best trial {best.number}: validation accuracy {best.value:.4f}", file=out)
        print(f"  params {best.params}", file=out)
    storage_flag = "" if storage is None else f" --storage {exp.store.path}"
    print(
        f"\nsee it again:  hyperscout experiment show {experiment_id}{storage_flag}\n"
        f"               hyperscout trial ls {experiment_id}{storage_flag}",
        file=out,
    )
    return experiment_id
