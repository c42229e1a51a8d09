"""Lower SymPy expressions to torch by dispatch on the expression's type.

:class:`Lowerer` walks an expression once, at compile time, and returns an *evaluator*: a tree of
small closures ``env -> Tensor | float``. Dispatch looks for ``_lower_<ClassName>`` along the
class's MRO (as SymPy's printers do), so ``sin`` is found through ``_lower_Function`` and the
table :data:`FUNCTIONS`, an applied field ``u(x, t)`` through ``_lower_AppliedUndef``.

Numbers (anything SymPy calls ``is_number``: ``2``, ``pi``, ``0.01/pi``, ``sin(1)``) are folded
to a Python float at compile time. Symbols read the input columns, the unknowns (tensors, so they
learn) and the normal placeholders of ``dn``. Fields and their derivatives come from the
:class:`~pinnlang.compile.derivatives.DerivativeValues` of the evaluation; the lowering never
differentiates. Booleans (``And``/``Or``/``Not``, relationals) lower the same way to boolean
tensors; equalities hold within ``eq_tol`` (see :meth:`Lowerer._compare`).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from typing import Callable, Mapping

import sympy as sp
import torch

from pinnlang.compile.derivatives import LAPLACIAN, DerivativeValues
from pinnlang.compile.normalize import CollapsedLaplacian, SymbolTable, multi_index
from pinnlang.errors import PinnRuntimeError, PinnSemanticError
from pinnlang.source import Span

Value = torch.Tensor | float
Evaluator = Callable[["Env"], Value]

FUNCTIONS: dict[type, Callable[[torch.Tensor], torch.Tensor]] = {
    sp.sin: torch.sin,
    sp.cos: torch.cos,
    sp.tan: torch.tan,
    sp.asin: torch.asin,
    sp.acos: torch.acos,
    sp.atan: torch.atan,
    sp.sinh: torch.sinh,
    sp.cosh: torch.cosh,
    sp.tanh: torch.tanh,
    sp.asinh: torch.asinh,
    sp.acosh: torch.acosh,
    sp.atanh: torch.atanh,
    sp.exp: torch.exp,
    sp.log: torch.log,
    sp.Abs: torch.abs,
    sp.sign: torch.sign,
    sp.sec: lambda v: 1 / torch.cos(v),
    sp.csc: lambda v: 1 / torch.sin(v),
    sp.cot: lambda v: 1 / torch.tan(v),
}
"""One-argument SymPy functions and their torch counterparts (``sqrt`` is ``Pow(., 1/2)``)."""


@dataclass
class Env:
    """What an evaluator reads: inputs, derivative values, unknowns and normals of one batch."""

    x: torch.Tensor
    derivatives: DerivativeValues | None = None
    unknowns: Mapping[str, torch.Tensor] = field(default_factory=dict)
    normals: torch.Tensor | None = None


def as_tensor(value: Value, like: torch.Tensor) -> torch.Tensor:
    """``value`` as a tensor broadcastable against ``like`` (same dtype and device)."""
    if isinstance(value, torch.Tensor):
        return value
    return torch.full((), float(value), dtype=like.dtype, device=like.device)


def as_column(value: Value, env: Env) -> torch.Tensor:
    """``value`` broadcast to one entry per point, shape ``(N,)``."""
    n = env.x.shape[0]
    if isinstance(value, torch.Tensor):
        if value.ndim == 0 or value.shape[0] != n:
            return value.expand(n) if value.ndim <= 1 else value.reshape(-1).expand(n)
        return value
    return torch.full((n,), float(value), dtype=env.x.dtype, device=env.x.device)


class Lowerer:
    """Turns SymPy expressions of one problem into evaluators.

    Args:
        table: The problem's symbol table (inputs, fields, unknowns, normals).
        eq_tol: Absolute tolerance of ``=`` (and the slack of ``<``, ``<=``, ...) in predicates.
        span: Where the expression came from, for error messages.
    """

    def __init__(self, table: SymbolTable, *, eq_tol: float = 1e-9, span: Span | None = None):
        self.table = table
        self.eq_tol = float(eq_tol)
        self.span = span

    # ------------------------------------------------------------------ entry point
    def lower(self, expr: sp.Basic) -> Evaluator:
        """The evaluator of ``expr``."""
        if isinstance(expr, sp.Expr) and expr.is_number:
            return self._constant(expr)
        for cls in type(expr).__mro__:
            method = getattr(self, f"_lower_{cls.__name__}", None)
            if method is not None:
                return method(expr)
        raise PinnSemanticError(
            f"cannot compile '{expr}' ({type(expr).__name__}) to torch", self.span
        )

    def _constant(self, expr: sp.Expr) -> Evaluator:
        try:
            value = float(expr.evalf())
        except TypeError:
            raise PinnSemanticError(f"'{expr}' is not a real number", self.span) from None
        return lambda env: value

    # ------------------------------------------------------------------ leaves
    def _lower_Symbol(self, s: sp.Symbol) -> Evaluator:
        column = self.table.column(s)
        if column is not None:
            return lambda env: env.x[:, column]
        if s in self.table.unknowns:
            name = s.name
            return lambda env: _unknown(env, name)
        if s in self.table.normals:
            axis = self.table.normals.index(s)
            return lambda env: _normal(env, axis)
        raise PinnSemanticError(f"unknown name '{s}' in an expression", self.span)

    def _lower_AppliedUndef(self, e: sp.Expr) -> Evaluator:
        index = self.table.field_index(e)
        if index is None:
            raise PinnSemanticError(f"'{e.func.__name__}' is not a declared field", self.span)
        key = (index, ())
        return lambda env: _derivative(env, key)

    def _lower_Derivative(self, d: sp.Derivative) -> Evaluator:
        index = self.table.field_index(d.expr)
        if index is None:
            raise PinnSemanticError(f"cannot compile the derivative {d}", self.span)
        key = (index, multi_index(d, self.table))
        return lambda env: _derivative(env, key)

    def _lower_CollapsedLaplacian(self, e: CollapsedLaplacian) -> Evaluator:
        index = self.table.field_index(e.args[0])
        if index is None:
            raise PinnSemanticError(f"cannot compile the Laplacian of {e.args[0]}", self.span)
        key = (index, LAPLACIAN)
        return lambda env: _derivative(env, key)

    # ------------------------------------------------------------------ arithmetic
    def _lower_Add(self, e: sp.Add) -> Evaluator:
        return _fold(operator.add, [self.lower(a) for a in e.args])

    def _lower_Mul(self, e: sp.Mul) -> Evaluator:
        return _fold(operator.mul, [self.lower(a) for a in e.args])

    def _lower_Pow(self, e: sp.Pow) -> Evaluator:
        base_expr, exponent = e.args
        base = self.lower(base_expr)
        if exponent.is_Integer:
            return _integer_power(base, int(exponent))
        if exponent == sp.Rational(1, 2):
            return lambda env: torch.sqrt(base(env))
        if exponent == sp.Rational(-1, 2):
            return lambda env: torch.rsqrt(base(env))
        if exponent.is_number:
            p = float(exponent.evalf())
            return lambda env: torch.pow(base(env), p)
        power = self.lower(exponent)
        return lambda env: torch.pow(base(env), power(env))

    # ------------------------------------------------------------------ functions
    def _lower_Function(self, e: sp.Function) -> Evaluator:
        fn = FUNCTIONS.get(type(e))
        if fn is None or len(e.args) != 1:
            raise PinnSemanticError(f"function '{e.func}' is not supported", self.span)
        arg = self.lower(e.args[0])
        return lambda env: fn(arg(env))

    def _lower_MinMaxBase(self, e: sp.Expr) -> Evaluator:
        args = [self.lower(a) for a in e.args]
        pick = torch.minimum if isinstance(e, sp.Min) else torch.maximum

        def evaluate(env: Env) -> torch.Tensor:
            values = [as_tensor(a(env), env.x) for a in args]
            return functools.reduce(pick, values)

        return evaluate

    def _lower_Heaviside(self, e: sp.Heaviside) -> Evaluator:
        arg = self.lower(e.args[0])
        at_zero = float(e.args[1]) if len(e.args) > 1 else 0.5

        def evaluate(env: Env) -> torch.Tensor:
            v = as_tensor(arg(env), env.x)
            one, zero, half = (torch.full_like(v, c) for c in (1.0, 0.0, at_zero))
            return torch.where(v > 0, one, torch.where(v < 0, zero, half))

        return evaluate

    def _lower_DiracDelta(self, e: sp.Expr) -> Evaluator:
        # The derivative of Heaviside/sign: zero wherever it is defined, as autograd would say.
        arg = self.lower(e.args[0])
        return lambda env: torch.zeros_like(as_tensor(arg(env), env.x))

    def _lower_atan2(self, e: sp.atan2) -> Evaluator:
        y, x = (self.lower(a) for a in e.args)
        return lambda env: torch.atan2(as_tensor(y(env), env.x), as_tensor(x(env), env.x))

    # ------------------------------------------------------------------ booleans
    def _lower_BooleanTrue(self, e: sp.Basic) -> Evaluator:
        return lambda env: torch.ones(env.x.shape[0], dtype=torch.bool, device=env.x.device)

    def _lower_BooleanFalse(self, e: sp.Basic) -> Evaluator:
        return lambda env: torch.zeros(env.x.shape[0], dtype=torch.bool, device=env.x.device)

    def _lower_And(self, e: sp.And) -> Evaluator:
        parts = [self.lower(a) for a in e.args]
        return lambda env: functools.reduce(torch.logical_and, (p(env) for p in parts))

    def _lower_Or(self, e: sp.Or) -> Evaluator:
        parts = [self.lower(a) for a in e.args]
        return lambda env: functools.reduce(torch.logical_or, (p(env) for p in parts))

    def _lower_Not(self, e: sp.Not) -> Evaluator:
        part = self.lower(e.args[0])
        return lambda env: torch.logical_not(part(env))

    def _lower_Relational(self, e: sp.core.relational.Relational) -> Evaluator:
        return self._compare(e)

    def _compare(self, e: sp.core.relational.Relational) -> Evaluator:
        """``a = b`` holds when ``|a - b| <= eq_tol``; ``a < b`` when ``a < b - eq_tol``;
        ``a <= b`` when ``a <= b + eq_tol`` (so a point within the tolerance of a plane counts
        as on it, consistently for every operator)."""
        lhs, rhs = self.lower(e.lhs), self.lower(e.rhs)
        tol = self.eq_tol
        tests: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
            "==": lambda d: d.abs() <= tol,
            "!=": lambda d: d.abs() > tol,
            "<": lambda d: d < -tol,
            "<=": lambda d: d <= tol,
            ">": lambda d: d > tol,
            ">=": lambda d: d >= -tol,
        }
        test = tests.get(e.rel_op)
        if test is None:
            raise PinnSemanticError(f"comparison '{e.rel_op}' is not supported", self.span)

        def evaluate(env: Env) -> torch.Tensor:
            difference = as_tensor(lhs(env), env.x) - as_tensor(rhs(env), env.x)
            return as_column(test(difference), env)

        return evaluate


def _fold(op: Callable[[Value, Value], Value], parts: list[Evaluator]) -> Evaluator:
    """``parts[0] op parts[1] op ...`` left to right (two- and three-part sums unrolled)."""
    if len(parts) == 2:
        a, b = parts
        return lambda env: op(a(env), b(env))
    if len(parts) == 3:
        a, b, c = parts
        return lambda env: op(op(a(env), b(env)), c(env))
    return lambda env: functools.reduce(op, (p(env) for p in parts))


def _integer_power(base: Evaluator, n: int) -> Evaluator:
    if n == 0:
        return lambda env: 1.0
    if n == 1:
        return base
    if n == 2:
        return lambda env: _square(base(env))
    if n == 3:
        return lambda env: _cube(base(env))
    if n == -1:
        return lambda env: 1 / base(env)
    if n == -2:
        return lambda env: 1 / _square(base(env))
    return lambda env: torch.pow(base(env), n)


def _square(v: Value) -> Value:
    return v * v


def _cube(v: Value) -> Value:
    return v * v * v


def _unknown(env: Env, name: str) -> torch.Tensor:
    try:
        return env.unknowns[name].reshape(())
    except KeyError:
        raise PinnRuntimeError(f"no value given for the unknown '{name}'") from None


def _normal(env: Env, axis: int) -> torch.Tensor:
    if env.normals is None:
        raise PinnRuntimeError("dn(...) needs boundary normals, and this batch has none")
    return env.normals[:, axis]


def _derivative(env: Env, key: tuple[int, tuple[int, ...] | str]) -> torch.Tensor:
    derivatives = env.derivatives
    if derivatives is None:
        raise PinnRuntimeError("this expression reads fields but no network was evaluated")
    value = derivatives.values.get(key)
    return value if value is not None else derivatives.get(*key)
