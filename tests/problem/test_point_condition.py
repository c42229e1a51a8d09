"""``point [NAME] at (x0, y0): lhs = rhs``: text and SymPy API give one IR, printers round-trip."""

from __future__ import annotations

import pytest
import sympy as sp

from pinnlang.errors import PinnSemanticError, PinnUsageError
from pinnlang.problem import AtPoint, Problem, dn, laplacian
from pinnlang.syntax import parse

x, y, t = sp.symbols("x y t")
p = sp.Function("p")
L = sp.Symbol("L")

TEXT = """\
problem cavity_p
const L = 2
space (x, y) in rectangle([0, L], [0, 1])
time t in [0, 1]
field p
pde: laplacian(p) = 0
boundary: dn(p) = 0
point pin at (L/2, 0.5): p = exp(-t) [weight = 10]
point at (0, 0): d(p, x) = 0
"""


def built() -> Problem:
    return (Problem("cavity_p").const(L, 2).space((x, y), (0, L), (0, 1)).time(t, 0, 1).field(p)
            .pde(sp.Eq(laplacian(p(x, y, t), (x, y)), 0))
            .boundary(sp.Eq(dn(p), 0))
            .point(sp.Eq(p(x, y, t), sp.exp(-t)), "pin", at=(L / 2, sp.Float(0.5)), weight=10)
            .point(sp.Eq(p(x, y, t).diff(x), 0), at=(0, 0)))


def test_text_lowers_to_point_conditions_at_their_points():
    problem = parse(TEXT)
    pin, second = problem.conditions_of("point")
    assert (pin.name, pin.on, dict(pin.options)) == ("pin", AtPoint((1.0, 0.5)), {"weight": 10})
    assert pin.equation == sp.Eq(p(x, y, t), sp.exp(-t), evaluate=False)
    assert (second.name, second.on) == ("point_2", AtPoint((0.0, 0.0)))
    assert (pin.on.span.line, pin.on.span.col) == (8, 11)


def test_the_sympy_api_builds_the_same_problem():
    assert built() == parse(TEXT)


def test_canonical_text_and_latex():
    problem = parse(TEXT)
    text = problem.to_pinn()
    assert "point pin at (1, 0.5): p = exp(-t) [weight = 10]" in text
    assert "point point_2 at (0, 0): d(p, x) = 0" in text
    assert parse(text) == problem
    latex = problem.to_latex()
    assert r"\text{pin:} & \quad p = e^{- t} && \quad (x, y) = (1, 0.5),\ t \in [0, 1] \\" in latex


def test_one_dimensional_point_is_a_number():
    problem = parse("problem q\nspace x in [0, 1]\nfield u\npde: d(u, x, 2) = 0\n"
                    "point at 0.25: d(u, x) = 1\npoint right at (1): u = 0\n")
    assert [c.on for c in problem.conditions_of("point")] == [AtPoint((0.25,)), AtPoint((1.0,))]
    assert "point at 0.25: d(u, x) = 1" in problem.to_pinn()
    assert parse(problem.to_pinn()) == problem


def test_builder_refuses_a_point_it_cannot_place():
    base = Problem("q").space((x, y), (0, 1), (0, 1)).field(p)
    with pytest.raises(PinnUsageError, match="expected 2 coordinates"):
        base.point(sp.Eq(p(x, y), 0), at=(0.5,))
    with pytest.raises(PinnUsageError, match="constant number"):
        base.point(sp.Eq(p(x, y), 0), at=(x, 0.5))
    with pytest.raises(PinnSemanticError, match="needs space"):
        Problem("ode").time(t, 0, 1).field(p).point(sp.Eq(p(t), 0), at=0)
    with pytest.raises(PinnSemanticError, match="dn"):
        base.point(sp.Eq(dn(p), 0), at=(1, 0.5))
