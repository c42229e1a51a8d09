"""Jumps of the boundary data smoothed over a short distance before training.

Where two boundary conditions ask one quantity for different values where they meet
(:func:`~pinnlang.solver.data_jumps.data_jumps`: the lid-driven cavity's ``u = 1`` on the lid and
``u = 0`` on the walls at the lid's ends), the solution is singular: its gradients grow like
``1/r`` and its pressure like ``1/r`` at the corner. No smooth network follows it, and the loss
there, 10⁴-10⁶ times the mean square elsewhere, decides the flow everywhere (``docs/benchmarks.md``,
"The cavity: the loss decides, not the network"). Any discretisation smooths such a jump over its
resolution (a finite-element mesh gives the corner node one of the two values); this module does
it explicitly and says so: the condition whose data are larger in size at the meeting point is
blended to the other's value there within a radius, by default 0.035 of the diagonal of the
domain's bounding box (the setting ``smooth_jumps``; 0.049 on the unit square)
(:func:`pinnlang.problem.smoothing.blend_towards`).

How much that changes the solution was measured on the cavity at Re = 100 with the converged
finite-element reference (``benchmarks/cavity_reference.py``, 96 x 96 cells, the lid's speed a
smoothstep from 0 at the corners to 1 at distance δ): the centre lines moved by a relative 5.2e-7
/ 3.1e-6 (u / v) for δ = 0.005, 1.9e-5 / 7.3e-5 for 0.02, 2.6e-4 / 1.0e-3 for 0.05 (2.9e-4 /
1.1e-3 with this module's blend and radius; at Re = 1000, 64 x 64 cells, 6.0e-3 / 4.7e-3), while
the trained network's error against the sharp lid's reference fell from u 7.2e-3, v 3.0e-2 to
1.5e-3, 2.4e-3 (``problems/cavity.pinn``'s 10 minutes, seed 0; seed 1: 9.7e-4, 3.9e-3; two
more runs of seed 0: 1.4e-3, 2.6e-3 and 3.0e-3, 1.2e-2).
``smooth_jumps = 0`` keeps the data as written.

Only problems in two dimensions of space alone are smoothed, where boundary conditions meet at
points (in three dimensions they meet along edges, and between conditions in space and time along
a line in time: a blend around points would leave the jump between them), and only data the
problem fixes (a value given by a learned unknown changes during training).

Not where initial and boundary data jump, though they meet at points in one dimension of space
and time, because it did not pay there: on a quenched bar (``problems/heat_quench.pinn``:
``u(x, 0) = 1``, ``u = 0`` at the ends, ``u_t = 0.1 u_xx``) written without settings, the same
blend of the initial data (0.035 of the length) gave 2.7e-2 against the series solution, the
data as written 1.7e-2 (180 s, seed 0; on a grid that held the two corners, which alone gave
1.6e-2 of it: the data as written scored 2.4e-3 without them, while the blend's own change of the
first row is, by an estimate, about 1.6e-2). Diffusion smooths the jump at once by itself; what
the blend changes is the early solution, which the error counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pinnlang.compile.conditions import Batch
from pinnlang.problem.smoothing import blend_towards
from pinnlang.solver.data_jumps import MEET_DISTANCE, POINTS, data_at, data_jumps

#: Points per condition drawn to locate a meeting point (the closest pair of the two conditions'
#: points near it): on the unit square's perimeter they lie ~1e-4 apart.
LOCATE_POINTS = 40 * POINTS
#: Meeting points are rounded to this fraction of the diagonal (they are located to ~1e-4 of it;
#: the blend's core, CORE times its radius, holds the point as written).
PLACE_PRECISION = 1e-3
#: Seed of the samples that find and locate the jumps: every process and a resumed run find the
#: same.
SEED = 20_261_207


@dataclass(frozen=True)
class SmoothedJump:
    """One jump smoothed: ``condition``'s data blended to ``target`` (``other``'s value) within
    ``radius`` of ``place``."""

    condition: str
    other: str
    place: tuple[float, ...]
    target: float
    radius: float


def smooth_jumps(problem: Any, compiled: Any, fraction: float) -> tuple[Any, list[SmoothedJump]]:
    """``problem`` with every jump of its fixed boundary data smoothed over ``fraction`` of the
    diagonal (see the module docstring), and the jumps smoothed; ``problem`` itself and ``[]``
    when there is none, ``fraction`` is 0 or the problem is not in two dimensions of space alone."""
    if fraction <= 0 or problem.time_axis is not None or problem.params or len(problem.space_coords) != 2:
        return problem, []
    lower, upper = (t.detach().double().cpu().numpy() for t in (compiled.lower, compiled.upper))
    diagonal = float(np.linalg.norm(upper - lower))
    rng = np.random.default_rng(SEED)
    fields = len(compiled.field_names)
    digits = max(0, math.ceil(-math.log10(PLACE_PRECISION * diagonal)))  # (0, 1), not (1.9e-05, 0.99995)
    dense: dict[str, np.ndarray] = {}  # each condition's points for locating, drawn once

    def points_of(cond: Any) -> np.ndarray:
        if cond.name not in dense:
            dense[cond.name] = cond.sample(LOCATE_POINTS, rng).x.detach().double().cpu().numpy()
        return dense[cond.name]

    smoothed: list[SmoothedJump] = []
    for place, a, b in data_jumps(compiled, rng, diagonal):
        cond_a, cond_b = compiled.condition(a), compiled.condition(b)
        point = _locate(points_of(cond_a), points_of(cond_b), np.asarray(place), MEET_DISTANCE * diagonal)
        batch = Batch(compiled.lower.new_tensor(point[None, :]))
        data_a, data_b = data_at(cond_a, batch, fields), data_at(cond_b, batch, fields)
        if data_a.shape[1] != 1 or data_b.shape[1] != 1:
            continue  # one value per point only: a blend of several components is not defined here
        value_a, value_b = float(data_a[0, 0]) + 0.0, float(data_b[0, 0]) + 0.0  # no -0
        moved, other, target = (a, b, value_b) if abs(value_a) >= abs(value_b) else (b, a, value_a)
        smoothed.append(SmoothedJump(moved, other, tuple(round(float(v), digits) + 0.0 for v in point), target,
                                     fraction * diagonal))
    smoothed.sort(key=lambda j: (j.condition, j.other, j.place))
    for jump in smoothed:
        problem = blend_towards(problem, jump.condition, jump.place, jump.target, jump.radius)
    return problem, smoothed


def describe_smoothing(smoothed: list[SmoothedJump]) -> str:
    """One line for the run's summary: which data were blended, where, over what distance."""
    pairs: dict[tuple[str, str, float, float], list[str]] = {}
    for jump in smoothed:
        where = "(" + ", ".join(f"{v:.4g}" for v in jump.place) + ")"
        pairs.setdefault((jump.condition, jump.other, jump.target, jump.radius), []).append(where)
    parts = [f"'{a}' blended to '{b}' ({target:g}) within {radius:.2g} of {' and '.join(places)}"
             for (a, b, target, radius), places in pairs.items()]
    return "boundary data jump: " + "; ".join(parts) + " (smooth_jumps = 0: as written)"


def _locate(xa: np.ndarray, xb: np.ndarray, place: np.ndarray, near: float) -> np.ndarray:
    """Where two conditions with the points ``xa`` and ``xb`` meet near ``place``: the middle of
    the closest pair of their points within ``near`` of it (``place`` when too few are)."""
    xa = xa[np.linalg.norm(xa - place, axis=1) <= near]
    xb = xb[np.linalg.norm(xb - place, axis=1) <= near]
    if not len(xa) or not len(xb):
        return place
    distances = np.linalg.norm(xa[:, None, :] - xb[None, :, :], axis=2)
    i, j = np.unravel_index(int(np.argmin(distances)), distances.shape)
    return (xa[i] + xb[j]) / 2
