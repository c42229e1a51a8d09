"""Lowering of expressions and predicates: syntax tree → SymPy objects.

SymPy objects are built node by node (never from text): numbers become ``Integer``/``Float``,
names the symbols/fields/macros they were declared as, derivatives ``sympy.diff`` of the lowered
operand, ``laplacian`` the sum of second derivatives over the space coordinates and ``dn`` the
unevaluated :class:`pinnlang.problem.operators.dn`.
"""

from __future__ import annotations

import math
from typing import Sequence

import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.errors import PinnSemanticError
from pinnlang.problem.ir import normal_symbols
from pinnlang.problem.operators import derivative, dn
from pinnlang.source import Span
from pinnlang.syntax import ast
from pinnlang.syntax.names import CONSTANTS, FUNCTIONS, GEOMETRY, OPERATORS
from pinnlang.syntax.scope import KIND_WORDS, Entry, Scope

#: Highest total derivative order accepted in ``d(...)`` and shorthands.
MAX_DERIVATIVE_ORDER = 8
#: Largest exponent applied exactly to a rational base (``9^9^9`` would not fit in memory).
MAX_EXACT_EXPONENT = 10_000

_RELATIONS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "=": sp.Eq}


class ExpressionLowering:
    """Lowers expression nodes against a scope; ``inputs`` are what fields are applied to."""

    def __init__(self, scope: Scope, inputs: Sequence[sp.Symbol], space: Sequence[sp.Symbol]):
        self.scope = scope
        self.inputs = tuple(inputs)
        self.space = tuple(space)
        #: Inside an ``integral``: True on a boundary (the normal's components ``nx, ...`` are
        #: names), False over the domain; None elsewhere.
        self.in_integral: bool | None = None

    # ------------------------------------------------------------------ dispatch
    def lower(self, node: ast.Expr) -> sp.Expr:
        method = getattr(self, f"_lower_{type(node).__name__}")
        return method(node)

    def _lower_Number(self, node: ast.Number) -> sp.Expr:
        try:
            return sp.Integer(node.text) if node.is_integer else sp.Float(float(node.text))
        except (ValueError, OverflowError):
            raise PinnSemanticError(f"the number '{node.text[:20]}...' has too many digits",
                                    node.span) from None

    def _lower_Name(self, node: ast.Name) -> sp.Expr:
        name = node.name
        entry = self.scope.lookup(name, node.span)
        if entry is not None and self.in_integral and name in map(str, normal_symbols(self.space)):
            raise PinnSemanticError(
                f"'{name}' is ambiguous in a boundary integral: it is declared as "
                f"{KIND_WORDS[entry.kind]} and is also a component of the outward normal",
                node.span, hint="rename the declaration")
        shorthand = self._shorthand(name, node.span)
        if entry is not None and shorthand is not None:
            raise PinnSemanticError(
                f"'{name}' is ambiguous: it is declared as {KIND_WORDS[entry.kind]} and also reads "
                f"as a derivative shorthand", node.span,
                hint="rename the declaration, or write the derivative as d(...)")
        if shorthand is not None:
            return shorthand
        if entry is not None:
            return self._entry_value(name, entry, node.span)
        if name in CONSTANTS:
            return CONSTANTS[name]
        normal = self._normal_component(name, node.span)
        if normal is not None:
            return normal
        if name in FUNCTIONS or name in OPERATORS:
            raise PinnSemanticError(f"'{name}' is a function: call it, e.g. {name}(...)", node.span)
        if name in GEOMETRY:
            raise PinnSemanticError(f"'{name}' makes a region and needs arguments", node.span)
        raise self.scope.unknown_name_error(name, node.span)

    def _entry_value(self, name: str, entry: Entry, span: Span) -> sp.Expr:
        if entry.kind == "field":
            return entry.value(*self.inputs)
        if entry.kind == "region":
            raise PinnSemanticError(
                f"'{name}' is a region, not a value", span,
                hint="regions are used after 'space ... in', in 'let' and after 'on'")
        return entry.value

    def _shorthand(self, name: str, span: Span) -> sp.Expr | None:
        """``u_xt`` → ∂²u/∂x∂t, if ``u`` is a field and ``x``, ``t`` are coordinates."""
        readings = []
        for i, ch in enumerate(name):
            if ch != "_" or i == 0 or i == len(name) - 1:
                continue
            field_entry = self.scope.entries.get(name[:i])
            if field_entry is None or field_entry.kind != "field":
                continue
            letters = name[i + 1:]
            coords = [self.scope.entries.get(c) for c in letters]
            if all(c is not None and c.is_coordinate for c in coords):
                readings.append((name[:i], field_entry, [c.value for c in coords]))
        if not readings:
            return None
        if len(readings) > 1:
            raise PinnSemanticError(f"'{name}' is ambiguous: it reads as a derivative of more than "
                                    "one field", span, hint="write the derivative as d(...)")
        field_name, field_entry, coords = readings[0]
        self.scope.lookup(field_name, span)
        for c in coords:
            self.scope.lookup(str(c), span)
        self._require_order(len(coords), span)
        return derivative(field_entry.value(*self.inputs), *coords)

    def _normal_component(self, name: str, span: Span) -> sp.Expr | None:
        """``nx`` in a boundary integral: the outward unit normal's component along ``x``."""
        normals = {str(n): n for n in normal_symbols(self.space)}
        if name not in normals or self.in_integral is None:
            return None
        if self.in_integral:
            return normals[name]
        raise PinnSemanticError(
            f"'{name}' (a component of the outward normal) is defined only on a boundary",
            span, hint="integrate over a boundary: integral(..., on SELECTOR)")

    def _lower_UnaryOp(self, node: ast.UnaryOp) -> sp.Expr:
        operand = self.lower(node.operand)
        return -operand if node.op == "-" else operand

    def _lower_BinOp(self, node: ast.BinOp) -> sp.Expr:
        if node.op == "&":
            raise PinnSemanticError("'&' (intersection) joins regions, not numbers", node.span)
        left, right = self.lower(node.left), self.lower(node.right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            return left / right
        return self._power(left, right, node.span)

    @staticmethod
    def _power(base: sp.Expr, exponent: sp.Expr, span: Span) -> sp.Expr:
        if (base.is_Rational and exponent.is_Rational and abs(exponent) > MAX_EXACT_EXPONENT
                and base not in (0, 1, -1)):
            raise PinnSemanticError("this power is too large to compute", span,
                                    hint=f"exponents of exact numbers are limited to "
                                         f"{MAX_EXACT_EXPONENT}")
        return base**exponent

    def _lower_TupleExpr(self, node: ast.TupleExpr) -> sp.Expr:
        raise PinnSemanticError("a point '(a, b, ...)' is only allowed in geometry", node.span,
                                hint="e.g. disk((0, 0), 1) or polygon((0, 0), (1, 0), (0, 1))")

    def _lower_ListExpr(self, node: ast.ListExpr) -> sp.Expr:
        raise PinnSemanticError("an interval '[a, b]' is only allowed after 'in' or in geometry",
                                node.span)

    # ------------------------------------------------------------------ calls
    def _lower_Call(self, node: ast.Call) -> sp.Expr:
        name, args = node.function, node.args
        if name in OPERATORS:
            low, high = OPERATORS[name]
            self._require_arity(name, args, low, high, node.span)
            return getattr(self, f"_operator_{name}")(node)
        if name in FUNCTIONS:
            spec = FUNCTIONS[name]
            self._require_arity(name, args, spec.min_args, spec.max_args, node.span)
            return spec.sympy_function(*[self.lower(a) for a in args])
        if name in GEOMETRY:
            raise PinnSemanticError(f"'{name}(...)' is a region, not a value", node.span,
                                    hint="regions are used after 'space ... in' and in 'let'")
        entry = self.scope.lookup(name, node.span)
        if entry is not None and entry.kind == "field":
            raise PinnSemanticError(
                f"'{name}' is a field: write '{name}' alone (it already depends on "
                f"{', '.join(map(str, self.inputs))})", node.span)
        if entry is not None:
            raise PinnSemanticError(f"'{name}' is {KIND_WORDS[entry.kind]}, not a function",
                                    node.span)
        raise self.scope.unknown_name_error(name, node.span, function=True)

    @staticmethod
    def _require_arity(name: str, args: Sequence[ast.Expr], low: int, high: int | None,
                       span: Span) -> None:
        if len(args) >= low and (high is None or len(args) <= high):
            return
        if high == low:
            wanted = f"{low} argument" + ("" if low == 1 else "s")
        elif high is None:
            wanted = f"at least {low} arguments"
        else:
            wanted = f"{low} to {high} arguments"
        hint = "e.g. d(u, x), d(u, x, x) or d(u, x, 2)" if name == "d" else None
        raise PinnSemanticError(f"{name}() takes {wanted}, got {len(args)}", span, hint)

    @staticmethod
    def _require_order(order: int, span: Span) -> None:
        if order > MAX_DERIVATIVE_ORDER:
            raise PinnSemanticError(
                f"derivative of order {order} is too high (at most {MAX_DERIVATIVE_ORDER})", span)

    def _derivative_variable(self, node: ast.Expr) -> sp.Symbol:
        if not isinstance(node, ast.Name):
            raise PinnSemanticError("expected a coordinate name in d(...)", node.span,
                                    hint="e.g. d(u, x) or d(u, x, 2)")
        entry = self.scope.lookup(node.name, node.span)
        if entry is None:
            raise self.scope.unknown_name_error(node.name, node.span)
        if not entry.is_coordinate:
            coords = ", ".join(n for n, e in self.scope.entries.items() if e.is_coordinate)
            raise PinnSemanticError(
                f"cannot differentiate along '{node.name}': it is {KIND_WORDS[entry.kind]}, "
                "not a coordinate", node.span,
                hint=f"derivatives are taken along the coordinates ({coords})" if coords else None)
        return entry.value

    def _operator_d(self, node: ast.Call) -> sp.Expr:
        target = self.lower(node.args[0])
        variables: list[sp.Symbol] = []
        last_single: ast.Expr | None = None
        for arg in node.args[1:]:
            if isinstance(arg, ast.Number):
                count = int(arg.text) if arg.is_integer and len(arg.text) < 6 else 0
                if (count < 1 and not arg.is_integer) or count == 0 or last_single is None:
                    if arg.is_integer and len(arg.text) >= 6 and last_single is not None:
                        count = MAX_DERIVATIVE_ORDER + 1
                    else:
                        raise PinnSemanticError(
                            "a derivative order must be a whole number ≥ 1 after a coordinate",
                            arg.span, hint="e.g. d(u, x, 2) for the second derivative along x")
                self._require_order(len(variables) - 1 + count, arg.span)
                variables.extend([variables[-1]] * (count - 1))
                last_single = None
                continue
            variables.append(self._derivative_variable(arg))
            last_single = arg
        self._require_order(len(variables), node.span)
        if target.has(dn):
            raise PinnSemanticError("dn(...) cannot be differentiated", node.span)
        return derivative(target, *variables)

    def _operator_laplacian(self, node: ast.Call) -> sp.Expr:
        if not self.space:
            raise PinnSemanticError("laplacian needs space coordinates ('space ...')", node.span)
        target = self.lower(node.args[0])
        if target.has(dn):
            raise PinnSemanticError("dn(...) cannot be differentiated", node.span)
        return sp.Add(*[derivative(target, c, 2) for c in self.space])

    def _operator_dn(self, node: ast.Call) -> sp.Expr:
        if not self.space:
            raise PinnSemanticError("dn needs space coordinates ('space ...')", node.span)
        return dn(self.lower(node.args[0]))

    # ------------------------------------------------------------------ predicates
    def predicate(self, node: ast.Predicate) -> sp.Basic:
        """Lower a ``where`` predicate to a SymPy boolean (``=`` is an unevaluated ``Eq``)."""
        if isinstance(node, ast.Compare):
            operands = [self.lower(o) for o in node.operands]
            relations = [_RELATIONS[op](a, b, evaluate=False)
                         for op, a, b in zip(node.ops, operands, operands[1:])]
            return relations[0] if len(relations) == 1 else sp.And(*relations)
        if isinstance(node, ast.NotOp):
            return sp.Not(self.predicate(node.operand))
        parts = [self.predicate(p) for p in node.operands]
        return sp.And(*parts) if node.op == "and" else sp.Or(*parts)

    # ------------------------------------------------------------------ constants
    def constant(self, node: ast.Expr, what: str) -> sp.Expr:
        """Lower an expression that may use only numbers, ``pi``, ``e`` and constants."""
        expr = self.lower(node)
        for atom in sorted(expr.atoms(sp.Symbol, AppliedUndef), key=str):
            name = atom.func.__name__ if isinstance(atom, AppliedUndef) else str(atom)
            entry = self.scope.entries.get(name)
            if entry is None or entry.kind != "const":
                kind = KIND_WORDS[entry.kind] if entry is not None else "not a constant"
                raise PinnSemanticError(
                    f"{what} must be a constant expression, but '{name}' is {kind}", node.span,
                    hint="use numbers, pi, e, declared constants and arithmetic")
        return expr

    def number(self, node: ast.Expr, what: str, constants: dict[sp.Symbol, sp.Expr]) -> float:
        """Evaluate a constant expression to a finite float."""
        expr = self.constant(node, what)
        try:
            value = float(expr.subs(constants))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            value = math.nan
        if not math.isfinite(value):
            raise PinnSemanticError(f"{what} is not a finite real number", node.span)
        return value
