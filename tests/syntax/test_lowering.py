"""The SymPy IR built from each language form equals the expected SymPy objects."""

from __future__ import annotations

import pytest
import sympy as sp

from pinnlang.errors import PinnError
from pinnlang.geometry import Ball, Box, Difference, Intersection, Interval, Polygon, Union
from pinnlang.problem import OnPlane, OnRegion
from pinnlang.problem.operators import dn
from pinnlang.syntax import parse

x, y, t = sp.symbols("x y t")
u = sp.Function("u")(x, y, t)
v = sp.Function("v")(x, y, t)
HEAD = "problem p\nspace (x, y) in rectangle([-1, 1], [-1, 1])\ntime t in [0, 1]\nfield u, v\n"


def lhs(text: str, extra: str = "") -> sp.Expr:
    problem = parse(HEAD + extra + f"pde: {text} = 0\nboundary: u = 0\nboundary: v = 0\n"
                    "initial: u = 0\ninitial: v = 0\n")
    return problem.condition("pde").equation.lhs


@pytest.mark.parametrize(("text", "expected"), [
    ("d(u, x)", sp.Derivative(u, x)),
    ("d(u, x, x)", sp.Derivative(u, (x, 2))),
    ("d(u, x, 2)", sp.Derivative(u, (x, 2))),
    ("d(u, x, y)", sp.Derivative(u, x, y)),
    ("d(u, x, y, 2)", sp.Derivative(u, x, (y, 2))),
    ("d(u^2, x)", 2 * u * sp.Derivative(u, x)),
    ("d(u*v, t)", u * sp.Derivative(v, t) + v * sp.Derivative(u, t)),
    ("u_x", sp.Derivative(u, x)),
    ("u_xx", sp.Derivative(u, (x, 2))),
    ("u_xt", sp.diff(u, x, t)),
    ("laplacian(u)", sp.Derivative(u, (x, 2)) + sp.Derivative(u, (y, 2))),
    ("laplacian(u*v)", sp.diff(u * v, x, 2) + sp.diff(u * v, y, 2)),
    ("-x^2", -(x**2)),
    ("2^3^2", sp.Integer(2) ** 9),
    ("2**-1", sp.Rational(1, 2)),
    ("1 - 2 - 3*x/4", -1 - 3 * x / 4),
    (".5 + 1e-3 + 6.02E23", sp.Float("0.5") + sp.Float("1e-3") + sp.Float("6.02E23")),
    ("atan2(y, x) + min(x, y, t) + heaviside(x)", sp.atan2(y, x) + sp.Min(x, y, t) + sp.Heaviside(x)),
    ("abs(x) + sign(y) + e + pi", sp.Abs(x) + sp.sign(y) + sp.E + sp.pi),
])
def test_expression_forms(text: str, expected: sp.Expr):
    assert lhs(text) == expected


def test_let_macro_expands_symbolically():
    assert lhs("flux", "let flux = u*d(u, x)\n") == u * sp.Derivative(u, x)
    assert lhs("d(flux, x)", "let flux = u^2\n") == 2 * u * sp.Derivative(u, x)


def test_constants_stay_symbols_and_bounds_are_evaluated():
    p = parse("problem p\nconst L = 2\nconst half = L/2\nspace x in [0, 2*pi*L]\n"
              "time t in [0, half]\nfield u\npde: d(u, t) = L*d(u, x, 2)\ninitial: u = 0\n"
              "boundary: u = 0\n")
    L = sp.Symbol("L")
    assert p.domain == Interval(0.0, float(4 * sp.pi))
    assert p.time_axis.upper == 1.0
    assert [c.value for c in p.constants] == [2, L / 2]
    assert p.condition("pde").equation.rhs == L * sp.Derivative(sp.Function("u")(x, t), (x, 2))


