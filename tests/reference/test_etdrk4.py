"""The ETDRK4 integrator of the spectral reference solutions (pinnlang.reference.etdrk4)."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.reference.etdrk4 import ETDRK4, integrate, odd_derivative_wavenumbers, periodic_grid, resample


def test_grid_and_wavenumbers_of_a_periodic_interval():
    x, k = periodic_grid(8, -1.0, 1.0)
    np.testing.assert_allclose(x, -1 + np.arange(8) / 4)
    np.testing.assert_allclose(k, np.pi * np.array([0, 1, 2, 3, -4, -3, -2, -1]))
    assert odd_derivative_wavenumbers(k)[4] == 0 and k[4] == -4 * np.pi


def test_a_linear_problem_is_integrated_exactly():
    # u_t = 0.1 u_xx: each mode decays as exp(-0.1 k^2 t), whatever the step.
    x, k = periodic_grid(32, 0.0, 2 * np.pi)
    u0 = np.sin(x) + 0.5 * np.cos(3 * x)
    history = integrate(np.fft.fft(u0), -0.1 * k**2, np.zeros_like, 0.25, 4, 2)
    exact = np.exp(-0.1) * np.sin(x) + 0.5 * np.exp(-0.9) * np.cos(3 * x)
    np.testing.assert_allclose(np.fft.ifft(history[1]).real, exact, atol=1e-13)


def _logistic_error(dt: float) -> float:
    # w' = w - w^2 (L = 1, N = -w^2), w(0) = 0.1: w(t) = 1 / (1 + 9 exp(-t)).
    history = integrate(np.array([0.1]), np.array([1.0]), lambda w: -(w**2), dt, round(2 / dt), 1)
    return abs(history[-1, 0].real - 1 / (1 + 9 * np.exp(-2.0)))


def test_fourth_order_convergence_on_a_nonlinear_equation():
    errors = [_logistic_error(dt) for dt in (0.2, 0.1, 0.05)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 3.7), (errors, orders)


def test_contour_coefficients_match_the_plain_formulas_where_those_are_accurate():
    # For |dt L| of order one, the plain formula of Q = dt (exp(dt L / 2) - 1) / (dt L) is exact
    # to rounding; the contour mean must agree with it.
    linear, dt = np.array([-3.0, -1.0, 2.0, 1j]), 0.5
    scheme = ETDRK4.build(linear, dt)
    z = dt * linear
    np.testing.assert_allclose(scheme.Q, dt * (np.exp(z / 2) - 1) / z, rtol=1e-12)
    np.testing.assert_allclose(scheme.f1, dt * (-4 - z + np.exp(z) * (4 - 3 * z + z**2)) / z**3, rtol=1e-10)


def test_resampling_keeps_the_grid_values_and_interpolates_trigonometric_polynomials():
    x, _ = periodic_grid(16, 0.0, 2 * np.pi)
    coefficients = np.fft.fft(np.cos(2 * x) + np.sin(x))
    np.testing.assert_allclose(resample(coefficients, 8).real, (np.cos(2 * x) + np.sin(x))[::2], atol=1e-14)
    fine, _ = periodic_grid(40, 0.0, 2 * np.pi)
    np.testing.assert_allclose(resample(coefficients, 40).real, np.cos(2 * fine) + np.sin(fine), atol=1e-13)


def test_a_blow_up_is_reported():
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="blew up"):
        integrate(np.array([1.0]), np.array([0.0]), lambda w: w**3, 0.5, 4, 3)
