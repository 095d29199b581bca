"""ENAS, efficient NAS by parameter sharing (Pham et al., "Efficient Neural Architecture
Search via Parameter Sharing", ICML 2018): the shared weights train on architectures drawn
from an RL controller, and the controller learns, between epochs of the weights, from the
validation accuracy its samples reach on them.

The controller is hyperscout's `RLTuner` (an LSTM emitting one decision per step, trained
with REINFORCE, a moving-average baseline and an entropy bonus). Its rewards are scored
with each batch's own batch-norm statistics (the shared running averages belong to no one
architecture); the architecture exported is the best of `export_samples` draws from the
final policy, each scored with recalibrated statistics on the validation data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..space._values import identity_key
from ..tuners._rl import RLTuner
from ._model_space import Architecture
from ._oneshot import OneShotStrategy, ValidationBatches, step_stats
from ._shared import SharedSupernet
from ._training import Classification


class ENAS(OneShotStrategy):
    """Shared weights trained alongside an RL controller (see the module docstring).

    Args:
        controller_steps: controller updates after each epoch, each on one sampled
            architecture scored on one validation batch.
        export_samples: architectures drawn from the final policy and scored to export.
        controller: options of `RLTuner` (``hidden_size``, ``learning_rate`` (0.01 here:
            ENAS takes many more controller steps than a multi-trial search has trials),
            ``entropy_weight``, ``baseline_decay``, ``temperature``).
        bn_batches, eval_batches: see `OneShotStrategy`.
    """

    name = "enas"

    def __init__(self, *, controller_steps: int = 50, export_samples: int = 20,
                 controller: dict[str, Any] | None = None, bn_batches: int = 10,
                 eval_batches: int | None = None) -> None:
        super().__init__(bn_batches=bn_batches, eval_batches=eval_batches)
        for key, value in (("controller_steps", controller_steps),
                           ("export_samples", export_samples)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"`{key}` of ENAS must be a whole number >= 1, but got "
                                  f"{value!r}.")
        self.controller_steps, self.export_samples = controller_steps, export_samples
        self.controller_options = {"learning_rate": 0.01, **(controller or {})}
        self.controller: RLTuner | None = None

    def prepare(self, net: SharedSupernet, training: Classification,
                rng: np.random.Generator) -> None:
        self.controller = RLTuner(net.search_space, seed=int(rng.integers(2**31)),
                                  **self.controller_options)
        self._val = ValidationBatches(training, int(rng.integers(2**31)))

    def train_step(self, net: SharedSupernet, x: Any, y: torch.Tensor,
                   optimizer: torch.optim.Optimizer, training: Classification,
                   rng: np.random.Generator) -> tuple[float, float]:
        assert self.controller is not None
        net.use(self.controller.sample_policy(rng))
        optimizer.zero_grad(set_to_none=True)
        logits = net(x)
        loss = training.loss(logits, y)
        loss.backward()
        optimizer.step()
        return step_stats(loss, logits, y)

    def end_epoch(self, net: SharedSupernet, training: Classification,
                  rng: np.random.Generator) -> dict[str, Any]:
        assert self.controller is not None
        rewards = []
        for _ in range(self.controller_steps):
            arch = self.controller.sample_policy(rng)
            net.use(arch)
            x, y = self._val.next()
            reward = float((net.predict_with_batch_statistics(x).argmax(-1) == y)
                           .float().mean())
            self.controller.reinforce(arch, reward)
            rewards.append(reward)
        return {"reward": float(np.mean(rewards))}

    def export(self, net: SharedSupernet, training: Classification, rng: np.random.Generator,
               seed: int) -> tuple[list[tuple[Architecture, float]], dict[str, Any]]:
        assert self.controller is not None
        seen: set[Any] = set()
        scored: list[tuple[Architecture, float]] = []
        for _ in range(5 * self.export_samples):  # a confident policy repeats itself
            if len(scored) == self.export_samples:
                break
            arch = self.controller.sample_policy(rng)
            key = tuple(identity_key(arch[k]) for k in sorted(arch))
            if key in seen:
                continue
            seen.add(key)
            scored.append((dict(arch), self.score(net, arch, training)))
        return scored, {"distinct_samples": len(scored)}

    def state_dict(self) -> dict[str, Any]:
        return {"controller": self.controller, "validation": self._val.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.controller = state["controller"]
        self._val.load_state_dict(state["validation"])
