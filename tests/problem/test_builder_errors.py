"""Misusing the builder raises pinnlang's own errors with messages that say what is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

from pinnlang.errors import PinnError, PinnSemanticError, PinnUsageError
from pinnlang.geometry import Ball, Disk, Rectangle
from pinnlang.problem import Problem, dn, laplacian

x, y, t, a, k = sp.symbols("x y t a k")
u, v = sp.Function("u"), sp.Function("v")


def heat() -> Problem:
    return Problem("heat").space(x, 0, 1).time(t, 0, 1).field(u)


def plane() -> Problem:
    return Problem("plane").space((x, y), Rectangle((0, 1), (0, 1))).field(u)


# (what is done, error class, message fragment)
MISUSES = [
    (lambda: heat().pde(sp.Eq(v(x, t), 0)), PinnSemanticError, "'v' is used as a field but is not declared"),
    (lambda: heat().time(sp.Symbol("s"), 0, 1), PinnSemanticError, "time is declared twice"),
    (lambda: heat().space(y, 0, 1), PinnSemanticError, "space is declared twice"),
    (lambda: heat().field(u), PinnSemanticError, "field 'u' is declared twice"),
    (lambda: heat().param(x, 0, 1), PinnSemanticError, "param 'x' is already declared as a space coordinate"),
    (lambda: Problem("p").param(a, 3, 1), PinnSemanticError, "param a: the range [3, 1] is empty"),
    (lambda: Problem("p").space(x, 1, 1), PinnSemanticError, "space x: the range [1, 1] is empty"),
    (lambda: Problem("p").time(t, 0, sp.Symbol("T")), PinnUsageError, "must be a constant number"),
    (lambda: Problem("p").time(t, 1), PinnUsageError, "time: expected bounds lower, upper"),
    (lambda: Problem("p").space(x, 1), PinnUsageError, "space x: expected bounds lower, upper"),
    (lambda: Problem("p").space((x, y), (0, 1), (0, 1, 2)), PinnUsageError, "space y: expected bounds"),
    (lambda: Problem("p").space((x, y), Ball((0, 0, 0), 1.0)), PinnSemanticError, "3-dimensional"),
    (lambda: Problem("p").space(x, 0, 1).field(u).initial(sp.Eq(u(x), 0)), PinnSemanticError,
     "an initial condition needs time"),
    (lambda: heat().pde(sp.Eq(u(x, t).diff(t), k * u(x, t).diff(x, 2))), PinnSemanticError,
     "pde uses 'k', which is not declared"),
    (lambda: heat().pde(dn(u)), PinnSemanticError, "dn (normal derivative) is allowed only in boundary"),
    (lambda: heat().pde(u(x, sp.Integer(0))), PinnSemanticError, "field 'u' is applied to 0"),
    (lambda: heat().pde("d(u, t) = 0"), PinnUsageError, "strings are never evaluated"),
    (lambda: heat().pde(sp.Eq(u(x, t), u(x, t))), PinnUsageError, "the equation evaluated to True"),
    (lambda: heat().pde(u(x, t) > 0), PinnUsageError, "expected an equation"),
    (lambda: heat().pde(u(x, t)).pde(u(x, t), name="pde"), PinnSemanticError,
     "a condition named 'pde' already exists"),
    (lambda: heat().pde(u(x, t), name="where"), PinnSemanticError, "'where' is a keyword"),
    (lambda: heat().pde(u(x, t), name="2nd"), PinnSemanticError, "is not an identifier"),
    (lambda: heat().pde(u(x, t), points=0), PinnSemanticError, "option 'points' must be a positive whole number"),
    (lambda: heat().pde(u(x, t), sampler="halton"), PinnSemanticError, "unknown sampler 'halton'"),
    (lambda: heat().pde(u(x, t), weight=-1), PinnSemanticError, "option 'weight' must be a positive number"),
    (lambda: heat().boundary(u(x, t), on="hole"), PinnSemanticError, "no region of that name"),
    (lambda: heat().boundary(u(x, t), on=sp.Eq(t, 0)), PinnSemanticError, "expected a space coordinate"),
    (lambda: heat().boundary(u(x, t), on=Disk((0, 0), 1)), PinnSemanticError, "the region has no name"),
    (lambda: heat().boundary(u(x, t), where=sp.Eq(x, x)), PinnUsageError, "evaluated to a constant"),
    (lambda: heat().boundary(u(x, t), where=sp.Symbol("q") > 0), PinnSemanticError, "'q', which is not declared"),
    (lambda: heat().boundary(u(x, t), where=u(x, t) > 0), PinnSemanticError, "may not use a field"),
    (lambda: Problem("p").time(t, 0, 1).field(u).boundary(u(t)), PinnSemanticError, "needs space"),
    (lambda: heat().periodic(sp.Symbol("s")), PinnSemanticError, "'s' is not a coordinate"),
    (lambda: Problem("p").space((x, y), Disk((0, 0), 1)).field(u).periodic(x), PinnSemanticError,
     "periodic needs a domain that is an interval or a box"),
    (lambda: heat().data("obs.csv"), PinnUsageError, "name the observed fields"),
    (lambda: heat().data("obs.csv", v), PinnSemanticError, "'v' is not a declared field"),
    (lambda: heat().exact(u, x).exact(u, t), PinnSemanticError, "exact solution of 'u' is given twice"),
    (lambda: heat().exact(u, u(x, t)), PinnSemanticError, "may not use a field"),
    (lambda: heat().exact(v, x), PinnSemanticError, "'v' is not a declared field"),
    (lambda: heat().const(sp.Symbol("c"), sp.Symbol("d")), PinnSemanticError, "'d', which is not declared"),
    (lambda: heat().const(sp.Symbol("pi"), 3), PinnSemanticError, "'pi' is a built-in constant"),
    (lambda: heat().field("sin"), PinnSemanticError, "'sin' is a built-in function"),
    (lambda: heat().field(sp.Symbol("w")), PinnUsageError, "expected a field"),
    (lambda: heat().train(verbose=True), PinnUsageError, "expected a number or a name"),
    (lambda: Problem("p").time(t, 0, 1).field(u).pde(laplacian(u)), PinnSemanticError,
     "laplacian needs space coordinates"),
    (lambda: plane().region("r", "disk"), PinnUsageError, "expected a pinnlang.geometry region"),
    (lambda: plane().boundary(u(x, y), on=sp.Eq(x, sp.Symbol("c"))), PinnUsageError, "must be a constant number"),
]


@pytest.mark.parametrize("misuse, error, fragment", MISUSES, ids=[m[2] for m in MISUSES])
def test_misuse_raises_a_clear_error(misuse, error, fragment):
    with pytest.raises(error) as info:
        misuse()
    assert fragment in info.value.message
    assert isinstance(info.value, PinnError)


def test_errors_render_without_traceback_text():
    with pytest.raises(PinnSemanticError) as info:
        heat().pde(sp.Eq(v(x, t), 0))
    rendered = info.value.render()
    assert rendered.startswith("error: 'v' is used as a field but is not declared")
    assert "hint: declare it with .field(\"v\")" in rendered


def test_a_failed_call_leaves_the_problem_unchanged():
    p = heat().pde(u(x, t))
    with pytest.raises(PinnSemanticError):
        p.boundary(u(x, t), on="nowhere")
    assert [c.name for c in p.conditions] == ["pde"]
