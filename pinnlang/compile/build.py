"""Build one :class:`~pinnlang.compile.conditions.CompiledCondition` from an IR condition.

Default numbers of points (used when neither the condition's ``points`` option nor the caller
gives one; see :data:`DEFAULT_POINTS`):

- ``pde``: ``1000 * max(2, number of inputs)``: 2000 for ``(x, t)`` or ``(x, y)``, 3000 for
  ``(x, y, t)``;
- ``boundary``: 200 per face of the spatial domain counted as ``2 * space dims`` faces (400 for
  an interval, 800 for a 2-D domain), or 200 when ``on``/``where`` selects a part;
- ``initial``: ``200 * space dims`` (200 for an ODE with params, 1 for a plain ODE, whose
  initial "set" is the single point ``t = t0``);
- ``periodic``: 200 pairs; ``data``: every row of the file;
- ``point``: 100 (its point at times and params drawn by the sampler), 1 when steady.

Selectors and predicates: ``on x = c`` keeps boundary points with ``|x - c| <= tol``;
``on NAME`` keeps boundary points on the boundary of ``problem.regions[NAME]`` (within ``tol``);
``where`` is lowered like any expression to a boolean mask (``=`` within ``tol``). ``tol`` is
``1e-6`` times the largest side of the domain's bounding box.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from pinnlang.compile.conditions import (
    CompiledCondition,
    DataCondition,
    EquationCondition,
    PeriodicCondition,
    additive_terms,
)
from pinnlang.compile.data import held_out_rows, load_observations
from pinnlang.compile.derivatives import DerivativeEngine, DerivativePlan
from pinnlang.compile.lowering import Env, Lowerer
from pinnlang.compile.normalize import (
    SymbolTable,
    collapse_laplacians,
    field_derivatives,
    laplacian_requests,
    prepare,
)
from pinnlang.compile.sampling import InputSpace, PointSet, draw_filtered
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import Box, Interval
from pinnlang.problem.ir import AtPoint, Condition, OnPlane, OnRegion, Problem
from pinnlang.problem.operators import dn

RELATIVE_TOL = 1e-6
"""Tolerance of selectors and ``=`` in predicates, relative to the domain's size."""

POINTS_PER_FACE = 200
DEFAULT_POINTS = {"pde": 1000, "boundary": POINTS_PER_FACE, "initial": 200, "periodic": 200,
                  "point": 100}

Mask = Callable[[PointSet], np.ndarray]


@dataclass
class BuildContext:
    """Everything the condition builders share."""

    problem: Problem
    table: SymbolTable
    space: InputSpace
    engine: DerivativeEngine
    dtype: torch.dtype
    device: torch.device | str
    allowed_paths: Iterable[str | os.PathLike] = ()
    tol: float = field(init=False)

    def __post_init__(self) -> None:
        self.tol = RELATIVE_TOL * self.space.size

    def common(self, cond: Condition, plan: DerivativePlan, default_points: int) -> dict:
        return dict(
            plan=plan,
            engine=self.engine,
            default_points=default_points,
            dtype=self.dtype,
            device=self.device,
        )


def build_condition(cond: Condition, ctx: BuildContext) -> CompiledCondition:
    """Compile one condition (see the module docstring for points and selection)."""
    if cond.kind in ("pde", "initial", "boundary", "point"):
        return _equation(cond, ctx)
    if cond.kind == "periodic":
        return _periodic(cond, ctx)
    if cond.kind == "data":
        return _data(cond, ctx)
    raise PinnSemanticError(f"unknown condition kind '{cond.kind}'", cond.span)


# ---------------------------------------------------------------------- pde / initial / boundary
def _equation(cond: Condition, ctx: BuildContext) -> EquationCondition:
    if cond.equation is None:
        raise PinnSemanticError(f"{cond.kind} condition '{cond.name}' has no equation", cond.span)
    if cond.kind != "boundary" and cond.equation.has(dn):
        raise PinnSemanticError(
            f"dn(...) is only allowed in boundary conditions, not in {cond.kind} '{cond.name}'",
            cond.span,
        )
    lhs = prepare(cond.equation.lhs, ctx.table, span=cond.span)
    rhs = prepare(cond.equation.rhs, ctx.table, span=cond.span)
    residual = collapse_laplacians(lhs - rhs, ctx.table)
    n_inputs = len(ctx.table.inputs)
    plan = DerivativePlan.from_requests(
        n_inputs,
        field_derivatives(residual, ctx.table),
        laplacian_requests(residual, ctx.table),
    )
    lowerer = Lowerer(ctx.table, span=cond.span)
    points, default = _point_source(cond, ctx)

    def terms() -> tuple[list, DerivativePlan]:
        # The scale compares the terms as written: a Laplacian's second derivatives one by one
        # (for a harmonic field their sum vanishes, the terms do not).
        pieces = additive_terms(sp.Eq(lhs, rhs, evaluate=False))
        requests = set().union(*(field_derivatives(p, ctx.table) for p in pieces))
        scale_plan = plan.merge(DerivativePlan.from_requests(n_inputs, requests))
        return [lowerer.lower(term) for term in pieces], scale_plan

    return EquationCondition(
        cond,
        residual=lowerer.lower(residual),
        terms=terms,
        points=points,
        **ctx.common(cond, plan, default),
    )


