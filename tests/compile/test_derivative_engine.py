"""Every derivative form, computed through the compiled residual and the engine, against closed
forms; and the number of backward passes the derivative tree needs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnlang.compile import AutogradEngine, Batch, DerivativePlan, compile_problem
from pinnlang.geometry import Box, Disk, Interval, Rectangle
from pinnlang.problem import dn

from .builders import CountingGrad, boundary, pde, problem_with, t, u, v, x, y, z

F64 = torch.float64


def closed_xt(X: torch.Tensor) -> torch.Tensor:
    """u(x, t) = sin(2x) exp(t/2) + x^3 t^2."""
    xs, ts = X[:, 0], X[:, 1]
    return (torch.sin(2 * xs) * torch.exp(0.5 * ts) + xs**3 * ts**2).unsqueeze(-1)


def points_xt(n: int = 64) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    unit = torch.rand(n, 2, generator=g, dtype=F64)
    return unit * torch.tensor([2.0, 1.0], dtype=F64) - torch.tensor([1.0, 0.0], dtype=F64)


U = u(x, t)


def residual_of(lhs, net, X, **problem):
    """The residual of ``pde: lhs = 0`` at ``X`` (float64)."""
    compiled = compile_problem(problem_with(pde(lhs), **problem), dtype=F64)
    (cond,) = compiled.conditions
    return cond.residual(net, Batch(X), {})[:, 0]


@pytest.mark.parametrize(
    "name,lhs,expected",
    [
        ("u_x", U.diff(x), lambda s, w, e: 2 * torch.cos(2 * s) * e + 3 * s**2 * w**2),
        ("u_t", U.diff(t), lambda s, w, e: 0.5 * torch.sin(2 * s) * e + 2 * s**3 * w),
        ("u_xx", U.diff(x, 2), lambda s, w, e: -4 * torch.sin(2 * s) * e + 6 * s * w**2),
        ("u_xt", U.diff(x, t), lambda s, w, e: torch.cos(2 * s) * e + 6 * s**2 * w),
        ("u_tx", sp.Derivative(U, t, x), lambda s, w, e: torch.cos(2 * s) * e + 6 * s**2 * w),
        ("u_xxx", U.diff(x, 3), lambda s, w, e: -8 * torch.cos(2 * s) * e + 6 * w**2),
        ("u_xxxx", U.diff(x, 4), lambda s, w, e: 16 * torch.sin(2 * s) * e),
        ("u_xxtt", U.diff(x, 2, t, 2), lambda s, w, e: -torch.sin(2 * s) * e + 12 * s),
        ("u_xttt", U.diff(x, t, 3), lambda s, w, e: 0.25 * torch.cos(2 * s) * e),
    ],
)
def test_derivative_forms_match_closed_forms(name, lhs, expected):
    X = points_xt()
    got = residual_of(lhs, closed_xt, X, domain=Interval(-1, 1), time=(0, 1))
    s, w = X[:, 0], X[:, 1]
    torch.testing.assert_close(got, expected(s, w, torch.exp(0.5 * w)), rtol=1e-12, atol=1e-12)


def test_derivatives_of_expressions_after_sympy_diff():
    X = points_xt()
    s, w = X[:, 0], X[:, 1]
    value = closed_xt(X)[:, 0]
    ux = 2 * torch.cos(2 * s) * torch.exp(0.5 * w) + 3 * s**2 * w**2
    uxx = -4 * torch.sin(2 * s) * torch.exp(0.5 * w) + 6 * s * w**2
    problem = dict(domain=Interval(-1, 1), time=(0, 1))
    first = sp.diff(U**2, x)  # 2*u*Derivative(u, x), as the parser builds d(u^2, x)
    assert first == 2 * U * U.diff(x)
    torch.testing.assert_close(residual_of(first, closed_xt, X, **problem), 2 * value * ux)
    second = sp.diff(U**2, x, 2)
    torch.testing.assert_close(
        residual_of(second, closed_xt, X, **problem), 2 * ux**2 + 2 * value * uxx
    )
    product = sp.diff(sp.sin(U) * x, x)
    torch.testing.assert_close(
        residual_of(product, closed_xt, X, **problem), torch.sin(value) + s * torch.cos(value) * ux
    )


def test_unevaluated_derivative_of_an_expression_is_carried_out():
    X = points_xt()
    s, w = X[:, 0], X[:, 1]
    value = closed_xt(X)[:, 0]
    ux = 2 * torch.cos(2 * s) * torch.exp(0.5 * w) + 3 * s**2 * w**2
    lhs = sp.Derivative(U**3, x)
    got = residual_of(lhs, closed_xt, X, domain=Interval(-1, 1), time=(0, 1))
    torch.testing.assert_close(got, 3 * value**2 * ux)


def test_laplacian_in_two_and_three_dimensions():
    g = torch.Generator().manual_seed(1)
    X2 = torch.rand(50, 2, generator=g, dtype=F64)
    lap2 = sum(sp.Derivative(u(x, y), c, 2) for c in (x, y))

    def net2(P):
        a, b = P[:, 0], P[:, 1]
        return (torch.sin(a) * torch.cosh(b) + a**2 * b**3).unsqueeze(-1)

    got2 = residual_of(lap2, net2, X2, space=(x, y), domain=Rectangle((0, 1), (0, 1)))
    torch.testing.assert_close(got2, 2 * X2[:, 1] ** 3 + 6 * X2[:, 0] ** 2 * X2[:, 1])

    X3 = torch.rand(50, 3, generator=g, dtype=F64)
    lap3 = sum(sp.Derivative(u(x, y, z), c, 2) for c in (x, y, z))

    def net3(P):
        a, b, c = P[:, 0], P[:, 1], P[:, 2]
        return (torch.exp(a) * torch.sin(b) * c**2 + a * b * c).unsqueeze(-1)

    box = Box((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    got3 = residual_of(lap3, net3, X3, space=(x, y, z), domain=box)
    torch.testing.assert_close(got3, 2 * torch.exp(X3[:, 0]) * torch.sin(X3[:, 1]))


def test_normal_derivative_on_a_disk():
    problem = problem_with(boundary(dn(u(x, y))), space=(x, y), domain=Disk((0.0, 0.0), 1.0))
    (cond,) = compile_problem(problem, dtype=F64).conditions
    batch = cond.sample(300, np.random.default_rng(0))
    P = batch.x
    torch.testing.assert_close(P.norm(dim=1), torch.ones(300, dtype=F64))
    torch.testing.assert_close(batch.normals, P)  # outward unit normal of the unit disk

    def net(Q):
        return (Q[:, 0] ** 2 + 3 * Q[:, 1]).unsqueeze(-1)

    got = cond.residual(net, batch, {})[:, 0]
    torch.testing.assert_close(got, 2 * P[:, 0] ** 2 + 3 * P[:, 1])


def test_normal_derivative_on_a_rectangle_face_by_face():
    problem = problem_with(
        boundary(dn(u(x, y))), space=(x, y), domain=Rectangle((0.0, 2.0), (0.0, 1.0))
    )
    (cond,) = compile_problem(problem, dtype=F64).conditions
    batch = cond.sample(400, np.random.default_rng(1))

    def net(Q):  # grad = (2 x y, x^2 + 1)
        return (Q[:, 0] ** 2 * Q[:, 1] + Q[:, 1]).unsqueeze(-1)

    got = cond.residual(net, batch, {})[:, 0]
    px, py = batch.x[:, 0], batch.x[:, 1]
    expected = torch.where(
        px == 2.0, 2 * px * py, torch.where(px == 0.0, -2 * px * py,
        torch.where(py == 1.0, px**2 + 1, -(px**2 + 1)))
    )
    assert {float(a) for a in batch.x[:, 0] if a in (0.0, 2.0)} == {0.0, 2.0}
    torch.testing.assert_close(got, expected)


def test_several_fields_have_their_own_derivatives():
    def net(P):
        a, b = P[:, 0], P[:, 1]
        return torch.stack([a**2 * b, torch.sin(a) + b**3], dim=-1)

    X = points_xt()
    lhs = u(x, t).diff(x) * v(x, t).diff(t, 2) + v(x, t).diff(x, t)
    got = residual_of(lhs, net, X, domain=Interval(-1, 1), time=(0, 1), fields=(u, v))
    a, b = X[:, 0], X[:, 1]
    torch.testing.assert_close(got, 2 * a * b * 6 * b + 0)


def test_backward_passes_follow_the_derivative_tree(monkeypatch):
    lhs = U.diff(t) + U * U.diff(x) - U.diff(x, 2) + U.diff(x, t)
    compiled = compile_problem(problem_with(pde(lhs), domain=Interval(-1, 1), time=(0, 1)))
    (cond,) = compiled.conditions
    assert cond.plan.nodes == {0: frozenset({(), (0,), (1,), (0, 0), (0, 1)})}
    assert cond.plan.grad_calls == 2  # one for (u_x, u_t), one from u_x for (u_xx, u_xt)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    batch = cond.sample(32, np.random.default_rng(0))
    counter = CountingGrad(monkeypatch)
    evaluation = cond.evaluate(net, batch, {})
    assert evaluation.derivatives.grad_calls == 2
    assert counter.calls == 2
    evaluation.residual.square().mean().backward()  # the parameter backward is not a grad call
    assert counter.calls == 2
    assert all(p.grad is not None for p in net.parameters())


def test_fourth_order_and_two_fields_count_one_call_per_parent(monkeypatch):
    lhs = U.diff(x, 4) + v(x, t).diff(x) + v(x, t).diff(t)
    problem = problem_with(pde(lhs), domain=Interval(-1, 1), time=(0, 1), fields=(u, v))
    (cond,) = compile_problem(problem).conditions
    # u: (), (0,), (0,0), (0,0,0) have children; v: only ().
    assert cond.plan.grad_calls == 4 + 1
    counter = CountingGrad(monkeypatch)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    evaluation = cond.evaluate(net, cond.sample(16, np.random.default_rng(0)), {})
    assert evaluation.derivatives.grad_calls == counter.calls == 5


def test_without_create_graph_the_leaves_are_detached_for_checks():
    problem = problem_with(pde(U.diff(x, 2)), domain=Interval(-1, 1), time=(0, 1))
    (cond,) = compile_problem(problem).conditions
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    batch = cond.sample(16, np.random.default_rng(0))
    trained = cond.residual(net, batch, {})
    checked = cond.residual(net, batch, {}, create_graph=False)
    assert trained.requires_grad and not checked.requires_grad
    torch.testing.assert_close(trained.detach(), checked)


def test_plan_closes_under_parents_and_merges():
    plan = DerivativePlan.from_requests(3, [(0, (2, 0, 0)), (1, (1,))])
    assert plan.nodes[0] == frozenset({(), (0,), (0, 0), (0, 0, 2)})
    assert plan.parents(0) == [(), (0,), (0, 0)]
    assert plan.children(0, (0, 0)) == [(0, 0, 2)]
    merged = plan.merge(DerivativePlan.from_requests(3, [(0, (0, 1))]))
    assert (0, 1) in merged.nodes[0] and merged.grad_calls == 3 + 1
    with pytest.raises(ValueError, match="out of range"):
        DerivativePlan.from_requests(2, [(0, (2,))])


def test_a_field_independent_of_the_inputs_has_zero_derivatives(monkeypatch):
    plan = DerivativePlan.from_requests(2, [(0, (0, 1))])
    X = points_xt(8)

    def constant(P):
        return torch.full((P.shape[0], 1), 3.0, dtype=P.dtype)

    counter = CountingGrad(monkeypatch)
    values = AutogradEngine().evaluate(constant, X, plan)
    assert counter.calls == 0
    torch.testing.assert_close(values.get(0, (1, 0)), torch.zeros(8, dtype=F64))
    with pytest.raises(KeyError, match="not planned"):
        values.get(0, (1, 1))
