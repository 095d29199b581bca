"""Parzen estimators on the unit hypercube, the densities l(x) and g(x) of TPE.

Every dimension lives in [0, 1] (hyperscout's `UnitEncoding`, in which each parameter's
prior is uniform). A numeric dimension's kernel is a Gaussian truncated to [0, 1]; a
categorical dimension's kernel keeps its observed category with probability ``1 - eps``
and spreads ``eps`` uniformly (Aitchison & Aitken, 1976). Besides one component per
observation, each estimator has a *prior* component (uniform over the box) of weight
`prior_weight`, which keeps every region reachable and dominates while data are few.

Shapes: `centers` is (K, D) for K observations; candidates are (C, D); the joint log
density of C candidates is computed as a (C, K + 1) matrix reduced with logsumexp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

_MIN_SIGMA = 0.01  # a kernel never narrower than 1% of the range: no collapse on one point
_MAX_SIGMA = 1.0


@dataclass(frozen=True)
class Parzen:
    """A mixture of product kernels over numeric and categorical dimensions.

    Attributes:
        centers: (K, D) observed points, unit-encoded (categorical dims hold the index).
        sigmas: (D,) bandwidth of each numeric dimension (ignored for categorical ones).
        n_categories: (D,) 0 for a numeric dimension, else its number of categories.
        eps: mass a categorical kernel spreads over the other categories.
        prior_weight: weight of the uniform prior component (observations weigh 1 each).
    """

    centers: np.ndarray
    sigmas: np.ndarray
    n_categories: np.ndarray
    eps: float
    prior_weight: float

    @classmethod
    def fit(cls, points: np.ndarray, n_categories: np.ndarray, *, prior_weight: float,
            eps: float, bandwidth_factor: float) -> Parzen:
        """Bandwidths by Scott's rule on the observations and the prior's spread.

        The prior counts as one more point at the centre with the uniform's standard
        deviation, which widens kernels when observations are few or clustered."""
        k, d = points.shape
        numeric = n_categories == 0
        if k == 0:
            sigmas = np.full(d, _MAX_SIGMA)
        else:
            spread = np.sqrt((points.var(axis=0) * k + 1.0 / 12.0) / (k + 1))
            n_eff = k + prior_weight
            d_numeric = max(int(numeric.sum()), 1)
            sigmas = bandwidth_factor * spread * n_eff ** (-1.0 / (d_numeric + 4))
            sigmas = np.clip(sigmas, _MIN_SIGMA, _MAX_SIGMA)
        return cls(points, np.where(numeric, sigmas, 0.0), n_categories, eps, prior_weight)

    @property
    def log_weights(self) -> np.ndarray:
        """(K + 1,) log weights: the K observations, then the prior."""
        k = len(self.centers)
        weights = np.append(np.ones(k), self.prior_weight)
        return np.log(weights / weights.sum())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, D) draws: pick a component by weight, then draw each dimension from it."""
        k, d = self.centers.shape
        component = rng.choice(k + 1, size=n, p=np.exp(self.log_weights))
        out = rng.random((n, d))  # the prior component: uniform on the box
        from_obs = component < k
        if not from_obs.any():
            return self._categorical_from_unit(out)
        centers = self.centers[component[from_obs]]
        numeric = self.n_categories == 0
        if numeric.any():
            mu = centers[:, numeric]
            sigma = self.sigmas[numeric]
            lo, hi = ndtr(-mu / sigma), ndtr((1.0 - mu) / sigma)
            u = lo + rng.random(mu.shape) * (hi - lo)
            draws = mu + sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12))
            out[np.ix_(from_obs, numeric)] = np.clip(draws, 0.0, 1.0)
        out = self._categorical_from_unit(out)
        for j in np.flatnonzero(~numeric):
            n_cat = int(self.n_categories[j])
            # keep the centre with probability 1 - eps, else uniform over all categories:
            # P(centre) = 1 - eps + eps / n, as `log_pdf` scores it
            keep = rng.random(from_obs.sum()) >= self.eps
            other = rng.integers(n_cat, size=from_obs.sum())
            out[from_obs, j] = np.where(keep, centers[:, j], other)
        return out

    def _categorical_from_unit(self, out: np.ndarray) -> np.ndarray:
        categorical = self.n_categories > 0
        if categorical.any():
            n_cat = self.n_categories[categorical]
            out[:, categorical] = np.minimum(np.floor(out[:, categorical] * n_cat), n_cat - 1)
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """(C,) log density of candidates `x` (C, D) under the mixture."""
        k, _d = self.centers.shape
        c = len(x)
        log_k = np.zeros((c, k))
        numeric = self.n_categories == 0
        if numeric.any() and k:
            # sum over dimensions of ((x - mu) / sigma)^2 as one matrix product: no (C, K, D)
            # array, which made this the cost of a suggestion with 1000 results
            sigma = self.sigmas[numeric]
            xs = x[:, numeric] / sigma  # (C, Dn)
            mus = self.centers[:, numeric] / sigma  # (K, Dn)
            sq = (xs**2).sum(1)[:, None] + (mus**2).sum(1)[None, :] - 2.0 * xs @ mus.T
            mu = self.centers[:, numeric]
            mass = np.log(np.maximum(ndtr((1.0 - mu) / sigma) - ndtr(-mu / sigma), 1e-300))
            per_kernel = -mass.sum(1) - np.log(sigma).sum() - 0.5 * len(sigma) * np.log(2 * np.pi)
            log_k += -0.5 * np.maximum(sq, 0.0) + per_kernel[None, :]
        for j in np.flatnonzero(~numeric):
            n_cat = self.n_categories[j]
            same = x[:, None, j] == self.centers[None, :, j]
            p_other = self.eps / n_cat
            log_k += np.log(np.where(same, 1.0 - self.eps + p_other, p_other))
        prior = np.zeros((c, 1))  # uniform on the box: density 1 numeric, 1/n categorical
        prior -= np.log(self.n_categories[~numeric]).sum() if (~numeric).any() else 0.0
        log_all = np.concatenate([log_k, prior], axis=1) + self.log_weights[None, :]
        top = log_all.max(axis=1, keepdims=True)  # finite: the prior column always is
        return top[:, 0] + np.log(np.exp(log_all - top).sum(axis=1))

