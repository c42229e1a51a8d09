"""Checks of the scoring statements: ``reference`` files and ``quantity`` integrals.

Each rule yields :class:`~pinnlang.errors.Diagnostic` s located at the statement (a reference
file's errors at its path string). :func:`check_scoring` runs them all; ``pinnlang check`` and
:func:`pinnlang.load` report them with the other semantic errors.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from pinnlang.checks.boundary import selection_errors
from pinnlang.errors import Diagnostic
from pinnlang.problem import OnRegion, Problem, Quantity, Reference, normal_symbols
from pinnlang.problem.operators import dn
from pinnlang.problem.scoring import quantity_inputs, quantity_option_errors
from pinnlang.reference.files import (
    ReferenceFileError,
    describe_point,
    points_outside,
    read_reference,
)


def _error(message: str, span, hint: str | None = None) -> Diagnostic:
    return Diagnostic(message, span, "error", hint)


def require_readable_reference(reference: Reference, problem: Problem,
                               allowed_paths: Iterable[str]) -> Iterator[Diagnostic]:
    """The file may be read, has every input and listed field, the right shapes, finite
    values, and its points lie in the domain."""
    span = reference.data.span or reference.span
    missing = [f for f in reference.fields if f not in problem.field_names]
    for name in missing:
        yield _error(f"reference '{reference.name}' lists '{name}', which is not a declared "
                     "field", span)
    if missing:
        return
    names = [str(s) for s in problem.inputs]
    try:
        data = read_reference(reference.data, names, allowed_paths)
    except ReferenceFileError as err:
        yield _error(err.message, span, err.hint)
        return
    outside = points_outside(problem, data.points)
    count = int(outside.sum())
    if count:
        example = describe_point(names, data.points[np.flatnonzero(outside)[0]])
        yield _error(f"reference file '{reference.data.path}': {count} of {len(outside)} points "
                     f"lie outside the domain, e.g. {example}", span,
                     hint="a reference gives values at points of the problem's domain (and time "
                          "interval and param ranges)")


def require_sound_quantity(quantity: Quantity, problem: Problem) -> Iterator[Diagnostic]:
    """The integral has a domain, names only what it may, selects some boundary, and its
    options are known."""
    span, subject = quantity.span, f"quantity '{quantity.name}'"
    if problem.domain is None:
        yield _error(f"{subject} integrates over space, but the problem has no 'space'", span)
        return
    normals = set(normal_symbols(tuple(problem.space_coords)))
    integrand = quantity.integrand
    if not quantity.is_boundary:
        used = sorted(integrand.free_symbols & normals, key=str)
        if used:
            yield _error(f"{subject} uses '{used[0]}', a component of the outward normal, in an "
                         "integral over the domain", span,
                         hint="the normal is defined on a boundary: integral(..., on SELECTOR)")
        if integrand.has(dn):
            yield _error(f"{subject} uses dn(...) in an integral over the domain", span,
                         hint="the normal is defined on a boundary: integral(..., on SELECTOR)")
    declared = set(problem.inputs) | {c.symbol for c in problem.constants} | {
        u.symbol for u in problem.unknowns}
    if quantity.is_boundary:
        for symbol in sorted(declared & normals & integrand.free_symbols, key=str):
            yield _error(f"'{symbol}' in {subject} is ambiguous: it is declared and is also a "
                         "component of the outward normal", span, hint="rename the declaration")
    allowed = declared | (normals if quantity.is_boundary else set())
    for symbol in sorted(integrand.free_symbols - allowed - normals, key=str):
        yield _error(f"'{symbol}' in {subject} is not a declared name", span)
    fields = set(problem.field_names)
    for applied in sorted(integrand.atoms(AppliedUndef), key=str):
        if applied.func.__name__ not in fields:
            yield _error(f"field '{applied.func.__name__}' is used in {subject} but not "
                         "declared", span)
    for message in quantity_option_errors(problem, quantity.options):
        yield _error(f"{subject}: {message}", span)
    yield from _require_selection(quantity, problem)


def _require_selection(quantity: Quantity, problem: Problem) -> Iterator[Diagnostic]:
    subject = f"quantity '{quantity.name}'"
    if quantity.is_boundary:  # a 'where' over the domain is tested by the quadrature
        yield from selection_errors(problem, quantity, subject)
    elif quantity.is_point_values:
        points = np.asarray(quantity.on.points, dtype=float)
        if points.shape[1:] != (len(problem.space_coords),):
            yield _error(f"{subject}: each point needs {len(problem.space_coords)} coordinates",
                         quantity.span)
            return
        at = quantity_inputs(problem, quantity.options)
        rest = [at[str(s)] for s in problem.inputs[len(problem.space_coords):]]
        full = np.concatenate([points, np.tile(rest, (len(points), 1))], axis=1)
        names = [str(c) for c in problem.space_coords]
        for point, outside in zip(points, points_outside(problem, full)):
            if outside:
                yield _error(f"{subject}: the point {describe_point(names, point)} lies outside "
                             "the domain", quantity.on.span or quantity.span)


def check_scoring(problem: Problem, allowed_paths: Iterable[str] = ()) -> Iterator[Diagnostic]:
    """Every rule of this module, on every reference and quantity of ``problem``."""
    allowed = list(allowed_paths)
    for reference in problem.references:
        yield from require_readable_reference(reference, problem, allowed)
    for quantity in problem.quantities:
        yield from require_sound_quantity(quantity, problem)


def scoring_names(problem: Problem) -> set[str]:
    """Names the scoring statements use (fields, constants, unknowns, regions), so that a
    constant used only in a quantity is not reported as unused."""
    used: set[str] = set()
    for reference in problem.references:
        used.update(reference.fields)
    for quantity in problem.quantities:
        expr = quantity.integrand
        applied = expr.atoms(AppliedUndef)
        used.update(a.func.__name__ for a in applied)
        used.update(str(s) for s in expr.xreplace({a: sp.Dummy() for a in applied}).free_symbols)
        if isinstance(quantity.on, OnRegion):
            used.add(quantity.on.name)
    return used
