"""``to_pinn``: the canonical text, its spelling rules, and exact round trips through the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pinnlang.errors import PinnUsageError
from pinnlang.geometry import Ball, Box, Disk, Interval, Polygon, Rectangle
from pinnlang.problem import Problem, dn
from pinnlang.problem.expr_printer import format_expr, format_float, format_region
from pinnlang.source import Source
from pinnlang.syntax import lower, parse, parse_tree

from .examples import BURGERS, t, u, x, y

REPO = Path(__file__).resolve().parents[2]
a, b = sp.symbols("a b")
U = u(x, y, t)


@pytest.mark.parametrize("expr, text", [
    (sp.Derivative(U, (x, 2)), "d(u, x, 2)"),
    (sp.Derivative(U, x, t), "d(u, x, t)"),  # the IR's variable order is kept
    (sp.Derivative(U, t, (x, 2)), "d(u, t, x, x)"),
    (U**2 * sp.exp(-x), "u^2*exp(-x)"),
    (sp.Abs(x) + sp.Heaviside(y), "abs(x) + heaviside(y)"),
    (sp.Min(x, y) * sp.Max(x, 1), "max(1, x)*min(x, y)"),
    (dn(U), "dn(u)"),
    (sp.pi * sp.E, "e*pi"),
    (sp.Float(0.1) + sp.Float(0.2), "0.30000000000000004"),
    (sp.Float(1e20) * x, "1e20*x"),
    (sp.Float(2.0) * x, "2.0*x"),
    (sp.Rational(1, 3) * x, "x/3"),
    (sp.sqrt(x), "sqrt(x)"),
    ((x**y) ** a, "(x^y)^a"),
    (x ** (y**a), "x^(y^a)"),
    (sp.Mul(-1, x + a, y + b), "-((a + x)*(b + y))"),
    (sp.Mul(sp.Float(-0.2), x + 1, y), "-0.2*y*(x + 1)"),
    (sp.And(x > 0, sp.Or(y < 1, sp.Eq(x, 1, evaluate=False))), "x > 0 and (x = 1 or y < 1)"),
    (sp.Not(sp.And(x > 0, y > 0)), "not (x > 0 and y > 0)"),
])
def test_expression_spelling(expr, text):
    assert format_expr(expr) == text


def test_floats_print_shortest_exact_text():
    for value in (0.1, 1 / 3, 1e-300, 6.02e23, -2.5, 123456789.123):
        assert float(format_float(value)) == value
    assert format_float(1e-5) == "1e-05"


@pytest.mark.parametrize("region, text", [
    (Interval(-1, 1), "[-1, 1]"),
    (Rectangle((0, 1), (0, 2.5)), "rectangle([0, 1], [0, 2.5])"),
    (Box((0, 0, 0), (1, 1, 1)), "box([0, 1], [0, 1], [0, 1])"),
    (Disk((0, 0), 0.3), "disk((0, 0), 0.3)"),
    (Ball((0, 0, 1), 2), "ball((0, 0, 1), 2)"),
    (Polygon(((0, 0), (1, 0), (0, 1))), "polygon((0, 0), (1, 0), (0, 1))"),
    (Rectangle((0, 1), (0, 1)) - (Disk((0, 0), 0.3) + Disk((1, 1), 0.3)),
     "rectangle([0, 1], [0, 1]) - (disk((0, 0), 0.3) + disk((1, 1), 0.3))"),
    ((Rectangle((0, 1), (0, 1)) & Disk((0, 0), 1)) - Disk((0, 0), 0.4),
     "(rectangle([0, 1], [0, 1]) & disk((0, 0), 1)) - hole"),
])
def test_region_spelling(region, text):
    assert format_region(region, {"hole": Disk((0, 0), 0.4)}) == text


def test_burgers_canonical_text():
    assert parse(BURGERS).to_pinn() == (
        'problem burgers "Viscous Burgers, Raissi et al. 2019"\n\n'
        "const nu = 0.01/pi\n\n"
        "space x in [-1, 1]\ntime t in [0, 1]\n\n"
        "field u\n\n"
        "pde: u*d(u, x) + d(u, t) = nu*d(u, x, 2)\n"
        "initial: u = -sin(pi*x)\n"
        "boundary: u = 0\n"
    )


def test_names_are_written_unless_default():
    p = (Problem("p").space(x, 0, 1).field(u)
         .pde(u(x)).pde(u(x) - 1, name="second").pde(u(x) - 2).boundary(u(x), weight=10))
    lines = p.to_pinn().splitlines()
    assert "pde: u = 0" in lines
    assert "pde second: u - 1 = 0" in lines
    assert "pde pde_3: u - 2 = 0" in lines  # after a named one the default is spelled out
    assert "boundary: u = 0 [weight = 10]" in lines


def test_title_and_settings_are_quoted_when_needed():
    p = Problem("p", title='a "quoted" \\ title').space(x, 0, 1).field(u).train(model="my model", lr=0.5)
    text = p.to_pinn()
    assert text.startswith('problem p "a \\"quoted\\" \\\\ title"\n')
    assert 'train: model = "my model", lr = 0.5' in text
    assert parse(text) == p


def test_unprintable_expressions_raise_usage_errors():
    p = Problem("p").space(x, 0, 1).field(u).pde(sp.gamma(x) * u(x))
    with pytest.raises(PinnUsageError, match="gamma has no .pinn spelling"):
        p.to_pinn()
    with pytest.raises(PinnUsageError, match="cannot be written"):
        format_expr(sp.I * x)


def lowered(text: str, path: str):
    """Text to IR without the semantic checks (they do not change the IR, and take time)."""
    source = Source(text, path)
    return lower(parse_tree(source))


def test_problem_files_round_trip():
    """Every worked problem of the repository prints to text that parses back equal."""
    files = sorted((REPO / "problems").glob("*.pinn"))
    if not files:
        pytest.skip("no problems/*.pinn in this tree")
    for path in files:
        problem = lowered(path.read_text(), str(path))
        assert lowered(problem.to_pinn(), str(path)) == problem, path.name


# ---------------------------------------------------------------- random expressions round-trip
HEAD = "problem p\nconst a = 1\nconst b = 2\nspace (x, y) in rectangle([0, 1], [0, 1])\nfield u\npde: u = "
UX = u(x, y)
leaves = st.sampled_from([x, y, a, b, UX, sp.Derivative(UX, x), sp.Derivative(UX, (y, 2)), sp.pi, sp.E,
                          sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), sp.Float(0.1), sp.Float(-2.5e-3)])
unary = [sp.sin, sp.exp, sp.Abs, sp.sqrt, sp.tanh, lambda e: -e, lambda e: sp.diff(e, x)]
binary = [lambda p, q: p + q, lambda p, q: p - q, lambda p, q: p * q, lambda p, q: p / q,
          lambda p, q: p ** 2 * q, lambda p, q: p ** q, sp.Min, sp.atan2, lambda p, q: -2 * p * (q + 1)]
def _apply(function, *args):
    """``function(*args)``, or NaN where SymPy refuses the combination (e.g. Min of a complex
    number such as sqrt(-0.0025)); NaN cases are discarded by ``assume`` in the test."""
    try:
        return function(*args)
    except (ValueError, TypeError):
        return sp.nan


expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(unary), inner).map(lambda fe: _apply(fe[0], fe[1])),
        st.tuples(st.sampled_from(binary), inner, inner).map(lambda fpq: _apply(*fpq)),
    ),
    max_leaves=8,
)


def as_doubles(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every Float rounded to a double: the printer writes a Float's double value,
    and random SymPy Floats may carry more than 53 bits."""
    return expr.xreplace({f: sp.Float(float(f)) for f in expr.atoms(sp.Float)})


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expressions)
def test_random_expressions_round_trip(expr):
    # d(abs(x), x) brings in re and im, which the language has no names for
    assume(not expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I, sp.re, sp.im))
    text = format_expr(expr)
    assert as_doubles(parse(HEAD + text + "\n").conditions[0].equation.rhs) == as_doubles(expr), text


def test_floats_that_need_17_digits_round_trip_exactly():
    value = sp.Float(0.1 + 0.2)
    assert parse(HEAD + format_expr(value * x) + "\n").conditions[0].equation.rhs == value * x


def test_a_problem_name_that_is_not_an_identifier_cannot_be_printed():
    with pytest.raises(PinnUsageError, match="problem name 'heat 1d'"):
        Problem("heat 1d").space(x, 0, 1).to_pinn()
