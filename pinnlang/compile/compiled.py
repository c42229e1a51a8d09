"""``compile_problem``: a :class:`~pinnlang.problem.Problem` to torch residuals and samplers."""

from __future__ import annotations

import functools
import math
import os
from typing import Callable, Iterable, Mapping

import numpy as np
import sympy as sp
import torch
from sympy.core.function import AppliedUndef

from pinnlang.compile.build import RELATIVE_TOL, BuildContext, build_condition
from pinnlang.compile.conditions import Batch, CompiledCondition
from pinnlang.compile.derivatives import DerivativeEngine, DerivativePlan, Net, make_engine
from pinnlang.compile.lowering import Env, Lowerer, as_column
from pinnlang.compile.normalize import SymbolTable, prepare
from pinnlang.compile.quantities import CompiledQuantity, QuantityValue, compile_quantity
from pinnlang.compile.sampling import InputSpace
from pinnlang.errors import PinnSemanticError
from pinnlang.problem.ir import Problem

GRID_MAX_DIM = 4
"""Above this many inputs :meth:`CompiledProblem.evaluation_points` samples instead of a grid."""
EVALUATION_SEED = 7_777
"""Seed of the dense sample used when the input box is too high-dimensional for a grid."""


class CompiledProblem:
    """A problem compiled to torch: samplers and residuals for its conditions.

    Attributes:
        problem: The IR it was compiled from.
        input_names: Network inputs in column order (space, time, params).
        field_names: Network outputs in column order.
        unknown_names: The learnable scalars, and ``unknown_initial`` their initial values.
        lower, upper: ``(in_dim,)`` tensors, the box of all inputs (for input normalisation).
        conditions: One :class:`CompiledCondition` per condition, in the problem's order.
        plan: The problem's derivative tree, the union of every condition's plan.
        exact_fn: ``x (N, in_dim) -> (N, n_fields)`` from the ``exact`` statements (NaN for a
            field without one), or ``None`` when there are none.
        dtype, device: Of every batch the conditions sample.
    """

    def __init__(
        self,
        problem: Problem,
        space: InputSpace,
        conditions: list[CompiledCondition],
        engine: DerivativeEngine,
        exact_fn: Callable[[torch.Tensor], torch.Tensor] | None,
        dtype: torch.dtype,
        device: torch.device | str,
    ):
        self.problem = problem
        self.space = space
        self.input_names: tuple[str, ...] = tuple(str(s) for s in problem.inputs)
        self.field_names: tuple[str, ...] = tuple(problem.field_names)
        self.unknown_names: tuple[str, ...] = tuple(u.symbol.name for u in problem.unknowns)
        self.unknown_initial: dict[str, float] = {
            u.symbol.name: float(u.initial) for u in problem.unknowns
        }
        lower, upper = space.bounds()
        self.lower = torch.as_tensor(lower, dtype=dtype, device=device)
        self.upper = torch.as_tensor(upper, dtype=dtype, device=device)
        self.conditions = conditions
        self.exact_fn = exact_fn
        self.dtype = dtype
        self.device = torch.device(device)
        self._engine = engine
        plan = DerivativePlan(len(self.input_names))
        for cond in conditions:
            plan = plan.merge(cond.plan)
        self.plan = plan

    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self.conditions)
        inputs = ", ".join(self.input_names)
        return f"<CompiledProblem '{self.problem.name}' inputs=({inputs}) conditions=[{names}]>"

    @property
    def engine(self) -> DerivativeEngine:
        """The derivative strategy of every condition; assign to switch all of them."""
        return self._engine

    @engine.setter
    def engine(self, engine: DerivativeEngine | str) -> None:
        self._engine = make_engine(engine)
        for cond in self.conditions:
            cond.engine = self._engine

    @functools.cached_property
    def quantities(self) -> list[CompiledQuantity]:
        """The problem's quantities, compiled on first use (their quadrature rules)."""
        table = SymbolTable.of(self.problem)
        tol = RELATIVE_TOL * self.space.size
        return [compile_quantity(q, self.problem, table, self._engine, tol)
                for q in self.problem.quantities]

    def quantity_values(self, net: Net, unknowns: Mapping[str, float] | None = None
                        ) -> dict[str, QuantityValue]:
        """Every quantity of ``net`` (with the unknowns' values), by name."""
        return {q.name: q.evaluate(net, unknowns, dtype=self.dtype, device=self.device)
                for q in self.quantities}

    def condition(self, name: str) -> CompiledCondition:
        for cond in self.conditions:
            if cond.name == name:
                return cond
        raise KeyError(name)

    def unknown_tensors(self, requires_grad: bool = True) -> dict[str, torch.Tensor]:
        """Fresh scalar tensors holding the unknowns' initial values."""
        return {
            name: torch.tensor(
                value, dtype=self.dtype, device=self.device, requires_grad=requires_grad
            )
            for name, value in self.unknown_initial.items()
        }

    def sample(
        self, rng: np.random.Generator, sampler: str = "uniform", points: int | None = None
    ) -> dict[str, Batch]:
        """A batch for every condition (``points`` overrides each condition's default)."""
        return {c.name: c.sample(c.n_points or points, rng, sampler) for c in self.conditions}

    def losses(
        self,
        net: Net,
        batches: Mapping[str, Batch],
        unknowns: Mapping[str, torch.Tensor] | None = None,
        *,
        create_graph: bool = True,
    ) -> dict[str, torch.Tensor]:
        """Mean squared residual of every condition that has a batch (weights not applied)."""
        result: dict[str, torch.Tensor] = {}
        for cond in self.conditions:
            batch = batches.get(cond.name)
            if batch is not None:
                residual = cond.residual(net, batch, unknowns, create_graph=create_graph)
                result[cond.name] = residual.square().mean()
        return result

    def evaluation_points(
        self, n: int = 10_000, rng: np.random.Generator | None = None
    ) -> torch.Tensor:
        """At least ``n`` points covering the whole input domain, for error metrics.

        Up to :data:`GRID_MAX_DIM` inputs: the regular grid ``linspace(lower, upper, s)`` per
        axis with an *even* ``s``, kept where the point is in the domain, ``s`` growing until at
        least ``n`` remain. Every sampler of the geometry puts grid points at cell centres
        ``(2i + 1) / (2m)`` of the unit cube; a point ``j / (s - 1)`` with ``s - 1`` odd is never
        one of them, so the evaluation grid shares no point with a training grid (random
        samplers hit it with probability zero). Above that: ``n`` uniform points of the domain
        (``rng``, by default a fixed seed).
        """
        lo, hi = self.space.bounds()
        dim = lo.shape[0]
        if dim > GRID_MAX_DIM:
            rng = rng if rng is not None else np.random.default_rng(EVALUATION_SEED)
            points = self.space.interior(n, rng, "uniform").x
            return torch.as_tensor(points, dtype=self.dtype, device=self.device)
        domain, n_space = self.space.domain, self.space.n_space
        side = max(2, math.ceil(n ** (1.0 / dim)))
        while True:
            side += side % 2
            axes = [np.linspace(a, b, side) for a, b in zip(lo, hi)]
            grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)
            if domain is not None:
                grid = grid[domain.contains(grid[:, :n_space])]
            if grid.shape[0] >= n:
                return torch.as_tensor(grid, dtype=self.dtype, device=self.device)
            fraction = max(grid.shape[0], 1) / side**dim  # the share of the box in the domain
            side = max(side + 2, math.ceil((1.05 * n / fraction) ** (1.0 / dim)))


