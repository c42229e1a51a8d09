"""The training loss shares one network call between the values-only conditions.

``PinnModule.condition_losses`` with grouping (the default) and without it give the same losses
and gradients (weights and unknowns) on an inverse problem with a ``data`` condition, under
causal weighting and minibatching, and the grouped loss calls the network once fewer per
additional values-only condition.
"""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.solver.api import build_module
from pinnlang.solver.settings import resolve_settings

from .conftest import INVERSE, write_observations

TOLERANCE = dict(rtol=1e-5, atol=1e-6)


class CountingForward:
    """The module's network function, counting its calls."""

    def __init__(self, forward):
        self.forward, self.calls = forward, 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.forward(x)


def _losses_and_gradient(module, batches, group: bool, count: bool):
    """Losses, gradient of their sum over every parameter (unknowns included) and, with
    ``count``, the network calls (a counting wrapper hides the MLP from the forward engine,
    which then falls back to autograd: count only under autograd)."""
    module.group_values = group
    previous = module._forward
    counting = CountingForward(previous)
    if count:
        module._set_forward(counting)
    try:
        losses = torch.stack(module.condition_losses(batches))
    finally:
        module._set_forward(previous)
    parameters = list(module.parameters())
    grads = torch.autograd.grad(losses.sum(), parameters, allow_unused=True, materialize_grads=True)
    return losses.detach(), torch.cat([g.reshape(-1) for g in grads]), counting.calls


@pytest.mark.parametrize("engine", ["autograd", "forward"])
@pytest.mark.parametrize("options", [{}, {"causal": 1.0, "batch_size": 16}],
                         ids=["plain", "causal-minibatch"])
def test_grouped_training_loss_equals_per_condition_loss(tmp_path, engine, options):
    write_observations(tmp_path, n=40)
    path = tmp_path / "inverse.pinn"
    path.write_text(INVERSE)
    problem = pinnlang.load(str(path))
    settings = resolve_settings(problem.settings, {"width": 12, "depth": 2, "points": 32, **options})
    module = build_module(problem, settings)
    module.use_engine(engine)
    assert module.group_values  # the default
    with torch.no_grad():
        module.unknowns["k"].fill_(0.7)  # away from the initial guess, so its gradient matters
    batches = module.current_batches(0)
    if options:
        assert all(len(b) == 16 for b in batches.values())
    count = engine == "autograd"
    loss_a, grad_a, calls_a = _losses_and_gradient(module, batches, False, count)
    loss_g, grad_g, calls_g = _losses_and_gradient(module, batches, True, count)
    torch.testing.assert_close(loss_g, loss_a, **TOLERANCE)
    torch.testing.assert_close(grad_g, grad_a, **TOLERANCE)
    assert grad_a.abs().max() > 0
    if count:  # pde, initial, boundary, data: the last three share one call
        assert (calls_a, calls_g) == (4, 2)
