"""Syntax tree → :class:`~pinnlang.problem.Problem`, through a symbol table.

Statements are lowered in order (a name must be declared before it is used); a statement with an
error is reported and skipped, so every error of a file is found in one pass. Coordinates, time and
params are collected first because every field is a function of all of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.errors import Diagnostic, PinnError, PinnProblemErrors, PinnSemanticError
from pinnlang.problem import (
    AtPoints, Condition, Constant, DataSource, OnPlane, OnRegion, Param, Problem, Quantity,
    Reference, TimeAxis, Unknown,
)
from pinnlang.problem.operators import dn
from pinnlang.source import Source, Span
from pinnlang.syntax import ast
from pinnlang.syntax.lower_expr import ExpressionLowering
from pinnlang.syntax.lower_geometry import GeometryLowering, is_geometry
from pinnlang.syntax.names import CONSTANTS
from pinnlang.syntax.scope import KIND_WORDS, Scope


@dataclass
class _Draft:
    """The pieces of a Problem while statements are being lowered."""

    name: str | None = None
    title: str | None = None
    space: tuple[sp.Symbol, ...] = ()
    domain: Any = None
    time_axis: TimeAxis | None = None
    params: list[Param] = field(default_factory=list)
    unknowns: list[Unknown] = field(default_factory=list)
    constants: list[Constant] = field(default_factory=list)
    fields: list[sp.FunctionClass] = field(default_factory=list)
    regions: dict[str, Any] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)
    exact: dict[str, sp.Expr] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    spans: dict[str, Span] = field(default_factory=dict)


def _collect_inputs(tree: ast.File) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
    """Space coordinates and all network inputs (space, time, params), from a first pass."""
    space: tuple[sp.Symbol, ...] = ()
    time: tuple[sp.Symbol, ...] = ()
    params: list[sp.Symbol] = []
    for stmt in tree.statements:
        if isinstance(stmt, ast.SpaceStmt) and not space:
            space = tuple(sp.Symbol(c.name) for c in stmt.coordinates)
        elif isinstance(stmt, ast.TimeStmt) and not time:
            time = (sp.Symbol(stmt.name.name),)
        elif isinstance(stmt, ast.ParamStmt):
            params.append(sp.Symbol(stmt.name.name))
    return space, space + time + tuple(params)


class Lowering:
    """Lowers one file; errors accumulate in :attr:`diagnostics`."""

    def __init__(self, tree: ast.File, source: Source | None):
        self.tree = tree
        self.source = source
        self.scope = Scope()
        space, inputs = _collect_inputs(tree)
        self.expressions = ExpressionLowering(self.scope, inputs, space)
        self.draft = _Draft()
        self.const_values: dict[sp.Symbol, sp.Expr] = {}
        self.geometry = GeometryLowering(self.expressions, self.const_values)
        self.diagnostics: list[Diagnostic] = []
        self.first_statement: dict[str, Span] = {}
        path = source.path if source is not None else "<string>"
        self.base_dir = None if path.startswith("<") else os.path.dirname(os.path.abspath(path))

    # ------------------------------------------------------------------ driver
    def run(self) -> Problem:
        for stmt in self.tree.statements:
            handler: Callable[[Any], None] = getattr(self, f"_statement_{type(stmt).__name__}")
            try:
                handler(stmt)
            except PinnError as err:
                self.diagnostics.extend(err.diagnostics)
            except RecursionError:
                self.diagnostics.append(Diagnostic("expression nested too deeply", stmt.span))
        if self.draft.name is None:
            self.diagnostics.append(Diagnostic(
                "the file has no 'problem NAME' statement", self.tree.span,
                hint="start the file with e.g. 'problem heat'"))
        for name, span in self.scope.first_use.items():
            self.draft.spans.setdefault(f"use:{name}", span)  # type: ignore[arg-type]
        d = self.draft
        return Problem(
            name=d.name or "unnamed", title=d.title, space_coords=d.space, domain=d.domain,
            time_axis=d.time_axis, params=tuple(d.params), unknowns=tuple(d.unknowns),
            constants=tuple(d.constants), fields=tuple(d.fields), regions=dict(d.regions),
            conditions=list(d.conditions), exact=dict(d.exact), settings=dict(d.settings),
            references=tuple(d.references), quantities=tuple(d.quantities),
            source=self.source, spans=dict(d.spans))

    def declare(self, ident: ast.Ident, kind: str, value: Any) -> None:
        self.scope.declare(ident.name, kind, value, ident.span)
        self.draft.spans[f"{kind}:{ident.name}"] = ident.span

    def once(self, keyword: str, span: Span) -> None:
        """Raise if a statement that may appear only once already appeared."""
        first = self.first_statement.get(keyword)
        if first is not None:
            raise PinnSemanticError(
                f"only one '{keyword}' statement is allowed (the first is on line {first.line})",
                span)
        self.first_statement[keyword] = span
        self.draft.spans[keyword] = span

    # ------------------------------------------------------------------ declarations
    def _statement_ProblemStmt(self, stmt: ast.ProblemStmt) -> None:
        self.once("problem", stmt.span)
        self.draft.name = stmt.name.name
        self.draft.title = stmt.title.value if stmt.title is not None else None

    def _statement_ConstStmt(self, stmt: ast.ConstStmt) -> None:
        value = self.expressions.constant(stmt.value, f"the value of '{stmt.name.name}'")
        self.expressions.number(stmt.value, f"the value of '{stmt.name.name}'", self.const_values)
        symbol = sp.Symbol(stmt.name.name)
        self.declare(stmt.name, "const", symbol)
        self.const_values[symbol] = value.subs(self.const_values)
        self.draft.constants.append(Constant(symbol, value, stmt.name.span))

    def _statement_UnknownStmt(self, stmt: ast.UnknownStmt) -> None:
        initial = self.geometry.number(stmt.initial, f"the initial guess of '{stmt.name.name}'")
        symbol = sp.Symbol(stmt.name.name)
        self.declare(stmt.name, "unknown", symbol)
        self.draft.unknowns.append(Unknown(symbol, initial, stmt.name.span))

    def _statement_ParamStmt(self, stmt: ast.ParamStmt) -> None:
        lower, upper = self.geometry.interval(stmt.range, f"the range of '{stmt.name.name}'")
        symbol = sp.Symbol(stmt.name.name)
        self.declare(stmt.name, "param", symbol)
        self.draft.params.append(Param(symbol, lower, upper, stmt.name.span))

    def _statement_LetStmt(self, stmt: ast.LetStmt) -> None:
        if is_geometry(stmt.value, self.expressions):
            region = self.geometry.region(stmt.value)
            self.declare(stmt.name, "region", region)
            self.draft.regions[stmt.name.name] = region
        else:
            value = self.expressions.lower(stmt.value)
            self.declare(stmt.name, "let", value)

    def _statement_SpaceStmt(self, stmt: ast.SpaceStmt) -> None:
        self.once("space", stmt.span)
        symbols = tuple(sp.Symbol(c.name) for c in stmt.coordinates)
        errors = []
        for ident, symbol in zip(stmt.coordinates, symbols):
            try:
                self.declare(ident, "space", symbol)
            except PinnSemanticError as err:
                errors.extend(err.diagnostics)
        self.draft.space = symbols
        if errors:
            raise PinnProblemErrors(errors)
        domain = self.geometry.region(stmt.domain)
        if domain.dim != len(symbols):
            raise PinnSemanticError(
                f"the domain is {domain.dim}-dimensional but {len(symbols)} space "
                f"coordinate{'s' if len(symbols) != 1 else ''} "
                f"({', '.join(c.name for c in stmt.coordinates)}) are declared", stmt.domain.span)
        self.draft.domain = domain

    def _statement_TimeStmt(self, stmt: ast.TimeStmt) -> None:
        self.once("time", stmt.span)
        symbol = sp.Symbol(stmt.name.name)
        self.declare(stmt.name, "time", symbol)
        lower, upper = self.geometry.interval(stmt.range, "the time interval")
        self.draft.time_axis = TimeAxis(symbol, lower, upper, stmt.name.span)

    def _statement_FieldStmt(self, stmt: ast.FieldStmt) -> None:
        errors = []
        for ident in stmt.names:
            function = sp.Function(ident.name)
            try:
                self.declare(ident, "field", function)
            except PinnSemanticError as err:
                errors.extend(err.diagnostics)
                continue
            self.draft.fields.append(function)
        if errors:
            raise PinnProblemErrors(errors)

    # ------------------------------------------------------------------ conditions
    def condition_name(self, kind: str, ident: ast.Ident | None) -> str:
        taken = {c.name for c in self.draft.conditions}
        if ident is None:
            return Problem(name="", conditions=self.draft.conditions).next_condition_name(kind)
        if ident.name in taken:
            raise PinnSemanticError(f"a condition named '{ident.name}' already exists",
                                    ident.span, hint="condition names must be unique")
        return ident.name

    def equation(self, eq: ast.Equation) -> sp.Eq:
        lhs = self.expressions.lower(eq.lhs)
        rhs = self.expressions.lower(eq.rhs)
        return sp.Eq(lhs, rhs, evaluate=False)

    def options(self, options: tuple[ast.Option, ...]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for option in options:
            if option.key.name in values:
                raise PinnSemanticError(f"option '{option.key.name}' is given twice",
                                        option.key.span)
            values[option.key.name] = self.option_value(option.value)
        return values

    def option_value(self, node: ast.Expr | ast.String) -> Any:
        if isinstance(node, ast.String):
            return node.value
        if isinstance(node, ast.Name) and node.name not in self.scope.entries:
            return node.name
        value = self.expressions.constant(node, "an option value")
        number = self.geometry.number(node, "an option value")
        return int(value) if isinstance(value, sp.Integer) else number

    def _statement_ConditionStmt(self, stmt: ast.ConditionStmt) -> None:
        name = self.condition_name(stmt.kind, stmt.name)
        equation = self.equation(stmt.equation)
        on = self.selector(stmt.selector) if stmt.selector is not None else None
        where = self.expressions.predicate(stmt.where) if stmt.where is not None else None
        self.draft.conditions.append(Condition(
            stmt.kind, name, equation, on=on, where=where, options=self.options(stmt.options),
            span=stmt.span))  # type: ignore[arg-type]

    def selector(self, node: ast.Selector) -> OnRegion | OnPlane:
        if isinstance(node, ast.SelectRegion):
            name = node.region.name
            entry = self.scope.lookup(name, node.region.span)
            if entry is None:
                raise self.scope.unknown_name_error(name, node.region.span)
            if entry.is_coordinate:
                raise PinnSemanticError(f"'on {name}' needs a value: write 'on {name} = VALUE'",
                                        node.span)
            if entry.kind != "region":
                raise PinnSemanticError(
                    f"'on {name}': '{name}' is {KIND_WORDS[entry.kind]}, not a region",
                    node.region.span, hint="'on' takes a 'let' region or a plane like 'x = 0'")
            return OnRegion(name, node.span)
        name = node.coordinate.name
        entry = self.scope.lookup(name, node.coordinate.span)
        if entry is None:
            raise self.scope.unknown_name_error(name, node.coordinate.span)
        if entry.kind != "space":
            hint = "a condition at the start time is written 'initial: ...'" if (
                entry.kind == "time") else None
            raise PinnSemanticError(
                f"'on {name} = ...' needs a space coordinate, but '{name}' is "
                f"{KIND_WORDS[entry.kind]}", node.coordinate.span, hint=hint)
        value = self.geometry.number(node.value, f"the value of '{name}'")
        return OnPlane(entry.value, value, node.span)

    def _statement_PeriodicStmt(self, stmt: ast.PeriodicStmt) -> None:
        name = self.condition_name("periodic", stmt.name)
        coord = stmt.coordinate
        entry = self.scope.lookup(coord.name, coord.span)
        if entry is None:
            raise self.scope.unknown_name_error(coord.name, coord.span)
        if not entry.is_coordinate:
            raise PinnSemanticError(
                f"'periodic' needs a coordinate, but '{coord.name}' is {KIND_WORDS[entry.kind]}",
                coord.span)
        self.draft.conditions.append(Condition(
            "periodic", name, coordinate=entry.value, options=self.options(stmt.options),
            span=stmt.span))

    def field_list(self, keyword: str, fields: tuple[ast.Ident, ...], path: ast.String
                   ) -> DataSource:
        """The file and the fields of a ``data`` or ``reference`` statement."""
        for ident in fields:
            entry = self.scope.lookup(ident.name, ident.span)
            if entry is None:
                raise self.scope.unknown_name_error(ident.name, ident.span)
            if entry.kind != "field":
                raise PinnSemanticError(f"'{keyword}' lists fields, but '{ident.name}' is "
                                        f"{KIND_WORDS[entry.kind]}", ident.span)
        return DataSource(path.value, tuple(i.name for i in fields), base_dir=self.base_dir,
                          span=path.span)

    def _statement_DataStmt(self, stmt: ast.DataStmt) -> None:
        name = self.condition_name("data", stmt.name)
        source = self.field_list("data", stmt.fields, stmt.path)
        self.draft.conditions.append(Condition(
            "data", name, data=source, options=self.options(stmt.options), span=stmt.span))

    def _statement_ExactStmt(self, stmt: ast.ExactStmt) -> None:
        lhs = stmt.equation.lhs
        entry = self.scope.lookup(lhs.name, lhs.span) if isinstance(lhs, ast.Name) else None
        if entry is None or entry.kind != "field":
            raise PinnSemanticError("the left side of 'exact:' must be a field name", lhs.span,
                                    hint="e.g. 'exact: u = sin(pi*x)'")
        if lhs.name in self.draft.exact:
            first = self.draft.spans[f"exact:{lhs.name}"]
            raise PinnSemanticError(f"field '{lhs.name}' already has an exact solution "
                                    f"(line {first.line})", lhs.span)
        value = self.expressions.lower(stmt.equation.rhs)
        if value.atoms(AppliedUndef, sp.Derivative):
            raise PinnSemanticError("an exact solution must not contain fields",
                                    stmt.equation.rhs.span)
        self.draft.exact[lhs.name] = value
        self.draft.spans[f"exact:{lhs.name}"] = lhs.span

    def _statement_ReferenceStmt(self, stmt: ast.ReferenceStmt) -> None:
        taken = [r.name for r in self.draft.references]
        if stmt.name is not None and stmt.name.name in taken:
            raise PinnSemanticError(f"a reference named '{stmt.name.name}' already exists",
                                    stmt.name.span, hint="reference names must be unique")
        name = stmt.name.name if stmt.name is not None else Problem(
            name="", references=tuple(self.draft.references)).next_reference_name()
        source = self.field_list("reference", stmt.fields, stmt.path)
        self.draft.references.append(Reference(name, source, stmt.span))

    def _statement_QuantityStmt(self, stmt: ast.QuantityStmt) -> None:
        ident, node = stmt.name, stmt.integral
        first = self.draft.spans.get(f"quantity:{ident.name}")
        if first is not None:
            raise PinnSemanticError(f"a quantity named '{ident.name}' already exists (line "
                                    f"{first.line})", ident.span)
        if ident.name in self.scope.entries or ident.name in CONSTANTS:
            raise PinnSemanticError(f"quantity '{ident.name}' has the name of a declared name",
                                    ident.span, hint="choose another name")
        if isinstance(node, ast.PointValues):
            integrand, on = self.point_values(node)
            self.draft.quantities.append(Quantity(ident.name, integrand, on=on,
                                                  options=self.options(stmt.options),
                                                  span=stmt.span))
            self.draft.spans[f"quantity:{ident.name}"] = ident.span
            return
        on = self.selector(node.selector) if node.selector is not None else None
        self.expressions.in_integral = on is not None
        try:
            integrand = self.expressions.lower(node.integrand)
        finally:
            self.expressions.in_integral = None
        if on is None and integrand.has(dn):
            raise PinnSemanticError("dn(...) needs a boundary: integrate with "
                                    "'integral(..., on SELECTOR)'", node.integrand.span)
        where = self.expressions.predicate(node.where) if node.where is not None else None
        self.draft.quantities.append(Quantity(ident.name, integrand, on=on, where=where,
                                              options=self.options(stmt.options),
                                              span=stmt.span))
        self.draft.spans[f"quantity:{ident.name}"] = ident.span

    def point_values(self, node: ast.PointValues) -> tuple[sp.Expr, AtPoints]:
        """The expression and the signed points of ``value(EXPR, at P) - value(EXPR, at Q)``."""
        self.expressions.in_integral = False  # no normal at a point
        try:
            exprs = [self.expressions.lower(term.expr) for term in node.terms]
        finally:
            self.expressions.in_integral = None
        for term, expr in zip(node.terms, exprs):
            if expr.has(dn):
                raise PinnSemanticError("dn(...) needs a boundary, not a point", term.expr.span)
            if expr != exprs[0]:
                raise PinnSemanticError(
                    "every value(...) of a quantity must take the same expression", term.expr.span,
                    hint="write one quantity per expression")
        dim = len(self.draft.space)
        points = tuple(
            self.geometry.point(term.point if isinstance(term.point, ast.TupleExpr) or dim != 1
                                else ast.TupleExpr((term.point,), term.point.span),
                                dim, "the point of value(...)")
            for term in node.terms)
        signs = tuple(1 if term.sign == "+" else -1 for term in node.terms)
        return exprs[0], AtPoints(points, signs, node.span)

    def _statement_TrainStmt(self, stmt: ast.TrainStmt) -> None:
        for option in stmt.settings:
            self.draft.settings[option.key.name] = self.option_value(option.value)
            self.draft.spans[f"train:{option.key.name}"] = option.key.span


def lower_with_diagnostics(tree: ast.File, source: Source | None = None
                           ) -> tuple[Problem, list[Diagnostic]]:
    """Lower a tree; return the (possibly partial) problem and every error found."""
    lowering = Lowering(tree, source if source is not None else _source_of(tree))
    problem = lowering.run()
    return problem, lowering.diagnostics


def lower(tree: ast.File) -> Problem:
    """Lower a syntax tree to a Problem; raise PinnProblemErrors listing every error found."""
    problem, diagnostics = lower_with_diagnostics(tree)
    if diagnostics:
        raise PinnProblemErrors(diagnostics)
    return problem


def _source_of(tree: ast.File) -> Source | None:
    return tree.span.source if tree.span is not None else None
