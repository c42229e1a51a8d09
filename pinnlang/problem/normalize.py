"""Turn what a Python user writes into the IR's canonical SymPy form.

The builder accepts conveniences the text front end never produces: fields applied to a subset of
the inputs (``u(x)``) or not at all (``u``), ``laplacian(u)`` without coordinates, unevaluated
``Derivative`` objects. :func:`normalize_expr` rewrites all of them into exactly what the parser
builds, so a problem written in Python equals the one parsed from the same text.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef, FunctionClass

from pinnlang.errors import PinnSemanticError, PinnUsageError
from pinnlang.problem.operators import Laplacian, derivative, dn


def to_expr(value: Any, what: str) -> sp.Basic:
    """A SymPy object from a SymPy object or a Python number (never from a string).

    Raises:
        PinnUsageError: ``value`` is a string, a bool or not convertible.
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or isinstance(value, str):
        raise PinnUsageError(
            f"{what}: expected a SymPy expression or a number, got {value!r}",
            hint="build expressions from sympy.symbols(...) and sympy.Function(...); strings are "
            "never evaluated",
        )
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, numbers.Real):
        return sp.Float(float(value))
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError) as err:
        raise PinnUsageError(f"{what}: cannot use {value!r} as an expression") from err


def to_float(value: Any, what: str, constants: Mapping[sp.Symbol, sp.Expr] | None = None) -> float:
    """A float from a number or a constant SymPy expression (``2*pi``, ``L/2`` with ``L`` a const).

    Raises:
        PinnUsageError: not a number, or an expression with symbols that are not constants.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    expr = to_expr(value, what)
    if constants:
        expr = expr.subs(constants)
    if not expr.is_number or expr.is_real is False:
        names = ", ".join(sorted(str(s) for s in expr.free_symbols))
        raise PinnUsageError(
            f"{what} must be a constant number, got {value}"
            + (f" (it uses {names}, which are not constants)" if names else "")
        )
    return float(expr)


def field_name(field: Any, what: str = "field") -> str:
    """The name of a field given as a string, ``sympy.Function("u")`` or ``u(x, t)``."""
    if isinstance(field, str):
        return field
    if isinstance(field, AppliedUndef):
        return field.func.__name__
    if isinstance(field, FunctionClass) and not isinstance(field, sp.Basic):
        return field.__name__
    raise PinnUsageError(
        f"{what}: expected a field (a name or sympy.Function), got {field!r}",
        hint='declare fields as sympy.Function("u") or by name: .field("u")',
    )


def option_value(key: str, value: Any) -> int | float | str:
    """Check one option or training setting: numbers and strings only."""
    if isinstance(value, bool):
        raise PinnUsageError(f"setting '{key}': expected a number or a name, got {value!r}")
    if isinstance(value, sp.Basic) and value.is_number:
        value = int(value) if value.is_Integer else float(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        if "\n" in value:
            raise PinnUsageError(f"setting '{key}': a value may not contain a newline")
        return value
    raise PinnUsageError(f"setting '{key}': expected a number or a name, got {value!r}")


def normalize_expr(
    expr: sp.Basic,
    fields: Mapping[str, FunctionClass],
    inputs: tuple[sp.Symbol, ...],
    space_coords: tuple[sp.Symbol, ...],
) -> sp.Basic:
    """Apply every field to all ``inputs``, expand ``laplacian`` and evaluate derivatives.

    Raises:
        PinnSemanticError: a field that is not declared, a field applied to something that is not
            an input, ``laplacian`` without space coordinates.
    """

    def walk(e: sp.Basic) -> sp.Basic:
        if isinstance(e, AppliedUndef):
            name = e.func.__name__
            if name not in fields:
                raise PinnSemanticError(
                    f"'{name}' is used as a field but is not declared",
                    hint=f'declare it with .field("{name}")',
                )
            stray = [a for a in e.args if not (isinstance(a, sp.Symbol) and sp.Symbol(a.name) in inputs)]
            if stray:
                shown = ", ".join(str(s) for s in inputs)
                raise PinnSemanticError(
                    f"field '{name}' is applied to {', '.join(map(str, stray))}; a field is a "
                    f"function of the problem's inputs ({shown}) and is written '{name}' or "
                    f"'{name}({shown})'"
                )
            return fields[name](*inputs)
        if isinstance(e, sp.Symbol):
            return fields[e.name](*inputs) if e.name in fields else sp.Symbol(e.name)
        if isinstance(e, Laplacian):
            if not space_coords:
                raise PinnSemanticError("laplacian needs space coordinates; declare .space(...)")
            arg = walk(e.args[0])
            return sp.Add(*[derivative(arg, c, 2) for c in space_coords])
        if isinstance(e, sp.Derivative):
            counts = [(sp.Symbol(v.name) if isinstance(v, sp.Symbol) else v, n) for v, n in e.variable_count]
            return derivative(walk(e.expr), *counts)
        if not e.args:
            return e
        return e.func(*[walk(a) for a in e.args])

    return walk(expr)


def plain_symbols(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every symbol replaced by the plain ``sympy.Symbol`` of the same name.

    ``sympy.Symbol("x", real=True)`` differs from ``sympy.Symbol("x")``; the IR uses plain ones.
    """
    mapping = {s: sp.Symbol(s.name) for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and s != sp.Symbol(s.name)}
    return expr.xreplace(mapping) if mapping else expr


def applications(expr: sp.Basic) -> set[sp.Basic]:
    """The applied undefined functions (fields) in ``expr``."""
    return set(expr.atoms(AppliedUndef))


def require_symbols(
    expr: sp.Basic, allowed: Iterable[sp.Symbol], where: str, *, fields_allowed: bool = True
) -> None:
    """Raise if ``expr`` uses a symbol outside ``allowed`` (or, optionally, any field)."""
    allowed = set(allowed)
    stray = sorted((s for s in expr.free_symbols if s not in allowed), key=str)
    if stray:
        names = ", ".join(f"'{s}'" for s in stray)
        raise PinnSemanticError(
            f"{where} uses {names}, which {'is' if len(stray) == 1 else 'are'} not declared",
            hint="declare coordinates with .space/.time/.param, and .const or .unknown for scalars",
        )
    if not fields_allowed and applications(expr):
        raise PinnSemanticError(f"{where} may not use a field")
    if not fields_allowed and expr.atoms(dn):
        raise PinnSemanticError(f"{where} may not use dn")
