"""The demo's hand-written Adam matches ``torch.optim.Adam``."""

from __future__ import annotations

import doctest

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow

from hyperscout.demo import _adam
from hyperscout.demo._adam import Adam


@pytest.mark.parametrize("lr", [0.1, 0.001])
def test_adam_takes_the_same_steps_as_torch_optim_adam(lr):
    torch.manual_seed(0)
    ours = [torch.randn(5, 3, requires_grad=True), torch.randn(3, requires_grad=True)]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    x = torch.randn(7, 5)
    optimizers = [(Adam(ours, lr=lr), ours), (torch.optim.Adam(theirs, lr=lr), theirs)]
    for _ in range(30):
        for optimizer, (w, b) in optimizers:
            optimizer.zero_grad()
            ((x @ w + b) ** 2).sum().backward()
            optimizer.step()
    for p, q in zip(ours, theirs):
        torch.testing.assert_close(p, q)


def test_adam_skips_parameters_without_a_gradient():
    used, unused = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    optimizer = Adam([used, unused], lr=0.5)
    used.sum().backward()
    optimizer.step()
    assert torch.equal(unused.detach(), torch.ones(2))
    assert torch.allclose(used.detach(), torch.full((2,), 0.5))


def test_zero_grad_clears_the_gradients():
    w = torch.ones(2, requires_grad=True)
    optimizer = Adam([w], lr=0.1)
    w.sum().backward()
    optimizer.zero_grad()
    assert w.grad is None


def test_docstring_example_runs():
    assert doctest.testmod(_adam, raise_on_error=True).failed == 0
