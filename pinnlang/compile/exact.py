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
observations. A condition that reads a field without an exact solution is skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import torch

from pinnlang.compile.compiled import compile_problem
from pinnlang.errors import PinnSemanticError
from pinnlang.problem.ir import Problem

SCALE_FLOOR = 1e-12
"""The smallest scale the relative tolerance is taken against (so an all-zero residual passes)."""


@dataclass(frozen=True)
class ExactReport:
    """How well the exact solution satisfies one condition.

    Attributes:
        name: The condition's name.
        max_abs: The largest absolute residual over the sampled points.
        scale: The largest magnitude among the residual's additive terms.
        ok: ``max_abs <= tol * max(scale, 1e-12)``.
        kind: The condition's kind.
        points: How many points were evaluated.
    """

    name: str
    max_abs: float
    scale: float
    ok: bool
    kind: str = ""
    points: int = 0


def verify_exact(
    problem: Problem,
    tol: float = 1e-6,
    n: int = 1000,
    *,
    seed: int = 0,
    unknowns: Mapping[str, float] | None = None,
    allowed_paths: Iterable[str | os.PathLike] = (),
) -> list[ExactReport]:
    """Evaluate every condition's residual on the exact solutions, in float64.

    Args:
        problem: A problem with ``exact`` solutions.
        tol: Relative tolerance (see the module docstring).
        n: Points per condition (data conditions use all their rows).
        seed: Seed of the sampled points.
        unknowns: Values of the unknowns (default: their initial values).
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
    values = dict(compiled.unknown_initial)
    values.update(unknowns or {})
    unknown_tensors = {k: torch.tensor(float(v), dtype=torch.float64) for k, v in values.items()}
    known = {compiled.field_names.index(name) for name in problem.exact}
    field_sizes = _field_sizes(compiled)
    rng = np.random.default_rng(seed)
    reports = []
    for cond in compiled.conditions:
        if not set(cond.plan.nodes) <= known:
            continue
        batch = cond.sample(cond.n_points if cond.kind == "data" else n, rng)
        evaluation = cond.evaluate(
            exact_fn, batch, unknown_tensors, create_graph=False, with_scale=True
        )
        max_abs = float(evaluation.residual.detach().abs().max())
        scale = float(evaluation.scale.detach().max())
        scale = max([scale] + [field_sizes[f] for f in cond.plan.nodes])
        ok = bool(max_abs <= tol * max(scale, SCALE_FLOOR))
        reports.append(ExactReport(cond.name, max_abs, scale, ok, cond.kind, len(batch)))
    return reports


def _field_sizes(compiled) -> dict[int, float]:
    """The largest ``|exact|`` of every field over the problem's evaluation points."""
    with torch.no_grad():
        values = compiled.exact_fn(compiled.evaluation_points(2000)).abs()
    sizes = {}
    for index in range(values.shape[1]):
        column = values[:, index]
        sizes[index] = 0.0 if torch.isnan(column).all() else float(column.nan_to_num(0.0).max())
    return sizes
