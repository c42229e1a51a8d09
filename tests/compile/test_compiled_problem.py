"""The CompiledProblem contract: names, input box, losses, unknowns, exact_fn, evaluation
points, pluggable derivative engines, and compile-time errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnlang.compile import (
    AutogradEngine,
    CompiledProblem,
    DerivativeEngine,
    DerivativeValues,
    compile_problem,
)
from pinnlang.compile.derivatives import available_engines, make_engine
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import Disk, Interval, Rectangle
from pinnlang.problem import Condition, Param, Unknown, dn

from .builders import boundary, initial, pde, problem_with, t, u, v, x, y

a, k = sp.symbols("a k")


def diffusion():
    U = u(x, t, a)
    return problem_with(
        pde(U.diff(t), k * a * U.diff(x, 2)), initial(U, sp.sin(sp.pi * x)), boundary(U, 0),
        domain=Interval(0.0, 1.0), time=(0.0, 2.0), params=(Param(a, 1.0, 3.0),),
        unknowns=(Unknown(k, 0.7),), exact={"u": sp.exp(-k * a * sp.pi**2 * t) * sp.sin(sp.pi * x)},
    )


def mlp(in_dim: int, out_dim: int = 1) -> torch.nn.Module:
    torch.manual_seed(0)
    layers = [torch.nn.Linear(in_dim, 16), torch.nn.Tanh(), torch.nn.Linear(16, out_dim)]
    return torch.nn.Sequential(*layers)


def test_names_box_and_unknowns():
    compiled = compile_problem(diffusion())
    assert isinstance(compiled, CompiledProblem)
    assert compiled.input_names == ("x", "t", "a") and compiled.field_names == ("u",)
    assert compiled.unknown_names == ("k",) and compiled.unknown_initial == {"k": 0.7}
    assert compiled.lower.tolist() == [0.0, 0.0, 1.0] and compiled.upper.tolist() == [1.0, 2.0, 3.0]
    assert compiled.lower.dtype == torch.float32
    assert [c.kind for c in compiled.conditions] == ["pde", "initial", "boundary"]
    assert compiled.condition("initial").kind == "initial"
    assert compiled.plan.nodes == {0: frozenset({(), (0,), (0, 0), (1,)})}


def test_losses_are_mean_squared_residuals_and_reach_the_unknowns():
    compiled = compile_problem(diffusion())
    batches = compiled.sample(np.random.default_rng(0), points=64)
    sizes = {name: len(b) for name, b in batches.items()}
    assert sizes == {"pde": 64, "initial": 64, "boundary": 64}
    net = mlp(3)
    unknowns = compiled.unknown_tensors()
    losses = compiled.losses(net, batches, unknowns)
    for cond in compiled.conditions:
        residual = cond.residual(net, batches[cond.name], unknowns)
        torch.testing.assert_close(losses[cond.name], residual.square().mean())
    sum(losses.values()).backward()
    assert unknowns["k"].grad is not None and unknowns["k"].grad != 0
    assert all(p.grad is not None for p in net.parameters())


def test_exact_fn_uses_all_inputs():
    compiled = compile_problem(diffusion(), dtype=torch.float64)
    X = torch.tensor([[0.5, 1.0, 2.0]], dtype=torch.float64)
    expected = np.exp(-0.7 * 2.0 * np.pi**2) * 1.0
    assert compiled.exact_fn(X).shape == (1, 1)
    assert float(compiled.exact_fn(X)[0, 0]) == pytest.approx(expected)


def test_evaluation_points_cover_the_domain_and_avoid_training_grids():
    domain = Rectangle((0.0, 2.0), (0.0, 1.0)) - Disk((1.0, 0.5), 0.25)
    compiled = compile_problem(problem_with(pde(u(x, y), 0), space=(x, y), domain=domain))
    points = compiled.evaluation_points(5000).numpy()
    assert len(points) >= 5000
    assert compiled.problem.domain.contains(points).all()
    assert points[:, 0].min() == 0 and points[:, 0].max() == 2
    training = compiled.conditions[0].sample(4900, np.random.default_rng(0), "grid").x.numpy()
    shared = {tuple(p) for p in np.round(points, 9)} & {tuple(p) for p in np.round(training, 9)}
    assert not shared
    assert torch.equal(compiled.evaluation_points(5000), compiled.evaluation_points(5000))


def test_evaluation_points_of_an_ode_and_of_many_inputs():
    ode = compile_problem(problem_with(pde(u(t).diff(t), -u(t)), space=(), time=(0.0, 3.0)))
    grid = ode.evaluation_points(100)
    assert grid.shape[1] == 1 and len(grid) >= 100 and grid.min() == 0 and grid.max() == 3
    params = tuple(Param(sp.Symbol(f"p{i}"), 0.0, 1.0) for i in range(4))
    field = u(x, *[p.symbol for p in params])
    many = problem_with(pde(field, 0), domain=Interval(0.0, 1.0), params=params)
    points = compile_problem(many).evaluation_points(1000)
    assert points.shape == (1000, 5)


def test_ode_problems_sample_time_only():
    U = u(t)
    problem = problem_with(
        pde(U.diff(t), -U), initial(U, 1), space=(), time=(0.0, 2.0), exact={"u": sp.exp(-t)}
    )
    compiled = compile_problem(problem)
    assert compiled.input_names == ("t",)
    pde_cond, ic = compiled.conditions
    assert ic.default_points == 1
    assert ic.sample(rng=np.random.default_rng(0)).x.tolist() == [[0.0]]
    P = pde_cond.sample(100, np.random.default_rng(0)).x
    assert P.shape == (100, 1) and P.min() >= 0 and P.max() <= 2


class FiniteDifferences(DerivativeEngine):
    """A second strategy: central differences of the plan's derivatives (no autograd)."""

    def __init__(self, h: float = 1e-4):
        self.h = h

    def evaluate(self, net, x, plan, *, create_graph=True):
        outputs = net(x)
        values = DerivativeValues(x=x, outputs=outputs)

        def derivative(field, index, at):
            if not index:
                return net(at)[:, field]
            step = torch.zeros_like(at)
            step[:, index[-1]] = self.h
            rest = index[:-1]
            ahead, behind = derivative(field, rest, at + step), derivative(field, rest, at - step)
            return (ahead - behind) / (2 * self.h)

        for field, nodes in plan.nodes.items():
            for index in nodes:
                values.values[(field, index)] = derivative(field, index, x)
        return values


