"""`GPTuner`: Bayesian optimisation with a Gaussian process (Snoek, Larochelle & Adams,
NeurIPS 2012), with the input and output warping of the winner of the NeurIPS 2020
black-box optimisation challenge (HEBO, Cowen-Rivers et al.: a learned Kumaraswamy CDF per
input dimension, a power transform of the targets) and the treatment of integers and
choices of Garrido-Merchán & Hernández-Lobato (2020): the acquisition is only ever
evaluated at points snapped to valid configs.

Per suggestion: transform the results (Yeo-Johnson, then standardise; minimisation inside),
fit the GP's hyperparameters (MAP, at checkpoints), add running trials as the worst result
so far (a pessimistic constant liar) so concurrent workers do not collide, and maximise log expected
improvement over random points and three rounds of local moves around the best ones
(continuous steps plus one changed choice or integer), all snapped to valid configs. Beyond `max_observations` results it fits on the best half and the most recent
rest, which caps the cubic cost.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import log_ndtr

from ...errors import ConfigError
from ...space import UnitEncoding
from .._base import Tuner, TunerTrial
from ._model import GaussianProcess

_N_RANDOM = 512  # random candidates per suggestion
_N_LOCAL = 128  # perturbations per round around the best observed points and candidates
_LOCAL_SCALES = (0.1, 0.03, 0.01)  # the rounds' step sizes, coarse to fine
_PRIOR_MEAN_QUANTILE = 0.75  # of the transformed results: see `_transform`
_N_SNAP = 32  # top candidates snapped to valid configs and re-scored


class GPTuner(Tuner):
    """Gaussian-process Bayesian optimisation (NNI ``GPTuner``, Keras Tuner
    ``BayesianOptimization``).

    Args:
        space, direction, seed: as for every `Tuner`.
        n_startup_trials: random trials before the model is used.
        max_observations: the most results the GP is fitted on (cost grows as its cube).
        xi: exploration margin of expected improvement, in standardised units.

    Example:
        >>> tuner = GPTuner({"x": {"_type": "uniform", "_value": [-5, 5]}}, seed=0,
        ...                 direction="minimize", n_startup_trials=5)
        >>> for _ in range(15):
        ...     s = tuner.ask()
        ...     tuner.tell(s.id, (s.params["x"] - 1.0) ** 2)
        >>> abs(tuner.best.params["x"] - 1.0) < 0.1
        True
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 n_startup_trials: int = 8, max_observations: int = 150,
                 xi: float = 0.0) -> None:
        super().__init__(space, direction=direction, seed=seed)
        for name, value, low in (("n_startup_trials", n_startup_trials, 1),
                                 ("max_observations", max_observations, 10)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(
                    f"GP option `{name}` must be a whole number >= {low}, but got {value!r}.")
        if isinstance(xi, bool) or not isinstance(xi, (int, float)) or xi < 0:
            raise ConfigError(f"GP option `xi` must be a number >= 0, but got {xi!r}.")
        self.n_startup_trials = n_startup_trials
        self.max_observations = max_observations
        self.xi = float(xi)
        self._encoding = UnitEncoding(self.space, choices="onehot")
        self._theta: np.ndarray | None = None
        self._theta_at = -1  # the checkpoint `_theta` was fitted at
        self._cache: dict[int, np.ndarray] = {}
        blocks = self._encoding.blocks
        self._flat_dims = [b.dims.start for b in blocks if b.kind != "onehot"]
        self._discrete_blocks = [b for b in blocks if b.kind in ("discrete", "onehot")]
        # one-hot dimensions are not warped: a bend means nothing between 0 and 1
        self._gp = GaussianProcess(warped=np.array(self._flat_dims, dtype=int))

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        scored = [t for t in self.trials if t.value is not None]
        if len(scored) < self.n_startup_trials or self._encoding.n_dims == 0:
            return self.space.sample(rng)
        self._fit_hyperparameters(scored)
        used = self._select(scored)
        x = np.stack([self._x(t) for t in used])
        y = _transform(np.array([self._loss(t) for t in used]))
        self._gp.fit(x, y, optimize=False)
        pending = [t for t in self.trials if t.value is None and not t.state.is_finished]
        best = float(y.min())
        if pending:  # constant liar: running trials count as the worst result so far, so
            # concurrent workers are pushed apart instead of crowding the optimum
            xp = np.stack([self._x(t) for t in pending])
            x, y = np.vstack([x, xp]), np.concatenate([y, np.full(len(xp), y.max())])
            self._gp.fit(x, y, optimize=False)
        return self._maximise(rng, best, x[np.argsort(y)[:5]])

    def _fit_hyperparameters(self, scored: list[TunerTrial]) -> None:
        """Fit the kernel's hyperparameters at checkpoints only: when the number of results
        reaches the next of n_startup, then about 10% more each time. Each fit uses the
        first results up to its checkpoint, from a fixed start, so the tuner stays a pure
        function of its history (replay after a crash gives the same suggestions) while
        most suggestions skip the costly fit."""
        checkpoint = self.n_startup_trials
        while _next_checkpoint(checkpoint) <= len(scored):
            checkpoint = _next_checkpoint(checkpoint)
        if self._theta_at != checkpoint:
            used = self._select(scored[:checkpoint])
            x = np.stack([self._x(t) for t in used])
            y = _transform(np.array([self._loss(t) for t in used]))
            self._theta = self._gp.fit(x, y).theta
            self._theta_at = checkpoint
        self._gp.theta = self._theta

    def _maximise(self, rng: np.random.Generator, best: float, anchors: np.ndarray
                  ) -> dict[str, Any]:
        """The unvisited config of highest expected improvement found by random search then
        two rounds of local moves (coarse, then fine) around the best points, all snapped
        to valid configs so the acquisition is only ever scored where a trial can run."""
        snap = self._encoding.snap
        candidates = snap(rng.random((_N_RANDOM, self._encoding.n_dims)))
        score = self._log_ei(candidates, best)
        seeds = np.vstack([anchors, candidates[np.argsort(-score)[:8]]])
        for scale in _LOCAL_SCALES:
            local = snap(self._neighbours(rng, seeds, _N_LOCAL, scale))
            candidates = np.vstack([candidates, local])
            score = np.concatenate([score, self._log_ei(local, best)])
            seeds = np.vstack([anchors, candidates[np.argsort(-score)[:8]]])
        _, first = np.unique(candidates, axis=0, return_index=True)
        configs, snapped = [], []
        for i in first[np.argsort(-score[first])][:_N_SNAP]:
            config = self._encoding.decode(candidates[i])  # exact, at last
            if not self._is_visited(config):
                configs.append(config)
                snapped.append(self._encoding.encode(config))
        if not configs:
            return self.space.sample(rng)
        final = self._log_ei(np.stack(snapped), best)
        return configs[int(np.argmax(final))]

    def _neighbours(self, rng: np.random.Generator, seeds: np.ndarray, n: int, scale: float
                    ) -> np.ndarray:
        """`n` points near random `seeds`: every one-dimensional coordinate moved by a
        normal step of `scale`, and in half of them one discrete parameter changed (a one-hot
        choice to another value, a discrete one a step up or down), since small continuous
        steps rarely leave a category or an integer's cell."""
        points = seeds[rng.integers(len(seeds), size=n)].copy()
        flat = self._flat_dims
        points[:, flat] += rng.normal(0.0, scale, (n, len(flat)))
        discrete = self._discrete_blocks
        if discrete:
            for row in np.flatnonzero(rng.random(n) < 0.5):
                block = discrete[rng.integers(len(discrete))]
                if block.kind == "onehot":
                    points[row, block.dims] = np.eye(block.width)[rng.integers(block.width)]
                else:
                    centers = block.centers
                    assert centers is not None  # a discrete block has its value table
                    at = int(np.argmin(np.abs(centers - points[row, block.dims.start])))
                    step = 1 if rng.random() < 0.5 else -1
                    points[row, block.dims.start] = centers[
                        min(max(at + step, 0), len(centers) - 1)]
        # reflect, not clip, at the cube's faces: clipping would pile candidates onto the
        # bounds, and a parameter the model thinks irrelevant would then drift to a bound
        points = np.abs(points)
        return np.clip(np.where(points > 1.0, 2.0 - points, points), 0.0, 1.0)

    def _log_ei(self, x: np.ndarray, best: float) -> np.ndarray:
        mean, sd = self._gp.predict(x)
        return _log_expected_improvement(best - self.xi - mean, sd)

    def _select(self, scored: list[TunerTrial]) -> list[TunerTrial]:
        """All results, or past `max_observations` the best half and the latest rest."""
        if len(scored) <= self.max_observations:
            return scored
        ranked = sorted(scored, key=self._loss)
        keep = {t.id for t in ranked[: self.max_observations // 2]}
        for t in reversed(scored):
            if len(keep) >= self.max_observations:
                break
            keep.add(t.id)
        return [t for t in scored if t.id in keep]

    def _loss(self, trial: TunerTrial) -> float:
        value = float(trial.value)  # type: ignore[arg-type]
        return -value if self.direction == "maximize" else value

    def _x(self, trial: TunerTrial) -> np.ndarray:
        if trial.id not in self._cache:
            self._cache[trial.id] = self._encoding.encode(trial.config)
        return self._cache[trial.id]


def _next_checkpoint(n: int) -> int:
    return max(n + 2, math.ceil(n * 1.1))


def _transform(y: np.ndarray) -> np.ndarray:
    """Yeo-Johnson power transform, then standardise (HEBO's output warping): makes heavy
    tails and outliers (a diverged run) look Gaussian to the GP. Then shifted so that the
    upper quartile is 0, the GP's prior mean."""
    if np.ptp(y) <= 0:
        return np.zeros_like(y)
    z = (y - y.mean()) / y.std()
    try:
        z, _ = stats.yeojohnson(z)
    except (ValueError, FloatingPointError):
        pass
    std = z.std()
    if std <= 0:
        return np.zeros_like(z)
    # the GP's prior mean (0) at the upper quartile, not the average: far from all data it
    # predicts a result worse than most, so expected improvement favours refining promising
    # regions over the empty corners of a many-dimensional box
    z = (z - z.mean()) / std
    return z - np.quantile(z, _PRIOR_MEAN_QUANTILE)


def _log_expected_improvement(improvement: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """log EI = log sd + log h(u), h(u) = u Phi(u) + phi(u), u = improvement / sd, computed
    stably far into the tail (where EI underflows but its ordering still matters)."""
    u = improvement / sd
    out = np.empty_like(u)
    mid = u > -6.0
    um = u[mid]
    out[mid] = np.log(np.maximum(um * np.exp(log_ndtr(um)) + stats.norm.pdf(um), 1e-300))
    ut = u[~mid]  # h(u) ~ phi(u) / u^2 (1 - 3 / u^2) as u -> -inf
    out[~mid] = -0.5 * ut**2 - 0.5 * math.log(2 * math.pi) - 2 * np.log(-ut) + np.log1p(
        -3.0 / ut**2)
    return out + np.log(sd)
