"""Keras benchmark: the Keras Tuner Fashion-MNIST Hyperband tutorial with keras_tuner and
with hyperscout.keras, side by side, same data, seeds and Keras backend; and each library's
own overhead per trial on a tiny model.

    KERAS_BACKEND=torch python bench/keras/run.py            # full: 60k images, 3 seeds
    KERAS_BACKEND=torch python bench/keras/run.py --quick    # 6k images, 1 seed, prints only

Every (library, seed) runs in a fresh Python process (`--case`), alternating libraries, so
neither inherits the other's warm caches. A tutorial case: Hyperband(max_epochs, factor=3)
over `units` (16..256 step 32) and `learning_rate` (1e-2, 1e-3, 1e-4), EarlyStopping
(patience 3) on a 20% validation split; then the best configuration is retrained for
`max_epochs` epochs (the same for both, instead of the tutorial's 50-epoch run to find
the best epoch) and evaluated on the test split. Reported: best validation accuracy of the
search, test accuracy after retraining, search wall time, trials and epochs trained.

An overhead case: RandomSearch over 30 trials of a one-layer model fitted for one epoch on
64 samples; overhead per trial = (search wall time - time inside `Model.fit`) / trials,
so it holds each library's building, bookkeeping and storage, not training.

Writes bench/results/keras.md (unless --quick without --output).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from machine import cpu_model, git_revision, timestamp, version  # noqa: E402

RESULTS = HERE.parent / "results" / "keras.md"
DATA = HERE.parents[2] / "shared" / "datasets" / "fashion-mnist"
LIBRARIES = ("keras_tuner", "hyperscout")


def _import_library(library: str) -> Any:
    if library == "hyperscout":
        import hyperscout.keras as kt
    else:
        import keras_tuner as kt
    return kt


# -- the tutorial case, in its own process ---------------------------------------------------
def tutorial_case(library: str, seed: int, n_train: int, max_epochs: int, workdir: Path
                  ) -> dict[str, Any]:
    kt = _import_library(library)
    import keras

    from hyperscout.datasets import load_fashion_mnist

    keras.utils.set_random_seed(seed)
    x_train, y_train = load_fashion_mnist(DATA, split="train")
    x_test, y_test = load_fashion_mnist(DATA, split="test")
    x_train = x_train[:n_train].astype("float32") / 255.0
    y_train = y_train[:n_train]
    x_test = x_test.astype("float32") / 255.0

    epochs_trained = [0]

    class Count(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            epochs_trained[0] += 1

    def model_builder(hp: Any) -> Any:
        model = keras.Sequential([
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(hp.Int("units", min_value=16, max_value=256, step=32),
                               activation="relu"),
            keras.layers.Dense(10),
        ])
        model.compile(
            optimizer=keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"])
        return model

    started = time.perf_counter()
    tuner = kt.Hyperband(model_builder, objective="val_accuracy", max_epochs=max_epochs,
                         factor=3, directory=str(workdir), project_name="intro_to_kt",
                         seed=seed)
    stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
    tuner.search(x_train, y_train, epochs=50, validation_split=0.2,
                 callbacks=[stop_early, Count()], verbose=0)
    search_seconds = time.perf_counter() - started
    best_trial = tuner.oracle.get_best_trials(1)[0]
    best_hps = tuner.get_best_hyperparameters(1)[0]
    model = tuner.hypermodel.build(best_hps)
    model.fit(x_train, y_train, epochs=max_epochs, validation_split=0.2, verbose=0)
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {"library": library, "seed": seed, "best_val_accuracy": float(best_trial.score),
            "test_accuracy": float(test_accuracy), "search_seconds": search_seconds,
            "trials": len(tuner.oracle.trials), "epochs": epochs_trained[0],
            "best": {k: best_hps.get(k) for k in ("units", "learning_rate")}}


# -- the overhead case ---------------------------------------------------------------------------
def overhead_case(library: str, seed: int, n_trials: int, workdir: Path) -> dict[str, Any]:
    kt = _import_library(library)
    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    inside = [0.0]
    original_fit = keras.Model.fit

    def timed_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original_fit(self, *args, **kwargs)
        finally:
            inside[0] += time.perf_counter() - t

    keras.Model.fit = timed_fit  # type: ignore[method-assign]

    def build(hp: Any) -> Any:
        model = keras.Sequential([keras.Input(shape=(8,)),
                                  keras.layers.Dense(hp.Int("units", 2, 64), activation="relu"),
                                  keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(hp.Float("lr", 1e-4, 1e-1,
                                                               sampling="log")),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return model

    started = time.perf_counter()
    tuner = kt.RandomSearch(build, objective="val_accuracy", max_trials=n_trials, seed=seed,
                            directory=str(workdir), project_name="overhead")
    tuner.search(x, y, epochs=1, validation_split=0.25, verbose=0)
    total = time.perf_counter() - started
    trials = len(tuner.oracle.trials)
    return {"library": library, "seed": seed, "trials": trials, "seconds": total,
            "fit_seconds": inside[0], "overhead_ms": 1000 * (total - inside[0]) / trials}


# -- the driver --------------------------------------------------------------------------------
def _run_case(args: list[str], timeout: float) -> dict[str, Any]:
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch")}
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         timeout=timeout, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"case {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", default=None, help="e.g. 0-2 (default: 0-2, quick: 0)")
    parser.add_argument("--train", type=int, default=None, help="training images used")
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--overhead-trials", type=int, default=30)
    parser.add_argument("--output", default=None)
    parser.add_argument("--case", choices=["tutorial", "overhead"], help=argparse.SUPPRESS)
    parser.add_argument("--library", choices=LIBRARIES, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        workdir = Path(tempfile.mkdtemp(prefix="bench-keras-"))
        try:
            if args.case == "tutorial":
                result = tutorial_case(args.library, args.seed, args.train or 60000,
                                       args.max_epochs, workdir)
            else:
                result = overhead_case(args.library, args.seed, args.overhead_trials, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(json.dumps(result))
        return

    first, _, last = (args.seeds or ("0" if args.quick else "0-2")).partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    n_train = args.train or (6000 if args.quick else 60000)
    tutorial, overhead = [], []
    for seed in seeds:
        for library in LIBRARIES if seed % 2 == 0 else LIBRARIES[::-1]:
            case = ["--case", "overhead", "--library", library, "--seed", str(seed),
                    "--overhead-trials", str(args.overhead_trials)]
            overhead.append(_run_case(case, 900))
            print(json.dumps(overhead[-1]), flush=True)
            case = ["--case", "tutorial", "--library", library, "--seed", str(seed),
                    "--train", str(n_train), "--max-epochs", str(args.max_epochs)]
            tutorial.append(_run_case(case, 7200))
            print(json.dumps(tutorial[-1]), flush=True)
    text = report(tutorial, overhead, n_train, args.max_epochs, seeds)
    print(text)
    output = args.output or (None if args.quick else str(RESULTS))
    if output:
        Path(output).write_text(text)
        (Path(output).with_suffix(".jsonl")).write_text(
            "".join(json.dumps(r) + "\n" for r in tutorial + overhead))


def report(tutorial: list[dict[str, Any]], overhead: list[dict[str, Any]], n_train: int,
           max_epochs: int, seeds: list[int]) -> str:
    def med(rows: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    by = {lib: [r for r in tutorial if r["library"] == lib] for lib in LIBRARIES}
    oh = {lib: [r for r in overhead if r["library"] == lib] for lib in LIBRARIES}
    lines = [
        "# Keras Tuner's tutorial: keras_tuner vs hyperscout.keras",
        "",
        f"`KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'torch')} python bench/keras/run.py` "
        f"— Fashion-MNIST, {n_train} training images (20% for validation), Hyperband "
        f"max_epochs={max_epochs}, factor=3, EarlyStopping(patience=3); seeds "
        f"{seeds[0]}-{seeds[-1]}, each library in a fresh process, alternating.",
        "",
        "## The tutorial, per seed",
        "",
        "| library | seed | best val accuracy | test accuracy (retrained) | search s | trials "
        "| epochs trained | best units, lr |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in tutorial:
        lines.append(
            f"| {r['library']} | {r['seed']} | {r['best_val_accuracy']:.4f} | "
            f"{r['test_accuracy']:.4f} | {r['search_seconds']:.1f} | {r['trials']} | "
            f"{r['epochs']} | {r['best']['units']}, {r['best']['learning_rate']} |")
    lines += ["", "Medians over seeds, and hyperscout's as a ratio of keras_tuner's:", "",
              "| measure | keras_tuner | hyperscout | ratio |", "|---|---:|---:|---:|"]
    for key, fmt in (("best_val_accuracy", ".4f"), ("test_accuracy", ".4f"),
                     ("search_seconds", ".1f"), ("epochs", ".0f"), ("trials", ".0f")):
        a, b = med(by["keras_tuner"], key), med(by["hyperscout"], key)
        lines.append(f"| {key.replace('_', ' ')} | {a:{fmt}} | {b:{fmt}} | {b / a:.2f} |")
    lines += ["", "## Overhead per trial (tiny model, RandomSearch, "
              f"{overhead[0]['trials'] if overhead else 0} trials)", "",
              "| library | seed | trials | search s | inside fit s | overhead ms per trial |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in overhead:
        lines.append(f"| {r['library']} | {r['seed']} | {r['trials']} | {r['seconds']:.2f} | "
                     f"{r['fit_seconds']:.2f} | {r['overhead_ms']:.1f} |")
    if oh["keras_tuner"] and oh["hyperscout"]:
        a, b = med(oh["keras_tuner"], "overhead_ms"), med(oh["hyperscout"], "overhead_ms")
        lines += ["", f"Median overhead per trial: keras_tuner {a:.1f} ms, hyperscout "
                  f"{b:.1f} ms (ratio {b / a:.2f}; goal: hyperscout under 50 ms)."]
    lines += ["", f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python "
              f"{sys.version.split()[0]}; hyperscout {git_revision()}, keras {version('keras')}, "
              f"keras-tuner {version('keras-tuner')}, torch {version('torch')}; {timestamp()}.",
              ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