def _point_source(cond: Condition, ctx: BuildContext):
    space, problem = ctx.space, ctx.problem
    masks: list[Mask] = []
    described: list[str] = []
    hint = None
    if cond.kind == "pde":
        if cond.on is not None:
            raise PinnSemanticError("'on' selects boundary points; a pde holds inside", cond.span)
        draw = space.interior
        default = DEFAULT_POINTS["pde"] * max(2, space.dim)
    elif cond.kind == "initial":
        if problem.time_axis is None:
            raise PinnSemanticError(
                f"initial condition '{cond.name}' needs a time axis ('time t in [a, b]')", cond.span
            )
        t0 = problem.time_axis.lower

        def draw(n, rng, sampler):
            return space.initial(n, rng, sampler, t0)

        if space.n_space:
            default = DEFAULT_POINTS["initial"] * space.n_space
        else:
            default = DEFAULT_POINTS["initial"] if problem.params else 1
    elif cond.kind == "point":
        draw, default = _at_point(cond, ctx)
    else:
        if space.domain is None:
            raise PinnSemanticError(
                f"boundary condition '{cond.name}' needs a spatial domain ('space ...')", cond.span
            )
        draw = space.boundary
        default = POINTS_PER_FACE * 2 * space.n_space
        if cond.on is not None:
            masks.append(_selector_mask(cond, ctx))
            described.append(_describe_selector(cond.on))
            hint = _selector_hint(cond.on, ctx)
    if cond.where is not None:
        masks.append(where_mask(cond, ctx))
        described.append(f"where {cond.where}")
    if not masks:
        return draw, default
    place = {"pde": "the domain", "initial": "the initial set", "boundary": "the boundary"}
    what = f"{cond.kind} condition '{cond.name}': " + " ".join(f"'{d}'" for d in described)

    def accept(points: PointSet) -> np.ndarray:
        mask = np.ones(len(points), dtype=bool)
        for m in masks:
            mask &= m(points)
        return mask

    def filtered(n: int, rng: np.random.Generator, sampler: str) -> PointSet:
        return draw_filtered(
            lambda m: draw(m, rng, sampler), accept, n, rng, sampler,
            what=what, place=place[cond.kind], span=cond.span, hint=hint,
        )

    # A selector that selects nothing is a semantic error: find it now, before any training.
    filtered(1, np.random.default_rng(0), "uniform")
    return filtered, (POINTS_PER_FACE if cond.kind == "boundary" else default)


def _at_point(cond: Condition, ctx: BuildContext):
    """A ``point`` condition's points: its point × time and params (one point when steady)."""
    space, on = ctx.space, cond.on
    if not isinstance(on, AtPoint) or len(on.location) != space.n_space:
        raise PinnSemanticError(
            f"point condition '{cond.name}' needs a point with {space.n_space} coordinates",
            cond.span,
        )
    location = np.asarray(on.location, dtype=np.float64)

    def draw(n, rng, sampler):
        return space.at_point(n, rng, sampler, location)

    return draw, (DEFAULT_POINTS["point"] if space.n_extra else 1)


def _describe_selector(on: OnPlane | OnRegion) -> str:
    if isinstance(on, OnPlane):
        return f"on {on.coordinate} = {on.value:g}"
    return f"on {on.name}"


def _selector_hint(on: OnPlane | OnRegion, ctx: BuildContext) -> str | None:
    if isinstance(on, OnPlane):
        column = ctx.table.column(on.coordinate)
        if column is not None and column < ctx.space.n_space:
            lo, hi = ctx.space.domain.bbox()
            return f"on this domain '{on.coordinate}' ranges over [{lo[column]:g}, {hi[column]:g}]"
    return None


