"""Gaussian-process Bayesian optimisation (NNI name ``GPTuner``)."""

from ._tuner import GPTuner

__all__ = ["GPTuner"]
