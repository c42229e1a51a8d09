"""Reference solutions for worked problems that have no closed-form ``exact:`` statement.

The accuracy benchmark scores a problem against ``problem.exact`` when the file gives one, and
otherwise against a reference registered here under the problem's name (the ``problem NAME`` of
the ``.pinn`` file). A reference comes in one of two kinds:

- a callable (:func:`reference_solution`) that evaluates the solution at any points, scored on
  the problem's evaluation grid (``burgers``: the Cole-Hopf solution);
- a :class:`~pinnlang.reference.points.PointReference` (:func:`reference_points`) that is known
  only at its own tabulated points, scored there (``cavity``, ``cavity_re1000``: a converged
  finite-element solution's centre lines at Re = 100 and 1000, at Ghia et al.'s points, whose own
  tables are a few per cent off it; :mod:`pinnlang.reference.cavity_converged`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pinnlang.reference.burgers import burgers_cole_hopf
from pinnlang.reference.cavity_converged import converged_centrelines
from pinnlang.reference.points import PointReference

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

_POINT_REFERENCES: dict[str, Callable[[], PointReference]] = {
    "cavity": converged_centrelines,
    "cavity_re1000": lambda: converged_centrelines(1000),
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


def reference_points(problem_name: str) -> PointReference | None:
    """The tabulated reference registered for a problem, or ``None`` if there is none.

    Args:
        problem_name: the name after ``problem`` in the ``.pinn`` file, e.g. ``"cavity"``.

    Returns:
        A fresh :class:`PointReference` (the fields it scores, each with its points and values);
        ``None`` when the problem has no tabulated reference (it may still have a callable one,
        see :func:`reference_solution`).
    """
    build = _POINT_REFERENCES.get(problem_name)
    return None if build is None else build()


def problems_with_reference() -> tuple[str, ...]:
    """Names of every problem with a registered reference of either kind, sorted."""
    return tuple(sorted({*_REFERENCES, *_POINT_REFERENCES}))
