"""A boundary condition's data blended towards another value near a point.

Where two boundary conditions ask one quantity for different values where they meet (the
lid-driven cavity's lid ``u = 1`` and walls ``u = 0`` at the lid's ends), the solution is
singular there. :func:`blend_towards` rewrites one of the two conditions so that its data reach
the other's value at the meeting point and keep their own beyond ``radius`` of it::

    u = g    becomes    u = g w + t (1 - w),    w = smoothstep((r / radius - CORE) / (1 - CORE))

with ``r`` the distance to the point, ``t`` the other condition's value there and ``smoothstep(s)
= s² (3 - 2 s)`` on ``[0, 1]`` (``w = 0`` within ``CORE * radius``, so that a point known to
within that distance still receives the value ``t``; ``w = 1`` beyond ``radius``). The result is a
new :class:`~pinnlang.problem.ir.Problem`; its printed text (``Problem.to_pinn()``) shows the
blended data. The choice of condition, point and radius is the solver's
(:mod:`pinnlang.solver.jump_smoothing`).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.problem.ir import Problem

#: Within this fraction of the radius the blended data equal the other condition's value.
CORE = 0.1


def blend_towards(problem: Problem, condition: str, place: Sequence[float], target: float,
                  radius: float) -> Problem:
    """``problem`` with boundary condition ``condition``'s data ``g`` replaced by
    ``g w + target (1 - w)`` around ``place`` (the spatial coordinates, see the module
    docstring). The condition's left side is kept, so ``2 u = 2`` blended towards ``0`` asks
    ``2 u`` for ``0`` at ``place``."""
    coords = problem.space_coords
    if len(place) != len(coords):
        raise ValueError(f"a place in {len(coords)} spatial coordinates, not {len(place)}")
    if radius <= 0:
        raise ValueError(f"radius must be > 0, not {radius}")
    if not any(c.name == condition for c in problem.conditions):
        raise KeyError(condition)
    fields = set(problem.fields)
    conditions = []
    for cond in problem.conditions:
        if cond.name == condition:
            if cond.kind != "boundary" or cond.equation is None:
                raise ValueError(f"'{condition}' is not a boundary condition with an equation")
            lhs, rhs = cond.equation.lhs, cond.equation.rhs
            at_rest = lhs.replace(lambda e: isinstance(e, AppliedUndef) and e.func in fields, lambda e: sp.S.Zero)
            data = rhs - at_rest  # what the condition asks of its left side's field terms
            w = blend_weight(coords, place, radius)
            cond = dataclasses.replace(cond, equation=sp.Eq(lhs, rhs - (data - sp.Float(target)) * (1 - w),
                                                            evaluate=False))
        conditions.append(cond)
    return dataclasses.replace(problem, conditions=conditions)


def blend_weight(coords: Sequence[sp.Symbol], place: Sequence[float], radius: float) -> sp.Expr:
    """``w`` of the module docstring: 0 within ``CORE * radius`` of ``place``, 1 beyond
    ``radius``, a smoothstep of the distance between."""
    distance = sp.sqrt(sum((c - sp.Float(p)) ** 2 for c, p in zip(coords, place)))
    s = sp.Min(1, sp.Max(0, (distance / sp.Float(radius) - sp.Float(CORE)) / sp.Float(1 - CORE)))
    return s ** 2 * (3 - 2 * s)
