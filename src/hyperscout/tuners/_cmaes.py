"""`CMAESTuner`: the covariance matrix adaptation evolution strategy (Hansen & Ostermeier,
2001; the update of Hansen's 2016 tutorial, arXiv:1604.00772), with IPOP restarts (Auger &
Hansen, CEC 2005).

It samples each generation of `popsize` points from a multivariate normal in the space's
unit encoding, and moves the mean, step size and covariance towards the better half. That
learns correlations between parameters (a rotated valley, a learning rate that goes with a
batch size) which TPE and per-parameter mutation miss, at a cost that does not grow with
the number of results. It is a tuner for continuous spaces with a budget of many trials;
integers and choices are searched through their one-dimensional encoding (rounded on
decoding), which works but is not what it is best at.

Written here rather than taken from the ``cmaes`` package: tuners are the product, and this
one must follow the `Tuner` contract the package cannot know: a pure function of the
ordered history (so a replay after a crash continues identically), asks of a generation
that is still running (parallel trials), failed trials, and points clipped and rounded into
the space. Every evaluated point enters the update as an injected solution (Hansen, 2011:
its step is measured from the actual point, its length capped), which covers all of these.
It is about 150 lines of numpy; the package would add a core dependency for the same.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..space import UnitEncoding
from ._base import Tuner, TunerTrial

_TOL_SPREAD = 1e-4  # restart once every axis's spread in the unit cube is below this
_MAX_CONDITION = 1e12  # ... or the covariance is this ill-conditioned
_DRAWS = 16  # draws from the distribution per suggestion before a random config


class CMAESTuner(Tuner):
    """CMA-ES with IPOP restarts in the unit encoding (name ``cmaes``).

    Args:
        space, direction, seed: as for every `Tuner`.
        sigma0: initial step size, as a fraction of each parameter's range.
        popsize: points per generation (default ``4 + floor(3 ln d)``); each restart
            doubles it.

    Example:
        >>> tuner = CMAESTuner({"x": {"_type": "uniform", "_value": [-5, 5]},
        ...                     "y": {"_type": "uniform", "_value": [-5, 5]}},
        ...                    seed=0, direction="minimize")
        >>> for _ in range(120):
        ...     s = tuner.ask()
        ...     tuner.tell(s.id, (s.params["x"] - 1) ** 2 + (s.params["x"] + s.params["y"]) ** 2)
        >>> abs(tuner.best.params["x"] - 1.0) < 0.1
        True
    """

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None,
                 sigma0: float = 0.3, popsize: int | None = None) -> None:
        super().__init__(space, direction=direction, seed=seed)
        if isinstance(sigma0, bool) or not isinstance(sigma0, (int, float)) \
                or not 0 < sigma0 <= 1:
            raise ConfigError(f"CMA-ES option `sigma0` must be in (0, 1], but got {sigma0!r}.")
        if popsize is not None and (isinstance(popsize, bool) or not isinstance(popsize, int)
                                    or popsize < 2):
            raise ConfigError(
                f"CMA-ES option `popsize` must be a whole number >= 2, but got {popsize!r}.")
        self.sigma0 = float(sigma0)
        self._encoding = UnitEncoding(self.space, choices="index")
        n = self._encoding.n_dims
        self.popsize = popsize or 4 + int(3 * math.log(max(n, 1)))
        self._restarts = 0
        self._start = 0  # index in `trials` of the running generation's first member
        if n:
            self._reset(np.full(n, 0.5), self.popsize)

    # -- asking ---------------------------------------------------------------------------
    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        if self._encoding.n_dims == 0:
            return self.space.sample(rng)
        self._advance()
        for _ in range(_DRAWS):
            z = rng.standard_normal(len(self._mean))
            x = self._mean + self._sigma * self._b @ (self._d * z)
            config = self._encoding.decode(np.clip(x, 0.0, 1.0))
            if not self._is_visited(config):
                return config
        # the distribution has settled on tried configs (a mostly discrete space): explore
        return self.space.sample(rng)

    def _advance(self) -> None:
        """Update the distribution with each generation, in trial order, once all its
        members have finished, or once a whole further generation has been asked (then
        without the members still running: a hung trial must not stall the search). The
        state so depends on the history alone."""
        trials = self.trials
        while len(trials) >= self._start + self._lambda:
            members = trials[self._start:self._start + self._lambda]
            finished = [t for t in members if t.state.is_finished]
            if len(finished) < len(members) and len(trials) < self._start + 2 * self._lambda:
                return
            self._start += self._lambda
            if finished:
                self._update(finished)

    # -- the CMA-ES update ----------------------------------------------------------------
    def _reset(self, mean: np.ndarray, popsize: int) -> None:
        n = len(mean)
        self._lambda = popsize
        mu = popsize // 2
        w = math.log((popsize + 1) / 2) - np.log(np.arange(1, mu + 1))
        self._weights = w / w.sum()
        self._mueff = 1.0 / float(np.sum(self._weights**2))
        mueff = self._mueff
        self._cs = (mueff + 2) / (n + mueff + 5)
        self._ds = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + self._cs
        self._cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
        self._c1 = 2 / ((n + 1.3) ** 2 + mueff)
        self._cmu = min(1 - self._c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        self._chi = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        self._mean, self._sigma = mean, self.sigma0
        self._cov = np.eye(n)
        self._b, self._d = np.eye(n), np.ones(n)
        self._ps, self._pc = np.zeros(n), np.zeros(n)
        self._generation = 0

    def _update(self, members: tuple[TunerTrial, ...] | list[TunerTrial]) -> None:
        n = len(self._mean)
        ranked = sorted(members, key=self._loss)[:len(self._weights)]
        weights = self._weights[:len(ranked)] / self._weights[:len(ranked)].sum()
        y = np.stack([self._encoding.encode(t.config) for t in ranked]) - self._mean
        y /= self._sigma
        inv_sqrt = self._b @ np.diag(1 / self._d) @ self._b.T
        # injected points: cap each step's Mahalanobis length (Hansen, 2011)
        cap = math.sqrt(n) + 2 * n / (n + 2)
        lengths = np.linalg.norm(y @ inv_sqrt.T, axis=1)
        y *= np.minimum(1.0, cap / np.maximum(lengths, 1e-300))[:, None]
        y_w = weights @ y
        self._mean = self._mean + self._sigma * y_w
        self._generation += 1
        self._ps = (1 - self._cs) * self._ps + math.sqrt(
            self._cs * (2 - self._cs) * self._mueff) * inv_sqrt @ y_w
        norm_ps = float(np.linalg.norm(self._ps))
        h_sigma = norm_ps / math.sqrt(1 - (1 - self._cs) ** (2 * self._generation)) < (
            1.4 + 2 / (n + 1)) * self._chi
        self._pc = (1 - self._cc) * self._pc + h_sigma * math.sqrt(
            self._cc * (2 - self._cc) * self._mueff) * y_w
        rank_mu = (y.T * weights) @ y
        self._cov = ((1 - self._c1 - self._cmu) * self._cov
                     + self._c1 * (np.outer(self._pc, self._pc)
                                   + (1 - h_sigma) * self._cc * (2 - self._cc) * self._cov)
                     + self._cmu * rank_mu)
        self._sigma *= math.exp(min(1.0, (self._cs / self._ds) * (norm_ps / self._chi - 1)))
        self._cov = (self._cov + self._cov.T) / 2
        eigenvalues, self._b = np.linalg.eigh(self._cov)
        self._d = np.sqrt(np.maximum(eigenvalues, 1e-20))
        spread = self._sigma * self._d.max()
        if spread < _TOL_SPREAD or (self._d.max() / self._d.min()) ** 2 > _MAX_CONDITION:
            self._restart()

    def _restart(self) -> None:
        """IPOP: start again from a random mean with twice the population."""
        self._restarts += 1
        rng = np.random.default_rng([self.seed, self._restarts, 0xC3A])
        self._reset(rng.random(len(self._mean)), self._lambda * 2)

    def _loss(self, trial: TunerTrial) -> tuple[int, float, int]:
        """Sort key, best first: failed trials last, ties broken by age."""
        if trial.value is None:
            return (1, 0.0, trial.id)
        value = float(trial.value)
        return (0, -value if self.direction == "maximize" else value, trial.id)
