"""Fields fixed only up to a constant, or up to a function of time (a gauge freedom).

A field ``f`` is free up to a shift ``s`` when replacing ``f`` by ``f + s`` leaves the residual of
every condition unchanged: then the conditions cannot tell ``f`` from ``f + s``, and a network
picks any ``s``. The shifts tried, from the largest family down:

- ``s = c(t, a, ...)``, an arbitrary function of the non-space inputs (time and params): e.g. the
  pressure of unsteady incompressible flow with velocity conditions only. ``initial`` conditions
  do not count against this family (they fix only ``c`` and its time derivatives at ``t0``,
  leaving a function of time free);
- ``s = c(a, ...)``, a function of the params alone (time present and pinned);
- ``s = C``, a constant: e.g. Poisson with Neumann conditions only.

The test is symbolic and exact where it says "free": every ``f(inputs)`` and every derivative of
it is replaced by that of ``f + s`` (``dn(E)`` is expanded to ``n · grad E`` with symbolic
normals), and the difference of the residuals must simplify to zero. It is first evaluated at
random values of its atoms: a clearly nonzero value proves that the shift shows, so SymPy's
``simplify`` runs only when the difference may vanish. A ``data`` condition pins the fields it
lists; ``periodic`` conditions never pin (``f(a) - f(b)`` does not see a shift that is the same
at both ends, and along time they fix only ``c(t0) = c(t1)``); ``point`` conditions (and any other
equation) pin when the field appears in them by value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.problem import Condition, Problem
from pinnlang.problem.expr_printer import format_expr
from pinnlang.problem.operators import dn

#: Random evaluations of a residual difference before it is handed to ``simplify``.
PROBES = 2
#: A probe value at most this (relative to the terms' size) counts as zero.
PROBE_TOL = 1e-9


@dataclass(frozen=True)
class GaugeFreedom:
    """A field fixed only up to a shift that depends on ``depends_on`` (empty: a constant).

    Attributes:
        field: The field's name.
        depends_on: The non-space inputs (time, params) the free shift may depend on.
    """

    field: str
    depends_on: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        """``constant``, ``function of t``, ``function of t and a``."""
        if not self.depends_on:
            return "constant"
        names = list(self.depends_on)
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"function of {joined}"

    @property
    def shift(self) -> str:
        """``a constant``, ``a function of t``, ..."""
        return f"a {self.what}"


def free_fields(problem: Problem) -> dict[str, GaugeFreedom]:
    """Every field of ``problem`` that its conditions fix only up to a shift, by name."""
    found: dict[str, GaugeFreedom] = {}
    for f in problem.fields:
        freedom = field_freedom(problem, f.__name__)
        if freedom is not None:
            found[f.__name__] = freedom
    return found


def field_freedom(problem: Problem, name: str) -> GaugeFreedom | None:
    """The largest shift family (see the module docstring) that leaves ``name`` free, or None."""
    if not problem.conditions or any(c.kind == "data" and name in c.data.fields
                                     for c in problem.conditions if c.data is not None):
        return None
    applied = problem.applied(name)
    relevant = [c for c in problem.conditions if c.equation is not None and c.equation.has(applied)]
    if not relevant:
        return None  # no condition at all: a different warning says so
    residuals = [(c, _expanded_residual(c, problem)) for c in relevant]
    for depends_on in _shift_families(problem):
        shift = sp.Function("gauge_shift")(*depends_on) if depends_on else sp.Symbol("gauge_shift")
        counted = [(c, r) for c, r in residuals
                   if not (c.kind == "initial" and problem.time_symbol in depends_on)]
        if all(_invariant(r, applied, shift, problem) for _c, r in counted):
            return GaugeFreedom(name, tuple(str(s) for s in depends_on))
    return None


def _shift_families(problem: Problem) -> list[tuple[sp.Symbol, ...]]:
    params = tuple(p.symbol for p in problem.params)
    time = (problem.time_symbol,) if problem.time_symbol is not None else ()
    families = [time + params]
    if time and params:
        families.append(params)
    if families[-1]:
        families.append(())
    return families


def _expanded_residual(condition: Condition, problem: Problem) -> sp.Expr:
    """``lhs - rhs`` with constants substituted and ``dn(E)`` written as ``n · grad E``."""
    residual = condition.residual.subs(problem.constant_values())
    normals = sp.symbols(f"gauge_n0:{len(problem.space_coords)}")

    def as_gradient(expr: sp.Expr) -> sp.Expr:
        return sum(n * sp.diff(expr, x) for n, x in zip(normals, problem.space_coords))

    return residual.replace(lambda e: isinstance(e, dn), lambda e: as_gradient(e.args[0]))


def _shifted(expr: sp.Expr, applied: sp.Expr, shift: sp.Expr) -> sp.Expr:
    rules: dict[sp.Basic, sp.Basic] = {applied: applied + shift}
    for derivative in expr.atoms(sp.Derivative):
        if derivative.expr == applied:
            rules[derivative] = sp.diff(applied + shift, *derivative.variable_count)
    return expr.xreplace(rules)


def _invariant(residual: sp.Expr, applied: sp.Expr, shift: sp.Expr, problem: Problem) -> bool:
    difference = sp.expand(_shifted(residual, applied, shift) - residual)
    if difference == 0:
        return True
    if _probe_nonzero(difference):
        return False
    try:
        return sp.simplify(difference) == 0
    except (TypeError, ValueError, RecursionError, NotImplementedError):
        return False  # undecided: do not warn


def _probe_nonzero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is nonzero at random values of its derivatives, fields and symbols
    (then it is certainly not identically zero)."""
    rng = random.Random(0)
    atoms: list[sp.Basic] = sorted(expr.atoms(sp.Derivative), key=sp.default_sort_key,
                                   reverse=True)  # higher derivatives before their parts
    atoms += sorted(expr.atoms(AppliedUndef), key=sp.default_sort_key)
    atoms += sorted(expr.free_symbols, key=sp.default_sort_key)
    for _ in range(PROBES):
        values = {a: sp.Float(rng.uniform(0.5, 1.5)) for a in atoms}
        try:
            value = complex(_substitute(expr, atoms, values).evalf())
            size = complex(_substitute(sum(abs(t) for t in sp.Add.make_args(expr)), atoms,
                                       values).evalf())
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return False
        if abs(value) > PROBE_TOL * max(1.0, abs(size)):
            return True
    return False


