"""A Gaussian-process regressor on the unit hypercube, written for Bayesian optimisation.

Kernel: Matern 5/2 with one length scale per dimension (ARD), a signal variance and a
noise variance. Hyperparameters are fitted by maximum a posteriori (the marginal
likelihood times weak log-normal priors) with L-BFGS-B on analytic gradients, warm-started
from the previous fit. Targets are expected already transformed (see `_transform.py`).

Shapes: X is (n, d), y is (n,), candidates are (m, d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize

_SQRT5 = np.sqrt(5.0)
# bounds of log length scale, log signal variance, log noise variance (targets standardised)
_LOG_L = (np.log(0.01), np.log(20.0))
_LOG_S2 = (np.log(0.05), np.log(20.0))
_LOG_NOISE = (np.log(1e-6), np.log(0.5))
# weak priors: length scales around 0.5 of the box, noise small, signal near 1
_PRIOR_L = (np.log(0.5), 1.0)
_PRIOR_NOISE = (np.log(1e-3), 2.0)
_PRIOR_S2 = (0.0, 1.0)
_JITTER = 1e-8


def _scaled_distances(x1: np.ndarray, x2: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(n1, n2, d) squared per-dimension differences divided by squared length scales."""
    diff = (x1[:, None, :] - x2[None, :, :]) / lengths
    return diff**2


def matern52(x1: np.ndarray, x2: np.ndarray, lengths: np.ndarray, s2: float) -> np.ndarray:
    r = np.sqrt(_scaled_distances(x1, x2, lengths).sum(-1))
    return s2 * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r**2) * np.exp(-_SQRT5 * r)


@dataclass
class GaussianProcess:
    """Fitted GP: `fit(X, y)` then `predict(Xc)` -> mean, standard deviation."""

    theta: np.ndarray | None = None  # [log lengths (d), log s2, log noise]

    def fit(self, x: np.ndarray, y: np.ndarray, *, optimize: bool = True,
            max_iter: int = 50) -> GaussianProcess:
        """Condition on (x, y); with `optimize`, first fit the hyperparameters from a fixed
        start (so the result depends on the data only, never on earlier fits)."""
        d = x.shape[1]
        if optimize or self.theta is None or len(self.theta) != d + 2:
            self.theta = np.concatenate([np.full(d, _PRIOR_L[0]), [0.0, np.log(1e-2)]])
        if optimize and len(y) >= 2:
            bounds = [_LOG_L] * d + [_LOG_S2, _LOG_NOISE]
            result = minimize(_neg_log_posterior, self.theta, args=(x, y), jac=True,
                              method="L-BFGS-B", bounds=bounds,
                              options={"maxiter": max_iter})
            if np.all(np.isfinite(result.x)):
                self.theta = result.x
        self._x, self._y = x, y
        lengths, s2, noise = _unpack(self.theta)
        k = matern52(x, x, lengths, s2) + (noise + _JITTER) * np.eye(len(x))
        self._chol = cho_factor(k, lower=True)
        self._alpha = cho_solve(self._chol, y)
        return self

    def predict(self, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at `xc`."""
        assert self.theta is not None, "fit() first"
        lengths, s2, _ = _unpack(self.theta)
        k_star = matern52(xc, self._x, lengths, s2)  # (m, n)
        mean = k_star @ self._alpha
        v = solve_triangular(self._chol[0], k_star.T, lower=True)  # (n, m)
        var = np.maximum(s2 - (v**2).sum(0), 1e-12)
        return mean, np.sqrt(var)


def _unpack(theta: np.ndarray) -> tuple[np.ndarray, float, float]:
    return np.exp(theta[:-2]), float(np.exp(theta[-2])), float(np.exp(theta[-1]))


def _neg_log_posterior(theta: np.ndarray, x: np.ndarray, y: np.ndarray
                       ) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus log-prior, and its gradient in theta."""
    lengths, s2, noise = _unpack(theta)
    n = len(y)
    sq = _scaled_distances(x, x, lengths)  # (n, n, d)
    r = np.sqrt(sq.sum(-1))
    e = np.exp(-_SQRT5 * r)
    k_signal = s2 * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r**2) * e
    k = k_signal + (noise + _JITTER) * np.eye(n)
    try:
        chol = cho_factor(k, lower=True)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = cho_solve(chol, y)
    nll = 0.5 * y @ alpha + np.log(np.diag(chol[0])).sum() + 0.5 * n * np.log(2 * np.pi)
    w = cho_solve(chol, np.eye(n)) - np.outer(alpha, alpha)  # K^-1 - a a^T
    # dK / dlog l_d = s2 * 5/3 * (1 + sqrt5 r) e^{-sqrt5 r} * (dx_d / l_d)^2
    common = s2 * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * e
    grad = np.empty_like(theta)
    grad[:-2] = 0.5 * np.einsum("ij,ijd->d", w * common, sq)
    grad[-2] = 0.5 * np.sum(w * k_signal)
    grad[-1] = 0.5 * noise * np.trace(w)
    # log-normal priors on length scales, signal and noise
    prior, prior_grad = 0.0, np.zeros_like(theta)
    for idx, (mu, sd) in ((slice(0, -2), _PRIOR_L), (-2, _PRIOR_S2), (-1, _PRIOR_NOISE)):
        z = (theta[idx] - mu) / sd
        prior += 0.5 * np.sum(z**2)
        prior_grad[idx] = z / sd
    return float(nll + prior), grad + prior_grad
