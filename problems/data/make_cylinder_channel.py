"""Reference solution of the Schaefer-Turek 2D-1 cylinder benchmark (``problems/cylinder_channel.pinn``).

Equations: steady incompressible Navier-Stokes, ``(u . grad) u + grad p = nu laplacian(u)``,
``div u = 0``, ``nu = 1e-3``, in the channel ``[0, 2.2] x [0, 0.41]`` minus the disk of radius 0.05
centred at ``(0.2, 0.2)``; inflow ``u = 1.2 y (0.41 - y) / 0.41^2``, ``v = 0`` on ``x = 0``; no slip on
the walls and the cylinder; the natural (do-nothing) condition ``nu du/dn - p n = 0`` on the outlet.

Method: Taylor-Hood finite elements (P2 velocity, P1 pressure) assembled by scikit-fem
(https://github.com/kinnala/scikit-fem, a maintained pure-Python FEM library that installs from
PyPI), Newton's method from the Stokes solution, sparse direct solves (SciPy). The mesh is a
Delaunay triangulation (SciPy) of rings of points around the cylinder and a lattice elsewhere,
graded by :data:`SPACING`; the cylinder is a polygon of ``CIRCLE_POINTS`` straight edges.
The drag and lift coefficients are taken from the weak residual with a test function equal to one
(in x, resp. y) on the cylinder (more accurate than a line integral of the stresses), the pressure
difference from the pressure at ``(0.15, 0.2)`` and ``(0.25, 0.2)``.

Stored: ``cylinder_channel.npz`` in POINTS form: ``x``, ``y`` (the mesh vertices, subsampled) and
``u``, ``v``, ``p`` there, float32. Running the script prints the coefficients of the stored mesh
and of a mesh with half the spacing beside the published values (the self-convergence check) and
writes the file; ``--check`` compares a fresh run with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.spatial import Delaunay

PATH = Path(__file__).with_name("cylinder_channel.npz")
NU, LENGTH, HEIGHT = 1e-3, 2.2, 0.41
CENTRE, RADIUS = np.array([0.2, 0.2]), 0.05
U_MAX = 0.3
COEFFICIENT = 2 / (0.2**2 * 0.1)  # C = 2 F / (U_mean^2 D)
PUBLISHED = {"drag": 5.57953523384, "lift": 0.010618948146, "dp": 0.11752016697}
SPACING = 0.012
"""Lattice spacing near the cylinder (it doubles downstream); the rings are finer."""
STORED_POINTS = 6000


def mesh_points(h: float) -> np.ndarray:
    """Vertices: rings around the cylinder, a lattice of spacing ``h`` (``2 h`` beyond x = 0.7),
    and the channel's sides."""
    n_circle = int(round(2 * np.pi * RADIUS / (h / 5)))
    rings, radius, step = [], RADIUS, 2 * np.pi * RADIUS / n_circle
    while radius < RADIUS + 0.06:
        count = max(int(round(2 * np.pi * radius / step)), 8)
        angle = np.arange(count) * 2 * np.pi / count + (len(rings) % 2) * np.pi / count
        rings.append(CENTRE + radius * np.column_stack([np.cos(angle), np.sin(angle)]))
        step = min(step * 1.15, h)
        radius += step
    near = np.mgrid[0:0.7 + h / 2:h, 0:HEIGHT + h / 2:h].reshape(2, -1).T
    far = np.mgrid[0.7:LENGTH + h:2 * h, 0:HEIGHT + h / 2:h].reshape(2, -1).T
    lattice = np.vstack([near, far])
    lattice = lattice[np.linalg.norm(lattice - CENTRE, axis=1) > radius + h / 2]
    lattice = lattice[(lattice[:, 0] < LENGTH - 1e-9) & (lattice[:, 1] < HEIGHT - 1e-9)]
    ys = np.linspace(0, HEIGHT, int(round(HEIGHT / h)) + 1)
    xs_near, xs_far = np.arange(0, 0.7, h), np.arange(0.7, LENGTH + 1e-9, 2 * h)
    xs = np.append(np.concatenate([xs_near, xs_far]), LENGTH)
    sides = np.vstack([np.column_stack([xs, 0 * xs]), np.column_stack([xs, 0 * xs + HEIGHT]),
                       np.column_stack([0 * ys, ys]), np.column_stack([0 * ys + LENGTH, ys])])
    points = np.vstack([*rings, lattice, sides])
    return np.unique(np.round(points, 12), axis=0)


def build_mesh(h: float):
    from skfem import MeshTri

    points = mesh_points(h)
    triangles = Delaunay(points).simplices
    centroids = points[triangles].mean(axis=1)
    triangles = triangles[np.linalg.norm(centroids - CENTRE, axis=1) > RADIUS]
    tol = 1e-9
    return MeshTri(points.T, triangles.T).with_boundaries({
        "inlet": lambda x: x[0] < tol,
        "outlet": lambda x: x[0] > LENGTH - tol,
        "walls": lambda x: (x[1] < tol) | (x[1] > HEIGHT - tol),
        "cylinder": lambda x: np.hypot(x[0] - CENTRE[0], x[1] - CENTRE[1]) < RADIUS + 1e-6,
    })


