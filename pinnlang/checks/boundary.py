"""Does a boundary condition's selector (``on ...``, ``where ...``) select any boundary point?

The domain boundary is sampled with the Region API and the selector is evaluated on the sample
(planes and ``=`` with a tolerance relative to the domain's size).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from typing import Iterator

from pinnlang.checks.numeric import UnsupportedExpression, evaluate
from pinnlang.errors import Diagnostic
from pinnlang.problem import Condition, OnPlane, OnRegion, Problem, Quantity

#: Boundary points sampled to test a selector.
SAMPLE_SIZE = 4096
#: Tolerance of plane selectors and ``=``, relative to the largest side of the domain's box.
RELATIVE_TOL = 1e-6


def _tolerance(problem: Problem) -> float:
    lower, upper = problem.domain.bbox()
    return RELATIVE_TOL * max(1.0, float(np.max(np.asarray(upper) - np.asarray(lower))))


def count_selected(problem: Problem, condition: Condition | Quantity, n: int = SAMPLE_SIZE
                   ) -> int:
    """How many of ``n`` sampled boundary points the condition's selector keeps.

    Raises:
        UnsupportedExpression: the ``where`` predicate uses something other than coordinates,
            params and constants.
        KeyError: ``on NAME`` names a region the problem does not have.
    """
    rng = np.random.default_rng(0)
    points, _normals = problem.domain.sample_boundary(n, rng)
    tol = _tolerance(problem)
    mask = np.ones(len(points), dtype=bool)
    if isinstance(condition.on, OnRegion):
        mask &= np.asarray(problem.regions[condition.on.name].on_boundary(points, tol), dtype=bool)
    elif isinstance(condition.on, OnPlane):
        axis = problem.space_coords.index(condition.on.coordinate)
        mask &= np.abs(points[:, axis] - condition.on.value) <= tol
    if condition.where is not None and condition.where is not sp.true:
        values: dict[sp.Symbol, np.ndarray] = {
            c: points[:, i] for i, c in enumerate(problem.space_coords)}
        ranges = [(p.symbol, p.lower, p.upper) for p in problem.params]
        if problem.time_axis is not None:
            ranges.append((problem.time_axis.symbol, problem.time_axis.lower,
                           problem.time_axis.upper))
        for symbol, low, high in ranges:
            values[symbol] = rng.uniform(low, high, len(points))
        where = condition.where.subs(problem.constant_values())
        selected = evaluate(where, values, tol)
        mask &= np.broadcast_to(np.asarray(selected, dtype=bool), mask.shape)
    return int(mask.sum())


def selection_errors(problem: Problem, selecting: Condition | Quantity, subject: str
                     ) -> Iterator[Diagnostic]:
    """Errors of a boundary selection (``on``/``where`` of a boundary condition or a boundary
    integral): an unknown region, a bad ``where``, or a selection of no boundary point."""
    on, where, span = selecting.on, selecting.where, selecting.span
    if on is None and where is None:
        return
    if isinstance(on, OnRegion) and on.name not in problem.regions:
        yield Diagnostic(f"{subject} selects the unknown region '{on.name}'", span)
        return
    try:
        selected = count_selected(problem, selecting)
    except UnsupportedExpression as err:
        yield Diagnostic(f"the 'where' of {subject} may use only coordinates, params and "
                         f"constants, not '{err.expr}'", span)
        return
    if selected == 0:
        yield Diagnostic(f"{subject} selects no point of the boundary",
                         (on.span if on is not None and where is None else None) or span,
                         hint="check the value of the plane or region and the 'where' "
                              "predicate against the domain")
