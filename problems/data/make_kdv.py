"""Reference solution of the Korteweg-de Vries problem (``problems/kdv.pinn``).

Equation: ``u_t + u u_x + 0.022^2 u_xxx = 0`` on ``x in [-1, 1]`` periodic, ``t in [0, 1]``,
``u(x, 0) = cos(pi x)`` -- Zabusky & Kruskal (Phys. Rev. Lett. 15, 1965), the cosine that breaks
into a train of solitons; the data set of Raissi et al. (2019) and PirateNets (Wang et al. 2024).

Method: Fourier pseudo-spectral in ``x`` with 512 modes, ETDRK4 in time with ``dt = 1e-4``
(Kassam & Trefethen 2005, contour-integral coefficients; ``pinnlang.reference.etdrk4``): the
dispersive term is integrated exactly, ``u u_x`` is evaluated as ``(u^2 / 2)_x`` on the grid.
KdV conserves the mass ``int u dx`` and the momentum ``int u^2 dx``; :func:`invariants` measures
them and the script prints their drift.

Stored: ``kdv.npz`` with the axes ``x`` (513 points, ``-1 + 2 j / 512``, the periodic end
``x = 1`` included) and ``t`` (201 points, step 0.005) and the field ``u`` of shape
``(513, 201)``, float32. Run the script to print the self-convergence check (the difference to a
run at half the step and to one with twice the modes) and rewrite the file; ``--check`` compares
a fresh run with the stored file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grid_reference import Resolution, main, run_periodic  # noqa: E402

from pinnlang.reference.etdrk4 import odd_derivative_wavenumbers  # noqa: E402

PATH = Path(__file__).with_name("kdv.npz")
DISPERSION = 0.022**2
LENGTH = 2.0
STORED = Resolution(modes=512, dt=1e-4)


def setup(x: np.ndarray, k: np.ndarray):
    """Initial values, ``L = i 0.022^2 k^3`` (``-0.022^2 (i k)^3``) and ``N(u) = -(u^2 / 2)_x``."""
    k = odd_derivative_wavenumbers(k)

    def nonlinear(w: np.ndarray) -> np.ndarray:
        return -0.5j * k * np.fft.fft(np.real(np.fft.ifft(w)) ** 2)

    return np.cos(np.pi * x), 1j * DISPERSION * k**3, nonlinear


def solve(resolution: Resolution) -> dict[str, np.ndarray]:
    """``{"x", "t", "u"}`` on the stored grid from a run at ``resolution``."""
    x, t, u = run_periodic(resolution, setup, interval=(-1.0, 1.0), end_time=1.0, outputs=200,
                           stored_points=512)
    return {"x": x, "t": t, "u": u.real}


def invariants(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mass ``int u dx`` and momentum ``int u^2 dx`` at each stored time, by the trapezoidal rule
    on the periodic grid (spectrally accurate): ``u`` as stored, ``(513, times)``."""
    dx = LENGTH / (u.shape[0] - 1)
    periodic = np.asarray(u[:-1], dtype=np.float64)
    return periodic.sum(axis=0) * dx, (periodic**2).sum(axis=0) * dx


if __name__ == "__main__":
    if "--check" not in sys.argv:
        mass, momentum = invariants(solve(STORED)["u"])
        print(f"drift over t in [0, 1]: mass {np.ptp(mass):.1e} (of {mass[0]:.3g}), "
              f"momentum {np.ptp(momentum) / momentum[0]:.1e} relative")
    sys.exit(main(None, doc=__doc__, path=PATH, solve=solve, stored=STORED, axes=("x", "t")))
