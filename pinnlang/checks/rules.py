"""Semantic checks of a Problem, as named rules that read like sentences.

``check(problem)`` works on any Problem, parsed from text or built in Python (which has no
spans). It returns every error and warning found; :func:`pinnlang.syntax.load` raises on errors.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.checks.boundary import point_in_domain, selection_errors
from pinnlang.checks.data import DataFileError, missing_columns
from pinnlang.checks.gauge import free_fields, pin_example
from pinnlang.checks.numeric import UnsupportedExpression
from pinnlang.checks.scoring import check_scoring, scoring_names
from pinnlang.errors import Diagnostic, PinnError
from pinnlang.geometry import Box, Interval
from pinnlang.problem import AtPoint, Condition, OnRegion, Problem
from pinnlang.problem.operators import dn
from pinnlang.problem.options import option_error, unknown_option_warning
from pinnlang.settings_schema import SETTINGS, canonical_name, check_settings
from pinnlang.source import Span
from pinnlang.problem.names import reserved_message


Rule = Callable[..., Iterator[Diagnostic]]


def _error(message: str, span: Span | None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(message, span, "error", hint)


def _warning(message: str, span: Span | None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(message, span, "warning", hint)


def _expressions(c: Condition) -> list[sp.Basic]:
    return [c.equation] if c.equation is not None else []


def _declared(problem: Problem) -> list[tuple[str, str, Span | None]]:
    """(name, kind, span) of every declared name."""
    spans = problem.spans
    found = [(str(s), "space", spans.get(f"space:{s}")) for s in problem.space_coords]
    if problem.time_axis is not None:
        found.append((str(problem.time_axis.symbol), "time", problem.time_axis.span))
    found += [(str(p.symbol), "param", p.span) for p in problem.params]
    found += [(str(u.symbol), "unknown", u.span) for u in problem.unknowns]
    found += [(str(c.symbol), "const", c.span) for c in problem.constants]
    found += [(f.__name__, "field", spans.get(f"field:{f.__name__}")) for f in problem.fields]
    found += [(name, "region", spans.get(f"region:{name}")) for name in problem.regions]
    return found


# ------------------------------------------------------------------ declarations
def require_coordinates_and_fields(problem: Problem) -> Iterator[Diagnostic]:
    if not problem.coordinates:
        yield _error("the problem has no coordinates", problem.spans.get("problem"),
                     hint="declare 'space x in [a, b]' and/or 'time t in [a, b]'")
    if not problem.fields:
        yield _error("the problem has no field", problem.spans.get("problem"),
                     hint="declare the unknown functions with 'field u'")
    if problem.space_coords and problem.domain is None and problem.source is None:
        yield _error("space coordinates are declared but there is no domain", None)


def require_unique_names(problem: Problem) -> Iterator[Diagnostic]:
    seen: dict[str, str] = {}
    for name, kind, span in _declared(problem):
        if name in seen:
            yield _error(f"'{name}' is declared twice (as {seen[name]} and as {kind})", span)
        seen[name] = kind
    names: set[str] = set()
    for c in problem.conditions:
        if c.name in names:
            yield _error(f"a condition named '{c.name}' already exists", c.span)
        names.add(c.name)


def require_unreserved_names(problem: Problem) -> Iterator[Diagnostic]:
    for name, _kind, span in _declared(problem):
        reserved = reserved_message(name)
        if reserved is not None:
            yield _error(reserved, span, hint="choose another name")


def require_nonempty_range(what: str, lower: float, upper: float, span: Span | None
                           ) -> Iterator[Diagnostic]:
    if not lower < upper:
        yield _error(f"{what} [{lower:g}, {upper:g}] is empty", span,
                     hint="the lower bound must be smaller than the upper bound")


def require_nonempty_ranges(problem: Problem) -> Iterator[Diagnostic]:
    if problem.time_axis is not None:
        t = problem.time_axis
        yield from require_nonempty_range(f"the time interval of '{t.symbol}'", t.lower, t.upper,
                                          t.span)
    for p in problem.params:
        yield from require_nonempty_range(f"the range of parameter '{p.symbol}'", p.lower,
                                          p.upper, p.span)


# ------------------------------------------------------------------ equations
def require_declared(expr: sp.Basic, problem: Problem, span: Span | None, subject: str,
                     allowed: Iterable[sp.Symbol]) -> Iterator[Diagnostic]:
    """Every field in ``expr`` is declared and applied to the inputs; every symbol is allowed."""
    fields = {f.__name__ for f in problem.fields}
    inputs = tuple(problem.inputs)
    for applied in sorted(expr.atoms(AppliedUndef), key=str):
        name = applied.func.__name__
        if name not in fields:
            yield _error(f"field '{name}' is used in {subject} but not declared", span)
        elif tuple(applied.args) != inputs:
            yield _error(f"field '{name}' must be applied to ({', '.join(map(str, inputs))}) "
                         f"in {subject}, got {applied}", span)
    allowed = set(allowed)
    for symbol in sorted(expr.free_symbols - allowed, key=str):
        yield _error(f"'{symbol}' in {subject} is not a declared name", span)


def require_derivatives_along_coordinates(expr: sp.Basic, problem: Problem, span: Span | None,
                                          subject: str) -> Iterator[Diagnostic]:
    coordinates = set(problem.coordinates)
    for derivative in expr.atoms(sp.Derivative):
        for variable, _count in derivative.variable_count:
            if variable not in coordinates:
                yield _error(f"{subject} differentiates along '{variable}', which is not a "
                             "coordinate", span)


def require_time(condition: Condition, problem: Problem) -> Iterator[Diagnostic]:
    if condition.kind == "initial" and problem.time_axis is None:
        yield _error(f"initial condition '{condition.name}' needs a time coordinate",
                     condition.span, hint="declare 'time t in [0, T]'")


def require_spatial_domain(condition: Condition, problem: Problem) -> Iterator[Diagnostic]:
    if condition.kind == "boundary" and problem.domain is None and not problem.space_coords:
        yield _error(f"boundary condition '{condition.name}' needs a spatial domain",
                     condition.span, hint="declare 'space x in [a, b]'")


def require_dn_on_boundary(condition: Condition) -> Iterator[Diagnostic]:
    if condition.kind != "boundary" and any(e.has(dn) for e in _expressions(condition)):
        yield _error(f"dn(...) is only allowed in boundary conditions, not in {condition.kind} "
                     f"condition '{condition.name}'", condition.span,
                     hint="dn is the derivative along the outward normal of the boundary")


def require_selector_hits_boundary(condition: Condition, problem: Problem
                                   ) -> Iterator[Diagnostic]:
    if condition.kind != "boundary" or problem.domain is None:
        return
    yield from selection_errors(problem, condition, f"boundary condition '{condition.name}'")


def require_readable_data(condition: Condition, problem: Problem,
                          allowed_paths: Iterable[str]) -> Iterator[Diagnostic]:
    if condition.kind != "data" or condition.data is None:
        return
    span = condition.data.span or condition.span
    fields = {f.__name__ for f in problem.fields}
    for name in condition.data.fields:
        if name not in fields:
            yield _error(f"data condition '{condition.name}' lists '{name}', which is not a "
                         "declared field", span)
    try:
        missing, columns = missing_columns(condition.data, map(str, problem.inputs),
                                           allowed_paths)
    except DataFileError as err:
        yield _error(err.message, span, err.hint)
        return
    for name in missing:
        yield _error(f"data file '{condition.data.path}' lacks a column '{name}'", span,
                     hint=f"its columns are: {', '.join(columns)}")


def require_periodic_interval(condition: Condition, problem: Problem) -> Iterator[Diagnostic]:
    if condition.kind != "periodic":
        return
    c = condition.coordinate
    if problem.time_axis is not None and c == problem.time_axis.symbol:
        return
    if c not in problem.space_coords:
        yield _error(f"'periodic' needs a coordinate, got '{c}'", condition.span)
    elif not isinstance(problem.domain, (Interval, Box)):
        yield _error(f"'periodic: {c}' needs a domain that is an interval or a box, so that "
                     f"'{c}' ranges over an interval", condition.span)


def require_point_in_domain(condition: Condition, problem: Problem) -> Iterator[Diagnostic]:
    if not isinstance(condition.on, AtPoint) or problem.domain is None:
        return
    location = condition.on.location
    span = condition.on.span or condition.span
    if len(location) != len(problem.space_coords):
        yield _error(f"point condition '{condition.name}' gives {len(location)} coordinates, the "
                     f"space has {len(problem.space_coords)}", span)
    elif not point_in_domain(problem, location):
        written = ", ".join(f"{v:g}" for v in location)
        yield _error(f"point condition '{condition.name}': ({written}) is not in the domain", span,
                     hint="a point condition holds at a point of the domain or of its boundary")


def require_known_options(condition: Condition) -> Iterator[Diagnostic]:
    for key, value in condition.options.items():
        error = option_error(condition.kind, key, value)
        if error is not None:
            yield _error(error[0], condition.span, error[1])
        unknown = unknown_option_warning(key)
        if unknown is not None:
            yield _warning(unknown[0], condition.span, unknown[1])


def require_known_settings(problem: Problem) -> Iterator[Diagnostic]:
    """Every ``train:`` key is a setting and its value fits (located at the key or the value)."""
    for name, value in problem.settings.items():
        try:
            check_settings({name: value}, problem.spans)
        except PinnError as err:
            yield from err.diagnostics


def warn_time_settings_without_time(problem: Problem) -> Iterator[Diagnostic]:
    """A ``train:`` setting that acts on the time axis only (``needs_time`` in the schema), in a
    problem without one."""
    if problem.time_axis is not None:
        return
    for name in problem.settings:
        spec = SETTINGS.get(canonical_name(name))
        if spec is not None and spec.needs_time:
            yield _warning(f"setting '{name}' has no effect: the problem has no time axis",
                           problem.spans.get(f"train:{name}"),
                           hint="declare 'time t in [t0, t1]' or remove the setting")


def check_conditions(problem: Problem, allowed_paths: Iterable[str] = (), *,
                     structure: bool = True) -> Iterator[Diagnostic]:
    """Rules about each condition. ``structure=False`` skips the rules on how equations are
    built (declared fields and symbols, derivative variables), which text lowering guarantees."""
    constants = [c.symbol for c in problem.constants]
    unknowns = [u.symbol for u in problem.unknowns]
    for c in problem.conditions:
        subject = f"{c.kind} condition '{c.name}'"
        for expr in _expressions(c) if structure else []:
            yield from require_declared(expr, problem, c.span, subject,
                                        list(problem.inputs) + constants + unknowns)
            yield from require_derivatives_along_coordinates(expr, problem, c.span, subject)
        if structure and c.where is not None and not isinstance(c.where, bool):
            yield from require_declared(c.where, problem, c.span, f"the 'where' of {subject}",
                                        list(problem.inputs) + constants)
        yield from require_time(c, problem)
        yield from require_spatial_domain(c, problem)
        yield from require_dn_on_boundary(c)
        yield from require_selector_hits_boundary(c, problem)
        yield from require_readable_data(c, problem, allowed_paths)
        yield from require_periodic_interval(c, problem)
        yield from require_point_in_domain(c, problem)
        yield from require_known_options(c)


def check_exact(problem: Problem) -> Iterator[Diagnostic]:
    fields = {f.__name__ for f in problem.fields}
    constants = [c.symbol for c in problem.constants]
    for name, expr in problem.exact.items():
        span = problem.spans.get(f"exact:{name}")
        if name not in fields:
            yield _error(f"an exact solution is given for '{name}', which is not a field", span)
        yield from require_declared(sp.sympify(expr, strict=True), problem, span,
                                    f"the exact solution of '{name}'",
                                    list(problem.inputs) + constants)


# ------------------------------------------------------------------ warnings
def _used_names(problem: Problem) -> set[str]:
    used: set[str] = set()
    exprs: list[Any] = [c.value for c in problem.constants] + list(problem.exact.values())
    for c in problem.conditions:
        exprs += _expressions(c) + ([c.where] if c.where is not None else [])
        if c.coordinate is not None:
            used.add(str(c.coordinate))
        if isinstance(c.on, OnRegion):
            used.add(c.on.name)
        if c.data is not None:
            used.update(c.data.fields)
    for e in exprs:
        e = sp.sympify(e, strict=True)
        applied = e.atoms(AppliedUndef)
        used.update(a.func.__name__ for a in applied)
        # a field's arguments (all inputs, params included) do not count as uses
        bare = e.xreplace({a: sp.Dummy() for a in applied})
        used.update(str(s) for s in bare.free_symbols)
    used.update(key[len("use:"):] for key in problem.spans if key.startswith("use:"))
    return used | scoring_names(problem)


def warn_unused_declarations(problem: Problem) -> Iterator[Diagnostic]:
    used = _used_names(problem)
    declared = [(n, k, s) for n, k, s in _declared(problem) if k in (
        "param", "unknown", "const", "region")]
    declared += [(key[4:], "let", span) for key, span in problem.spans.items()
                 if key.startswith("let:")]
    words = {"param": "parameter", "unknown": "unknown", "const": "constant", "region": "region",
             "let": "'let' name"}
    for name, kind, span in declared:
        if name not in used:
            yield _warning(f"{words[kind]} '{name}' is declared but never used", span)


def _fields_in(expr: sp.Basic) -> set[str]:
    return {a.func.__name__ for a in expr.atoms(AppliedUndef)}


def warn_fields_without_condition(problem: Problem) -> Iterator[Diagnostic]:
    constrained: set[str] = set()
    for c in problem.conditions:
        for e in _expressions(c):
            constrained |= _fields_in(e)
        if c.data is not None:
            constrained.update(c.data.fields)
    for f in problem.fields:
        if f.__name__ not in constrained:
            yield _warning(f"field '{f.__name__}' has no condition at all",
                           problem.spans.get(f"field:{f.__name__}"),
                           hint="add a pde, initial, boundary or data condition that uses it")


def warn_second_order_in_time(problem: Problem) -> Iterator[Diagnostic]:
    if problem.time_axis is None:
        return
    t = problem.time_axis.symbol
    initials = problem.conditions_of("initial")
    for c in problem.conditions_of("pde"):
        for e in _expressions(c):
            for derivative in sorted(e.atoms(sp.Derivative), key=str):
                order = sum(n for v, n in derivative.variable_count if v == t)
                if order < 2:
                    continue
                name = derivative.expr.func.__name__
                count = sum(1 for i in initials for e2 in _expressions(i) if name in _fields_in(e2))
                if count < 2:
                    yield _warning(
                        f"pde '{c.name}' is second order in time for '{name}', but '{name}' has "
                        f"{count} initial condition{'s' if count != 1 else ''}", c.span,
                        hint=f"add one for d({name}, {t}) too, e.g. 'initial: d({name}, {t}) = 0'")
                    return


def warn_free_fields(problem: Problem) -> Iterator[Diagnostic]:
    """A field that the conditions fix only up to a constant (or a function of time)."""
    for freedom in free_fields(problem).values():
        name = freedom.field
        yield _warning(
            f"field '{name}' is fixed only up to {freedom.shift}: no condition changes when "
            f"{freedom.shift} is added to it (it appears only through its derivatives in space)",
            problem.spans.get(f"field:{name}"),
            hint=f"pin it with a condition on its value, e.g. '{pin_example(problem, freedom)}'; "
                 f"until then its errors against 'exact:' are reported with the best "
                 f"{freedom.what} removed")


RULES: tuple[Rule, ...] = (
    require_coordinates_and_fields, require_unique_names, require_unreserved_names,
    require_nonempty_ranges, require_known_settings, check_exact, warn_unused_declarations,
    warn_fields_without_condition, warn_second_order_in_time, warn_time_settings_without_time,
)


def check(problem: Problem, allowed_paths: Iterable[str] = ()) -> list[Diagnostic]:
    """Run every semantic rule on ``problem``; return all errors and warnings found.

    Args:
        problem: any Problem (from text or from Python).
        allowed_paths: data files the user allowed explicitly even outside the problem's folder.
    """
    allowed = list(allowed_paths)
    found: list[Diagnostic] = []
    for rule in RULES:
        found.extend(rule(problem))
    found.extend(check_conditions(problem, allowed))
    found.extend(check_scoring(problem, allowed))
    if not any(d.severity == "error" for d in found):  # the freedom of a valid problem only
        found.extend(warn_free_fields(problem))
    return found
