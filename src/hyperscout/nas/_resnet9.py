"""The DAWNBench ResNet-9 (Page, "How to train your ResNet", 2018) as a model space: the
channels of each stage and what each stage adds after its downsampling (nothing, one more
conv, or a residual pair of convs) are searched, with the training hyperparameters of its
fast schedule (`peak_lr`, `peak_epoch`, `label_smoothing`, `batch_size`) beside them.

Stages: prep (conv-bn-relu), layer1 (conv-bn-relu, max-pool 2, then its addition), layer2
and layer3 likewise, then a global max-pool, a linear layer without bias and a fixed
scaling of the logits (`logits_weight`, 0.125 in the original).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ._model_space import ModelSpace
from ._primitives import LayerChoice, ValueChoice

CHANNELS = {
    "prep": [16, 32, 48, 64],
    "layer1": [28, 56, 84, 112],
    "layer2": [64, 128, 192, 256],
    "layer3": [96, 192, 288, 384],
}
"""The channel ladders of the seed's search space (prep 16..64, layer1 28..112, layer2
64..256, layer3 96..384)."""
TRAINING = {
    "peak_lr": {"_type": "choice", "_value": [0.1, 0.2, 0.4, 0.8]},
    "peak_epoch": {"_type": "choice", "_value": [0.15, 0.25, 0.35]},
    "label_smoothing": {"_type": "choice", "_value": [0.0, 0.1, 0.2]},
    "batch_size": {"_type": "choice", "_value": [256, 512]},
}
"""The training hyperparameters searched with the architecture; `peak_epoch` is the
fraction of training at which the one-cycle learning rate peaks."""


def conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class Residual(nn.Module):
    """``x + f(x)`` for two conv-bn-relu layers that keep the shape."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Mul(nn.Module):
    def __init__(self, weight: float) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


def _addition(stage: str, channels: int, default: str) -> nn.Module:
    candidates = {"none": lambda: nn.Identity(), "conv": lambda: conv_bn(channels, channels),
                  "residual": lambda: Residual(channels)}
    order = [default] + [name for name in candidates if name != default]
    return LayerChoice({name: candidates[name] for name in order}, label=f"{stage}_add")


class ResNet9(nn.Module):
    """The ResNet-9 space: images ``[N, in_channels, H, W]`` -> ``classes`` logits. The
    defaults (first values) are the smallest network; the original is prep 64, layer1 128
    (here 112), layer2 256, layer3 384 (here the largest), residual on layers 1 and 3."""

    def __init__(self, classes: int = 10, in_channels: int = 3, width: float = 1.0) -> None:
        super().__init__()
        c = {stage: max(1, round(ValueChoice(values, label=f"{stage}_channels") * width))
             for stage, values in CHANNELS.items()}
        self.prep = conv_bn(in_channels, c["prep"])
        stages = []
        previous = c["prep"]
        for stage, default in (("layer1", "residual"), ("layer2", "none"),
                               ("layer3", "residual")):
            stages.append(nn.Sequential(conv_bn(previous, c[stage]), nn.MaxPool2d(2),
                                        _addition(stage, c[stage], default)))
            previous = c[stage]
        self.layers = nn.Sequential(*stages)
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.linear = nn.Linear(previous, classes, bias=False)
        self.scale = Mul(ValueChoice([0.125, 0.0625, 0.25], label="logits_weight"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.layers(self.prep(x))).flatten(1)
        return self.scale(self.linear(x))


def resnet9_space(*, classes: int = 10, in_channels: int = 3, width: float = 1.0,
                  image_size: int = 32, training: Any = TRAINING) -> ModelSpace:
    """The ResNet-9 model space with its training hyperparameters, checked on an image of
    `image_size`. `width` scales every channel count (0.25 for quick CPU runs)."""
    return ModelSpace(ResNet9, classes=classes, in_channels=in_channels, width=width,
                      example_input=torch.zeros(2, in_channels, image_size, image_size),
                      hyperparameters=training)
