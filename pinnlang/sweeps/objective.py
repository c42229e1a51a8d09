"""What a sweep minimises: one training run's error, or its loss on points it never saw.

- With a known solution: the mean over fields of the relative L2 error — against the ``exact:``
  solution on the problem's evaluation grid, which never holds training points
  (``Result.errors``); else against the problem's ``reference`` files at their own points
  (``Result.reference_errors``); else against a reference registered under the problem's name
  (:func:`pinnlang.reference.reference_solution`) on the evaluation grid.
- Without one: the weighted sum of the conditions' mean squared residuals on a fresh draw of
  points, from a seed no training round uses, so a network that only fits its own collocation
  points does not score well.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import torch

from pinnlang.results import Result
from pinnlang.results.predict import l2_relative_errors
from pinnlang.solver.points import CollocationPoints
from pinnlang.solver.settings import SolveSettings

#: Added to a run's seed for the fresh points (training rounds use ``[seed, rank, round]``).
FRESH_SEED_OFFSET = 1_000_003
ERROR = "L2 relative error"
FRESH_LOSS = "loss on fresh points"


def objective_kind(problem: Any) -> str:
    """:data:`ERROR` when the problem's solution is known, else :data:`FRESH_LOSS`."""
    from pinnlang.reference import reference_solution

    known = problem.exact or problem.references or reference_solution(problem.name) is not None
    return ERROR if known else FRESH_LOSS


def solution_error(result: Result) -> float:
    """Mean relative L2 error over the fields with a known solution."""
    errors = result.errors() or result.reference_errors()
    if not errors:  # a reference registered under the problem's name
        x = result.compiled.evaluation_points(rng=np.random.default_rng(12345)).cpu().numpy()
        truth = result.solution(x)
        errors = l2_relative_errors(torch.as_tensor(result.evaluate(x)), torch.as_tensor(truth),
                                    result.field_names)
    return float(np.mean(list(errors.values())))


def fresh_loss(result: Result) -> float:
    """The weighted loss of the trained network on a fresh draw of every condition's points."""
    settings = SolveSettings(**result.settings)
    conditions = result.compiled.conditions
    counts = {c.name: (c.n_points or (None if c.kind == "data" else settings.points_for(c.kind)))
              for c in conditions}
    points = CollocationPoints(conditions, counts, {c.name: settings.sampler for c in conditions},
                               settings.seed + FRESH_SEED_OFFSET, 0, prefetch=False)
    batches = points.draw(0)
    unknowns = {name: torch.tensor(value, dtype=result.compiled.lower.dtype)
                for name, value in result.unknowns.items()}
    with torch.enable_grad():
        losses = result.compiled.losses(result.network, batches, unknowns, create_graph=False)
    return float(sum(c.weight * float(losses[c.name].detach()) for c in conditions))


def score(result: Result, kind: str) -> float:
    """The objective ``kind`` of a trained run (``inf`` when it is not finite)."""
    value = solution_error(result) if kind == ERROR else fresh_loss(result)
    return value if math.isfinite(value) else math.inf


def train_trial(problem: Any, settings: Mapping[str, Any]) -> Result:
    """Train ``problem`` with ``settings``, writing nothing and printing nothing."""
    from pinnlang.solver.api import solve

    return solve(problem, out=None, quiet=True, **dict(settings))
