"""``verify_exact``: do the problem's exact solutions satisfy its conditions?

Every condition is compiled in float64 and evaluated on sampled points with a "network" that is
the exact solution itself (:attr:`CompiledProblem.exact_fn`), so the derivatives go through the
same derivative engine and lowering as training does. A condition passes when

    max_abs <= tol * max(scale, 1e-12)

where ``max_abs`` is the largest absolute residual over the points and ``scale`` the largest
magnitude among the residual's additive terms (each side of the equation split at ``+``), over
the same points. The tolerance is therefore relative to the size of what cancels: a residual of
``1e-9`` passes when the terms are of size ``1``, and fails when they are of size ``1e-6``.
``scale`` is never below the size of the solution itself (the largest ``|exact|`` of the
condition's fields over :meth:`CompiledProblem.evaluation_points`): in ``u = 0`` on a boundary
both terms vanish there, and the residual ``1e-16`` of ``sin(pi)`` must be judged against the
size of ``u``, not against itself.
Periodic conditions compare the values at both ends; data conditions the prediction with the
observations. Noisy observations declare their noise, ``data "obs.csv": u [noise = 0.1]`` (the
standard deviation); such a condition passes when ``max_abs <= tol * scale + NOISE_SIGMAS *
noise``, which Gaussian noise of that size exceeds with a probability of about 6e-7 per point.
A condition that reads a field without an exact solution is skipped.

Unknowns (inverse problems): unless their values are given, they are *fitted* first: a few
Gauss-Newton steps (central differences in the unknowns, float64) minimise the residuals, each
condition's divided by its scale, over the same points. An exact solution written for ``k = 0.5``
then passes with ``k`` reported as ``0.5``, whatever the initial guess in the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import torch

from pinnlang.compile.compiled import compile_problem
from pinnlang.compile.conditions import Batch, DataCondition
from pinnlang.errors import PinnSemanticError
from pinnlang.problem.ir import Problem

SCALE_FLOOR = 1e-12
"""The smallest scale the relative tolerance is taken against (so an all-zero residual passes)."""
NOISE_SIGMAS = 5.0
"""How many standard deviations of declared noise a data residual may reach."""


@dataclass(frozen=True)
class ExactReport:
    """How well the exact solution satisfies one condition.

    Attributes:
        name: The condition's name.
        max_abs: The largest absolute residual over the sampled points.
        scale: The largest magnitude among the residual's additive terms.
        ok: ``max_abs <= tol * max(scale, 1e-12)`` (plus ``NOISE_SIGMAS`` times a data
            statement's declared ``noise``).
        kind: The condition's kind.
        points: How many points were evaluated.
        unknowns: The values of the unknowns used (given, fitted or initial).
    """

    name: str
    max_abs: float
    scale: float
    ok: bool
    kind: str = ""
    points: int = 0
    unknowns: Mapping[str, float] = field(default_factory=dict, compare=False)


def verify_exact(
    problem: Problem,
    tol: float = 1e-6,
    n: int = 1000,
    *,
    seed: int = 0,
    unknowns: Mapping[str, float] | None = None,
    fit_unknowns: bool = True,
    allowed_paths: Iterable[str | os.PathLike] = (),
) -> list[ExactReport]:
    """Evaluate every condition's residual on the exact solutions, in float64.

    Args:
        problem: A problem with ``exact`` solutions.
        tol: Relative tolerance (see the module docstring).
        n: Points per condition (data conditions use all their rows).
        seed: Seed of the sampled points.
        unknowns: Values of the unknowns; when not given they are fitted (``fit_unknowns``)
            or take their initial values.
        fit_unknowns: Fit unknowns that are not given (see the module docstring).
        allowed_paths: Passed to :func:`compile_problem` for data files.

    Returns:
        One report per condition whose fields all have an exact solution, in order.

    Raises:
        PinnSemanticError: The problem has no exact solution.
    """
    if not problem.exact:
        raise PinnSemanticError(
            f"problem '{problem.name}' has no exact solution to verify",
            hint="add 'exact: u = ...' statements",
        )
    compiled = compile_problem(problem, dtype=torch.float64, allowed_paths=allowed_paths)
    exact_fn = compiled.exact_fn
    known = {compiled.field_names.index(name) for name in problem.exact}
    field_sizes = _field_sizes(compiled)
    rng = np.random.default_rng(seed)
    checked = [
        (cond, _rows_of(cond, rng) if isinstance(cond, DataCondition) else cond.sample(n, rng))
        for cond in compiled.conditions
        if set(cond.plan.nodes) <= known
    ]
    values = dict(compiled.unknown_initial)
    if unknowns is not None:
        values.update({name: float(value) for name, value in unknowns.items()})
    elif fit_unknowns and values and checked:
        values = _fit_unknowns(checked, exact_fn, values)
    tensors = _as_tensors(values)
    reports = []
    for cond, batch in checked:
        evaluation = cond.evaluate(exact_fn, batch, tensors, create_graph=False, with_scale=True)
        max_abs = float(evaluation.residual.detach().abs().max())
        scale = float(evaluation.scale.detach().max())
        scale = max([scale] + [field_sizes[f] for f in cond.plan.nodes])
        noise = float(cond.source.options.get("noise", 0.0))
        ok = bool(max_abs <= tol * max(scale, SCALE_FLOOR) + NOISE_SIGMAS * noise)
        reports.append(
            ExactReport(cond.name, max_abs, scale, ok, cond.kind, len(batch), dict(values))
        )
    return reports


def _rows_of(cond: DataCondition, rng: np.random.Generator) -> Batch:
    """A data condition's observations to compare: its ``points`` option's count of them, else
    every row, held-out ones included."""
    if cond.n_points is not None:
        return cond.sample(cond.n_points, rng)
    return cond.every_row()


def _as_tensors(values: Mapping[str, float]) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(float(v), dtype=torch.float64) for k, v in values.items()}


FIT_ITERATIONS = 10


def _fit_unknowns(checked, exact_fn, start: Mapping[str, float]) -> dict[str, float]:
    """Gauss-Newton on the scaled residuals of every checked condition."""
    names = list(start)

    def residuals(theta: np.ndarray) -> np.ndarray:
        tensors = _as_tensors(dict(zip(names, theta)))
        parts = []
        for (cond, batch), weight in zip(checked, weights):
            r = cond.evaluate(exact_fn, batch, tensors, create_graph=False).residual
            parts.append(r.detach().reshape(-1).numpy() / weight)
        return np.concatenate(parts)

    theta = np.array([start[name] for name in names], dtype=np.float64)
    weights = [1.0] * len(checked)
    tensors = _as_tensors(start)
    for i, (cond, batch) in enumerate(checked):
        scale = cond.evaluate(exact_fn, batch, tensors, create_graph=False, with_scale=True).scale
        weights[i] = max(float(scale.detach().max()), SCALE_FLOOR)
    best, best_norm = theta.copy(), np.linalg.norm(residuals(theta))
    for _ in range(FIT_ITERATIONS):
        r = residuals(theta)
        jacobian = np.empty((r.shape[0], len(names)))
        for j in range(len(names)):
            h = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            jacobian[:, j] = (residuals(up) - residuals(down)) / (2 * h)
        step = np.linalg.lstsq(jacobian, r, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        theta = theta - step
        norm = np.linalg.norm(residuals(theta))
        if norm < best_norm:
            best, best_norm = theta.copy(), norm
        if np.all(np.abs(step) <= 1e-12 * (1.0 + np.abs(theta))):
            break
    return {name: float(value) for name, value in zip(names, best)}


def _field_sizes(compiled) -> dict[int, float]:
    """The largest ``|exact|`` of every field over the problem's evaluation points."""
    with torch.no_grad():
        values = compiled.exact_fn(compiled.evaluation_points(2000)).abs()
    sizes = {}
    for index in range(values.shape[1]):
        column = values[:, index]
        sizes[index] = 0.0 if torch.isnan(column).all() else float(column.nan_to_num(0.0).max())
    return sizes
