"""Both derivative engines on every problem of the library: same losses, same parameter gradients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.compile import ForwardModeEngine, compile_problem
from pinnlang.compile.derivatives import LAPLACIAN
from pinnlang.models import NormalizedNet, build_model

from .builders import CountingGrad

PROBLEMS = sorted(Path("problems").glob("*.pinn"))
F64 = torch.float64


def zoo_net(compiled, seed: int = 0) -> torch.nn.Module:
    """A small zoo MLP behind the input normalisation of ``compiled`` (float64)."""
    torch.manual_seed(seed)
    body = build_model(
        "mlp", len(compiled.input_names), len(compiled.field_names), width=10, depth=3
    )
    return NormalizedNet(body, compiled.lower, compiled.upper).to(F64)


def small_batches(compiled, n: int, seed: int):
    """``n`` points per condition (whatever its ``points`` option), from a fixed rng."""
    rng = np.random.default_rng(seed)
    return {c.name: c.sample(n, rng) for c in compiled.conditions}


def losses_and_gradients(compiled, net, batches):
    unknowns = compiled.unknown_tensors()
    losses = compiled.losses(net, batches, unknowns)
    leaves = list(net.parameters()) + list(unknowns.values())
    gradients = torch.autograd.grad(
        sum(losses.values()), leaves, allow_unused=True, materialize_grads=True
    )
    return {k: v.detach() for k, v in losses.items()}, gradients


def test_the_problem_library_is_there():
    assert len(PROBLEMS) >= 20


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_engines_agree_on_losses_and_parameter_gradients(path):
    compiled = compile_problem(pinnlang.load(path), dtype=F64, engine="autograd")
    net = zoo_net(compiled)
    assert ForwardModeEngine.supports(net, compiled.plan)
    batches = small_batches(compiled, 24, seed=0)
    want_losses, want_grads = losses_and_gradients(compiled, net, batches)
    compiled.engine = "forward"
    assert all(isinstance(c.engine, ForwardModeEngine) for c in compiled.conditions)
    got_losses, got_grads = losses_and_gradients(compiled, net, batches)
    assert set(got_losses) == set(want_losses) == {c.name for c in compiled.conditions}
    for name, want in want_losses.items():
        torch.testing.assert_close(got_losses[name], want, rtol=1e-10, atol=1e-10, msg=name)
    for got, want in zip(got_grads, want_grads):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    for cond in compiled.conditions:  # the forward path itself ran, not its autograd fallback
        evaluation = cond.evaluate(net, batches[cond.name], compiled.unknown_tensors())
        assert evaluation.derivatives.grad_calls == 0


def test_a_laplacian_costs_the_forward_engine_no_backward_pass(monkeypatch):
    compiled = compile_problem(pinnlang.load("problems/poisson3d.pinn"), dtype=F64, engine="forward")
    pde = compiled.condition("pde")
    assert pde.plan.laplacians == {0: (0, 1, 2)}
    assert not any(len(m) == 2 for m in pde.plan.nodes[0])  # no u_xx, u_yy, u_zz planned
    net = zoo_net(compiled)
    batches = small_batches(compiled, 16, seed=1)
    counter = CountingGrad(monkeypatch)
    losses = compiled.losses(net, batches)
    assert counter.calls == 0 and set(losses) == {c.name for c in compiled.conditions}
    values = pde.evaluate(net, batches["pde"]).derivatives
    assert counter.calls == 0 and values.grad_calls == 0
    assert values.get(0, LAPLACIAN).shape == (16,)
    sum(losses.values()).backward()  # one ordinary backward for the parameters
    assert counter.calls == 0
    assert all(p.grad is not None for p in net.parameters())
