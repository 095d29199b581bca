"""`RLTuner`: a policy-gradient controller, as in reinforcement-learning NAS (Zoph & Le,
"Neural Architecture Search with Reinforcement Learning", ICLR 2017; Pham et al., "Efficient
Neural Architecture Search via Parameter Sharing", ICML 2018).

An LSTM emits one decision per active parameter, in space order: each step reads the
embedding of the previous decision (a learned start vector for the first), and a
per-parameter softmax head picks one of that parameter's values. A finished trial's value
is the reward; REINFORCE with a moving-average baseline moves the policy towards
configurations that beat the baseline, and an entropy bonus keeps it from collapsing early.
Rewards are scaled by a moving standard deviation, so one learning rate suits accuracies
in [0, 1] and losses in the thousands alike.

The controller is plain numpy (forward and backpropagation through time in
`_controller.py`), so the tuner imports nothing heavier than the other tuners. Its whole
state is its seed plus the finished trials in the order they were told: replaying a stored
history rebuilds the same weights.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..space import Fixed, Parameter
from ..space._values import identity_key
from ._base import Tuner, TunerTrial
from ._controller import LSTMController

_POLICY_DRAWS = 10  # draws from the policy before moving to a neighbour of a tried config
MAX_VALUES = 1000
"""The most values one parameter may have: the controller has a softmax over them."""


class RLTuner(Tuner):
    """A REINFORCE-trained LSTM controller over a finite search space (NNI's RL strategy).

    Every parameter needs finitely many values (choices, booleans, ints, or floats with a
    `q` or `step`); a continuous one is refused with the fix named. Conditional spaces work:
    a step is taken only for a parameter the earlier decisions made active.

    Args:
        space, direction, seed: as for every `Tuner`.
        hidden_size: the LSTM's width.
        learning_rate: Adam's step size for the controller.
        entropy_weight: weight of the entropy bonus (higher: explores longer).
        baseline_decay: decay of the moving-average baseline (and of the reward scale).
        temperature: softmax temperature of the sampled decisions.
        n_startup_trials: trials drawn uniformly at random before the policy is used; they
            still train it.

    Example:
        >>> tuner = RLTuner({"op": {"_type": "choice", "_value": ["a", "b", "c", "d"]},
        ...                  "k": {"_type": "choice", "_value": [1, 3, 5, 7]}}, seed=0)
        >>> for _ in range(12):
        ...     s = tuner.ask()
        ...     tuner.tell(s.id, float(s.params["op"] == "c") + s.params["k"] / 7)
        >>> tuner.best.params
        {'op': 'c', 'k': 7}
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 hidden_size: int = 64, learning_rate: float = 0.05,
                 entropy_weight: float = 0.01, baseline_decay: float = 0.9,
                 temperature: float = 1.0, n_startup_trials: int = 0) -> None:
        super().__init__(space, direction=direction, seed=seed)
        _check_int("hidden_size", hidden_size, low=1)
        _check_int("n_startup_trials", n_startup_trials, low=0)
        _check_float("learning_rate", learning_rate, low=0.0, high=math.inf)
        _check_float("entropy_weight", entropy_weight, low=0.0, high=math.inf, low_ok=True)
        _check_float("baseline_decay", baseline_decay, low=0.0, high=1.0, low_ok=True)
        _check_float("temperature", temperature, low=0.0, high=math.inf)
        self.hidden_size = hidden_size
        self.learning_rate = float(learning_rate)
        self.entropy_weight = float(entropy_weight)
        self.baseline_decay = float(baseline_decay)
        self.temperature = float(temperature)
        self.n_startup_trials = n_startup_trials
        self._decisions = [p for p in self.space if not isinstance(p, Fixed)]
        self._values = {p.name: _finite_values(p) for p in self._decisions}
        self._positions = {name: {identity_key(v): i for i, v in enumerate(values)}
                           for name, values in self._values.items()}
        self._controller = LSTMController(
            [len(self._values[p.name]) for p in self._decisions], hidden_size=hidden_size,
            learning_rate=self.learning_rate, rng=np.random.default_rng([self.seed, 0x524C]))
        self._baseline: float | None = None
        self._scale = 0.0  # moving mean of squared deviations from the baseline
        self._told = 0

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        if self._told < self.n_startup_trials:
            return self.space.sample(rng)
        for _ in range(_POLICY_DRAWS):
            config = self._sample_policy(rng)
            if not self._is_visited(config):
                return config
        # A confident policy keeps drawing tried configs: move one decision of the last
        # draw instead, so asking stays cheap and the search stays near what it learned.
        return self._unvisited_neighbour(config, rng) or self.space.sample(rng)

    def _sample_policy(self, rng: np.random.Generator) -> dict[str, Any]:
        config: dict[str, Any] = {}
        state = self._controller.start()
        for step, param in enumerate(self._decisions):
            if not self.space.is_active(param.name, config):
                continue
            probs, state = self._controller.step(state, step, self.temperature)
            choice = int(rng.choice(len(probs), p=probs))
            state = self._controller.feed(state, step, choice)
            config[param.name] = self._values[param.name][choice]
        return self._complete(config)

    def _complete(self, config: dict[str, Any]) -> dict[str, Any]:
        """`config` with its active Fixed parameters added, in canonical form."""
        for param in self.space:
            if isinstance(param, Fixed) and self.space.is_active(param.name, config):
                config[param.name] = param.value
        return self.space.normalize(config)

    def _unvisited_neighbour(self, config: dict[str, Any],
                             rng: np.random.Generator) -> dict[str, Any] | None:
        names = [p.name for p in self._decisions if p.name in config]
        for name in rng.permutation(names):
            values = self._values[str(name)]
            for i in rng.permutation(len(values)):
                neighbour = self._neighbour(config, str(name), values[int(i)], rng)
                if neighbour is not None and not self._is_visited(neighbour):
                    return neighbour
        return None

    def _neighbour(self, config: dict[str, Any], name: str, value: Any,
                   rng: np.random.Generator) -> dict[str, Any] | None:
        """`config` with `name` set to `value`; parameters this activates are drawn from
        their priors, those it deactivates dropped."""
        changed: dict[str, Any] = {}
        for param in self.space:
            if not self.space.is_active(param.name, changed):
                continue
            if param.name == name:
                changed[name] = value
            elif param.name in config:
                changed[param.name] = config[param.name]
            else:
                changed[param.name] = param.sample(rng)
        return None if changed == config else self.space.normalize(changed)

    def sample_policy(self, rng: np.random.Generator) -> dict[str, Any]:
        """A config drawn from the current policy, tried or not, without registering a
        trial: for ENAS, which trains shared weights on the controller's samples."""
        return self._sample_policy(rng)

    def reinforce(self, config: dict[str, Any], value: float) -> None:
        """One REINFORCE update towards (or away from) `config` scoring `value`, without
        registering a trial (ENAS's controller steps; `tell` does this for trials)."""
        self._learn(self.space.normalize(config), float(value))

    def _on_tell(self, trial: TunerTrial) -> None:
        if trial.value is None:
            return  # failed, or stopped before reporting: no reward to learn from
        self._learn(trial.config, trial.value)

    def _learn(self, config: dict[str, Any], value: float) -> None:
        self._told += 1
        reward = value if self.direction == "maximize" else -value
        if self._baseline is None:
            self._baseline = reward
            return  # the first reward only sets the baseline: its advantage would be 0
        advantage = reward - self._baseline
        self._scale = self.baseline_decay * self._scale + (1 - self.baseline_decay) * advantage**2
        self._baseline = self.baseline_decay * self._baseline + (1 - self.baseline_decay) * reward
        scaled = advantage / math.sqrt(self._scale) if self._scale > 0 else 0.0
        actions = [(step, self._index(param, config))
                   for step, param in enumerate(self._decisions) if param.name in config]
        self._controller.reinforce(actions, scaled, entropy_weight=self.entropy_weight,
                                   temperature=self.temperature)

    def _index(self, param: Parameter, config: dict[str, Any]) -> int:
        return self._positions[param.name][identity_key(param.canonical(config[param.name]))]


def _finite_values(param: Parameter) -> tuple[Any, ...]:
    if not param.is_finite or param.size > MAX_VALUES:
        raise ConfigError(
            f"the RL tuner needs every parameter to have at most {MAX_VALUES} values, but "
            f"{param.name!r} ({param.kind}) has {param.size}. Give it a `q` (or `step`) that "
            "makes it a short ladder, turn it into a choice, or use tpe or gp for it.")
    return param.grid_values()


def _check_int(name: str, value: Any, *, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"RL tuner option `{name}` must be a whole number >= {low}, but got "
                          f"{value!r}.")


def _check_float(name: str, value: Any, *, low: float, high: float,
                 low_ok: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, (int, float))
          and (low <= value if low_ok else low < value) and value <= high)
    if not ok:
        bounds = f"{'[' if low_ok else '('}{low}, {high}{']' if high != math.inf else ')'}"
        raise ConfigError(f"RL tuner option `{name}` must be in {bounds}, but got {value!r}.")
