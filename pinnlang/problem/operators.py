"""SymPy operators of the language that SymPy lacks."""

from __future__ import annotations

import sympy as sp


class dn(sp.Function):
    """The derivative along the outward unit normal of the boundary, ``dn(u)``.

    It stays unevaluated in the IR; the compiler turns it into ``n · grad(u)`` over the spatial
    coordinates with the normals of the sampled boundary points.
    """

    nargs = 1

    def _latex(self, printer) -> str:
        return r"\partial_{n} " + printer._print(self.args[0])


def laplacian(expr: sp.Expr, coords) -> sp.Expr:
    """Sum of second derivatives of ``expr`` over the spatial ``coords``."""
    return sp.Add(*[sp.Derivative(expr, c, 2) for c in coords])
