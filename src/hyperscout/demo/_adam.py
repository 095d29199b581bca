"""Adam (Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization") in a few lines.

Why not ``torch.optim.Adam``: building any ``torch.optim`` optimizer imports
``torch._dynamo`` (torch 2.x), which takes about 2 s on a small CPU machine; that would be
a third of a demo trial's run time, paid again by every trial process.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class Adam:
    """Adam with bias correction; same defaults and update as ``torch.optim.Adam``.

    Example:
        >>> w = torch.ones(2, requires_grad=True)
        >>> optimizer = Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w.detach()
        tensor([0.9000, 0.9000])
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        *,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.n_steps = 0
        self.m = [torch.zeros_like(p) for p in self.params]  # first moment of the gradient
        self.v = [torch.zeros_like(p) for p in self.params]  # second moment

    @torch.no_grad()
    def step(self) -> None:
        """Move every parameter that has a gradient one step."""
        self.n_steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.n_steps)
        v_correction = 1 - beta2**self.n_steps
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            m.lerp_(p.grad, 1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            p.addcdiv_(m, (v / v_correction).sqrt_().add_(self.eps), value=-step_size)

    def zero_grad(self) -> None:
        """Forget the gradients, before the next backward pass."""
        for p in self.params:
            p.grad = None
