"""Converged centre-line velocities of the lid-driven cavity at Re = 100 and 1000.

The values of a mesh-converged solution of the steady Navier-Stokes equations on the unit square
(the lid ``y = 1`` at ``u = 1`` for ``0 < x < 1``, every other boundary point at rest:
``problems/cavity.pinn``, ``problems/cavity_re1000.pinn``) at the interior points of Ghia, Ghia &
Shin's tables (:mod:`pinnlang.reference.ghia`). Computed by ``benchmarks/cavity_reference.py
--cells 96 --table``: Taylor-Hood elements (P2 velocity, P1 pressure) of scikit-fem on a 96 x 96
tensor mesh graded towards the walls, Newton's method to a relative step of 1e-11 (Re = 1000
continued from 100 and 400). Its centre-line extrema at Re = 1000 agree with the spectral
solution of Botella & Peyret (Comput. Fluids 27 (1998) 421-433) to within 3e-5 (u_min -0.388566
against -0.3885698, v_max 0.376944 against 0.3769447, v_min -0.527098 against -0.5270771), and a
48 x 48 mesh changes them by at most 2.1e-4 (Re = 1000) and 1.3e-5 (Re = 100).

These are the references the cavity problems are scored by. Ghia et al.'s tables, a
finite-difference solution on a 129 x 129 grid, differ from them by a relative L2 of u 6.1e-3,
v 3.5e-2 (Re = 100) and u 1.05e-2, v 2.9e-2 (Re = 1000) at the same points: an exact solver
scored against Ghia would show those errors.
"""

from __future__ import annotations

from pinnlang.reference.ghia import ghia_centrelines
from pinnlang.reference.points import PointReference, read_only

SOURCE = ("Taylor-Hood FEM (scikit-fem), 96 x 96 graded mesh, benchmarks/cavity_reference.py; at the "
          "interior points of Ghia, Ghia & Shin, J. Comput. Phys. 48 (1982), Tables I and II, Re = 100")
"""The citation carried by the Re = 100 reference (the Re = 1000 one ends in "Re = 1000")."""
LABEL = "converged centrelines"
"""The Re = 100 reference's short name in the accuracy tables."""
LABEL_1000 = "converged centrelines, Re = 1000"
"""The Re = 1000 reference's short name in the accuracy tables."""


CONVERGED = {
    100: (
        read_only([-0.037228, -0.041975, -0.046620, -0.064431, -0.101742, -0.157674, -0.213978, -0.209149,
                   -0.138797, 0.004187, 0.236554, 0.691025, 0.740467, 0.791939, 0.843732]),
        read_only([0.094808, 0.103585, 0.111752, 0.126428, 0.164825, 0.179356, 0.179560, 0.057536,
                   -0.253543, -0.233692, -0.177081, -0.108534, -0.093389, -0.077977, -0.062193]),
    ),
    1000: (
        read_only([-0.181288, -0.202329, -0.222895, -0.300452, -0.388565, -0.280368, -0.108200, -0.062056,
                   0.057017, 0.188673, 0.337218, 0.472344, 0.516935, 0.580830, 0.664421]),
        read_only([0.280701, 0.296265, 0.309903, 0.333041, 0.376919, 0.333991, 0.325364, 0.025799,
                   -0.320212, -0.426455, -0.526441, -0.410384, -0.355338, -0.293706, -0.227918]),
    ),
}
"""Reynolds number -> (``u`` at ``(0.5, y)``, ``v`` at ``(x, 0.5)``), at the 15 interior points
of each of Ghia et al.'s tables, in their order."""


def converged_centrelines(reynolds: int = 100) -> PointReference:
    """The converged cavity reference at ``reynolds`` (100 or 1000): ``u`` and ``v`` at the
    points of :func:`~pinnlang.reference.ghia.ghia_centrelines`."""
    if reynolds not in CONVERGED:
        raise ValueError(f"converged centre lines are held for Re = {sorted(CONVERGED)}, not {reynolds}")
    points = ghia_centrelines(reynolds).points
    u, v = CONVERGED[reynolds]
    return PointReference(label=LABEL if reynolds == 100 else LABEL_1000,
                            source=SOURCE.replace("Re = 100", f"Re = {reynolds}"), inputs=("x", "y"),
                            points={"u": points["u"], "v": points["v"]}, values={"u": u, "v": v})
