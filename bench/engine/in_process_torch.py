"""In-process torch trials after the caller has run torch: hyperscout against Optuna.

    python bench/engine/in_process_torch.py              # 3 rounds, writes the results file
    python bench/engine/in_process_torch.py --rounds 1 --output -   # prints only

A script often runs torch in its own thread before the search (it loads and normalises
the data, builds a model to look at it). That thread then owns a torch OpenMP pool, and a
trial run in a second thread gets a second pool on the same cores; the two throttle each
other on the CPU. Optuna's ``study.optimize`` (n_jobs=1) runs trials in the calling thread,
and so does hyperscout's ``executor="in_process"``. Each case runs in a fresh process: it
runs torch in its main thread first, then 7 trials that each train the same small CNN for
24 steps on random 28x28 images (CPU, torch's default threads), and reports the seconds
spent training in each trial. Cases alternate; the table gives medians.

Cases: ``optuna`` (in-memory study, ``n_jobs=1``), ``hyperscout`` (`Experiment`,
``executor="in_process"``, store on), ``loop`` (the trials as plain calls, the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results" / "in-process-torch.md"
CASES = ("optuna", "hyperscout", "loop")
TRIALS = 7


def _case(name: str) -> dict:
    import torch
    from torch import nn

    torch.randn(256, 256) @ torch.randn(256, 256)  # the caller's own torch work
    nn.Conv2d(1, 8, 3)(torch.randn(4, 1, 28, 28))
    x, y = torch.randn(512, 1, 28, 28), torch.randint(0, 10, (512,))
    seconds: list[float] = []

    def train(lr: float) -> float:
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(32 * 49, 10))
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        start = time.perf_counter()
        for _ in range(3):
            for i in range(0, 512, 64):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(net(x[i:i + 64]), y[i:i + 64])
                loss.backward()
                optimizer.step()
        seconds.append(time.perf_counter() - start)
        return float(loss.detach())

    start = time.perf_counter()
    if name == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(lambda t: train(t.suggest_float("lr", 1e-3, 1e-1, log=True)),
                       n_trials=TRIALS)
    elif name == "hyperscout":
        from hyperscout import Experiment

        with tempfile.TemporaryDirectory() as storage:
            Experiment(lambda p: train(p["lr"]),
                       {"lr": {"_type": "loguniform", "_value": [1e-3, 1e-1]}},
                       tuner="random", max_trials=TRIALS, seed=0, storage=storage,
                       progress=False, executor="in_process").run()
    else:
        for k in range(TRIALS):
            train(10 ** (-3 + 2 * k / TRIALS))
    return {"case": name, "train_s": seconds, "wall_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=str(RESULTS), help="a file, or - to print only")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_case(args.case)))
        return
    rows = []
    for r in range(args.rounds):
        for name in CASES if r % 2 == 0 else CASES[::-1]:
            out = subprocess.run([sys.executable, __file__, "--case", name], check=True,
                                 capture_output=True, text=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    text = _report(rows, args.rounds)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)


def _report(rows: list[dict], rounds: int) -> str:
    def median(name: str) -> float:
        return statistics.median(s for r in rows if r["case"] == name for s in r["train_s"])

    floor, peer = median("loop"), median("optuna")
    lines = [
        "# In-process torch trials after the caller ran torch",
        "",
        (f"`python bench/engine/in_process_torch.py --rounds {rounds}`, "
         f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs "
         f"({platform.processor() or platform.machine()}), "
         f"Python {platform.python_version()}. See the script's docstring for the setup."),
        "",
        "| case | median training s per trial | vs Optuna | vs the plain loop |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {median(name):.3f} | {median(name) / peer:.2f}x "
              f"| {median(name) / floor:.2f}x |" for name in CASES]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