def solve(h: float) -> dict[str, object]:
    """The flow on the mesh of spacing ``h``: point values and the three published quantities."""
    from skfem import Basis, BilinearForm, ElementTriP1, ElementTriP2, ElementVector, LinearForm, asm, bmat, condense
    from skfem.helpers import ddot, div, dot, grad, mul

    mesh = build_mesh(h)
    ub = Basis(mesh, ElementVector(ElementTriP2()), intorder=4)
    pb = ub.with_element(ElementTriP1())
    n_u = ub.N

    @BilinearForm
    def viscous(u, v, w):
        return NU * ddot(grad(u), grad(v))

    @BilinearForm
    def pressure(u, q, w):
        return -div(u) * q

    @BilinearForm
    def convection_jacobian(u, v, w):
        return dot(mul(grad(u), w["z"]) + mul(grad(w["z"]), u), v)

    @LinearForm
    def momentum_residual(v, w):
        z = w["z"]
        return NU * ddot(grad(z), grad(v)) + dot(mul(grad(z), z), v) - w["p"] * div(v)

    @LinearForm
    def continuity_residual(q, w):
        return -div(w["z"]) * q

    A, B = asm(viscous, ub), asm(pressure, ub, pb)
    inflow = ub.project(lambda x: np.stack([4 * U_MAX * x[1] * (HEIGHT - x[1]) / HEIGHT**2, 0 * x[0]]))
    dirichlet = ub.get_dofs(["inlet", "walls", "cylinder"]).all()
    inlet = ub.get_dofs("inlet").all()
    state = np.zeros(n_u + pb.N)
    state[inlet] = inflow[inlet]  # zero on the walls and the cylinder
    stokes = bmat([[A, B.T], [B, None]], "csr")
    state = _solve_condensed(stokes, np.zeros_like(state), state, dirichlet, condense)

    def residual(state: np.ndarray) -> np.ndarray:
        z, p = ub.interpolate(state[:n_u]), pb.interpolate(state[n_u:])
        return np.concatenate([asm(momentum_residual, ub, z=z, p=p), asm(continuity_residual, pb, z=z)])

    for _ in range(20):
        jacobian = bmat([[A + asm(convection_jacobian, ub, z=ub.interpolate(state[:n_u])), B.T], [B, None]], "csr")
        r = residual(state)
        update = _solve_condensed(jacobian, -r, np.zeros_like(state), dirichlet, condense)
        state = state + update
        if np.linalg.norm(update) < 1e-10 * np.linalg.norm(state):
            break
    r = residual(state)
    forces = {}
    for name, component in (("drag", "u^1"), ("lift", "u^2")):
        test = np.zeros(n_u + pb.N)
        test[ub.get_dofs("cylinder").all(component)] = 1.0
        forces[name] = -COEFFICIENT * float(r @ test)
    probe = pb.probes(np.array([[0.15, 0.25], [0.2, 0.2]])) @ state[n_u:]
    forces["dp"] = float(probe[0] - probe[1])
    velocity = state[:n_u]
    vertices = mesh.p
    u_vertex = velocity[ub.nodal_dofs[0]]
    v_vertex = velocity[ub.nodal_dofs[1]]
    return {"x": vertices[0], "y": vertices[1], "u": u_vertex, "v": v_vertex, "p": state[n_u:],
            "quantities": forces, "elements": mesh.t.shape[1], "unknowns": len(state)}


def _solve_condensed(matrix, rhs, x, dirichlet, condense):
    """Solve ``matrix @ result = rhs`` with ``result = x`` on the Dirichlet dofs."""
    from skfem import solve as fem_solve

    return fem_solve(*condense(matrix, rhs, x=x, D=dirichlet))


def stored_arrays(run: dict[str, object]) -> dict[str, np.ndarray]:
    """The arrays of the NPZ file: every ``k``-th vertex, about :data:`STORED_POINTS` of them."""
    every = max(1, len(run["x"]) // STORED_POINTS)
    return {name: np.asarray(run[name])[::every] for name in ("x", "y", "u", "v", "p")}


def report(label: str, run: dict[str, object]) -> None:
    values = ", ".join(f"{name} {value:.6f} ({(value - PUBLISHED[name]) / PUBLISHED[name]:+.2e})"
                       for name, value in run["quantities"].items())
    print(f"{label}: {run['elements']} triangles, {run['unknowns']} unknowns: {values}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh run with the stored file")
    args = parser.parse_args(argv)
    run = solve(SPACING)
    report(f"spacing {SPACING}", run)
    arrays = stored_arrays(run)
    if args.check:
        with np.load(PATH) as stored:
            worst = max(float(np.abs(stored[k] - arrays[k].astype(np.float32)).max()) for k in arrays)
        print(f"largest difference to {PATH.name}: {worst:.1e}")
        return 0 if worst < 1e-5 else 1
    report(f"spacing {SPACING / 2} (self-convergence check)", solve(SPACING / 2))
    np.savez(PATH, **{k: v.astype(np.float32) for k, v in arrays.items()})
    print(f"wrote {PATH} ({PATH.stat().st_size / 1e3:.0f} kB, {len(arrays['x'])} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
