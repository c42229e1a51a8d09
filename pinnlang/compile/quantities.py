"""Quantities (``quantity NAME = integral(...)``) compiled to a quadrature rule and a torch integrand.

A sum of point values (``value(p, at P) - value(p, at Q)``) is the same thing with a "rule" of
those points and weights ``+1`` / ``-1``.

A :class:`CompiledQuantity` holds the nodes of its integral (the geometry's own rule, see
:mod:`pinnlang.geometry.quadrature`, restricted to the selected part of the boundary and to the
``where`` predicate), with the time and params fixed where the quantity is taken
(:func:`pinnlang.problem.scoring.quantity_inputs`), and evaluates ``sum(w * integrand)`` for any
network. The integrand is prepared and lowered exactly like a condition's residual (``nx, ny,
...`` become the batch normals, ``dn`` the normal derivative).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import sympy as sp
import torch

from pinnlang.compile.build import where_mask
from pinnlang.compile.derivatives import DerivativeEngine, DerivativePlan, Net
from pinnlang.compile.lowering import Env, Evaluator, Lowerer, as_column
from pinnlang.compile.normalize import (
    SymbolTable,
    collapse_laplacians,
    field_derivatives,
    laplacian_requests,
    prepare,
)
from pinnlang.compile.sampling import PointSet
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry.quadrature import QuadratureRule
from pinnlang.problem.ir import OnPlane, OnRegion, Problem, Quantity, normal_symbols
from pinnlang.problem.scoring import quantity_inputs

#: Quadrature nodes per direction over the domain, by number of space dimensions.
INTERIOR_NODES = {1: 256, 2: 96, 3: 24}
#: Quadrature nodes per direction on the boundary (per edge, face axis or circle).
BOUNDARY_NODES = {1: 1, 2: 512, 3: 32}
#: Nodes evaluated per network call.
CHUNK = 8192


@dataclass
class QuantityValue:
    """One evaluated quantity: its value, published reference and relative error (or None)."""

    value: float
    reference: float | None = None

    @property
    def rel_error(self) -> float | None:
        if self.reference is None:
            return None
        scale = abs(self.reference)
        return abs(self.value - self.reference) / (scale if scale > 0 else 1.0)

    def as_dict(self) -> dict[str, float | None]:
        return {"value": self.value, "reference": self.reference, "rel_error": self.rel_error}


class CompiledQuantity:
    """A quantity ready to evaluate: nodes ``x (N, in_dim)``, weights, normals, integrand."""

    def __init__(self, source: Quantity, rule: QuadratureRule, x: np.ndarray, *,
                 integrand: Evaluator, plan: DerivativePlan, engine: DerivativeEngine):
        self.source = source
        self.name = source.name
        self.reference = source.reference
        self.rule = rule
        self.x = x
        self.integrand = integrand
        self.plan = plan
        self.engine = engine

    def __repr__(self) -> str:
        return f"<CompiledQuantity '{self.name}' nodes={len(self.rule)}>"

    def evaluate(self, net: Net, unknowns: Mapping[str, float] | None = None, *,
                 dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu"
                 ) -> QuantityValue:
        """``sum(weights * integrand)`` of ``net`` (float64 sum of the chunks' values)."""
        tensors = {k: torch.tensor(float(v), dtype=dtype, device=device)
                   for k, v in (unknowns or {}).items()}
        total = 0.0
        for start in range(0, len(self.x), CHUNK):
            stop = start + CHUNK
            x = torch.as_tensor(self.x[start:stop], dtype=dtype, device=device)
            normals = None if self.rule.normals is None else torch.as_tensor(
                self.rule.normals[start:stop], dtype=dtype, device=device)
            values = self.engine.compute(net, x, self.plan, create_graph=False)
            env = Env(x.detach(), values, tensors, normals)
            column = as_column(self.integrand(env), env).detach().to("cpu", torch.float64)
            total += float(np.dot(self.rule.weights[start:stop], column.numpy()))
        return QuantityValue(total, self.reference)


def quadrature_of(quantity: Quantity, problem: Problem, tol: float) -> QuadratureRule:
    """The rule of the quantity's integral over the selected part of the domain or boundary."""
    domain, span = problem.domain, quantity.span
    if domain is None:
        raise PinnSemanticError(f"quantity '{quantity.name}' integrates over space, but the "
                                "problem has no 'space'", span)
    if quantity.is_point_values:
        return QuadratureRule(np.asarray(quantity.on.points, dtype=np.float64).reshape(
            len(quantity.on.points), -1), np.asarray(quantity.on.signs, dtype=np.float64))
    dim = domain.dim
    try:
        rule = (domain.boundary_rule(BOUNDARY_NODES.get(dim, 16)) if quantity.is_boundary
                else domain.interior_rule(INTERIOR_NODES.get(dim, 8)))
    except ValueError as err:
        raise PinnSemanticError(f"quantity '{quantity.name}': {err}", span) from None
    on = quantity.on
    if isinstance(on, OnPlane):
        axis = problem.space_coords.index(on.coordinate)
        rule = rule.select(np.abs(rule.points[:, axis] - float(on.value)) <= tol)
    elif isinstance(on, OnRegion):
        rule = rule.select(problem.regions[on.name].on_boundary(rule.points, tol))
    if len(rule) == 0:
        raise PinnSemanticError(f"quantity '{quantity.name}' selects no point of the boundary",
                                span)
    return rule


def compile_quantity(quantity: Quantity, problem: Problem, table: SymbolTable,
                     engine: DerivativeEngine, tol: float) -> CompiledQuantity:
    """Build the quadrature nodes (with time and params fixed) and lower the integrand."""
    rule = quadrature_of(quantity, problem, tol)
    at = quantity_inputs(problem, quantity.options)
    fixed = np.array([at[str(s)] for s in problem.inputs[len(problem.space_coords):]])
    x = np.concatenate([rule.points, np.broadcast_to(fixed, (len(rule), len(fixed)))], axis=1)
    if quantity.where is not None:
        rule_mask = where_mask(quantity, _WhereContext(table, tol))(PointSet(x))
        rule, x = rule.select(rule_mask), x[rule_mask]
        if len(rule) == 0:
            raise PinnSemanticError(f"the 'where' of quantity '{quantity.name}' selects no "
                                    "quadrature node", quantity.span)
    normals = dict(zip(normal_symbols(tuple(problem.space_coords)), table.normals))
    expr = sp.sympify(quantity.integrand, strict=True).xreplace(normals)
    expr = collapse_laplacians(prepare(expr, table, span=quantity.span), table)
    plan = DerivativePlan.from_requests(len(table.inputs), field_derivatives(expr, table),
                                        laplacian_requests(expr, table))
    integrand = Lowerer(table, span=quantity.span).lower(expr)
    return CompiledQuantity(quantity, rule, np.ascontiguousarray(x), integrand=integrand,
                            plan=plan, engine=engine)


@dataclass
class _WhereContext:
    """What :func:`pinnlang.compile.build.where_mask` reads of a build context."""

    table: SymbolTable
    tol: float
