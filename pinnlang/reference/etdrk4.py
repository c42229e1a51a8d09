"""Fourier pseudo-spectral time stepping with ETDRK4, for periodic reference solutions.

A semilinear evolution equation ``w_t = L w + N(w)`` on a periodic interval, written for the
Fourier coefficients ``w`` of the solution, is integrated with the fourth-order exponential time
differencing Runge-Kutta scheme of Cox & Matthews (J. Comput. Phys. 176, 2002) in the form of
Kassam & Trefethen, "Fourth-order time-stepping for stiff PDEs", SIAM J. Sci. Comput. 26 (2005):
the stiff linear part ``L`` (diagonal in Fourier space) is integrated exactly, and the functions
of ``dt * L`` that weight the nonlinear stages are evaluated by a mean over a circle of ``M``
points in the complex plane around each ``dt * L_k`` (the contour-integral trick), which avoids
the cancellation error of the plain formulas for small ``|dt * L_k|``.

The scripts ``problems/data/make_*.py`` use this to write the reference grids of the sharp
Allen-Cahn, Korteweg-de Vries and Ginzburg-Landau problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Nonlinear = Callable[[np.ndarray], np.ndarray]
"""Maps Fourier coefficients ``w`` to the Fourier coefficients of the nonlinear term ``N(w)``."""


def periodic_grid(modes: int, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points and angular wavenumbers of ``modes`` Fourier modes on ``[lower, upper)``.

    Returns:
        ``(x, k)``: ``x_j = lower + j (upper - lower) / modes`` and ``k`` in ``np.fft.fft`` order,
        ``k = 2 pi m / (upper - lower)`` for the integer frequencies ``m``.
    """
    length = upper - lower
    x = lower + length * np.arange(modes) / modes
    k = 2 * np.pi / length * np.fft.fftfreq(modes, d=1.0 / modes)
    return x, k


def odd_derivative_wavenumbers(k: np.ndarray) -> np.ndarray:
    """``k`` with the Nyquist mode set to zero (for odd derivatives of a real function)."""
    k = k.copy()
    if len(k) % 2 == 0:
        k[len(k) // 2] = 0.0
    return k


@dataclass(frozen=True)
class ETDRK4:
    """The ETDRK4 coefficients of a diagonal linear part ``L`` for one step size ``dt``.

    Attributes:
        dt: the step size.
        E, E2: ``exp(dt L)`` and ``exp(dt L / 2)``.
        Q, f1, f2, f3: the stage weights of Kassam & Trefethen (2005), eq. (2.5) and their
            ``Q``, each computed by a contour mean.
    """

    dt: float
    E: np.ndarray
    E2: np.ndarray
    Q: np.ndarray
    f1: np.ndarray
    f2: np.ndarray
    f3: np.ndarray

    @classmethod
    def build(cls, linear: np.ndarray, dt: float, contour_points: int = 64) -> "ETDRK4":
        """Coefficients for ``w_t = linear * w + N(w)`` with step ``dt``.

        Args:
            linear: the diagonal of ``L`` (real or complex), one entry per Fourier mode.
            dt: the step size.
            contour_points: points ``M`` on the circle of radius 1 around each ``dt L_k``. The
                whole circle is used (Kassam & Trefethen take the upper half and the real part,
                which is right only for a real ``L``; the dispersive and complex equations here
                have an imaginary or complex one).
        """
        linear = np.asarray(linear, dtype=np.complex128)
        lr = dt * linear
        roots = np.exp(2j * np.pi * (np.arange(1, contour_points + 1) - 0.5) / contour_points)
        z = lr[..., None] + roots
        ez = np.exp(z)

        def mean(values: np.ndarray) -> np.ndarray:
            return dt * values.mean(axis=-1)

        return cls(
            dt=dt,
            E=np.exp(lr),
            E2=np.exp(lr / 2),
            Q=mean((np.exp(z / 2) - 1) / z),
            f1=mean((-4 - z + ez * (4 - 3 * z + z**2)) / z**3),
            f2=mean((2 + z + ez * (z - 2)) / z**3),
            f3=mean((-4 - 3 * z - z**2 + ez * (4 - z)) / z**3),
        )

    def step(self, w: np.ndarray, nonlinear: Nonlinear) -> np.ndarray:
        """One ETDRK4 step from the coefficients ``w``."""
        nw = nonlinear(w)
        a = self.E2 * w + self.Q * nw
        na = nonlinear(a)
        b = self.E2 * w + self.Q * na
        nb = nonlinear(b)
        c = self.E2 * a + self.Q * (2 * nb - nw)
        nc = nonlinear(c)
        return self.E * w + nw * self.f1 + 2 * (na + nb) * self.f2 + nc * self.f3


def integrate(
    w0: np.ndarray,
    linear: np.ndarray,
    nonlinear: Nonlinear,
    dt: float,
    steps_per_output: int,
    outputs: int,
) -> np.ndarray:
    """Integrate ``w_t = L w + N(w)`` and return the coefficients at ``outputs + 1`` times.

    Args:
        w0: the Fourier coefficients at the initial time.
        linear: the diagonal of ``L``.
        nonlinear: ``N`` on Fourier coefficients.
        dt: the step size.
        steps_per_output: steps between two stored times (the output interval is their product).
        outputs: the number of intervals; the initial state is stored first.

    Returns:
        An array ``(outputs + 1, *w0.shape)`` of coefficients at ``t = i * steps_per_output * dt``.

    Raises:
        FloatingPointError: if the solution stops being finite.
    """
    scheme = ETDRK4.build(linear, dt)
    w = np.asarray(w0, dtype=np.complex128)
    history = [w]
    for _ in range(outputs):
        for _ in range(steps_per_output):
            w = scheme.step(w, nonlinear)
        if not np.isfinite(w).all():
            raise FloatingPointError(f"the solution blew up before t = {len(history) * steps_per_output * dt:g}")
        history.append(w)
    return np.stack(history)


def resample(coefficients: np.ndarray, points: int) -> np.ndarray:
    """Values on ``points`` equispaced grid points of the trigonometric interpolant.

    Args:
        coefficients: ``np.fft.fft`` coefficients along the last axis (any number of modes).
        points: the number of grid points wanted (more or fewer than the modes).

    Returns:
        Complex values ``(..., points)`` at ``lower + j (upper - lower) / points``. When
        ``points`` divides the number of modes these are the run's own grid values, taken every
        ``modes / points`` points; otherwise the modes the two grids share are kept and the
        others dropped or set to zero (the Nyquist mode of the smaller grid is dropped, which is
        harmless for a resolved solution).
    """
    modes = coefficients.shape[-1]
    if modes >= points and modes % points == 0:
        return np.fft.ifft(coefficients, axis=-1)[..., :: modes // points]
    keep = (min(modes, points) - 1) // 2
    padded = np.zeros((*coefficients.shape[:-1], points), dtype=np.complex128)
    padded[..., : keep + 1] = coefficients[..., : keep + 1]
    padded[..., points - keep:] = coefficients[..., modes - keep:]
    return np.fft.ifft(padded, axis=-1) * (points / modes)