def compile_problem(
    problem: Problem,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    *,
    engine: DerivativeEngine | str | None = None,
    allowed_paths: Iterable[str | os.PathLike] = (),
) -> CompiledProblem:
    """Compile ``problem`` into samplers and torch residuals.

    Args:
        problem: The problem (checked or not: the structural errors that would stop compiling
            are raised here too).
        dtype, device: Of the sampled batches.
        engine: The derivative strategy: an instance, a registered name, or ``None`` for
            :class:`~pinnlang.compile.AutogradEngine`.
        allowed_paths: Files or folders outside the problem's folder that ``data`` conditions
            may read (the user named them explicitly).

    Raises:
        PinnSemanticError: The problem cannot be compiled (with the condition's span).
    """
    space = input_space(problem)
    table = SymbolTable.of(problem)
    if not table.fields:
        raise PinnSemanticError(f"problem '{problem.name}' declares no field")
    ctx = BuildContext(
        problem, table, space, make_engine(engine), dtype, device, allowed_paths=allowed_paths
    )
    conditions = [build_condition(cond, ctx) for cond in problem.conditions]
    exact_fn = exact_function(problem, table)
    return CompiledProblem(problem, space, conditions, ctx.engine, exact_fn, dtype, device)


def input_space(problem: Problem) -> InputSpace:
    """The box of time and params around the spatial domain, checked."""
    domain = problem.domain
    n_space = len(problem.space_coords)
    if domain is None and n_space:
        raise PinnSemanticError("space coordinates are declared but there is no domain")
    if domain is not None and domain.dim != n_space:
        raise PinnSemanticError(
            f"the domain is {domain.dim}-D but {n_space} space coordinate(s) are declared"
        )
    ranges = []
    if problem.time_axis is not None:
        axis = problem.time_axis
        ranges.append((axis.symbol, axis.lower, axis.upper, axis.span))
    ranges += [(p.symbol, p.lower, p.upper, p.span) for p in problem.params]
    for symbol, lower, upper, span in ranges:
        if not float(lower) < float(upper):
            raise PinnSemanticError(f"the range of '{symbol}' is empty: [{lower}, {upper}]", span)
    if domain is None and not ranges:
        raise PinnSemanticError("the problem has no inputs: declare 'space' or 'time'")
    lower = np.array([float(r[1]) for r in ranges], dtype=np.float64)
    upper = np.array([float(r[2]) for r in ranges], dtype=np.float64)
    return InputSpace(domain, lower, upper)


def exact_function(
    problem: Problem, table: SymbolTable
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``x -> (N, n_fields)`` from ``problem.exact`` (NaN columns for fields without one)."""
    if not problem.exact:
        return None
    evaluators = {}
    for name, expr in problem.exact.items():
        span = problem.spans.get(f"exact:{name}") if problem.spans else None
        if name not in table.fields:
            raise PinnSemanticError(
                f"exact solution given for '{name}', which is not a field", span
            )
        prepared = prepare(expr, table, span=span)
        if prepared.atoms(AppliedUndef) or prepared.atoms(sp.Derivative):
            raise PinnSemanticError(f"the exact solution of '{name}' uses a field", span)
        evaluators[table.fields.index(name)] = Lowerer(table, span=span).lower(prepared)
    initial = {u.symbol.name: float(u.initial) for u in problem.unknowns}
    n_fields = len(table.fields)

    def exact_fn(x: torch.Tensor) -> torch.Tensor:
        unknowns = {k: torch.tensor(v, dtype=x.dtype, device=x.device) for k, v in initial.items()}
        env = Env(x, unknowns=unknowns)
        columns = []
        for index in range(n_fields):
            evaluate = evaluators.get(index)
            if evaluate is None:
                columns.append(torch.full((x.shape[0],), math.nan, dtype=x.dtype, device=x.device))
            else:
                columns.append(as_column(evaluate(env), env))
        return torch.stack(columns, dim=-1)

    return exact_fn
