"""Reference solutions for worked problems that have no closed-form ``exact:`` statement.

The accuracy benchmark scores a problem against ``problem.exact`` when the file gives one, and
otherwise against the callable registered here under the problem's name (the ``problem NAME``
of the ``.pinn`` file).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pinnlang.reference.burgers import burgers_cole_hopf

ReferenceFn = Callable[[np.ndarray], np.ndarray]
"""Maps points ``(N, in_dim)``, columns in the problem's input order, to values ``(N, n_fields)``."""


def _burgers_on_points(points: np.ndarray) -> np.ndarray:
    """Columns ``x, t`` of ``problems/burgers.pinn`` → ``u`` as ``(N, 1)``."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"burgers reference expects points of shape (N, 2) (x, t), got {points.shape}")
    return burgers_cole_hopf(points[:, 0], points[:, 1])[:, None]


_REFERENCES: dict[str, ReferenceFn] = {
    "burgers": _burgers_on_points,
}


def reference_solution(problem_name: str) -> ReferenceFn | None:
    """The reference solution registered for a problem, or ``None`` if there is none.

    Args:
        problem_name: the name after ``problem`` in the ``.pinn`` file, e.g. ``"burgers"``.

    Returns:
        A callable mapping points ``(N, in_dim)`` (columns ordered as ``Problem.inputs``:
        space coordinates, then time, then params) to an ``(N, n_fields)`` float64 array with
        fields in declaration order; ``None`` when no reference is registered.
    """
    return _REFERENCES.get(problem_name)


def problems_with_reference() -> tuple[str, ...]:
    """Names of every problem that has a registered reference solution, sorted."""
    return tuple(sorted(_REFERENCES))
