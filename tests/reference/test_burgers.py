"""The Cole–Hopf reference for viscous Burgers: initial data, boundaries, symmetry, convergence,
the published maximum slope, and agreement with an independent finite-difference solution."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.reference import burgers_cole_hopf, problems_with_reference, reference_solution

NU = 0.01 / np.pi


def _finite_difference_burgers(t_end: float, n_cells: int = 800, nu: float = NU) -> tuple[np.ndarray, np.ndarray]:
    """Burgers by central differences in conservative form and classical RK4 in time."""
    x = np.linspace(-1.0, 1.0, n_cells + 1)
    dx = x[1] - x[0]
    u = -np.sin(np.pi * x)

    def rate(v: np.ndarray) -> np.ndarray:
        out = np.zeros_like(v)
        flux = 0.5 * v * v
        out[1:-1] = -(flux[2:] - flux[:-2]) / (2 * dx) + nu * (v[2:] - 2 * v[1:-1] + v[:-2]) / dx**2
        return out  # the boundary values stay 0

    n_steps = int(np.ceil(t_end / 5e-4))
    dt = t_end / n_steps
    for _ in range(n_steps):
        k1 = rate(u)
        k2 = rate(u + 0.5 * dt * k1)
        k3 = rate(u + 0.5 * dt * k2)
        k4 = rate(u + dt * k3)
        u = u + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x, u


def test_initial_data_are_returned_exactly():
    x = np.linspace(-1, 1, 101)
    np.testing.assert_array_equal(burgers_cole_hopf(x, 0.0), -np.sin(np.pi * x))


@pytest.mark.parametrize("t", [1e-4, 0.05, 0.3, 1 / np.pi, 0.7, 1.0])
def test_vanishes_at_both_ends(t):
    np.testing.assert_allclose(burgers_cole_hopf(np.array([-1.0, 1.0]), t), 0.0, atol=1e-12)


def test_odd_in_x():
    x = np.linspace(0, 1, 57)
    for t in (0.02, 0.4, 0.9):
        np.testing.assert_allclose(burgers_cole_hopf(-x, t), -burgers_cole_hopf(x, t), atol=1e-12)


def test_broadcasts_like_numpy():
    x = np.linspace(-1, 1, 5)[:, None]
    t = np.array([0.0, 0.5, 1.0])[None, :]
    u = burgers_cole_hopf(x, t)
    assert u.shape == (5, 3)
    np.testing.assert_allclose(u[:, 0], -np.sin(np.pi * x[:, 0]))
    np.testing.assert_allclose(u[2, 1], burgers_cole_hopf(0.0, 0.5))


def test_converged_in_the_number_of_nodes():
    x, t = np.meshgrid(np.linspace(-1, 1, 201), np.linspace(0.01, 1.0, 25))
    coarse = burgers_cole_hopf(x, t, n_nodes=100)
    fine = burgers_cole_hopf(x, t, n_nodes=200)
    assert np.max(np.abs(coarse - fine)) < 1e-6


def test_maximum_slope_matches_the_published_value():
    # Basdevant et al., Computers & Fluids 14 (1986): max |u_x| = 152.00516 at x = 0, t = 1.6037/pi.
    h = 1e-7
    t = 1.6037 / np.pi
    slope = (burgers_cole_hopf(h, t) - burgers_cole_hopf(-h, t)) / (2 * h)
    assert slope == pytest.approx(-152.00516, abs=2e-4)
    later = (burgers_cole_hopf(h, t + 0.01) - burgers_cole_hopf(-h, t + 0.01)) / (2 * h)
    earlier = (burgers_cole_hopf(h, t - 0.01) - burgers_cole_hopf(-h, t - 0.01)) / (2 * h)
    assert abs(later) < abs(slope) and abs(earlier) < abs(slope)


def test_agrees_with_finite_differences_before_the_shock():
    errors = []
    for n_cells in (400, 800):
        x, u_fd = _finite_difference_burgers(0.25, n_cells)
        u_exact = burgers_cole_hopf(x, 0.25)
        assert np.max(np.abs(u_exact)) > 0.5  # a non-trivial comparison
        errors.append(np.max(np.abs(u_fd - u_exact)))
    assert errors[1] < 4e-4
    # The scheme is second order: halving the cell size divides the gap by about four.
    assert errors[0] / errors[1] > 3.0


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="t >= 0"):
        burgers_cole_hopf(0.0, -0.1)
    with pytest.raises(ValueError, match="viscosity"):
        burgers_cole_hopf(0.0, 0.1, nu=0.0)
    with pytest.raises(ValueError, match="underflow"):
        burgers_cole_hopf(0.0, 0.1, n_nodes=500)
    assert np.isfinite(burgers_cole_hopf(0.5, 0.5, n_nodes=360))
    with pytest.raises(ValueError, match="between 2 and"):
        burgers_cole_hopf(0.0, 0.1, n_nodes=1)


def test_registry_serves_burgers_on_point_arrays():
    assert "burgers" in problems_with_reference()
    reference = reference_solution("burgers")
    assert reference is not None
    points = np.array([[0.5, 0.0], [-0.3, 0.4], [1.0, 0.8]])
    values = reference(points)
    assert values.shape == (3, 1)
    np.testing.assert_allclose(values[:, 0], burgers_cole_hopf(points[:, 0], points[:, 1]))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        reference(np.zeros((4, 3)))


def test_registry_has_nothing_for_unknown_problems():
    assert reference_solution("no_such_problem") is None
