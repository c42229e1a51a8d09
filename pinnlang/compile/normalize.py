"""Rewrite IR expressions into the small SymPy subset the lowering understands.

Before lowering, every expression of a problem goes through :func:`prepare`:

1. constants are substituted by their values (so they fold into numbers at lowering);
2. a field applied to nothing (``u()``, what ``dn(u)`` makes of an unapplied field) is
   applied to all inputs; an unexpanded ``Laplacian(e)`` becomes the sum of second
   derivatives over the spatial coordinates; ``dn(e)`` becomes ``sum_i n_i * diff(e, x_i)``
   over the spatial coordinates, with one placeholder symbol per normal component (bound to
   the batch normals at evaluation);
3. ``re(e) -> e``, ``im(e) -> 0``, ``conjugate(e) -> e``: every quantity is real, but SymPy's
   plain symbols are complex, so derivatives of ``Abs`` come out in terms of ``re``/``im``;
4. derivatives of anything but an applied field are carried out with ``doit()``.

Afterwards every ``Derivative`` is of a field applied to exactly ``problem.inputs``, which
:func:`field_derivatives` turns into the ``(field index, multi-index)`` requests of a
:class:`~pinnlang.compile.derivatives.DerivativePlan`.

For residuals, :func:`collapse_laplacians` then finds every sum ``Σ_c k·∂²f/∂c²`` over *all*
spatial coordinates (one field, one coefficient ``k``, possibly among other terms) and replaces
it by ``k·CollapsedLaplacian(f)``, which the engines compute as one value (see
:func:`laplacian_requests`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.compile.derivatives import MultiIndex, canonical
from pinnlang.errors import PinnSemanticError
from pinnlang.problem.ir import Problem
from pinnlang.problem.operators import Laplacian, dn
from pinnlang.source import Span


@dataclass
class SymbolTable:
    """How the names of a problem map onto tensors at evaluation time.

    Attributes:
        inputs: Network inputs in column order (space, time, params).
        fields: Field names in output-column order.
        unknowns: Unknown symbols (looked up by name in the ``unknowns`` mapping).
        normals: One placeholder symbol per spatial coordinate, bound to the batch normals.
        constants: Constant symbol -> numeric SymPy value.
    """

    inputs: tuple[sp.Symbol, ...]
    fields: tuple[str, ...]
    unknowns: tuple[sp.Symbol, ...] = ()
    normals: tuple[sp.Symbol, ...] = ()
    constants: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: Problem) -> "SymbolTable":
        normals = tuple(sp.Dummy(f"n_{c}") for c in problem.space_coords)
        return cls(
            inputs=tuple(problem.inputs),
            fields=tuple(problem.field_names),
            unknowns=tuple(u.symbol for u in problem.unknowns),
            normals=normals,
            constants=problem.constant_values(),
        )

    def column(self, symbol: sp.Symbol) -> int | None:
        try:
            return self.inputs.index(symbol)
        except ValueError:
            return None

    def field_index(self, expr: sp.Expr) -> int | None:
        """The output column of an applied field ``u(x, t)``, else ``None``."""
        if isinstance(expr, AppliedUndef):
            name = expr.func.__name__
            if name in self.fields:
                return self.fields.index(name)
        return None


def prepare(expr: Any, table: SymbolTable, *, span: Span | None = None) -> sp.Expr:
    """Rewrite ``expr`` as described in the module docstring and check its field applications.

    Raises:
        PinnSemanticError: A field applied to arguments other than the problem's inputs, or a
            derivative that cannot be carried out.
    """
    expr = as_sympy(expr)
    if table.constants:
        expr = expr.xreplace(table.constants)
    bare = [a for a in expr.atoms(AppliedUndef) if not a.args and a.func.__name__ in table.fields]
    if bare:
        expr = expr.xreplace({a: a.func(*table.inputs) for a in bare})
    if expr.has(Laplacian):
        spatial = table.inputs[: len(table.normals)]
        expr = expr.replace(
            lambda e: isinstance(e, Laplacian),
            lambda e: sp.Add(*[sp.diff(e.args[0], c, 2) for c in spatial]),
        )
    if expr.has(dn):
        expr = expr.replace(lambda e: isinstance(e, dn), lambda e: _expand_dn(e, table, span))
    if expr.has(sp.re, sp.im, sp.conjugate):
        expr = expr.replace(sp.re, lambda a: a).replace(sp.conjugate, lambda a: a)
        expr = expr.replace(sp.im, lambda a: sp.Integer(0))
    if any(not _is_field_derivative(d, table) for d in expr.atoms(sp.Derivative)):
        expr = expr.replace(
            lambda e: isinstance(e, sp.Derivative) and not _is_field_derivative(e, table),
            lambda e: e.doit(),
        )
    _check_fields(expr, table, span)
    return expr


def as_sympy(value: Any) -> sp.Basic:
    """A SymPy object from a SymPy object or a Python number (never from text)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    raise TypeError(f"expected a SymPy expression or a number, got {type(value).__name__}")


def _expand_dn(node: sp.Expr, table: SymbolTable, span: Span | None) -> sp.Expr:
    spatial = table.inputs[: len(table.normals)]
    if not spatial:
        raise PinnSemanticError("dn(...) needs a spatial domain; this problem has none", span)
    (arg,) = node.args
    return sp.Add(*[n * sp.diff(arg, c) for n, c in zip(table.normals, spatial)])


def _is_field_derivative(d: sp.Derivative, table: SymbolTable) -> bool:
    return table.field_index(d.expr) is not None


