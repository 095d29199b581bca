"""`CurveFitting` (NNI's Curvefitting; Domhan, Springenberg & Hutter, "Speeding up
Automatic Hyperparameter Optimization of Deep Neural Networks by Extrapolation of Learning
Curves", IJCAI 2015): fit parametric learning-curve models to a running trial's results,
extrapolate to the last epoch, and stop the trial if even the extrapolation will not come
near the best completed trial.

The models are families of the paper (pow3, pow4, exp4/Janoschek, Weibull, MMF, ilog2,
log-linear), each linear in its scale and offset once its shape is fixed, so each is
fitted exactly over a grid of shapes. They are combined with weights from their fit
(Akaike weights), which stands in for the paper's MCMC over the combination: far
cheaper, and it keeps the property that matters here, a poor family gets no say.
"""

from __future__ import annotations

import math

import numpy as np

from ._base import Assessor, _check_int, _check_number

_KAPPA = np.logspace(-3, 1, 25)  # rates of the exponential and MMF families
_DELTA = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0])  # their shapes
_ALPHA = np.logspace(-2, 1, 40)  # exponents of the power laws
_MAX_POINTS = 40  # a longer curve is thinned to this many points before fitting


def _families(x: np.ndarray) -> dict[str, tuple[np.ndarray, int]]:
    """name -> (basis (G, len(x), k) over a grid of G shape values, number of shape
    parameters). Each family is linear in its k coefficients once its shape is fixed."""
    ones = np.ones_like(x)
    kappa, delta = np.meshgrid(_KAPPA, _DELTA, indexing="ij")
    kappa, delta = kappa.ravel()[:, None], delta.ravel()[:, None]
    alpha = _ALPHA[:, None]

    def two(g: np.ndarray) -> np.ndarray:  # c + a * g(x), for every grid point
        return np.stack([np.broadcast_to(ones, g.shape), g], axis=-1)

    return {
        "pow3": (two(-(x[None, :] ** -alpha)), 1),  # c - a x^-alpha
        "pow4": (two(-((x[None, :] + 1.0) ** -alpha)), 1),  # c - a (x + 1)^-alpha
        "exp": (two(-np.exp(-kappa * x[None, :] ** delta)), 2),  # Janoschek / exp4
        "weibull": (two(-np.exp(-((kappa * x[None, :]) ** delta))), 2),
        "mmf": (two(-1.0 / (1.0 + (kappa * x[None, :]) ** delta)), 2),
        "ilog2": (two(-1.0 / np.log(x + 1.0))[None], 0),  # c - a / log(x + 1)
        "log_linear": (two(np.log(x))[None], 0),  # a log x + c: never saturates
    }


def extrapolate(steps: np.ndarray, values: np.ndarray, at: float) -> float | None:
    """The combined models' prediction of a (maximised) curve at step `at`, or None when
    fewer than 3 points are given or no model fits.

    Every family is fitted by variable projection: its linear coefficients by least
    squares at every point of a grid over its shape parameters, all in one batched
    solve (well under a millisecond, where iterative curve fitting takes hundreds)."""
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    if len(values) > _MAX_POINTS:  # a long curve: evenly spaced points keep its shape
        keep = np.unique(np.linspace(0, len(values) - 1, _MAX_POINTS).round().astype(int))
        steps, values = steps[keep], values[keep]
    n = len(values)
    if n < 3:
        return None
    x = steps - steps.min() + 1.0  # the families are written for x >= 1
    target = np.array([float(at) - steps.min() + 1.0])
    y_range = float(values.max() - values.min())
    fits = _families(x)
    at_target = _families(target)
    predictions, aics = [], []
    for name, (basis, n_shape) in fits.items():
        k = basis.shape[-1]
        if n <= k + n_shape:
            continue  # as many parameters as points: no fit to judge
        with np.errstate(all="ignore"):
            gram = np.einsum("gnk,gnl->gkl", basis, basis) + 1e-12 * np.eye(k)
            coef = np.linalg.solve(gram, np.einsum("gnk,n->gk", basis, values)[..., None])[..., 0]
            sse = ((np.einsum("gnk,gk->gn", basis, coef) - values) ** 2).sum(axis=1)
            pred = np.einsum("gk,gk->g", at_target[name][0][:, 0, :], coef)
        ok = np.isfinite(sse) & np.isfinite(pred)
        if not ok.any():
            continue
        best = int(np.argmin(np.where(ok, sse, np.inf)))
        # an extrapolation far outside what the curve has shown is a failed fit
        if abs(pred[best] - values[-1]) > 10 * max(y_range, 1e-9) + 1e-12:
            continue
        predictions.append(float(pred[best]))
        aics.append(n * math.log(max(float(sse[best]) / n, 1e-300)) + 2 * (k + n_shape))
    if not predictions:
        return None
    aic = np.array(aics)
    weights = np.exp(-0.5 * (aic - aic.min()))
    return float(np.dot(weights, predictions) / weights.sum())


class CurveFitting(Assessor):
    """Learning-curve extrapolation.

    Args:
        direction: "maximize" or "minimize".
        epoch_num: The step the trials run to (the extrapolation's target).
        start_step: The first step at which a trial is judged (at least 3 points are
            needed to fit a curve).
        threshold: Stop when the extrapolated final value is worse than the best
            completed final value by more than ``1 - threshold`` of its size (NNI's
            `threshold` times the best, for positive accuracies; for minimised metrics,
            the best divided by `threshold`).
        gap: Judge every `gap` steps after `start_step`, not at every report.
    """

    name = "curvefitting"

    def __init__(self, direction: str = "maximize", *, epoch_num: int, start_step: int = 6,
                 threshold: float = 0.95, gap: int = 1) -> None:
        super().__init__(direction, start_step=start_step)
        _check_int(self.name, "epoch_num", epoch_num, 1)
        _check_int(self.name, "gap", gap, 1)
        _check_number(self.name, "threshold", threshold)
        if not 0 < threshold <= 1:
            from ..errors import ConfigError

            raise ConfigError(f"curvefitting option `threshold` must be in (0, 1], but got "
                              f"{threshold!r}.")
        self.epoch_num, self.threshold, self.gap = epoch_num, threshold, gap

    def _assess(self, trial: int, curve: list[tuple[int, float]]) -> str | None:
        step = curve[-1][0]
        if (step - self.start_step) % self.gap or len(curve) < 3 or step >= self.epoch_num:
            return None
        best = self._best_completed()
        if best is None:
            return None
        sign = 1.0 if self.direction == "maximize" else -1.0
        steps = np.array([s for s, _ in curve])
        values = sign * np.array([v for _, v in curve])
        predicted = extrapolate(steps, values, self.epoch_num)
        if predicted is None:
            return None
        predicted *= sign
        # the best scaled by `threshold` (NNI's rule for accuracies), by its size so that a
        # negative metric (a negated loss) moves the bar away from the best too
        bar = (best - (1.0 - self.threshold) * abs(best) if self.direction == "maximize"
               else best + (1.0 / self.threshold - 1.0) * abs(best))
        if (predicted < bar) if self.direction == "maximize" else (predicted > bar):
            return (f"curve fitting at step {step}: predicted {predicted:.6g} at step "
                    f"{self.epoch_num}, worse than {bar:.6g} ({self.threshold:g} of the best "
                    f"{best:.6g})")
        return None

    def _best_completed(self) -> float | None:
        finals = [self.curves[t][-1][1] for t in self.completed if self.curves.get(t)]
        if not finals:
            return None
        return max(finals) if self.direction == "maximize" else min(finals)


