"""Centre-line velocities of the lid-driven cavity at Re = 100 (Ghia, Ghia & Shin, 1982).

Source: U. Ghia, K. N. Ghia and C. T. Shin, "High-Re solutions for incompressible flow using the
Navier-Stokes equations and a multigrid method", J. Comput. Phys. 48 (1982) 387-411, the
Re = 100 columns of

- Table I: ``u`` along the vertical centre line ``x = 0.5``, at the heights ``GHIA_Y``;
- Table II: ``v`` along the horizontal centre line ``y = 0.5``, at the abscissae ``GHIA_X``.

The cavity is the unit square with the lid ``y = 1`` moving with ``u = 1`` (``problems/cavity.pinn``).
The tabulated coordinates are grid lines ``k/128`` of the paper's uniform 129 x 129 grid printed
to four decimals (``tests/reference/test_ghia.py`` checks this); they are used as printed. The
values come from the paper's own finite-difference solution, so they are a reference, not an
exact solution.

:func:`ghia_centrelines` scores ``u`` and ``v`` at the 15 interior points of each table. The two
end points of each table lie on a wall, where the value (0, or the lid's 1) is imposed by the
boundary condition; leaving them out makes the score measure the computed flow, not the boundary
data. The pressure is not scored: it is fixed only up to a constant and the tables give none.
"""

from __future__ import annotations

import numpy as np

from pinnlang.reference.points import PointReference

SOURCE = (
    "Ghia, Ghia & Shin, J. Comput. Phys. 48 (1982) 387-411, Tables I and II, Re = 100"
)
"""The citation carried by the reference."""
LABEL = "Ghia 1982 centrelines"
"""The reference's short name in the accuracy tables."""


def _table(values: list[float]) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


GHIA_Y = _table([
    0.0000, 0.0547, 0.0625, 0.0703, 0.1016, 0.1719, 0.2813, 0.4531, 0.5000,
    0.6172, 0.7344, 0.8516, 0.9531, 0.9609, 0.9688, 0.9766, 1.0000,
])
"""Table I: heights on the vertical centre line ``x = 0.5``."""
GHIA_U = _table([
    0.00000, -0.03717, -0.04192, -0.04775, -0.06434, -0.10150, -0.15662, -0.21090, -0.20581,
    -0.13641, 0.00332, 0.23151, 0.68717, 0.73722, 0.78871, 0.84123, 1.00000,
])
"""Table I, Re = 100: ``u(0.5, GHIA_Y)``."""
GHIA_X = _table([
    0.0000, 0.0625, 0.0703, 0.0781, 0.0938, 0.1563, 0.2266, 0.2344, 0.5000,
    0.8047, 0.8594, 0.9063, 0.9453, 0.9531, 0.9609, 0.9688, 1.0000,
])
"""Table II: abscissae on the horizontal centre line ``y = 0.5``."""
GHIA_V = _table([
    0.00000, 0.09233, 0.10091, 0.10890, 0.12317, 0.16077, 0.17507, 0.17527, 0.05454,
    -0.24533, -0.22445, -0.16914, -0.10313, -0.08864, -0.07391, -0.05906, 0.00000,
])
"""Table II, Re = 100: ``v(GHIA_X, 0.5)``."""

CENTRE = 0.5
"""Both centre lines pass through the middle of the unit square."""


def ghia_centrelines() -> PointReference:
    """The Re = 100 cavity reference: ``u`` and ``v`` at the interior centre-line points.

    Returns:
        A :class:`PointReference` with inputs ``("x", "y")``: ``u`` at the 15 points
        ``(0.5, y_i)`` of Table I and ``v`` at the 15 points ``(x_i, 0.5)`` of Table II, the wall
        end points ``y, x = 0`` and ``1`` left out (see the module docstring).
    """
    interior = slice(1, -1)
    y = GHIA_Y[interior]
    x = GHIA_X[interior]
    return PointReference(
        label=LABEL,
        source=SOURCE,
        inputs=("x", "y"),
        points={
            "u": np.column_stack([np.full_like(y, CENTRE), y]),
            "v": np.column_stack([x, np.full_like(x, CENTRE)]),
        },
        values={"u": GHIA_U[interior], "v": GHIA_V[interior]},
    )
