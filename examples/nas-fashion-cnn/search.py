"""Multi-trial NAS from Python: regularized evolution over the `FashionCNN` space, each
architecture a trial that trains its frozen model (runs in ~10 minutes on 2 CPU cores):

    python examples/nas-fashion-cnn/search.py --data ../shared/datasets/fashion-mnist
    hyperscout experiment show ID      # or: hyperscout view ID
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import model as fashion

from hyperscout import nas


def evaluate(net, *, data, n_train, n_val, epochs):
    return fashion.train(net, *fashion.load(data, n_train, n_val), epochs=epochs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/datasets/fashion-mnist")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--val", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--strategy", default="evolution",
                        help="random, grid, evolution, tpe, gp or rl")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--storage", default=None)
    args = parser.parse_args()
    result = nas.search(
        fashion.model_space(),
        functools.partial(evaluate, data=args.data, n_train=args.train, n_val=args.val,
                          epochs=args.epochs),
        strategy=args.strategy, max_trials=args.trials, concurrency=args.concurrency,
        seed=0, storage=args.storage)
    print(f"experiment {result.experiment_id}: best validation accuracy "
          f"{result.best_value:.4f} with {result.best_architecture}")
    nas.save_architecture(result.best_architecture, "best_architecture.json")