def test_dn_selectors_and_predicates():
    text = ("problem p\nlet hole = disk((0, 0), L/4)\nconst L = 1\n"
            .replace("let hole = disk((0, 0), L/4)\nconst L = 1\n",
                     "const L = 1\nlet hole = disk((0, 0), L/4)\n")
            + "space (x, y) in box([-1, 1], [-1, 1]) - hole\nfield u\npde: laplacian(u) = 0\n"
            "boundary on hole: dn(u) = 0\n"
            "boundary top on y = 1 where x > 0 and not (x >= 0.5 or x < 0.1): u = 1 [weight = 10]\n"
            "boundary where 0 < x <= 1 and abs(y) == 1: u = 0 [points = 100, sampler = sobol]\n"
            "boundary on x = -1: u = 0\n")
    p = parse(text)
    U = sp.Function("u")(x, y)
    hole = p.condition("boundary")
    assert hole.on == OnRegion("hole") and hole.equation.lhs == dn(U)
    top = p.condition("top")
    assert top.on == OnPlane(y, 1.0)
    assert top.where == sp.And(sp.Gt(x, 0), sp.Not(sp.Or(sp.Ge(x, sp.Float("0.5")),
                                                          sp.Lt(x, sp.Float("0.1")))))
    assert top.options == {"weight": 10}
    third = p.condition("boundary_3")  # the third boundary condition
    assert third.where == sp.And(sp.Lt(0, x), sp.Le(x, 1), sp.Eq(sp.Abs(y), 1, evaluate=False))
    assert third.options == {"points": 100, "sampler": "sobol"}
    assert p.domain == Difference(Box((-1.0, -1.0), (1.0, 1.0)), Ball((0.0, 0.0), 0.25))


def test_csg_geometry_in_any_dimension():
    p = parse("problem p\nlet a = ball((0, 0, 0), 1)\nlet b = box([0, 2], [0, 2], [0, 2])\n"
              "space (x, y, z) in (a + b) & ball((1, 1, 1), 2) - a\nfield u\n"
              "pde: laplacian(u) = 0\nboundary: u = 0\n")
    a, b = Ball((0.0, 0.0, 0.0), 1.0), Box((0.0, 0.0, 0.0), (2.0, 2.0, 2.0))
    # '&' binds loosest (as in Python): (a + b) & (ball - a)
    assert p.domain == Intersection(Union(a, b), Difference(Ball((1.0, 1.0, 1.0), 2.0), a))
    assert p.regions == {"a": a, "b": b}
    tri = parse("problem p\nspace (x, y) in polygon((0, 0), (1, 0), (0, 1))\nfield u\n"
                "pde: laplacian(u) = 0\nboundary: u = 0\n")
    assert tri.domain == Polygon(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)))


def test_default_condition_names_and_train_settings():
    p = parse("problem p\nspace x in [0, 1]\nfield u\npde: d(u, x, 2) = 0\npde_b: u = u\n"
              "pde: d(u, x, 2) = 1\nboundary: u = 0\nperiodic: x\n"
              "data obs \"header.csv\": u\n".replace("pde_b: u = u\n", "")
              .replace("data obs \"header.csv\": u\n", "")
              + "train: steps = 5000, lr = 1e-3, model = mlp\ntrain: width = 64, out = \"a b\"\n")
    assert [c.name for c in p.conditions] == ["pde", "pde_2", "boundary", "periodic"]
    assert p.condition("periodic").coordinate == sp.Symbol("x")
    assert p.settings == {"steps": 5000, "lr": 0.001, "model": "mlp", "width": 64, "out": "a b"}


def test_strings_escapes_comments_and_continuation():
    p = parse('problem p "say \\"hi\\" \\\\ bye"  # a comment\n'
              "space (x,   # the first coordinate\n       y) in rectangle([0, 1],\n"
              "                       [0, 1])\nfield u\npde: laplacian(u) = (x +\n   y)\n"
              "boundary: u = 0\n")
    assert p.title == 'say "hi" \\ bye'
    assert p.condition("pde").equation.rhs == x + y


def test_shorthand_ambiguous_and_sympy_objects_built_not_evaluated():
    with pytest.raises(PinnError, match="ambiguous"):
        parse("problem p\nspace x in [0, 1]\nfield u\nlet u_x = 2\npde: u_x = 0\n")
    with pytest.raises(PinnError, match="expected an expression after 'pde:', found '__import__'"):
        parse("problem p\nspace x in [0, 1]\nfield u\npde: __import__ = 0\n")


def test_derivative_of_abs_of_a_field_is_real():
    problem = parse(
        "problem p\nspace x in [0, 1]\nfield u\npde: d(abs(u), x) = 0\nboundary: u = 0\n"
    )
    xs = sp.Symbol("x")
    u = sp.Function("u")(xs)
    lhs = problem.conditions[0].equation.lhs
    assert not lhs.has(sp.re, sp.im)
    assert lhs == sp.sign(u) * sp.Derivative(u, xs)
