"""Argument checks for the builder: symbols, ranges, options, equations, selectors, predicates."""

from __future__ import annotations

import numbers
from types import ModuleType
from typing import Any, Mapping

import sympy as sp
from sympy.logic.boolalg import Boolean, BooleanAtom

from pinnlang.errors import PinnSemanticError, PinnUsageError
from pinnlang.problem.normalize import option_value, plain_symbols, require_symbols, to_float


def ir() -> ModuleType:
    """The IR module, imported on use (it imports this package's builder at import time)."""
    from pinnlang.problem import ir as module

    return module


def as_symbol(value: Any, what: str) -> sp.Symbol:
    """A plain ``sympy.Symbol`` from a symbol or a name."""
    if isinstance(value, str):
        return sp.Symbol(value)
    if isinstance(value, sp.Symbol):
        return sp.Symbol(value.name)
    raise PinnUsageError(f"{what}: expected a sympy.Symbol or a name, got {value!r}")


def as_bounds(lower: Any, upper: Any, what: str) -> tuple[Any, Any]:
    """``(lower, upper)`` from two bounds, or from one ``(lower, upper)`` pair with ``upper=None``."""
    if upper is not None:
        return lower, upper
    if isinstance(lower, (tuple, list)) and len(lower) == 2:
        return lower[0], lower[1]
    raise PinnUsageError(f"{what}: expected bounds lower, upper (or one pair (lower, upper)), got {lower!r}")


def check_range(lower: Any, upper: Any, what: str, constants: Mapping[sp.Symbol, sp.Expr]) -> tuple[float, float]:
    """``(lower, upper)`` as floats; raise if the range is empty."""
    lo = to_float(lower, f"{what}: lower bound", constants)
    hi = to_float(upper, f"{what}: upper bound", constants)
    if not lo < hi:
        raise PinnSemanticError(f"{what}: the range [{lo:g}, {hi:g}] is empty",
                                hint="the lower bound must be less than the upper bound")
    return lo, hi


def checked_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Condition options (``weight``, ``points``, ``sampler``, ...) checked and made plain."""
    checked = {key: option_value(key, value) for key, value in options.items()}
    weight = checked.get("weight")
    if weight is not None and (isinstance(weight, str) or weight < 0):
        raise PinnSemanticError(f"option weight must be a number >= 0, got {weight!r}")
    points = checked.get("points")
    if points is not None and (not isinstance(points, int) or points <= 0):
        raise PinnSemanticError(f"option points must be a positive integer, got {points!r}")
    sampler = checked.get("sampler")
    from pinnlang.geometry.samplers import SAMPLERS  # imported on use: it pulls in scipy

    if sampler is not None and sampler not in SAMPLERS:
        raise PinnSemanticError(f"unknown sampler {sampler!r}; expected one of: {', '.join(SAMPLERS)}")
    return checked


def as_equation(equation: Any, what: str) -> tuple[sp.Basic, sp.Basic]:
    """``(lhs, rhs)`` of an ``Eq``; an expression ``e`` means ``e = 0``."""
    if isinstance(equation, sp.Equality):
        return plain_symbols(equation.lhs), plain_symbols(equation.rhs)
    if isinstance(equation, str):
        raise PinnUsageError(
            f"{what}: expected sympy.Eq(lhs, rhs) or an expression, got the string {equation!r} "
            "(strings are never evaluated)",
            hint="build the equation from sympy.symbols(...) and sympy.Function(...)",
        )
    if isinstance(equation, (bool, BooleanAtom)):
        raise PinnUsageError(
            f"{what}: the equation evaluated to {equation}; SymPy compared its two sides",
            hint="pass sympy.Eq(lhs, rhs, evaluate=False), or the expression lhs - rhs",
        )
    if isinstance(equation, Boolean):
        raise PinnUsageError(f"{what}: expected an equation sympy.Eq(lhs, rhs), got {equation}")
    if isinstance(equation, (sp.Expr, numbers.Number)) and not isinstance(equation, bool):
        expr = equation if isinstance(equation, sp.Expr) else sp.sympify(equation, strict=True)
        return plain_symbols(expr), sp.Integer(0)
    raise PinnUsageError(f"{what}: expected sympy.Eq(lhs, rhs) or an expression, got {equation!r}")


def as_selector(problem, on: Any):
    """``on=`` of a boundary condition: ``None``, a region name, a named region, ``Eq(x, c)``."""
    from pinnlang.geometry.base import Region

    if on is None:
        return None
    if isinstance(on, str):
        if on not in problem.regions:
            raise PinnSemanticError(f"boundary on '{on}': no region of that name",
                                    hint="name it with .region(name, region)")
        return ir().OnRegion(on)
    if isinstance(on, Region):
        for name, region in problem.regions.items():
            if region == on:
                return ir().OnRegion(name)
        raise PinnSemanticError("boundary on=<region>: the region has no name",
                                hint="name it with .region(name, region) and pass the name")
    if isinstance(on, sp.Equality):
        lhs, rhs = plain_symbols(on.lhs), plain_symbols(on.rhs)
        if not isinstance(lhs, sp.Symbol):
            lhs, rhs = rhs, lhs
        if isinstance(lhs, sp.Symbol) and lhs in problem.space_coords:
            value = to_float(rhs, f"boundary on {lhs} = ...", problem.constant_values())
            return ir().OnPlane(lhs, value)
        raise PinnSemanticError(f"boundary on {on}: expected a space coordinate = a number, e.g. Eq(x, -1)")
    raise PinnUsageError(f"boundary on={on!r}: expected None, a region name or Eq(x, value)")


def as_predicate(problem, where: Any):
    """``where=`` of a boundary condition: a SymPy boolean over the coordinates, or ``None``."""
    if where is None:
        return None
    if isinstance(where, (bool, BooleanAtom)):
        raise PinnUsageError(
            f"boundary where={where}: the predicate evaluated to a constant",
            hint="use sympy.Eq(lhs, rhs, evaluate=False) or a comparison of coordinates",
        )
    if not isinstance(where, Boolean):
        raise PinnUsageError(f"boundary where={where!r}: expected a SymPy predicate such as x > 0")
    predicate = plain_symbols(where)
    allowed = list(problem.inputs) + [c.symbol for c in problem.constants]
    require_symbols(predicate, allowed, "boundary where-predicate", fields_allowed=False)
    return predicate


def as_points(points: Any, signs: Any, dim: int, what: str):
    """``points=`` and ``signs=`` of a point-value quantity as an :class:`AtPoints`."""
    try:
        coords = tuple(tuple(float(c) for c in (p if isinstance(p, (tuple, list)) else (p,)))
                       for p in points)
        signs = tuple(int(s) for s in (signs if signs is not None else [1] * len(coords)))
    except (TypeError, ValueError):
        raise PinnUsageError(f"{what}: points must be a list of coordinate tuples and signs a "
                             "list of +1 / -1") from None
    if not coords or any(len(c) != dim for c in coords) or len(signs) != len(coords) or any(
            s not in (1, -1) for s in signs):
        raise PinnUsageError(f"{what}: expected points of {dim} coordinates and one sign (+1 or "
                             "-1) per point")
    return ir().AtPoints(coords, signs)