def _check_fields(expr: sp.Expr, table: SymbolTable, span: Span | None) -> None:
    for applied in expr.atoms(AppliedUndef):
        name = applied.func.__name__
        if name not in table.fields:
            raise PinnSemanticError(f"'{name}' is not a declared field", span)
        if tuple(applied.args) != table.inputs:
            want = ", ".join(str(s) for s in table.inputs)
            raise PinnSemanticError(
                f"field '{name}' must be applied to all inputs ({want}), got {applied}", span
            )
    for d in expr.atoms(sp.Derivative):
        if not _is_field_derivative(d, table):
            raise PinnSemanticError(f"cannot compile the derivative {d}", span)
        for symbol, _ in d.variable_count:
            if table.column(symbol) is None:
                raise PinnSemanticError(
                    f"derivative of '{d.expr.func.__name__}' along '{symbol}', "
                    "which is not a coordinate or param",
                    span,
                )


class CollapsedLaplacian(sp.Function):
    """``Σ_c ∂²f/∂c²`` over the spatial coordinates of the applied field ``f``, as one value.

    Made only by :func:`collapse_laplacians`; lowered to the ``LAPLACIAN`` entry of the
    evaluation's derivative values.
    """

    nargs = 1


def collapse_laplacians(expr: sp.Expr, table: SymbolTable) -> sp.Expr:
    """Replace every spatial Laplacian sum in ``expr`` by a :class:`CollapsedLaplacian`.

    Within each sum (``Add``) of ``expr``, the terms ``k * Derivative(f, (c, 2))`` with the same
    field ``f`` and the same coefficient ``k`` are grouped; a group covering every spatial
    coordinate becomes ``k * CollapsedLaplacian(f)``. So ``-laplacian(u)``, ``k*laplacian(u)``
    and ``u_t - a*laplacian(u) + u**3`` all collapse, while ``u_xx + 2*u_yy`` does not. With fewer
    than two spatial coordinates there is nothing to collapse.
    """
    spatial = table.inputs[: len(table.normals)]
    if len(spatial) < 2 or not expr.has(sp.Derivative):
        return expr
    return _collapse(expr, frozenset(spatial), table)


def _collapse(expr: sp.Basic, spatial: frozenset, table: SymbolTable) -> sp.Basic:
    if not expr.args or isinstance(expr, (sp.Derivative, AppliedUndef)):
        return expr
    args = tuple(_collapse(a, spatial, table) for a in expr.args)
    if args != expr.args:
        expr = expr.func(*args)
    if isinstance(expr, sp.Add):
        expr = _collapse_sum(expr, spatial, table)
    return expr


def _collapse_sum(expr: sp.Add, spatial: frozenset, table: SymbolTable) -> sp.Expr:
    groups: dict[tuple[sp.Expr, sp.Expr], dict[sp.Symbol, int]] = {}
    for position, term in enumerate(expr.args):
        found = _pure_second(term, spatial, table)
        if found is not None:
            applied, coordinate, coefficient = found
            groups.setdefault((applied, coefficient), {})[coordinate] = position
    collapsed, replaced = [], set()
    for (applied, coefficient), positions in groups.items():
        if set(positions) == spatial:
            collapsed.append(coefficient * CollapsedLaplacian(applied))
            replaced |= set(positions.values())
    if not collapsed:
        return expr
    rest = [term for position, term in enumerate(expr.args) if position not in replaced]
    return sp.Add(*rest, *collapsed)


def _pure_second(
    term: sp.Expr, spatial: frozenset, table: SymbolTable
) -> tuple[sp.Expr, sp.Symbol, sp.Expr] | None:
    """``(f, c, k)`` when ``term`` is ``k * Derivative(f, (c, 2))`` with ``c`` spatial, else None."""

    def second(d: sp.Basic) -> tuple[sp.Expr, sp.Symbol] | None:
        if not isinstance(d, sp.Derivative) or table.field_index(d.expr) is None:
            return None
        if len(d.variable_count) != 1:
            return None
        coordinate, count = d.variable_count[0]
        return (d.expr, coordinate) if count == 2 and coordinate in spatial else None

    found = second(term)
    if found is not None:
        return (*found, sp.Integer(1))
    if not isinstance(term, sp.Mul):
        return None
    hits = [(i, second(f)) for i, f in enumerate(term.args)]
    hits = [(i, h) for i, h in hits if h is not None]
    if len(hits) != 1:
        return None
    position, (applied, coordinate) = hits[0]
    coefficient = sp.Mul(*(f for i, f in enumerate(term.args) if i != position))
    return applied, coordinate, coefficient


def laplacian_requests(expr: sp.Expr, table: SymbolTable) -> dict[int, tuple[int, ...]]:
    """``{field index: spatial axes}`` of every :class:`CollapsedLaplacian` in ``expr``."""
    axes = tuple(range(len(table.normals)))
    return {
        table.field_index(c.args[0]): axes for c in expr.atoms(CollapsedLaplacian)
    }


def multi_index(d: sp.Derivative, table: SymbolTable) -> MultiIndex:
    """The sorted input-column tuple of a field derivative, e.g. ``u_xt -> (0, 1)``."""
    indices: list[int] = []
    for symbol, count in d.variable_count:
        column = table.column(symbol)
        if column is None:
            raise PinnSemanticError(f"derivative along '{symbol}', which is not an input")
        indices.extend([column] * int(count))
    return canonical(indices)


def field_derivatives(expr: sp.Expr, table: SymbolTable) -> set[tuple[int, MultiIndex]]:
    """Every ``(field index, multi-index)`` an expression reads, fields themselves as ``()``."""
    requests: set[tuple[int, MultiIndex]] = set()
    for applied in expr.atoms(AppliedUndef):
        index = table.field_index(applied)
        if index is not None:
            requests.add((index, ()))
    for d in expr.atoms(sp.Derivative):
        index = table.field_index(d.expr)
        if index is not None:
            requests.add((index, multi_index(d, table)))
    return requests
