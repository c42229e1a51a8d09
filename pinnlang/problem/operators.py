"""SymPy operators of the language that SymPy lacks: ``dn`` and ``laplacian``."""

from __future__ import annotations

from typing import Iterable

import sympy as sp
from sympy.core.function import FunctionClass


def _as_argument(expr):
    """Let an unapplied field (``sympy.Function("u")``) stand for itself, applied to nothing.

    The builder later applies every field to all of the problem's inputs, so ``u()`` becomes
    ``u(x, t)`` there.
    """
    if isinstance(expr, FunctionClass) and not isinstance(expr, sp.Basic):
        return expr()
    return expr


class dn(sp.Function):
    """The derivative along the outward unit normal of the boundary, ``dn(u)``.

    It stays unevaluated in the IR; the compiler turns it into ``n · grad(u)`` over the spatial
    coordinates with the normals of the sampled boundary points. ``dn(u)`` accepts an unapplied
    field as well as ``u(x, y)``.
    """

    nargs = 1

    def __new__(cls, expr, **kwargs):
        return super().__new__(cls, _as_argument(expr), **kwargs)

    def _latex(self, printer) -> str:
        return r"\partial_{n} " + printer._print(self.args[0])


class Laplacian(sp.Function):
    """An unexpanded ``laplacian(u)`` written without coordinates (SymPy API only).

    The builder replaces it by the sum of second derivatives over the problem's spatial
    coordinates, so it never reaches the IR.
    """

    nargs = 1

    def __new__(cls, expr, **kwargs):
        return super().__new__(cls, _as_argument(expr), **kwargs)

    def _latex(self, printer) -> str:
        return r"\nabla^{2} " + printer._print(self.args[0])


def laplacian(expr, coords: Iterable[sp.Symbol] | None = None) -> sp.Expr:
    """Sum of second derivatives of ``expr`` over the spatial ``coords``.

    Args:
        expr: an expression, an applied field ``u(x, y)`` or an unapplied field ``u`` (applied
            to ``coords`` when they are given).
        coords: the spatial coordinates. Without them the result is a :class:`Laplacian`
            placeholder that :class:`~pinnlang.problem.Problem`'s builder methods expand with
            the problem's own space coordinates.

    Returns:
        ``sum(sympy.diff(expr, c, 2) for c in coords)``, or ``Laplacian(expr)``.
    """
    if coords is None:
        return Laplacian(expr)
    coords = tuple(coords)
    if isinstance(expr, FunctionClass) and not isinstance(expr, sp.Basic):
        expr = expr(*coords)
    return sp.Add(*[sp.diff(expr, c, 2) for c in coords])


def real_parts(expr: sp.Basic) -> sp.Basic:
    """Drop the ``re``/``im`` that SymPy introduces when differentiating ``abs`` of a field.

    Fields are real-valued, so ``re(f) -> f`` and ``im(f) -> 0``; ``d(abs(u), x)`` becomes
    ``u*d(u, x)/abs(u)`` (that is, ``sign(u)*d(u, x)``).
    """
    if not expr.has(sp.re, sp.im):
        return expr
    return expr.replace(sp.re, lambda a: a).replace(sp.im, lambda a: sp.S.Zero)


def derivative(expr: sp.Basic, *variables) -> sp.Basic:
    """``sympy.diff`` for real-valued fields: the derivative of ``expr`` along ``variables``."""
    return real_parts(sp.diff(expr, *variables))
