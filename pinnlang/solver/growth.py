"""How fast an initial-value problem amplifies an error in its initial data.

For the pdes that are first order in time, ``A(u) u_t + N(u, ∇u, ...) = 0``, a small error
``δ`` of the initial data grows like ``δ_t = -A⁻¹ C δ`` with ``C = ∂N/∂u`` (the linearisation's
zeroth-order coefficient, derivatives taken as independent of the values). Its growth rate at a
point is the largest real part of the eigenvalues of ``-A⁻¹ C``; :func:`initial_growth_rate`
evaluates it on the initial data and returns the largest over the points of the initial
condition. On ``u_t = 1e-4 u_xx - 5 u³ + 5 u`` it is ``5 - 15 u²``, 5 where the data cross zero:
an error there grows by ``e⁵`` over a unit time interval, and decides on which side of the
interface the solution settles. Heat and advection give 0, a damped oscillator a negative rate
(reported as 0), Burgers' ``u_t + u u_x = ν u_xx`` the steepest compression ``max(-u_x)``.

Everything is symbolic up to the last step (:func:`sympy.diff` of the prepared residuals with
respect to the fields and their time derivatives, the initial data substituted), then lowered to
torch like every other expression of the problem and evaluated on the initial condition's points.
Problems this does not cover give ``None``: no time, a pde of second order in time (waves), a
field with a time derivative but no initial value ``u = g``, a singular ``A``, and a system with
a pde or a field without time derivative. That last one is a differential-algebraic system, such
as incompressible flow, whose pressure projects every perturbation onto the constraint: the local
``-A⁻¹ C`` of its velocity equations alone (the strain, ``-∇u``) is no growth rate of it. Taken as
one, it gave the Beltrami flow (rate 5) an initial weight of 150 and 2.5x its error (u 4.3e-3
against 1.7e-3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from pinnlang.compile.lowering import Env, Lowerer, as_column
from pinnlang.compile.normalize import SymbolTable, prepare
from pinnlang.errors import PinnSemanticError

#: Points of the initial condition the rate is evaluated on.
GROWTH_POINTS = 2000


def initial_growth_rate(compiled: Any, rng: np.random.Generator) -> float | None:
    """The largest growth rate of an initial-data error of ``compiled`` (a
    :class:`~pinnlang.compile.CompiledProblem`) over its initial points, at least 0; ``None``
    where the problem is not of the form above (see the module docstring)."""
    problem = compiled.problem
    axis = problem.time_axis
    if axis is None:
        return None
    table = SymbolTable.of(problem)
    t = axis.symbol
    applied = {name: sp.Function(name)(*table.inputs) for name in table.fields}
    pdes = [prepare(c.residual, table) for c in problem.conditions if c.kind == "pde"]
    timed = [name for name, f in applied.items() if any(r.has(sp.Derivative(f, t)) for r in pdes)]
    rows = [r for r in pdes if any(r.has(sp.Derivative(applied[n], t)) for n in timed)]
    if not timed or len(rows) != len(timed) or len(rows) != len(pdes) or len(timed) != len(applied):
        return None  # a constraint without time derivative (incompressibility): not a local rate
    if any(r.has(sp.Derivative(applied[n], (t, 2))) for r in rows for n in timed):
        return None
    data = initial_values(problem, table, applied)
    if data is None or any(n not in data for n in timed):
        return None
    at_start = {t: sp.Float(float(axis.lower))}

    def on_data(expr: sp.Expr) -> sp.Expr | None:
        expr = prepare(expr.subs({applied[n]: g for n, g in data.items()}), table).subs(at_start)
        return None if expr.atoms(AppliedUndef) else expr

    coefficients = []
    for r in rows:
        row = []
        for n in timed:
            pair = (on_data(r.diff(sp.Derivative(applied[n], t))), on_data(r.diff(applied[n])))
            if pair[0] is None or pair[1] is None:
                return None
            row.append(pair)
        coefficients.append(row)
    cond = next(c for c in compiled.conditions if c.kind == "initial")
    x = cond.sample(GROWTH_POINTS, rng).x.detach().double()
    unknowns = {k: torch.tensor(v, dtype=x.dtype) for k, v in compiled.unknown_initial.items()}
    env = Env(x, unknowns=unknowns)
    lowerer = Lowerer(table)

    def values(expr: sp.Expr) -> torch.Tensor:
        return as_column(lowerer.lower(expr)(env), env).double()

    try:
        a = torch.stack([torch.stack([values(p[0]) for p in row], -1) for row in coefficients], -2)
        c = torch.stack([torch.stack([values(p[1]) for p in row], -1) for row in coefficients], -2)
    except PinnSemanticError:
        return None  # a derivative of the data the lowering has no torch counterpart for
    usable = (torch.linalg.det(a).abs() > 0) & torch.isfinite(c).flatten(1).all(1)
    if not bool(usable.any()):
        return None
    a, c = a[usable], c[usable]
    rates = torch.linalg.eigvals(-torch.linalg.solve(a, c)).real
    rates = rates[torch.isfinite(rates)]
    return max(0.0, float(rates.max())) if rates.numel() else None


def initial_values(problem: Any, table: SymbolTable, applied: dict[str, sp.Expr]) -> dict[str, sp.Expr] | None:
    """``{field: g}`` of every initial condition ``field = g`` (``g`` free of fields); ``None``
    when the problem has none."""
    out = {}
    for cond in problem.conditions:
        if cond.kind != "initial" or cond.equation is None:
            continue
        residual = prepare(cond.residual, table)
        for name, f in applied.items():
            data = f - residual
            if residual.diff(f) == 1 and not data.atoms(AppliedUndef) and not data.has(sp.Derivative):
                out[name] = data
    return out or None
