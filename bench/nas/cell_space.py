"""A cell space in the style of NAS-Bench-201 (Dong & Yang, ICLR 2020), sized for
Fashion-MNIST on a CPU: six decisions, 5^6 = 15,625 architectures.

The cell is a DAG of four nodes: node 0 is the cell's input, and node j sums one operation
applied to each earlier node. Each of the six edges picks its operation among `none`
(the edge is cut), `skip`, `conv1x1`, `conv3x3` and `avgpool3x3`; the same cell is used
at both stages. Unlike the FashionCNN space, most architectures are poor here (edges cut,
no convolution on the path to the output) and the good ones are few, as in the published
cell spaces: the case where a search strategy, not the first random draws, decides.

    stem (conv 3x3, 16 channels, /2) -> cell -> reduction (/2, 32 channels) -> cell -> head
"""

from __future__ import annotations

import torch
from torch import nn

from hyperscout import nas

OPS = ("none", "skip", "conv1x1", "conv3x3", "avgpool3x3")
N_NODES = 4


class Zero(nn.Module):
    """The cut edge: contributes nothing to the sum."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def _relu_conv_bn(c: int, kernel: int) -> nn.Module:
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(c))


def _edge(c: int, label: str) -> nn.Module:
    return nas.LayerChoice({
        "none": lambda: Zero(),
        "skip": lambda: nn.Identity(),
        "conv1x1": lambda: _relu_conv_bn(c, 1),
        "conv3x3": lambda: _relu_conv_bn(c, 3),
        "avgpool3x3": lambda: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
    }, label=label)


class Cell(nn.Module):
    """Node j = sum over i < j of edge (j, i) applied to node i; the last node is the
    output. The edges' labels are shared by every cell, so one architecture is one cell."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.edges = nn.ModuleDict({
            f"{j}_{i}": _edge(c, f"edge_{j}_{i}") for j in range(1, N_NODES) for i in range(j)
        })

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, N_NODES):
            nodes.append(sum(self.edges[f"{j}_{i}"](nodes[i]) for i in range(j)))
        return nodes[-1]


class Reduction(nn.Module):
    """A residual block that halves the resolution and doubles the channels (fixed)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out),
            nn.ReLU(), nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class CellNet(nn.Module):
    """28x28 grey images -> 10 logits."""

    def __init__(self, channels: int = 16, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, channels, 3, 2, 1, bias=False),
                                  nn.BatchNorm2d(channels))  # 14x14
        self.cell1 = Cell(channels)
        self.reduce = Reduction(channels, 2 * channels)  # 7x7
        self.cell2 = Cell(2 * channels)
        self.head = nn.Sequential(nn.BatchNorm2d(2 * channels), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(2 * channels, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.cell2(self.reduce(self.cell1(self.stem(x)))))


def model_space() -> nas.ModelSpace:
    return nas.ModelSpace(CellNet, example_input=torch.zeros(2, 1, 28, 28))
