"""Reference solution of the complex Ginzburg-Landau problem (``problems/ginzburg_landau.pinn``).

Equation: ``A_t = A + (1 + i alpha) D A_xx - (1 + i beta) |A|^2 A`` for a complex amplitude
``A = u + i v`` on ``x in [-1, 1]`` periodic, ``t in [0, 2]``, with ``D = 0.01``,
``alpha = 0.5``, ``beta = -1`` (Aranson & Kramer, Rev. Mod. Phys. 74, 2002, eq. (1)), and
``A(x, 0) = 0.1 + 0.9 exp((-10 + i pi) (1 - cos(pi x)) / 2)``: a bump of amplitude one with a
chirped phase over a small background, periodic with all derivatives.

Why these: ``1 + alpha beta = 0.5 > 0``, so plane waves are Benjamin-Feir stable and nothing is
chaotic; the state ``A = 0.1`` is unstable and is invaded from the bump by two fronts (speed about
``2 sqrt(D (1 + alpha^2))``) behind which the phase winds at the frequency ``beta |A|^2``: a few
pattern features (two fronts, a rotating plateau, phase waves) in a short time window, smooth
enough for a network of a few thousand parameters to have a fair chance.

Method: Fourier pseudo-spectral in ``x`` with 256 modes, ETDRK4 in time with ``dt = 2.5e-4``
(Kassam & Trefethen 2005, contour-integral coefficients; ``pinnlang.reference.etdrk4``), the
linear part ``A + (1 + i alpha) D A_xx`` integrated exactly.

Stored: ``ginzburg_landau.npz`` with the axes ``x`` (257 points, ``-1 + 2 j / 256``, the
periodic end ``x = 1`` included) and ``t`` (101 points, step 0.02) and the fields ``u = Re A``
and ``v = Im A``, each ``(257, 101)``, float32. Run the script to print the self-convergence
check (the difference to a run at half the step and to one with twice the modes) and rewrite the
file; ``--check`` compares a fresh run with the stored file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grid_reference import Resolution, main, run_periodic  # noqa: E402

PATH = Path(__file__).with_name("ginzburg_landau.npz")
D, ALPHA, BETA = 0.01, 0.5, -1.0
STORED = Resolution(modes=256, dt=2.5e-4)


def setup(x: np.ndarray, k: np.ndarray):
    """``A(x, 0)``, ``L = 1 - (1 + i alpha) D k^2`` and ``N(A) = -(1 + i beta) |A|^2 A``."""

    def nonlinear(w: np.ndarray) -> np.ndarray:
        a = np.fft.ifft(w)
        return np.fft.fft(-(1 + 1j * BETA) * np.abs(a) ** 2 * a)

    initial = 0.1 + 0.9 * np.exp((-10 + 1j * np.pi) * (1 - np.cos(np.pi * x)) / 2)
    return initial, 1 - (1 + 1j * ALPHA) * D * k**2, nonlinear


def solve(resolution: Resolution) -> dict[str, np.ndarray]:
    """``{"x", "t", "u", "v"}`` on the stored grid from a run at ``resolution``."""
    x, t, amplitude = run_periodic(resolution, setup, interval=(-1.0, 1.0), end_time=2.0,
                                   outputs=100, stored_points=256)
    return {"x": x, "t": t, "u": amplitude.real, "v": amplitude.imag}


if __name__ == "__main__":
    sys.exit(main(None, doc=__doc__, path=PATH, solve=solve, stored=STORED, axes=("x", "t")))
