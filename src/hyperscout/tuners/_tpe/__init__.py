"""The Tree-structured Parzen Estimator tuner (NNI name ``TPE``)."""

from ._tuner import TPETuner

__all__ = ["TPETuner"]
