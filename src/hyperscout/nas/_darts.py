"""DARTS, differentiable architecture search (Liu et al., "DARTS: Differentiable
Architecture Search", ICLR 2019).

Every decision becomes a softmax over its values with learned logits (the architecture
weights): a `LayerChoice` outputs the weighted sum of all its candidates, an `InputChoice`
of all its input selections, a `Repeat` of the outputs at each of its depths, and each
operation slot of a `Cell` of every (predecessor, operation) edge it may pick. Training
alternates a step of the architecture weights on a validation batch with a step of the
network's weights on a training batch. First order takes the validation gradient at the
current weights; second order differentiates through one virtual training step (the
finite-difference approximation of the paper). The architecture exported takes the value
of largest weight for each decision.

A `ValueChoice` sizes weights rather than choosing between them, so DARTS cannot relax it:
hold it with ``fixed=`` (or search it with `SPOS` / `ENAS`, which slice shared weights).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, SearchSpaceError
from ._cell import Cell, _merge
from ._model_space import Architecture
from ._oneshot import OneShotStrategy, ValidationBatches, step_stats
from ._primitives import InputChoice, LayerChoice, Repeat, _indices, _reduce
from ._shared import SharedSupernet
from ._training import Classification


class DARTS(OneShotStrategy):
    """Differentiable architecture search (see the module docstring).

    Args:
        order: 1 (first-order approximation, faster) or 2 (unrolled, second order).
        arch_learning_rate, arch_weight_decay: Adam on the architecture weights (betas
            0.5, 0.999, as in the paper).
        grad_clip: the norm the network's gradient is clipped to (None: no clipping).
        bn_batches, eval_batches: see `OneShotStrategy` (for scoring the exported
            architecture on the shared weights).
    """

    name = "darts"

    def __init__(self, *, order: int = 1, arch_learning_rate: float = 3e-4,
                 arch_weight_decay: float = 1e-3, grad_clip: float | None = 5.0,
                 bn_batches: int = 10, eval_batches: int | None = None) -> None:
        super().__init__(bn_batches=bn_batches, eval_batches=eval_batches)
        if order not in (1, 2):
            raise ConfigError(f"`order` of DARTS must be 1 or 2, but got {order!r}.")
        if not (isinstance(arch_learning_rate, (int, float)) and arch_learning_rate > 0):
            raise ConfigError(f"`arch_learning_rate` must be a number > 0, but got "
                              f"{arch_learning_rate!r}.")
        self.order = order
        self.arch_learning_rate, self.arch_weight_decay = arch_learning_rate, arch_weight_decay
        self.grad_clip = grad_clip
        self.alphas: dict[str, torch.Tensor] = {}
        self._edges: dict[str, list[tuple[int, str]]] = {}  # cell slot -> its (p, op) pairs
        self.name = f"darts{'' if order == 1 else '-2nd'}"

    # -- relaxation ------------------------------------------------------------------------
    def prepare(self, net: SharedSupernet, training: Classification,
                rng: np.random.Generator) -> None:
        if net.value_labels:
            raise SearchSpaceError(
                f"DARTS cannot relax the ValueChoice decision(s) {net.value_labels}: they "
                "size weights rather than choose between them. Hold them with `fixed=` "
                "(for example the largest values), or search them with SPOS or ENAS, which "
                "share weights across values by slicing.")
        device = training.device
        generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
        self.alphas, self._edges = {}, {}
        space = net.search_space

        def alpha(label: str, n: int) -> torch.Tensor:
            a = (1e-3 * torch.randn(n, generator=generator)).to(device).requires_grad_()
            self.alphas[label] = a
            return a

        for module in net.net.modules():
            label = getattr(module, "label", None)
            if isinstance(module, LayerChoice) and label not in net.fixed:
                module.__dict__["_relaxed"] = _mixed_layer(alpha(label, len(module.names)))
            elif isinstance(module, InputChoice) and label not in net.fixed:
                if module.reduction == "none" or (module.n_chosen is None
                                                  and module.reduction == "concat"):
                    raise SearchSpaceError(
                        f"DARTS cannot mix InputChoice {label!r} with reduction="
                        f"{module.reduction!r}{' over subsets of any size' if module.n_chosen is None else ''}: "
                        "its selections do not give tensors of one shape. Use 'sum' or "
                        "'mean', or hold it with `fixed=`.")
                module.__dict__["_relaxed"] = _mixed_inputs(alpha(label, len(module.options)))
            elif isinstance(module, Repeat) and len(module.depths) > 1 \
                    and label not in net.fixed:
                module.__dict__["_relaxed"] = _mixed_depth(alpha(label, len(module.depths)))
            elif isinstance(module, Cell):
                if module.merge != "all":
                    raise SearchSpaceError(
                        f"DARTS needs Cell {label!r} to merge all its nodes (merge='all'): "
                        "with 'loose_end' the output depends on the wiring it searches.")
                slots = {}
                for j in range(module.n_nodes):
                    for s in range(module.n_ops_per_node):
                        key = f"{label}/slot_{j}_{s}"
                        inputs = [net.fixed[f"{label}/input_{j}_{s}"]] \
                            if f"{label}/input_{j}_{s}" in net.fixed \
                            else list(range(module.n_inputs + j))
                        ops = [net.fixed[f"{label}/op_{j}_{s}"]] \
                            if f"{label}/op_{j}_{s}" in net.fixed else module.names
                        self._edges[key] = [(p, op) for p in inputs for op in ops]
                        slots[(j, s)] = (alpha(key, len(self._edges[key])), self._edges[key])
                module.__dict__["_relaxed"] = _mixed_cell(slots)
        if not self.alphas:
            raise SearchSpaceError(
                "DARTS found no decision to relax in this model space (every decision is "
                f"fixed or a ValueChoice; searched: {list(space.names)}).")
        self._arch_optimizer = torch.optim.Adam(
            list(self.alphas.values()), lr=self.arch_learning_rate, betas=(0.5, 0.999),
            weight_decay=self.arch_weight_decay)
        self._val = ValidationBatches(training, int(rng.integers(2**31)))

    # -- training --------------------------------------------------------------------------
    def train_step(self, net: SharedSupernet, x: Any, y: torch.Tensor,
                   optimizer: torch.optim.Optimizer, training: Classification,
                   rng: np.random.Generator) -> tuple[float, float]:
        vx, vy = self._val.next()
        self._arch_optimizer.zero_grad(set_to_none=True)
        if self.order == 1:
            training.loss(net(vx), vy).backward(inputs=list(self.alphas.values()))
        else:
            self._unrolled_gradient(net, x, y, vx, vy, optimizer, training)
        self._arch_optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        logits = net(x)
        loss = training.loss(logits, y)
        weights = [p for p in net.parameters() if p.requires_grad]
        loss.backward(inputs=weights)
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(weights, self.grad_clip)
        optimizer.step()
        return step_stats(loss, logits, y)

    def _unrolled_gradient(self, net: SharedSupernet, x: Any, y: torch.Tensor, vx: Any,
                           vy: torch.Tensor, optimizer: torch.optim.Optimizer,
                           training: Classification) -> None:
        """The architecture gradient through one virtual SGD step of the weights,
        dL_val(w', a)/da - xi * d2L_train(w, a)/da dw . dL_val(w', a)/dw', with the
        Hessian-vector product taken by finite differences (DARTS, eq. 7-8)."""
        weights = [p for p in net.parameters() if p.requires_grad]
        alphas = list(self.alphas.values())
        xi = optimizer.param_groups[0]["lr"]
        decay = optimizer.param_groups[0].get("weight_decay", 0.0)
        saved = [p.detach().clone() for p in weights]
        buffers = [b.detach().clone() for b in net.buffers()]
        grads = torch.autograd.grad(training.loss(net(x), y), weights, allow_unused=True)
        with torch.no_grad():
            for p, g in zip(weights, grads):
                if g is not None:
                    p.sub_(xi * (g + decay * p))
        val_loss = training.loss(net(vx), vy)
        found = torch.autograd.grad(val_loss, alphas + weights, allow_unused=True)
        d_alpha, d_weight = found[:len(alphas)], found[len(alphas):]
        with torch.no_grad():
            for p, s in zip(weights, saved):
                p.copy_(s)
        norm = torch.sqrt(sum((g * g).sum() for g in d_weight if g is not None))
        eps = 0.01 / float(norm) if float(norm) > 0 else 0.0

        def alpha_grad(sign: float) -> tuple[torch.Tensor | None, ...]:
            with torch.no_grad():
                for p, g in zip(weights, d_weight):
                    if g is not None:
                        p.add_(sign * eps * g)
            found = torch.autograd.grad(training.loss(net(x), y), alphas, allow_unused=True)
            with torch.no_grad():
                for p, s in zip(weights, saved):
                    p.copy_(s)
            return found

        plus, minus = alpha_grad(1.0), alpha_grad(-1.0)
        with torch.no_grad():
            for b, s in zip(net.buffers(), buffers):
                b.copy_(s)
        for a, dv, gp, gm in zip(alphas, d_alpha, plus, minus):
            grad = torch.zeros_like(a) if dv is None else dv.clone()
            if eps > 0 and gp is not None and gm is not None:
                grad -= xi * (gp - gm) / (2 * eps)
            a.grad = grad

    def end_epoch(self, net: SharedSupernet, training: Classification,
                  rng: np.random.Generator) -> dict[str, Any]:
        arch = self._argmax(net)
        confidence = [float(torch.softmax(a.detach(), 0).max()) for a in self.alphas.values()]
        return {"arch_confidence": float(np.mean(confidence)),
                "architecture": ",".join(f"{v}" for v in arch.values())}

    # -- export ----------------------------------------------------------------------------
    def _argmax(self, net: SharedSupernet) -> Architecture:
        best: dict[str, Any] = {}
        for label, a in self.alphas.items():
            k = int(torch.argmax(a.detach()))
            if label in self._edges:
                p, op = self._edges[label][k]
                cell, slot = label.rsplit("/slot_", 1)
                best[f"{cell}/input_{slot}"] = p
                best[f"{cell}/op_{slot}"] = op
            else:
                best[label] = list(net.search_space[label].grid_values())[k]
        space, arch = net.search_space, {}
        for param in space:
            if space.is_active(param.name, arch):
                arch[param.name] = best.get(param.name, net.fixed.get(param.name,
                                                                       param.default))
        return dict(space.normalize(arch))

    def export(self, net: SharedSupernet, training: Classification, rng: np.random.Generator,
               seed: int) -> tuple[list[tuple[Architecture, float]], dict[str, Any]]:
        arch = self._argmax(net)
        weights = {label: [round(float(w), 4) for w in torch.softmax(a.detach(), 0)]
                   for label, a in self.alphas.items()}
        for module in net.net.modules():
            module.__dict__.pop("_relaxed", None)
        return [(arch, self.score(net, arch, training))], {"arch_weights": weights}

    def state_dict(self) -> dict[str, Any]:
        return {"alphas": {k: a.detach().clone() for k, a in self.alphas.items()},
                "arch_optimizer": self._arch_optimizer.state_dict(),
                "validation": self._val.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for key, value in state["alphas"].items():
                self.alphas[key].copy_(value)
        self._arch_optimizer.load_state_dict(state["arch_optimizer"])
        self._val.load_state_dict(state["validation"])


def _weighted(weights: torch.Tensor, outputs: list[torch.Tensor]) -> torch.Tensor:
    total = weights[0] * outputs[0]
    for w, out in zip(weights[1:], outputs[1:]):
        total = total + w * out
    return total


def _mixed_layer(alpha: torch.Tensor) -> Callable[..., Any]:
    def forward(module: LayerChoice, *args: Any, **kwargs: Any) -> torch.Tensor:
        outputs = [module.candidates[str(n)](*args, **kwargs) for n in module.names]
        return _weighted(torch.softmax(alpha, 0), outputs)
    return forward


def _mixed_inputs(alpha: torch.Tensor) -> Callable[..., Any]:
    def forward(module: InputChoice, inputs: list[torch.Tensor]) -> torch.Tensor:
        outputs = [_reduce([inputs[i] for i in _indices(option)], module.reduction)
                   for option in module.options]
        return _weighted(torch.softmax(alpha, 0), outputs)
    return forward


def _mixed_depth(alpha: torch.Tensor) -> Callable[..., Any]:
    def forward(module: Repeat, x: torch.Tensor) -> torch.Tensor:
        outputs, depth = [], 0
        for d in module.depths:
            while depth < d:
                x = module.blocks[depth](x)
                depth += 1
            outputs.append(x)
        return _weighted(torch.softmax(alpha, 0), outputs)
    return forward


def _mixed_cell(slots: dict[tuple[int, int], tuple[torch.Tensor, list[tuple[int, str]]]]
                ) -> Callable[..., Any]:
    def forward(module: Cell, states: list[torch.Tensor]) -> torch.Tensor:
        for j in range(module.n_nodes):
            node = []
            for s in range(module.n_ops_per_node):
                alpha, edges = slots[(j, s)]
                outputs = [module.edges[f"{j}_{s}_{p}"][op](states[p]) for p, op in edges]
                node.append(_weighted(torch.softmax(alpha, 0), outputs))
            total = node[0]
            for t in node[1:]:
                total = total + t
            states.append(total)
        return _merge(states, module.active, module.n_inputs, module.merge)
    return forward
