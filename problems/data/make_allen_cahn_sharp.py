"""Reference solution of the sharp-interface Allen-Cahn problem (``problems/allen_cahn_sharp.pinn``).

Equation: ``u_t = 1e-4 u_xx - 5 u^3 + 5 u`` on ``x in [-1, 1]`` periodic, ``t in [0, 1]``,
``u(x, 0) = x^2 cos(pi x)`` -- the data set of Raissi, Perdikaris & Karniadakis (J. Comput. Phys.
378, 2019), also used by PirateNets (Wang et al. 2024).

Method: Fourier pseudo-spectral in ``x`` with 1024 modes, ETDRK4 in time with ``dt = 1e-4``
(Kassam & Trefethen 2005, contour-integral coefficients; ``pinnlang.reference.etdrk4``), the
linear part ``1e-4 u_xx + 5 u`` integrated exactly.

Stored: ``allen_cahn_sharp.npz`` with the axes ``x`` (513 points, ``-1 + 2 j / 512``, the periodic
end ``x = 1`` included) and ``t`` (201 points, step 0.005) and the field ``u`` of shape
``(513, 201)``, float32: every second point of the run's grid. Run the script to print the self-convergence check (the difference to a
run at half the step and to one with twice the modes) and rewrite the file; ``--check`` compares
a fresh run with the stored file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grid_reference import Resolution, main, run_periodic  # noqa: E402

PATH = Path(__file__).with_name("allen_cahn_sharp.npz")
DIFFUSION = 1e-4
REACTION = 5.0
STORED = Resolution(modes=1024, dt=1e-4)


def setup(x: np.ndarray, k: np.ndarray):
    """Initial values, ``L = 5 - 1e-4 k^2`` and ``N(u) = -5 u^3`` (in Fourier space)."""

    def nonlinear(w: np.ndarray) -> np.ndarray:
        return np.fft.fft(-REACTION * np.real(np.fft.ifft(w)) ** 3)

    return x**2 * np.cos(np.pi * x), REACTION - DIFFUSION * k**2, nonlinear


def solve(resolution: Resolution) -> dict[str, np.ndarray]:
    """``{"x", "t", "u"}`` on the stored grid from a run at ``resolution``."""
    x, t, u = run_periodic(resolution, setup, interval=(-1.0, 1.0), end_time=1.0, outputs=200,
                           stored_points=512)
    return {"x": x, "t": t, "u": u.real}


if __name__ == "__main__":
    sys.exit(main(None, doc=__doc__, path=PATH, solve=solve, stored=STORED, axes=("x", "t")))
