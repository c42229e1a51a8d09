"""Compiled conditions: a sampler of points and a torch residual for each condition of a problem.

Every :class:`CompiledCondition` samples a :class:`Batch` and evaluates its residual on it; the
evaluation goes through the problem's :class:`~pinnlang.compile.derivatives.DerivativeEngine`
with the condition's :class:`~pinnlang.compile.derivatives.DerivativePlan`, one fresh
derivative cache per call. The three kinds of residual:

- :class:`EquationCondition` (``pde``, ``initial``, ``boundary``): ``lhs - rhs``, shape ``(N, 1)``;
- :class:`PeriodicCondition`: for every field ``f``, ``f(a) - f(b)`` then ``d(f, x)(a) -
  d(f, x)(b)``, shape ``(N, 2 * n_fields)``;
- :class:`DataCondition`: prediction minus observation for the listed fields, ``(N, k)``.

A condition whose residual reads only the fields' values at ``batch.x`` (``values_only``: an
equation without derivatives, e.g. Dirichlet data, or a data condition) can also be evaluated from
network outputs computed elsewhere, with :meth:`~CompiledCondition.residual_from_values`: that is
how :func:`~pinnlang.compile.grouping.condition_residuals` serves several of them with one
network call.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import sympy as sp
import torch

from pinnlang.compile.derivatives import DerivativeEngine, DerivativePlan, DerivativeValues, Net
from pinnlang.compile.lowering import Env, Evaluator, as_column
from pinnlang.compile.sampling import PointSet
from pinnlang.problem.ir import Condition
from pinnlang.problem.options import condition_weight, require_valid_options

PointSource = Callable[[int, np.random.Generator, str], PointSet]
"""``(n, rng, sampler) -> PointSet``: exactly ``n`` candidate-filtered points of a condition."""


@dataclass
class Batch:
    """Points of one condition, on the compiled device and dtype.

    Attributes:
        x: Inputs, ``(N, in_dim)``.
        normals: Outward unit normals over the spatial coordinates (boundary), ``(N, n_space)``.
        targets: Observed values (data), ``(N, k)``.
        x_pair: The partner points of a periodic condition (``x`` at the lower end, ``x_pair``
            at the upper end), ``(N, in_dim)``.
        weights: A factor on each point's residual, ``(N,)``: the square root of its weight in
            the mean square when the points were drawn with unequal probabilities (the solver's
            points drawn by importance); ``None``: every point alike.
    """

    x: torch.Tensor
    normals: torch.Tensor | None = None
    targets: torch.Tensor | None = None
    x_pair: torch.Tensor | None = None
    weights: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(
        self, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> "Batch":
        """A copy on ``device`` with floating tensors in ``dtype``."""

        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device=device, dtype=dtype)

        return Batch(move(self.x), move(self.normals), move(self.targets), move(self.x_pair), move(self.weights))


@dataclass
class ConditionEvaluation:
    """One evaluation of a condition's residual.

    Attributes:
        residual: ``(N, k)``.
        derivatives: The derivative cache of this evaluation (``grad_calls`` counts its
            backward passes).
        scale: ``(N, k)``, the largest magnitude among the residual's additive terms at each
            point (only when asked for, by :func:`~pinnlang.compile.verify_exact`).
    """

    residual: torch.Tensor
    derivatives: DerivativeValues
    scale: torch.Tensor | None = None


class CompiledCondition(ABC):
    """A condition ready to sample and evaluate.

    Attributes:
        name, kind: From the IR condition.
        weight: The ``weight`` option (default 1).
        n_points: The ``points`` option, or ``None`` when the file gives none.
        default_points: What to sample when neither the file nor the caller says.
        sampler: The ``sampler`` option, or ``None``.
        plan: The derivatives one evaluation needs.
        engine: The derivative strategy (shared by the problem's conditions).
        values_only: The residual reads only the network's outputs at ``batch.x`` (no
            derivative, no partner points), so :meth:`residual_from_values` can evaluate it.
    """

    def __init__(
        self,
        source: Condition,
        *,
        plan: DerivativePlan,
        engine: DerivativeEngine,
        default_points: int,
        dtype: torch.dtype,
        device: torch.device | str,
    ):
        self.source = source
        self.name = source.name
        self.kind = source.kind
        self.span = source.span
        options = dict(source.options)
        require_valid_options(source.kind, options, source.span)
        self.weight = condition_weight(source.kind, options, source.span)
        points = options.get("points")
        self.n_points: int | None = int(points) if points is not None else None
        self.sampler: str | None = options.get("sampler")
        self.default_points = int(default_points)
        self.plan = plan
        self.engine = engine
        self.dtype = dtype
        self.device = torch.device(device)
        self.values_only = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} '{self.name}'>"

    # ------------------------------------------------------------------ sampling
    def sample(
        self, n: int | None = None, rng: np.random.Generator | None = None, sampler: str = "uniform"
    ) -> Batch:
        """Sample a batch: ``n`` points (default: the ``points`` option, else
        ``default_points``), with the condition's own ``sampler`` option if it has one, else
        ``sampler``."""
        n = int(n if n is not None else (self.n_points or self.default_points))
        rng = rng if rng is not None else np.random.default_rng()
        return self._sample(n, rng, self.sampler or sampler)

    @abstractmethod
    def _sample(self, n: int, rng: np.random.Generator, sampler: str) -> Batch:
        """Sample exactly the batch of ``n`` points."""

    def tensor(self, array: np.ndarray | None) -> torch.Tensor | None:
        if array is None:
            return None
        return torch.as_tensor(np.ascontiguousarray(array), dtype=self.dtype, device=self.device)

    # ------------------------------------------------------------------ residuals
    def residual(
        self,
        net: Net,
        batch: Batch,
        unknowns: Mapping[str, torch.Tensor] | None = None,
        *,
        create_graph: bool = True,
    ) -> torch.Tensor:
        """The residual ``(N, k)`` of ``net`` on ``batch``.

        Args:
            net: Maps ``(N, in_dim)`` to ``(N, n_fields)``.
            batch: From :meth:`sample`.
            unknowns: Name -> scalar tensor for every unknown the condition uses.
            create_graph: Keep the graph of the derivatives for a parameter backward
                (training); ``False`` for checks.
        """
        return self.evaluate(net, batch, unknowns, create_graph=create_graph).residual

    def residual_from_values(
        self,
        values: DerivativeValues,
        batch: Batch,
        unknowns: Mapping[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """The residual ``(N, k)`` on ``batch`` from its derivative cache ``values`` (for a
        :attr:`values_only` condition, :meth:`DerivativeValues.of_values` of the network's
        outputs at ``batch.x``).

        Raises:
            TypeError: This kind of condition evaluates its residual from other points too.
        """
        raise TypeError(f"{type(self).__name__} cannot be evaluated from precomputed values")

    @abstractmethod
    def evaluate(
        self,
        net: Net,
        batch: Batch,
        unknowns: Mapping[str, torch.Tensor] | None = None,
        *,
        create_graph: bool = True,
        with_scale: bool = False,
    ) -> ConditionEvaluation:
        """The residual with its derivative cache (and term scale when ``with_scale``)."""


class EquationCondition(CompiledCondition):
    """``pde``, ``initial`` and ``boundary``: the residual ``lhs - rhs`` at sampled points."""

    def __init__(
        self,
        source: Condition,
        *,
        residual: Evaluator,
        terms: Callable[[], tuple[list[Evaluator], DerivativePlan]],
        points: PointSource,
        **kwargs,
    ):
        super().__init__(source, **kwargs)
        self._residual = residual
        self._make_terms = terms
        self._terms: tuple[list[Evaluator], DerivativePlan] | None = None
        self._points = points
        self.values_only = self.plan.values_only

    def _sample(self, n: int, rng: np.random.Generator, sampler: str) -> Batch:
        points = self._points(n, rng, sampler)
        return Batch(self.tensor(points.x), normals=self.tensor(points.normals))

    def residual(self, net, batch, unknowns=None, *, create_graph=True):
        values = self.engine.compute(net, batch.x, self.plan, create_graph=create_graph)
        return self.residual_from_values(values, batch, unknowns)

    def residual_from_values(self, values, batch, unknowns=None):
        # Coordinates in the equation read the batch itself, not the leaf the derivatives are
        # taken along: a forcing term needs no graph.
        env = Env(batch.x.detach(), values, unknowns or {}, batch.normals)
        value = self._residual(env)
        if isinstance(value, torch.Tensor) and value.ndim == 1 and value.shape[0] == len(batch):
            return weighted(value.unsqueeze(-1), batch)
        return weighted(as_column(value, env).unsqueeze(-1), batch)

    def evaluate(self, net, batch, unknowns=None, *, create_graph=True, with_scale=False):
        if not with_scale:
            values = self.engine.compute(net, batch.x, self.plan, create_graph=create_graph)
            return ConditionEvaluation(self.residual_from_values(values, batch, unknowns), values)
        if self._terms is None:
            self._terms = self._make_terms()
        terms, scale_plan = self._terms
        values = self.engine.compute(net, batch.x, scale_plan, create_graph=create_graph)
        residual = self.residual_from_values(values, batch, unknowns)
        env = Env(batch.x.detach(), values, unknowns or {}, batch.normals)
        magnitudes = [as_column(term(env), env).abs() for term in terms]
        scale = weighted(functools.reduce(torch.maximum, magnitudes).unsqueeze(-1), batch)
        return ConditionEvaluation(residual, values, scale)


class PeriodicCondition(CompiledCondition):
    """``periodic: x``: every field and its first derivative along ``x`` agree at both ends."""

    def __init__(self, source: Condition, *, column: int, points: Callable, **kwargs):
        super().__init__(source, **kwargs)
        self.column = int(column)
        self._points = points

    def _sample(self, n: int, rng: np.random.Generator, sampler: str) -> Batch:
        lower, upper = self._points(n, rng, sampler)
        return Batch(self.tensor(lower.x), x_pair=self.tensor(upper.x))

    def evaluate(self, net, batch, unknowns=None, *, create_graph=True, with_scale=False):
        n = len(batch)
        both = torch.cat([batch.x, batch.x_pair])
        values = self.engine.compute(net, both, self.plan, create_graph=create_graph)
        fields = sorted(self.plan.nodes)
        columns = [values.get(f) for f in fields] + [values.get(f, (self.column,)) for f in fields]
        stacked = torch.stack(columns, dim=-1)
        at_lower, at_upper = stacked[:n], stacked[n:]
        scale = torch.maximum(at_lower.abs(), at_upper.abs()) if with_scale else None
        return ConditionEvaluation(at_lower - at_upper, values, scale)


class DataCondition(CompiledCondition):
    """``data "file.csv": u``: prediction minus observation at the observed points.

    Attributes:
        inputs, targets: The rows trained on (:meth:`sample` draws from them).
        noise: The ``noise`` option (the observations' standard deviation), or ``None``.
        held_inputs, held_targets: Rows never trained on (none for exact observations, see
            :func:`~pinnlang.compile.data.held_out_rows`); :meth:`held_out` gives them.
    """

    def __init__(
        self,
        source: Condition,
        *,
        inputs: np.ndarray,
        targets: np.ndarray,
        fields: list[int],
        held_out: tuple[np.ndarray, np.ndarray] | None = None,
        **kwargs,
    ):
        super().__init__(source, **kwargs)
        self.inputs = inputs
        self.targets = targets
        self.fields = list(fields)
        self.values_only = self.plan.values_only
        noise = source.options.get("noise")
        self.noise: float | None = None if noise is None else float(noise)
        empty = (inputs[:0], targets[:0])
        self.held_inputs, self.held_targets = held_out if held_out is not None else empty

    def every_row(self) -> Batch:
        """Every observation, trained on or held out (what ``check --exact`` compares)."""
        inputs = np.concatenate([self.inputs, self.held_inputs])
        return Batch(self.tensor(inputs), targets=self.tensor(np.concatenate([self.targets, self.held_targets])))

    def release_held_out(self) -> None:
        """Train on every row from now on (a run that never judges by the held-out rows)."""
        if not len(self.held_inputs):
            return
        self.inputs = np.concatenate([self.inputs, self.held_inputs])
        self.targets = np.concatenate([self.targets, self.held_targets])
        self.held_inputs, self.held_targets = self.held_inputs[:0], self.held_targets[:0]
        self.default_points = len(self.inputs)

    def held_out(self) -> Batch | None:
        """The held-out rows as a batch (``None`` when there are none)."""
        if not len(self.held_inputs):
            return None
        return Batch(self.tensor(self.held_inputs), targets=self.tensor(self.held_targets))

    def _sample(self, n: int, rng: np.random.Generator, sampler: str) -> Batch:
        """All rows when ``n`` reaches their number, else ``n`` rows chosen without replacement."""
        rows = self.inputs.shape[0]
        index = np.arange(rows) if n >= rows else np.sort(rng.choice(rows, size=n, replace=False))
        return Batch(self.tensor(self.inputs[index]), targets=self.tensor(self.targets[index]))

    def _predicted(self, values: DerivativeValues) -> torch.Tensor:
        return torch.stack([values.get(f) for f in self.fields], dim=-1)

    def residual_from_values(self, values, batch, unknowns=None):
        return self._predicted(values) - batch.targets

    def evaluate(self, net, batch, unknowns=None, *, create_graph=True, with_scale=False):
        values = self.engine.compute(net, batch.x, self.plan, create_graph=create_graph)
        predicted = self._predicted(values)
        scale = torch.maximum(predicted.abs(), batch.targets.abs()) if with_scale else None
        return ConditionEvaluation(predicted - batch.targets, values, scale)


def weighted(residual: torch.Tensor, batch: Batch) -> torch.Tensor:
    """``residual`` ``(N, k)`` times the batch's per-point :attr:`Batch.weights` (if any)."""
    if batch.weights is None:
        return residual
    return residual * batch.weights.to(residual.dtype).unsqueeze(-1)


def additive_terms(equation: sp.Eq) -> list[sp.Expr]:
    """The additive terms of both sides of an equation (the parts :attr:`scale` compares)."""
    return list(sp.Add.make_args(equation.lhs)) + list(sp.Add.make_args(equation.rhs))


__all__ = [
    "Batch",
    "CompiledCondition",
    "ConditionEvaluation",
    "DataCondition",
    "EquationCondition",
    "PeriodicCondition",
    "additive_terms",
    "weighted",
]
