"""Lowering of geometry: syntax tree → :mod:`pinnlang.geometry` regions.

Every bound, centre, radius and vertex is a constant expression, lowered to SymPy and evaluated
to a float (``float(expr.subs(constants))``), never read from text.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import (
    Ball, Difference, Disk, Intersection, Interval, Polygon, Rectangle, Region, Union,
    box_from_ranges,
)
from pinnlang.syntax import ast
from pinnlang.syntax.lower_expr import ExpressionLowering
from pinnlang.problem.names import GEOMETRY

_CSG: dict[str, tuple[Callable[[Region, Region], Region], str]] = {
    "+": (Union, "union"), "-": (Difference, "difference"), "&": (Intersection, "intersection"),
}


def is_geometry(node: ast.Expr, lowering: ExpressionLowering) -> bool:
    """Whether ``node`` describes a region rather than a number."""
    if isinstance(node, ast.Call):
        return node.function in GEOMETRY
    if isinstance(node, ast.Name):
        entry = lowering.scope.entries.get(node.name)
        return entry is not None and entry.kind == "region"
    if isinstance(node, ast.ListExpr):
        return True
    if isinstance(node, ast.BinOp):
        return node.op == "&" or (node.op in "+-" and (
            is_geometry(node.left, lowering) or is_geometry(node.right, lowering)))
    return False


class GeometryLowering:
    """Builds regions; ``constants`` maps each constant symbol to its numeric value."""

    def __init__(self, lowering: ExpressionLowering, constants: dict[sp.Symbol, sp.Expr]):
        self.lowering = lowering
        self.constants = constants

    def number(self, node: ast.Expr, what: str) -> float:
        return self.lowering.number(node, what, self.constants)

    def interval(self, node: ast.Expr, what: str) -> tuple[float, float]:
        """``[A, B]`` → ``(A, B)`` as floats (the order is checked by the semantic checks)."""
        if not isinstance(node, ast.ListExpr) or len(node.items) != 2:
            raise PinnSemanticError(f"{what} must be an interval '[A, B]'", node.span)
        return (self.number(node.items[0], "an interval bound"),
                self.number(node.items[1], "an interval bound"))

    def point(self, node: ast.Expr, dim: int | None, what: str) -> tuple[float, ...]:
        if not isinstance(node, ast.TupleExpr) or (dim is not None and len(node.items) != dim):
            size = f"{dim} coordinates" if dim is not None else "coordinates"
            raise PinnSemanticError(f"{what} must be a point with {size}, e.g. (0, 0)", node.span)
        return tuple(self.number(item, f"a coordinate of {what}") for item in node.items)

    def region(self, node: ast.Expr) -> Region:
        """Lower a geometry node; raise PinnSemanticError with the node's span if invalid."""
        try:
            return self._region(node)
        except ValueError as err:  # the geometry's own validation, e.g. an empty box side
            raise PinnSemanticError(str(err), node.span) from None

    def _region(self, node: ast.Expr) -> Region:
        if isinstance(node, ast.ListExpr):
            return Interval(*self.interval(node, "an interval"))
        if isinstance(node, ast.Name):
            entry = self.lowering.scope.lookup(node.name, node.span)
            if entry is None:
                raise self.lowering.scope.unknown_name_error(node.name, node.span)
            if entry.kind != "region":
                raise PinnSemanticError(f"'{node.name}' is not a region", node.span,
                                        hint="declare regions with 'let NAME = disk(...)' etc.")
            return entry.value
        if isinstance(node, ast.BinOp) and node.op in _CSG:
            combine, word = _CSG[node.op]
            left, right = self.region(node.left), self.region(node.right)
            if left.dim != right.dim:
                raise PinnSemanticError(
                    f"the {word} joins a {left.dim}-D region and a {right.dim}-D region",
                    node.span)
            return combine(left, right)
        if isinstance(node, ast.Call) and node.function in GEOMETRY:
            low, high = GEOMETRY[node.function]
            self.lowering._require_arity(node.function, node.args, low, high, node.span)
            return getattr(self, f"_make_{node.function}")(node)
        raise PinnSemanticError(
            "expected a region: rectangle(...), box(...), disk(...), ball(...), polygon(...), "
            "an interval [a, b], a 'let' region, or + - & of regions", node.span)

    def _make_rectangle(self, node: ast.Call) -> Region:
        ranges = [self.interval(a, "each side of a rectangle") for a in node.args]
        return Rectangle(*ranges)

    def _make_box(self, node: ast.Call) -> Region:
        return box_from_ranges(*[self.interval(a, "each side of a box") for a in node.args])

    def _make_disk(self, node: ast.Call) -> Region:
        center = self.point(node.args[0], 2, "the centre of a disk")
        return Disk(center, self._radius(node.args[1]))

    def _make_ball(self, node: ast.Call) -> Region:
        center = self.point(node.args[0], None, "the centre of a ball")
        return Ball(center, self._radius(node.args[1]))

    def _make_polygon(self, node: ast.Call) -> Region:
        return Polygon(tuple(self.point(v, 2, "a polygon vertex") for v in node.args))  # type: ignore[arg-type]

    def _radius(self, node: ast.Expr) -> float:
        radius = self.number(node, "a radius")
        if radius <= 0:
            raise PinnSemanticError(f"a radius must be positive, got {radius:g}", node.span)
        return radius
