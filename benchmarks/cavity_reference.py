"""A converged lid-driven cavity, to check the tabulated reference the cavity problems are scored by.

Usage::

    python benchmarks/cavity_reference.py                       # Re = 100 and 1000, 96 x 96 cells
    python benchmarks/cavity_reference.py --cells 48 64 96      # mesh convergence
    python benchmarks/cavity_reference.py --run runs/cavity     # also score a run folder

The steady incompressible Navier-Stokes equations on the unit square (``problems/cavity.pinn``,
``problems/cavity_re1000.pinn``: the lid ``y = 1`` at ``u = 1`` for ``0 < x < 1``, every other
boundary point at rest) are solved with Taylor-Hood elements (P2 velocity, P1 pressure) of
scikit-fem on a tensor mesh graded towards the walls (``(1 - cos(pi s)) / 2``), by Newton's
method from rest, continued in Re (100, then 400 and 1000). The table compares:

- the converged solution's centre-line extrema with Botella & Peyret (Comput. Fluids 27 (1998),
  spectral, Re = 1000: u_min -0.3885698 at y = 0.1717, v_max 0.3769447 at x = 0.1578, v_min
  -0.5270771 at x = 0.9092), which validates the solver;
- Ghia, Ghia & Shin (1982)'s tables (``pinnlang.reference.ghia_centrelines``, what the cavity
  problems are scored by) with the converged solution at the same points (relative L2 over the
  15 + 15 interior points, as ``benchmarks/accuracy.py`` scores);
- with ``--run``: a trained run's u, v at those points against both.

Needs scikit-fem (``pip install scikit-fem``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pinnlang.reference import ghia_centrelines, relative_l2_error  # noqa: E402

#: Botella & Peyret (1998), Re = 1000, the centre-line extrema: (value, position).
BOTELLA_PEYRET_1000 = {"u_min": (-0.3885698, 0.1717), "v_max": (0.3769447, 0.1578),
                       "v_min": (-0.5270771, 0.9092)}


def solve_cavity(cells: int, reynolds: list[float], quiet: bool = False, lid=None):
    """Velocity components ``(values, basis)`` for x and y of the converged flow at the last Re;
    ``lid`` (a function of x, default 1) is the lid's speed."""
    from scipy.sparse.linalg import splu
    from skfem import Basis, BilinearForm, ElementTriP1, ElementTriP2, ElementVector, LinearForm, MeshTri, bmat, condense
    from skfem.helpers import ddot, div, dot, grad

    def times(matrix, vector):  # (matrix . vector) at every quadrature point
        return np.einsum("ij...,j...->i...", matrix, vector)

    @BilinearForm
    def viscous(u, v, w):
        return ddot(grad(u), grad(v))

    @BilinearForm
    def divergence(u, q, w):
        return -div(u) * q

    @BilinearForm
    def convection_jacobian(du, v, w):  # (du . grad) U + (U . grad) du
        return dot(times(grad(w["U"]), du), v) + dot(times(grad(du), w["U"]), v)

    @LinearForm
    def convection(v, w):  # (U . grad) U
        return dot(times(grad(w["U"]), w["U"]), v)

    s = np.linspace(0.0, 1.0, cells + 1)
    graded = 0.5 * (1.0 - np.cos(np.pi * s))
    mesh = MeshTri.init_tensor(graded, graded)
    velocity = Basis(mesh, ElementVector(ElementTriP2()), intorder=4)
    pressure = velocity.with_element(ElementTriP1())
    laplace, b = viscous.assemble(velocity), divergence.assemble(velocity, pressure)
    nu = velocity.N
    state = np.zeros(nu + pressure.N)
    where = velocity.doflocs
    x_dofs = np.concatenate([velocity.nodal_dofs[0], velocity.facet_dofs[0]])
    on_lid = x_dofs[np.isclose(where[1, x_dofs], 1.0) & (where[0, x_dofs] > 0) & (where[0, x_dofs] < 1)]
    state[on_lid] = 1.0 if lid is None else lid(where[0, on_lid])
    fixed = np.concatenate([velocity.get_dofs().all(), [nu]])  # the walls, and one pressure value
    start = time.perf_counter()
    for re in reynolds:
        a = laplace / re
        for iteration in range(30):
            u = velocity.interpolate(state[:nu])
            jacobian = bmat([[a + convection_jacobian.assemble(velocity, U=u), b.T], [b, None]], "csr")
            residual = bmat([[a, b.T], [b, None]], "csr") @ state
            residual[:nu] += convection.assemble(velocity, U=u)
            matrix, right, _, free = condense(jacobian, -residual, D=fixed, x=np.zeros_like(state))
            step = splu(matrix.tocsc()).solve(right)
            state[free] += step
            change = np.linalg.norm(step) / max(np.linalg.norm(state[free]), 1e-300)
            if not quiet:
                print(f"  Re {re:g}, {cells} cells, Newton {iteration}: step {change:.1e} "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
            if change < 1e-11:
                break
    return velocity.split(state[:nu])


def at(component, points: np.ndarray) -> np.ndarray:
    """A velocity component's values at ``points`` (``(N, 2)``)."""
    values, basis = component
    return basis.probes(np.asarray(points, dtype=np.float64).T) @ values


def extrema(flow) -> dict[str, tuple[float, float]]:
    line = np.linspace(0.0, 1.0, 4001)
    u = at(flow[0], np.column_stack([np.full_like(line, 0.5), line]))
    v = at(flow[1], np.column_stack([line, np.full_like(line, 0.5)]))
    return {"u_min": (u.min(), line[u.argmin()]), "v_max": (v.max(), line[v.argmax()]),
            "v_min": (v.min(), line[v.argmin()])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[96], help="cells per side (several: convergence)")
    parser.add_argument("--reynolds", type=int, nargs="+", default=[100, 1000], choices=[100, 1000])
    parser.add_argument("--run", help="a run folder of cavity.pinn (Re = 100) or cavity_re1000.pinn to score")
    parser.add_argument("--quiet", action="store_true", help="no Newton progress")
    parser.add_argument("--table", action="store_true",
                        help="print the converged values at Ghia's points (pinnlang/reference/cavity_converged.py)")
    args = parser.parse_args(argv)
    from pinnlang.optional import require

    require("skfem", "benchmarks/cavity_reference.py")
    result = None
    if args.run:
        import pinnlang

        result = pinnlang.Result.load(args.run)
    rows = []
    for reynolds in args.reynolds:
        ghia = ghia_centrelines(reynolds)
        for cells in args.cells:
            path = [100.0] if reynolds == 100 else [100.0, 400.0, 1000.0]
            flow = solve_cavity(cells, path, args.quiet)
            found = extrema(flow)
            converged = {name: at(flow[i], ghia.points[name]) for i, name in enumerate(("u", "v"))}
            ghia_error = {name: relative_l2_error(ghia.values[name], converged[name]) for name in converged}
            if args.table:
                for name, values in converged.items():
                    print(f"Re {reynolds}, {cells} cells, {name}:", ", ".join(f"{v:.6f}" for v in values))
            row = {"Re": reynolds, "cells": cells, **found, "ghia": ghia_error}
            if result is not None and result.problem.name == ("cavity" if reynolds == 100 else "cavity_re1000"):
                for i, name in enumerate(("u", "v")):
                    predicted = result.evaluate(np.asarray(ghia.points[name]))[:, i]
                    row[f"run {name}"] = (relative_l2_error(predicted, ghia.values[name]),
                                          relative_l2_error(predicted, converged[name]))
            rows.append(row)
    print("\n| Re | cells | u_min (y) | v_max (x) | v_min (x) | Ghia vs converged: u | v |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        extremes = [f"{row[k][0]:.6f} ({row[k][1]:.4f})" for k in ("u_min", "v_max", "v_min")]
        print(f"| {row['Re']} | {row['cells']} | " + " | ".join(extremes)
              + f" | {row['ghia']['u']:.2e} | {row['ghia']['v']:.2e} |")
    print("| 1000 | Botella & Peyret | " + " | ".join(f"{v:.7f} ({p:.4f})" for v, p in BOTELLA_PEYRET_1000.values())
          + " | | |")
    if result is not None:
        print(f"\n{args.run} (problem {result.problem.name}): relative L2 error at Ghia's points")
        print("| Re | cells | u vs Ghia | u vs converged | v vs Ghia | v vs converged |\n|---|---|---|---|---|---|")
        for row in rows:
            if "run u" in row:
                print(f"| {row['Re']} | {row['cells']} | {row['run u'][0]:.2e} | {row['run u'][1]:.2e} | "
                      f"{row['run v'][0]:.2e} | {row['run v'][1]:.2e} |")


if __name__ == "__main__":
    main()
