"""A Gaussian-process regressor on the unit hypercube, written for Bayesian optimisation.

Kernel: Matern 5/2 with one length scale per dimension (ARD), a signal variance and a
noise variance, on inputs warped per dimension by a Kumaraswamy CDF
``w(x) = 1 - (1 - x**a)**b`` (Snoek et al., ICML 2014; HEBO): a learned monotone bend that
lets one stationary kernel fit a function that changes fast near one end of a range (a
learning rate near its lower bound, say). One-hot dimensions are not warped. All
hyperparameters are fitted together by maximum a posteriori (the marginal likelihood times
weak log-normal priors, which keep the warping near the identity until the data say
otherwise) with L-BFGS-B on analytic gradients, from a fixed start. Targets are expected
already transformed (see `_tuner._transform`).

Shapes: X is (n, d), y is (n,), candidates are (m, d).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular
from scipy.optimize import minimize

_SQRT5 = np.sqrt(5.0)
# bounds of log length scale, log signal variance, log noise variance (targets standardised)
_LOG_L = (np.log(0.01), np.log(20.0))
_LOG_S2 = (np.log(0.05), np.log(20.0))
_LOG_NOISE = (np.log(1e-6), np.log(0.5))
_LOG_WARP = (np.log(0.25), np.log(4.0))  # bounds of log a and log b of the warping
# weak priors: length scales around 0.5 of the box, noise small, signal near 1, no warping
_PRIOR_L = (np.log(0.5), 1.0)
_PRIOR_WARP = (0.0, 0.35)
_EDGE = 1e-6  # inputs are kept this far inside (0, 1) when warped (log x, log(1 - x^a))
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
    """Fitted GP: `fit(X, y)` then `predict(Xc)` -> mean, standard deviation.

    `warped` lists the input dimensions to warp (none by default)."""

    warped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    theta: np.ndarray | None = None  # [log lengths (d), log a, log b (each m), log s2, log noise]

    def fit(self, x: np.ndarray, y: np.ndarray, *, optimize: bool = True,
            max_iter: int = 50) -> GaussianProcess:
        """Condition on (x, y); with `optimize`, first fit the hyperparameters from a fixed
        start (so the result depends on the data only, never on earlier fits)."""
        d, m = x.shape[1], len(self.warped)
        if optimize or self.theta is None or len(self.theta) != d + 2 * m + 2:
            self.theta = np.concatenate(
                [np.full(d, _PRIOR_L[0]), np.zeros(2 * m), [0.0, np.log(1e-2)]])
        if optimize and len(y) >= 2:
            bounds = [_LOG_L] * d + [_LOG_WARP] * (2 * m) + [_LOG_S2, _LOG_NOISE]
            result = minimize(_neg_log_posterior, self.theta, args=(x, y, self.warped),
                              jac=True, method="L-BFGS-B", bounds=bounds,
                              options={"maxiter": max_iter})
            if np.all(np.isfinite(result.x)):
                self.theta = result.x
        lengths, a, b, s2, noise = _unpack(self.theta, m)
        self._x = _warp(x, self.warped, a, b)[0]
        self._y = y
        k = matern52(self._x, self._x, lengths, s2) + (noise + _JITTER) * np.eye(len(x))
        self._chol = cho_factor(k, lower=True)
        self._alpha = cho_solve(self._chol, y)
        return self

    def predict(self, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at `xc`."""
        assert self.theta is not None, "fit() first"
        lengths, a, b, s2, _ = _unpack(self.theta, len(self.warped))
        k_star = matern52(_warp(xc, self.warped, a, b)[0], self._x, lengths, s2)  # (m, n)
        mean = k_star @ self._alpha
        v = solve_triangular(self._chol[0], k_star.T, lower=True)  # (n, m)
        var = np.maximum(s2 - (v**2).sum(0), 1e-12)
        return mean, np.sqrt(var)


def _warp(x: np.ndarray, dims: np.ndarray, a: np.ndarray, b: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x with columns `dims` warped by the Kumaraswamy CDF, and the derivatives of those
    columns in log a and log b (each (n, m))."""
    if len(dims) == 0:
        return x, np.zeros((len(x), 0)), np.zeros((len(x), 0))
    xs = np.clip(x[:, dims], _EDGE, 1.0 - _EDGE)
    xa = xs**a
    rest = 1.0 - xa  # in (0, 1)
    rest_b = rest**b
    out = x.copy()
    out[:, dims] = 1.0 - rest_b
    d_log_a = a * b * rest ** (b - 1.0) * xa * np.log(xs)
    d_log_b = -rest_b * b * np.log(rest)
    return out, d_log_a, d_log_b


def _unpack(theta: np.ndarray, m: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    d = len(theta) - 2 - 2 * m
    warp = np.exp(theta[d:d + 2 * m])
    return (np.exp(theta[:d]), warp[:m], warp[m:], float(np.exp(theta[-2])),
            float(np.exp(theta[-1])))


def _neg_log_posterior(theta: np.ndarray, x: np.ndarray, y: np.ndarray, warped: np.ndarray
                       ) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus log-prior, and its gradient in theta."""
    m = len(warped)
    lengths, a, b, s2, noise = _unpack(theta, m)
    d = len(lengths)
    u, du_log_a, du_log_b = _warp(x, warped, a, b)
    n = len(y)
    diff = u[:, None, :] - u[None, :, :]  # (n, n, d)
    sq = (diff / lengths) ** 2
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
    # dK / dlog l_d = s2 * 5/3 * (1 + sqrt5 r) e^{-sqrt5 r} * (du_d / l_d)^2
    wc = w * (s2 * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * e)
    grad = np.empty_like(theta)
    grad[:d] = 0.5 * np.einsum("ij,ijd->d", wc, sq)
    if m:  # dK / dlog a_k = -common * du_k * (du_k/dlog a at i - at j) / l_k^2, same for b
        scaled = diff[:, :, warped] / lengths[warped] ** 2
        for offset, du in ((d, du_log_a), (d + m, du_log_b)):
            ddu = du[:, None, :] - du[None, :, :]
            grad[offset:offset + m] = -0.5 * np.einsum("ij,ijk->k", wc, scaled * ddu)
    grad[-2] = 0.5 * np.sum(w * k_signal)
    grad[-1] = 0.5 * noise * np.trace(w)
    # log-normal priors on length scales, warping, signal and noise
    prior, prior_grad = 0.0, np.zeros_like(theta)
    for idx, (mu, sd) in ((slice(0, d), _PRIOR_L), (slice(d, d + 2 * m), _PRIOR_WARP),
                          (-2, _PRIOR_S2), (-1, _PRIOR_NOISE)):
        z = (theta[idx] - mu) / sd
        prior += 0.5 * np.sum(z**2)
        prior_grad[idx] = z / sd
    return float(nll + prior), grad + prior_grad
