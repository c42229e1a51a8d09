"""The syntax tree of a ``.pinn`` file: frozen dataclasses, every node with a span.

The tree is exactly what was written (names are still names); the lowering
(:mod:`pinnlang.syntax.lower`) gives them meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from pinnlang.source import Span


def _span() -> Span:
    return field(compare=False, repr=False)


# ------------------------------------------------------------------ expressions
@dataclass(frozen=True)
class Number:
    """A number literal, kept as written (``0.5``, ``1e-3``)."""

    text: str
    span: Span = _span()

    @property
    def is_integer(self) -> bool:
        return not any(ch in self.text for ch in ".eE")


@dataclass(frozen=True)
class Name:
    """A name used in an expression (``u``, ``nu``, ``u_xt``, ``pi``)."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """A function, operator or geometry call: ``sin(x)``, ``d(u, x)``, ``disk((0, 0), 1)``."""

    function: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class UnaryOp:
    """``-a`` or ``+a``."""

    op: str
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class BinOp:
    """``a + b``, ``a - b``, ``a * b``, ``a / b``, ``a ^ b`` (``**`` is read as ``^``), ``a & b``."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class TupleExpr:
    """``(a, b, ...)``: a point (centre, vertex) or a list of coordinates."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ListExpr:
    """``[a, b]``: an interval."""

    items: tuple[Expr, ...]
    span: Span = _span()


Expr = Union[Number, Name, Call, UnaryOp, BinOp, TupleExpr, ListExpr]


# ------------------------------------------------------------------ predicates
@dataclass(frozen=True)
class Compare:
    """``a < b``, ``a = b``, or a chain ``0 < x <= 1`` (``ops[i]`` sits between operands i, i+1)."""

    operands: tuple[Expr, ...]
    ops: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp:
    """``p and q and ...`` / ``p or q or ...``."""

    op: str
    operands: tuple[Predicate, ...]
    span: Span = _span()


@dataclass(frozen=True)
class NotOp:
    """``not p``."""

    operand: Predicate
    span: Span = _span()


Predicate = Union[Compare, BoolOp, NotOp]


# ------------------------------------------------------------------ pieces of statements
@dataclass(frozen=True)
class Ident:
    """A name at the place it is declared or referred to by a statement."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class String:
    """A string literal, escapes already resolved."""

    value: str
    span: Span = _span()


@dataclass(frozen=True)
class Equation:
    """``LHS = RHS``."""

    lhs: Expr
    rhs: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Option:
    """``key = value`` in condition options or a ``train:`` statement."""

    key: Ident
    value: Expr | String
    span: Span = _span()


@dataclass(frozen=True)
class SelectRegion:
    """``on NAME``."""

    region: Ident
    span: Span = _span()


@dataclass(frozen=True)
class SelectPlane:
    """``on x = c``."""

    coordinate: Ident
    value: Expr
    span: Span = _span()


Selector = Union[SelectRegion, SelectPlane]


# ------------------------------------------------------------------ statements
@dataclass(frozen=True)
class ProblemStmt:
    name: Ident
    title: String | None
    span: Span = _span()


@dataclass(frozen=True)
class ConstStmt:
    name: Ident
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class UnknownStmt:
    name: Ident
    initial: Expr
    span: Span = _span()


@dataclass(frozen=True)
class ParamStmt:
    name: Ident
    range: Expr
    span: Span = _span()


@dataclass(frozen=True)
class LetStmt:
    name: Ident
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class SpaceStmt:
    coordinates: tuple[Ident, ...]
    domain: Expr
    span: Span = _span()


@dataclass(frozen=True)
class TimeStmt:
    name: Ident
    range: Expr
    span: Span = _span()


@dataclass(frozen=True)
class FieldStmt:
    names: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ConditionStmt:
    """``pde``, ``initial`` and ``boundary`` statements."""

    kind: str
    name: Ident | None
    selector: Selector | None
    where: Predicate | None
    equation: Equation
    options: tuple[Option, ...]
    span: Span = _span()


@dataclass(frozen=True)
class PeriodicStmt:
    name: Ident | None
    coordinate: Ident
    options: tuple[Option, ...]
    span: Span = _span()


@dataclass(frozen=True)
class DataStmt:
    name: Ident | None
    path: String
    fields: tuple[Ident, ...]
    options: tuple[Option, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ReferenceStmt:
    """``reference [NAME] "PATH": u, v``: sampled values of fields, for errors only."""

    name: Ident | None
    path: String
    fields: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Integral:
    """``integral(EXPR)`` over the domain, or ``integral(EXPR, on SELECTOR [where PRED])``."""

    integrand: Expr
    selector: Selector | None
    where: Predicate | None
    span: Span = _span()


@dataclass(frozen=True)
class PointValue:
    """``+ value(EXPR, at (x0, y0))`` or ``- value(...)``: one term of a sum of point values."""

    sign: str
    expr: Expr
    point: Expr
    span: Span = _span()


@dataclass(frozen=True)
class PointValues:
    """``value(p, at (0.15, 0.2)) - value(p, at (0.25, 0.2))``: a signed sum of point values."""

    terms: tuple[PointValue, ...]
    span: Span = _span()


@dataclass(frozen=True)
class QuantityStmt:
    """``quantity NAME = integral(...) [options]`` (or a sum of ``value(...)`` terms): a scalar of
    the solution, after training."""

    name: Ident
    integral: Integral | PointValues
    options: tuple[Option, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ExactStmt:
    equation: Equation
    span: Span = _span()


@dataclass(frozen=True)
class TrainStmt:
    settings: tuple[Option, ...]
    span: Span = _span()


Statement = Union[
    ProblemStmt, ConstStmt, UnknownStmt, ParamStmt, LetStmt, SpaceStmt, TimeStmt, FieldStmt,
    ConditionStmt, PeriodicStmt, DataStmt, ExactStmt, TrainStmt, ReferenceStmt, QuantityStmt,
]


@dataclass(frozen=True)
class File:
    """A whole ``.pinn`` file: its statements in order of appearance."""

    statements: tuple[Statement, ...]
    span: Span = _span()
