"""Evaluate SymPy expressions and predicates on NumPy points, by dispatch on the node type.

Used by the checks (does a ``where`` select any boundary point?). Nothing is compiled from text
or lambdified: the SymPy tree is walked node by node.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import sympy as sp
from sympy.core.relational import Relational


class UnsupportedExpression(ValueError):
    """The expression uses something the evaluator does not know (e.g. a field)."""

    def __init__(self, expr: sp.Basic):
        super().__init__(f"cannot evaluate {expr}")
        self.expr = expr


_FUNCTIONS: dict[type, Callable[..., np.ndarray]] = {
    sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan, sp.asin: np.arcsin, sp.acos: np.arccos,
    sp.atan: np.arctan, sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh, sp.exp: np.exp,
    sp.log: np.log, sp.Abs: np.abs, sp.sign: np.sign, sp.atan2: np.arctan2,
    sp.Heaviside: lambda x, *_: np.heaviside(x, 0.5),
    sp.Min: lambda *a: np.minimum.reduce(np.broadcast_arrays(*a)),
    sp.Max: lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)),
}


def evaluate(expr: sp.Basic, values: Mapping[sp.Symbol, np.ndarray], tol: float) -> np.ndarray:
    """Value of ``expr`` (a number array, or a boolean array for predicates) at the points.

    ``=`` holds within ``tol``; ``<=``/``>=`` also accept ``tol`` of slack.
    """
    with np.errstate(all="ignore"):
        return np.asarray(_eval(expr, values, tol))


def _eval(expr: sp.Basic, values: Mapping[sp.Symbol, np.ndarray], tol: float):
    if expr is sp.true or expr is sp.false:
        return bool(expr)
    if isinstance(expr, sp.Symbol):
        if expr not in values:
            raise UnsupportedExpression(expr)
        return values[expr]
    if expr.is_Number or isinstance(expr, sp.NumberSymbol):
        value = complex(expr)
        if value.imag:
            raise UnsupportedExpression(expr)
        return value.real
    args = [_eval(a, values, tol) for a in expr.args]
    if isinstance(expr, sp.Add):
        return sum(args[1:], args[0])
    if isinstance(expr, sp.Mul):
        result = args[0]
        for a in args[1:]:
            result = result * a
        return result
    if isinstance(expr, sp.Pow):
        return np.power(np.asarray(args[0], dtype=float), args[1])
    if isinstance(expr, Relational):
        a, b = args
        if isinstance(expr, sp.Eq):
            return np.abs(a - b) <= tol
        if isinstance(expr, sp.Ne):
            return np.abs(a - b) > tol
        if isinstance(expr, sp.StrictLessThan):
            return a < b
        if isinstance(expr, sp.StrictGreaterThan):
            return a > b
        if isinstance(expr, sp.LessThan):
            return a <= b + tol
        return a >= b - tol  # GreaterThan
    if isinstance(expr, sp.And):
        return np.logical_and.reduce(np.broadcast_arrays(*args))
    if isinstance(expr, sp.Or):
        return np.logical_or.reduce(np.broadcast_arrays(*args))
    if isinstance(expr, sp.Not):
        return np.logical_not(args[0])
    function = _FUNCTIONS.get(type(expr))
    if function is None:
        raise UnsupportedExpression(expr)
    return function(*args)