def _selector_mask(cond: Condition, ctx: BuildContext) -> Mask:
    on, n_space, tol = cond.on, ctx.space.n_space, ctx.tol
    span = getattr(on, "span", None) or cond.span
    if isinstance(on, OnPlane):
        column = ctx.table.column(on.coordinate)
        if column is None or column >= n_space:
            raise PinnSemanticError(
                f"'on {on.coordinate} = ...' needs a spatial coordinate; '{on.coordinate}' is not",
                span,
            )
        value = float(on.value)
        return lambda points: np.abs(points.x[:, column] - value) <= tol
    if isinstance(on, OnRegion):
        region = ctx.problem.regions.get(on.name)
        if region is None:
            raise PinnSemanticError(f"'{on.name}' is not a named region", span)
        if region.dim != n_space:
            raise PinnSemanticError(
                f"region '{on.name}' is {region.dim}-D but the domain is {n_space}-D", span
            )
        return lambda points: region.on_boundary(points.x[:, :n_space], tol=tol)
    raise PinnSemanticError(f"unknown selector {on!r}", cond.span)


def where_mask(cond: Condition, ctx: BuildContext) -> Mask:
    """The ``where`` predicate of ``cond`` as a mask over candidate points (float64 torch)."""
    predicate = prepare(cond.where, ctx.table, span=cond.span)
    if predicate.atoms(AppliedUndef) or predicate.atoms(sp.Derivative):
        raise PinnSemanticError("a 'where' predicate may not use fields", cond.span)
    if any(s in ctx.table.unknowns for s in predicate.free_symbols):
        raise PinnSemanticError("a 'where' predicate may not use unknowns", cond.span)
    evaluate = Lowerer(ctx.table, eq_tol=ctx.tol, span=cond.span).lower(predicate)

    def mask(points: PointSet) -> np.ndarray:
        env = Env(torch.from_numpy(np.ascontiguousarray(points.x, dtype=np.float64)))
        result = evaluate(env)
        if not isinstance(result, torch.Tensor) or result.dtype != torch.bool:
            raise PinnSemanticError(f"'where {cond.where}' is not a condition", cond.span)
        return result.expand(len(points)).numpy()

    return mask


# ---------------------------------------------------------------------- periodic
def _periodic(cond: Condition, ctx: BuildContext) -> PeriodicCondition:
    coordinate = cond.coordinate
    column = ctx.table.column(coordinate) if coordinate is not None else None
    if column is None:
        raise PinnSemanticError(
            f"periodic condition '{cond.name}': '{coordinate}' is not a coordinate", cond.span
        )
    space = ctx.space
    if column < space.n_space and not isinstance(space.domain, (Box, Interval)):
        raise PinnSemanticError(
            f"periodic '{coordinate}' needs a coordinate that ranges over an interval or a box "
            f"side; the domain is a {type(space.domain).__name__}",
            cond.span,
        )
    n_fields = len(ctx.table.fields)
    requests = [(f, ()) for f in range(n_fields)] + [(f, (column,)) for f in range(n_fields)]
    plan = DerivativePlan.from_requests(len(ctx.table.inputs), requests)

    def points(n: int, rng: np.random.Generator, sampler: str):
        return space.periodic(n, rng, sampler, column)

    return PeriodicCondition(
        cond, column=column, points=points, **ctx.common(cond, plan, DEFAULT_POINTS["periodic"])
    )


# ---------------------------------------------------------------------- data
def _data(cond: Condition, ctx: BuildContext) -> DataCondition:
    source = cond.data
    if source is None:
        raise PinnSemanticError(f"data condition '{cond.name}' names no file", cond.span)
    fields = []
    for name in source.fields:
        if name not in ctx.table.fields:
            raise PinnSemanticError(
                f"data lists '{name}', which is not a field", source.span or cond.span
            )
        fields.append(ctx.table.fields.index(name))
    input_names = [str(s) for s in ctx.table.inputs]
    observed = load_observations(source, input_names, ctx.allowed_paths, cond.span)
    inputs, targets = observed.inputs, observed.targets
    if cond.where is not None:
        keep = where_mask(cond, ctx)(PointSet(inputs))
        inputs, targets = inputs[keep], targets[keep]
    plan = DerivativePlan.from_requests(len(ctx.table.inputs), [(f, ()) for f in fields])
    noise = cond.options.get("noise")
    held = held_out_rows(inputs.shape[0], None if noise is None else float(noise))
    return DataCondition(
        cond,
        inputs=inputs[~held],
        targets=targets[~held],
        held_out=(inputs[held], targets[held]),
        fields=fields,
        **ctx.common(cond, plan, max(1, int((~held).sum()))),
    )
