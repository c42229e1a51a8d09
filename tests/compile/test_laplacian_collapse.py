"""Spatial Laplacians are recognised in residuals and planned as one value."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnlang.compile import AutogradEngine, Batch, DerivativePlan, compile_problem
from pinnlang.compile.derivatives import LAPLACIAN
from pinnlang.compile.forward_engine import ForwardLayout, ForwardModeEngine
from pinnlang.compile.normalize import CollapsedLaplacian, SymbolTable, collapse_laplacians
from pinnlang.geometry import Box, Interval, Rectangle
from pinnlang.models import NormalizedNet, build_model
from pinnlang.problem import Unknown, laplacian

from .builders import CountingGrad, pde, problem_with, t, u, v, x, y, z

k = sp.Symbol("k")
U, V = u(x, y, t), v(x, y, t)
SQUARE = Rectangle((0.0, 1.0), (0.0, 1.0))


def table_xy() -> SymbolTable:
    return SymbolTable.of(problem_with(space=(x, y), domain=SQUARE, time=(0, 1), fields=(u, v)))


def lap(f):
    return f.diff(x, 2) + f.diff(y, 2)


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lap(U), CollapsedLaplacian(U)),
        (-lap(U), -CollapsedLaplacian(U)),
        (k * lap(U), k * CollapsedLaplacian(U)),
        (U.diff(t) - sp.Rational(1, 10) * lap(U) + U**3,
         U.diff(t) - sp.Rational(1, 10) * CollapsedLaplacian(U) + U**3),
        (sp.sin(lap(U)) + lap(V) / 7, sp.sin(CollapsedLaplacian(U)) + CollapsedLaplacian(V) / 7),
        (U.diff(x, 2) + 2 * U.diff(y, 2), U.diff(x, 2) + 2 * U.diff(y, 2)),  # anisotropic
        (U.diff(x, 2) + V.diff(y, 2), U.diff(x, 2) + V.diff(y, 2)),  # two fields
        (U.diff(x, 2) + U.diff(y, 1), U.diff(x, 2) + U.diff(y)),
    ],
)
def test_collapse_recognises_the_laplacian_forms(expr, expected):
    assert collapse_laplacians(expr, table_xy()) == expected


def test_one_space_dimension_has_nothing_to_collapse():
    table = SymbolTable.of(problem_with(domain=Interval(0.0, 1.0)))
    assert collapse_laplacians(u(x).diff(x, 2), table) == u(x).diff(x, 2)


def zoo(in_dim, out_dim, lower, upper):
    torch.manual_seed(3)
    body = build_model("mlp", in_dim, out_dim, width=8, depth=2, activation="sin")
    return NormalizedNet(body, lower, upper).double()


def test_laplacian_with_an_unknown_coefficient_plans_one_value_and_matches(monkeypatch):
    problem = problem_with(
        pde(U.diff(t), k * laplacian(U, (x, y)) + U**2),
        space=(x, y), domain=SQUARE, time=(0, 1), unknowns=(Unknown(k, 0.7),),
    )
    compiled = compile_problem(problem, dtype=torch.float64)
    (cond,) = compiled.conditions
    assert cond.plan.laplacians == {0: (0, 1)}
    assert cond.plan.nodes[0] == frozenset({(), (2,)})
    assert cond.plan.expanded.nodes[0] >= {(0, 0), (1, 1)}
    net = zoo(3, 1, compiled.lower, compiled.upper)
    batch = cond.sample(20, np.random.default_rng(0))
    unknowns = compiled.unknown_tensors()
    counter = CountingGrad(monkeypatch)
    got = cond.residual(net, batch, unknowns)
    assert counter.calls == 3  # autograd: u -> (u_x, u_y, u_t), u_x -> u_xx, u_y -> u_yy
    X = batch.x.detach().requires_grad_(True)
    value = net(X)[:, 0]
    (g,) = torch.autograd.grad(value.sum(), X, create_graph=True)
    (gx,) = torch.autograd.grad(g[:, 0].sum(), X, create_graph=True)
    (gy,) = torch.autograd.grad(g[:, 1].sum(), X, create_graph=True)
    want = g[:, 2] - 0.7 * (gx[:, 0] + gy[:, 1]) - value**2
    torch.testing.assert_close(got[:, 0], want, rtol=0, atol=1e-12)
    compiled.engine = "forward"
    calls = counter.calls
    forward = cond.residual(net, batch, unknowns)
    assert counter.calls == calls
    torch.testing.assert_close(forward, got, rtol=0, atol=1e-10)


def test_forward_layout_collapses_only_when_the_second_derivatives_are_not_there():
    collapsed = ForwardLayout.of(DerivativePlan.from_requests(3, [(0, (2,))], {0: (0, 1, 2)}))
    assert not collapsed.summed_laplacian and collapsed.request.laplacian == (0, 1, 2)
    assert all(len(m) == 1 for m in collapsed.request.derivatives)
    # u_xx and u_yy are read elsewhere: adding u_zz is no more than the collapsed channel
    plan = DerivativePlan.from_requests(3, [(0, (0, 0)), (1, (1, 1))], {0: (0, 1, 2)})
    summed = ForwardLayout.of(plan)
    assert summed.summed_laplacian and summed.request.laplacian == ()
    assert {(0, 0), (1, 1), (2, 2)} <= set(summed.request.derivatives)
    net = zoo(3, 2, [0.0, 0.0, 0.0], [1.0, 2.0, 1.0])
    X = torch.rand(12, 3, dtype=torch.float64)
    for p in (plan, collapsed_plan := DerivativePlan.from_requests(3, [(0, (2,))], {0: (0, 1, 2)})):
        got = ForwardModeEngine().evaluate(net, X, p)
        want = AutogradEngine().evaluate(net, X, p)
        assert got.grad_calls == 0 and want.grad_calls > 0
        for key in [(0, LAPLACIAN)] + [(f, m) for f, ms in p.nodes.items() for m in ms]:
            torch.testing.assert_close(got.get(*key), want.get(*key), rtol=0, atol=1e-10)
    assert collapsed_plan.grad_calls == 4 and collapsed_plan.max_order == 2


def test_laplacian_of_both_fields_and_merging():
    a = DerivativePlan.from_requests(2, [(0, (0,))], {0: (1, 0)})
    b = DerivativePlan.from_requests(2, [], {1: (0, 1)})
    merged = a.merge(b)
    assert merged.laplacians == {0: (0, 1), 1: (0, 1)} and set(merged.nodes) == {0, 1}
    with pytest.raises(ValueError, match="planned over axes"):
        a.merge(DerivativePlan.from_requests(2, [], {0: (0,)}))
    with pytest.raises(ValueError, match="out of range"):
        DerivativePlan.from_requests(2, [], {0: (0, 2)})


def test_scale_of_a_harmonic_field_compares_the_second_derivatives_one_by_one():
    problem = problem_with(pde(-laplacian(u(x, y, z), (x, y, z)), 0), space=(x, y, z),
                           domain=Box((0.0,) * 3, (1.0,) * 3))
    compiled = compile_problem(problem, dtype=torch.float64)
    (cond,) = compiled.conditions
    assert cond.plan.laplacians == {0: (0, 1, 2)}

    def harmonic(X):  # x² - y² + 0 z²: Laplacian 0, second derivatives ±2
        return (X[:, 0] ** 2 - X[:, 1] ** 2 + X[:, 2]).unsqueeze(-1)

    batch = Batch(torch.rand(10, 3, dtype=torch.float64))
    evaluation = cond.evaluate(harmonic, batch, {}, create_graph=False, with_scale=True)
    torch.testing.assert_close(evaluation.residual, torch.zeros(10, 1, dtype=torch.float64))
    torch.testing.assert_close(evaluation.scale, torch.full((10, 1), 2.0, dtype=torch.float64))
