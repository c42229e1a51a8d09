"""Point sets on the unit cube ``[0, 1)^dim``, the raw material of every region sampler.

Four samplers, all driven by a caller-seeded :class:`numpy.random.Generator` so that the same
seed always gives the same points:

- ``uniform``: independent uniform points.
- ``lhs``: a Latin hypercube: along every axis each of the ``n`` strata ``[i/n, (i+1)/n)``
  holds exactly one point.
- ``sobol``: a scrambled Sobol sequence (scrambling seeded from ``rng``). scipy's Sobol
  generator keeps its balance properties only for power-of-two counts, so we draw the next
  power of two with ``random_base2`` and keep the first ``n`` points, a prefix of the same
  sequence; no balance warning is raised.
- ``grid``: a regular grid of cell centres, ``m = ceil(n ** (1 / dim))`` per axis. When
  ``m ** dim == n`` that is the whole grid, in lexicographic order and independent of
  ``rng``; otherwise ``n`` of the ``m ** dim`` grid points are chosen at random (without
  replacement, by ``rng``) and returned in lexicographic order, so every point still lies on
  the regular grid and no side of the cube is favoured.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

SAMPLERS: tuple[str, ...] = ("uniform", "lhs", "sobol", "grid")



def check_sampler(sampler: str) -> str:
    """Return ``sampler`` if it names a known sampler, else raise ``ValueError``.

    Args:
        sampler: A sampler name.

    Raises:
        ValueError: The name is not one of :data:`SAMPLERS`.
    """
    if sampler not in SAMPLERS:
        valid = ", ".join(SAMPLERS)
        raise ValueError(f"unknown sampler {sampler!r}; expected one of: {valid}")
    return sampler


def sample_unit(
    n: int, dim: int, rng: np.random.Generator, sampler: str = "uniform"
) -> np.ndarray:
    """``n`` points in ``[0, 1)^dim`` drawn with the named sampler.

    Args:
        n: Number of points (``0`` gives an empty ``(0, dim)`` array).
        dim: Dimension of the cube (``0`` gives an ``(n, 0)`` array).
        rng: Source of randomness; the same seed gives the same points.
        sampler: One of :data:`SAMPLERS`.

    Returns:
        A float64 array of shape ``(n, dim)``.

    Raises:
        ValueError: Unknown sampler, or negative ``n``/``dim``.
    """
    check_sampler(sampler)
    n, dim = int(n), int(dim)
    if n < 0 or dim < 0:
        raise ValueError(f"need n >= 0 and dim >= 0, got n={n}, dim={dim}")
    if n == 0 or dim == 0:
        return np.zeros((n, dim), dtype=np.float64)
    if sampler == "uniform":
        return rng.random((n, dim))
    if sampler == "lhs":
        return _latin_hypercube(n, dim, rng)
    if sampler == "sobol":
        return _scrambled_sobol(n, dim, rng)
    return _regular_grid(n, dim, rng)


def _latin_hypercube(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    strata = np.argsort(rng.random((n, dim)), axis=0)
    return (strata + rng.random((n, dim))) / n


def _scrambled_sobol(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.stats import qmc  # imported here: scipy.stats is slow to import

    seed = int(rng.integers(0, 2**63 - 1))
    if "rng" in inspect.signature(qmc.Sobol.__init__).parameters:
        engine = qmc.Sobol(dim, scramble=True, rng=np.random.default_rng(seed))
    else:  # scipy < 1.15 names the argument ``seed``
        engine = qmc.Sobol(dim, scramble=True, seed=np.random.default_rng(seed))
    power = max(0, math.ceil(math.log2(n)))
    return engine.random_base2(power)[:n].astype(np.float64)


def grid_side(n: int, dim: int) -> int:
    """Points per axis of the grid sampler: the smallest ``m`` with ``m ** dim >= n``."""
    side = max(1, round(n ** (1.0 / dim)))
    while side**dim < n:
        side += 1
    while side > 1 and (side - 1) ** dim >= n:
        side -= 1
    return side


def _regular_grid(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    side = grid_side(n, dim)
    total = side**dim
    if total == n:
        flat = np.arange(n)
    else:
        flat = np.sort(rng.choice(total, size=n, replace=False))
    index = np.stack(np.unravel_index(flat, (side,) * dim), axis=1)
    return (index + 0.5) / side
