"""Values-only conditions share one network call and give the per-condition residuals.

Every ``problems/*.pinn`` is evaluated in float32 with a small zoo MLP, once condition by
condition and once with the values-only conditions grouped: the residuals, the losses and the
gradients of their sum (network weights and unknowns) agree, and the network is called once
for the whole group.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.compile.derivatives import DerivativePlan, DerivativeValues
from pinnlang.compile.grouping import condition_residuals, shared_call
from pinnlang.solver.network import build_body, wrap

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.pinn"))
POINTS = 24
TOLERANCE = dict(rtol=1e-5, atol=1e-6)


class CountingNet:
    """``net`` that counts its calls and the rows it was called on."""

    def __init__(self, net):
        self.net, self.calls, self.rows = net, 0, 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.rows += x.shape[0]
        return self.net(x)


def _setup(path: Path, engine: str):
    problem = pinnlang.load(str(path))
    compiled = pinnlang.compile_problem(problem, dtype=torch.float32, engine=engine)
    torch.manual_seed(0)
    activation = str(problem.settings.get("activation", "tanh"))
    body = build_body("mlp", len(compiled.input_names), len(compiled.field_names),
                      {"width": 12, "depth": 2, "activation": activation})
    net = wrap(body, compiled.lower, compiled.upper)
    batches = compiled.sample(np.random.default_rng(0), points=POINTS)
    return compiled, net, batches


def _residuals_and_gradient(compiled, net, call, batches, group):
    unknowns = compiled.unknown_tensors(requires_grad=True)
    residuals = condition_residuals(compiled.conditions, call, batches, unknowns, group=group)
    losses = torch.stack([r.square().mean() for r in residuals])
    leaves = list(net.parameters()) + list(unknowns.values())
    grads = torch.autograd.grad(losses.sum(), leaves, allow_unused=True, materialize_grads=True)
    return residuals, losses, torch.cat([g.reshape(-1) for g in grads])


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_grouped_residuals_equal_per_condition_ones_with_one_call_for_the_group(path):
    compiled, net, batches = _setup(path, "autograd")
    conditions = compiled.conditions
    shared = shared_call(conditions)
    alone, grouped = CountingNet(net), CountingNet(net)
    res_a, loss_a, grad_a = _residuals_and_gradient(compiled, net, alone, batches, group=False)
    res_g, loss_g, grad_g = _residuals_and_gradient(compiled, net, grouped, batches, group=True)
    assert [r.shape for r in res_g] == [r.shape for r in res_a]
    for cond, a, g in zip(conditions, res_a, res_g):
        torch.testing.assert_close(g, a, **TOLERANCE, msg=lambda m: f"{cond.name}: {m}")
    torch.testing.assert_close(loss_g, loss_a, **TOLERANCE)
    torch.testing.assert_close(grad_g, grad_a, **TOLERANCE)
    assert alone.calls == len(conditions)
    assert grouped.calls == len(conditions) - len(shared) + (1 if shared else 0)
    assert grouped.rows == alone.rows


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_grouping_agrees_under_the_forward_engine(path):
    compiled, net, batches = _setup(path, "forward")
    _, loss_a, grad_a = _residuals_and_gradient(compiled, net, net, batches, group=False)
    _, loss_g, grad_g = _residuals_and_gradient(compiled, net, net, batches, group=True)
    torch.testing.assert_close(loss_g, loss_a, **TOLERANCE)
    torch.testing.assert_close(grad_g, grad_a, **TOLERANCE)


def test_heat_shares_one_call_between_initial_and_boundary():
    compiled, net, batches = _setup(Path(__file__).resolve().parents[2] / "problems/heat1d.pinn",
                                    "autograd")
    assert [c.name for c in compiled.conditions] == ["pde", "initial", "boundary"]
    assert shared_call(compiled.conditions) == [1, 2]
    counting = CountingNet(net)
    condition_residuals(compiled.conditions, counting, batches)
    assert counting.calls == 2  # the pde, then initial and boundary together
    counting = CountingNet(net)
    condition_residuals(compiled.conditions, counting, batches, group=False)
    assert counting.calls == 3


def test_data_and_dirichlet_conditions_are_values_only_derivatives_and_periodic_are_not():
    inverse = pinnlang.compile_problem(pinnlang.load(str(PROBLEMS[0].parent / "diffusion_inverse.pinn")))
    assert {c.kind: c.values_only for c in inverse.conditions} == {
        "pde": False, "initial": True, "boundary": True, "data": True}
    periodic = pinnlang.compile_problem(pinnlang.load(str(PROBLEMS[0].parent / "advection_periodic.pinn")))
    assert {c.kind: c.values_only for c in periodic.conditions} == {
        "pde": False, "initial": True, "periodic": False}
    assert shared_call(periodic.conditions) == []  # one values-only condition gains nothing
    cond = periodic.condition("periodic")
    with pytest.raises(TypeError, match="PeriodicCondition"):
        cond.residual_from_values(DerivativeValues.of_values(torch.zeros(1, 2), torch.zeros(1, 1),
                                                             DerivativePlan.from_requests(2, [(0, ())])),
                                  periodic.sample(np.random.default_rng(0), points=4)["periodic"])


def test_values_of_outputs_need_a_values_only_plan():
    outputs = torch.arange(6.0).reshape(3, 2)
    values = DerivativeValues.of_values(torch.zeros(3, 1), outputs,
                                        DerivativePlan.from_requests(1, [(0, ()), (1, ())]))
    torch.testing.assert_close(values.get(1), outputs[:, 1])
    with pytest.raises(ValueError, match="order 1"):
        DerivativeValues.of_values(torch.zeros(3, 1), outputs,
                                   DerivativePlan.from_requests(1, [(0, (0,))]))