def _substitute(expr: sp.Expr, atoms: Iterable[sp.Basic], values: dict) -> sp.Expr:
    for atom in atoms:  # one at a time, derivatives first, so a field inside one stays put
        expr = expr.xreplace({atom: values[atom]})
    return expr


def pin_example(problem: Problem, freedom: GaugeFreedom) -> str:
    """A ``point`` statement that pins the field at a point of the domain: to its exact value
    there when the problem gives one, else to 0."""
    location = _sample_point(problem)
    value: sp.Expr = sp.Integer(0)
    exact = problem.exact.get(freedom.field)
    if exact is not None:
        at_point = dict(zip(problem.space_coords, (sp.nsimplify(v) for v in location)))
        value = sp.simplify(exact.subs(problem.constant_values()).subs(at_point))
    written = ", ".join(f"{v:g}" for v in location)
    at = written if len(location) == 1 else f"({written})"
    return f"point at {at}: {freedom.field} = {format_expr(value)}"


def _sample_point(problem: Problem) -> tuple[float, ...]:
    domain = problem.domain
    if domain is None:
        return tuple(0.0 for _ in problem.space_coords)
    lower, upper = (np.asarray(b, dtype=float) for b in domain.bbox())
    centre = (lower + upper) / 2
    if domain.contains(centre[None, :])[0]:
        return tuple(float(np.round(c, 3)) for c in centre)
    points = domain.sample_interior(16, np.random.default_rng(0))
    return tuple(float(np.round(c, 2)) for c in points[0])
