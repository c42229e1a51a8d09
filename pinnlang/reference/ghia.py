"""Centre-line velocities of the lid-driven cavity at Re = 100 and 1000 (Ghia, Ghia & Shin, 1982).

Source: U. Ghia, K. N. Ghia and C. T. Shin, "High-Re solutions for incompressible flow using the
Navier-Stokes equations and a multigrid method", J. Comput. Phys. 48 (1982) 387-411, the
Re = 100 and Re = 1000 columns of

- Table I: ``u`` along the vertical centre line ``x = 0.5``, at the heights ``GHIA_Y``;
- Table II: ``v`` along the horizontal centre line ``y = 0.5``, at the abscissae ``GHIA_X``.

The cavity is the unit square with the lid ``y = 1`` moving with ``u = 1`` (``problems/cavity.pinn``,
``problems/cavity_re1000.pinn``). The Re = 1000 values were checked against two independent
public transcriptions of the tables, which agree with them to the last printed digit.
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

from pinnlang.reference.points import PointReference, read_only

SOURCE = (
    "Ghia, Ghia & Shin, J. Comput. Phys. 48 (1982) 387-411, Tables I and II, Re = 100"
)
"""The citation carried by the Re = 100 reference (the Re = 1000 one ends in "Re = 1000")."""
LABEL = "Ghia 1982 centrelines"
"""The Re = 100 reference's short name in the accuracy tables."""
LABEL_1000 = "Ghia 1982 centrelines, Re = 1000"
"""The Re = 1000 reference's short name in the accuracy tables."""


GHIA_Y = read_only([
    0.0000, 0.0547, 0.0625, 0.0703, 0.1016, 0.1719, 0.2813, 0.4531, 0.5000,
    0.6172, 0.7344, 0.8516, 0.9531, 0.9609, 0.9688, 0.9766, 1.0000,
])
"""Table I: heights on the vertical centre line ``x = 0.5``."""
GHIA_U = read_only([
    0.00000, -0.03717, -0.04192, -0.04775, -0.06434, -0.10150, -0.15662, -0.21090, -0.20581,
    -0.13641, 0.00332, 0.23151, 0.68717, 0.73722, 0.78871, 0.84123, 1.00000,
])
"""Table I, Re = 100: ``u(0.5, GHIA_Y)``."""
GHIA_X = read_only([
    0.0000, 0.0625, 0.0703, 0.0781, 0.0938, 0.1563, 0.2266, 0.2344, 0.5000,
    0.8047, 0.8594, 0.9063, 0.9453, 0.9531, 0.9609, 0.9688, 1.0000,
])
"""Table II: abscissae on the horizontal centre line ``y = 0.5``."""
GHIA_V = read_only([
    0.00000, 0.09233, 0.10091, 0.10890, 0.12317, 0.16077, 0.17507, 0.17527, 0.05454,
    -0.24533, -0.22445, -0.16914, -0.10313, -0.08864, -0.07391, -0.05906, 0.00000,
])
"""Table II, Re = 100: ``v(GHIA_X, 0.5)``."""
GHIA_U_1000 = read_only([
    0.00000, -0.18109, -0.20196, -0.22220, -0.29730, -0.38289, -0.27805, -0.10648, -0.06080,
    0.05702, 0.18719, 0.33304, 0.46604, 0.51117, 0.57492, 0.65928, 1.00000,
])
"""Table I, Re = 1000: ``u(0.5, GHIA_Y)``."""
GHIA_V_1000 = read_only([
    0.00000, 0.27485, 0.29012, 0.30353, 0.32627, 0.37095, 0.33075, 0.32235, 0.02526,
    -0.31966, -0.42665, -0.51550, -0.39188, -0.33714, -0.27669, -0.21388, 0.00000,
])
"""Table II, Re = 1000: ``v(GHIA_X, 0.5)``."""

TABLES = {100: (GHIA_U, GHIA_V, LABEL), 1000: (GHIA_U_1000, GHIA_V_1000, LABEL_1000)}
"""Reynolds number -> (Table I column, Table II column, label)."""

CENTRE = 0.5
"""Both centre lines pass through the middle of the unit square."""


def ghia_centrelines(reynolds: int = 100) -> PointReference:
    """The cavity reference at ``reynolds``: ``u`` and ``v`` at the interior centre-line points.

    Args:
        reynolds: 100 or 1000 (the columns of the tables held here).

    Returns:
        A :class:`PointReference` with inputs ``("x", "y")``: ``u`` at the 15 points
        ``(0.5, y_i)`` of Table I and ``v`` at the 15 points ``(x_i, 0.5)`` of Table II, the wall
        end points ``y, x = 0`` and ``1`` left out (see the module docstring).
    """
    if reynolds not in TABLES:
        raise ValueError(f"Ghia et al.'s tables are held for Re = {sorted(TABLES)}, not {reynolds}")
    u_column, v_column, label = TABLES[reynolds]
    interior = slice(1, -1)
    y = GHIA_Y[interior]
    x = GHIA_X[interior]
    return PointReference(
        label=label,
        source=SOURCE.replace("Re = 100", f"Re = {reynolds}"),
        inputs=("x", "y"),
        points={
            "u": np.column_stack([np.full_like(y, CENTRE), y]),
            "v": np.column_stack([x, np.full_like(x, CENTRE)]),
        },
        values={"u": u_column[interior], "v": v_column[interior]},
    )