def test_a_custom_engine_plugs_in_without_touching_the_lowering():
    problem = problem_with(
        pde(u(x, y).diff(x, 2) + u(x, y).diff(y, 2) + u(x, y) * u(x, y).diff(x), 0),
        boundary(dn(u(x, y)), 0), space=(x, y), domain=Disk((0.0, 0.0), 1.0),
    )
    compiled = compile_problem(problem, dtype=torch.float64)
    net = mlp(2).double()
    batches = compiled.sample(np.random.default_rng(0), points=50)
    reference = compiled.losses(net, batches)
    compiled.engine = FiniteDifferences()
    assert all(isinstance(c.engine, FiniteDifferences) for c in compiled.conditions)
    approximate = compiled.losses(net, batches)
    for name in reference:
        torch.testing.assert_close(approximate[name], reference[name], rtol=1e-5, atol=1e-7)
    compiled.engine = "autograd"
    assert isinstance(compiled.conditions[0].engine, AutogradEngine)
    assert "autograd" in available_engines()
    with pytest.raises(ValueError, match="unknown derivative engine 'taylor-x'"):
        make_engine("taylor-x")


LINE = Interval(0.0, 1.0)
BAD_PROBLEMS = [
    (lambda: problem_with(initial(u(x), 0), domain=LINE), "needs a time axis"),
    (lambda: problem_with(boundary(u(t), 0), space=(), time=(0, 1)), "needs a spatial domain"),
    (lambda: problem_with(pde(u(x, y), 0), space=(x, y), domain=LINE), "1-D but 2 space"),
    (lambda: problem_with(pde(u(x).diff(x), 0), domain=LINE, fields=()), "declares no field"),
    (lambda: problem_with(boundary(dn(u(t)), 0), space=(), time=(0, 1)), "needs a spatial"),
    (lambda: problem_with(pde(dn(u(x)), 0), domain=LINE), "only allowed in boundary"),
    (lambda: problem_with(pde(u(x, a), 0), domain=LINE, params=(Param(a, 2.0, 1.0),)),
     "range of 'a' is empty"),
    (lambda: problem_with(Condition("data", "data"), domain=LINE), "names no file"),
    (lambda: problem_with(pde(u(x), 0), domain=LINE, exact={"w": x}), "'w', which is not a field"),
    (lambda: problem_with(pde(u(x), 0), domain=LINE, exact={"u": u(x)}), "uses a field"),
    (lambda: problem_with(pde(v(x), 0), domain=LINE), "'v' is not a declared field"),
]


@pytest.mark.parametrize("build,message", BAD_PROBLEMS)
def test_compile_errors(build, message):
    with pytest.raises(PinnSemanticError, match=message):
        compile_problem(build())
