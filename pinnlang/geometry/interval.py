"""The 1-D interval ``[lower, upper]``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pinnlang.geometry._support import allocate, as_finite_float, as_points, check_count
from pinnlang.geometry.base import DEFAULT_TOL, Region
from pinnlang.geometry.quadrature import QuadratureRule, box_faces_rule, tensor_gauss
from pinnlang.geometry.samplers import sample_unit


@dataclass(frozen=True)
class Interval(Region):
    """The closed interval ``[lower, upper]``; its boundary is the two end points.

    Raises:
        ValueError: ``lower >= upper`` or a non-finite bound.
    """

    lower: float
    upper: float

    def __post_init__(self) -> None:
        lower = as_finite_float(self.lower, "interval lower bound")
        upper = as_finite_float(self.upper, "interval upper bound")
        if not lower < upper:
            raise ValueError(f"interval is empty: need lower < upper, got [{lower}, {upper}]")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return 1

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([self.lower]), np.array([self.upper])

    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        x = as_points(points, 1)[:, 0]
        return (x >= self.lower - tol) & (x <= self.upper + tol)

    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        x = as_points(points, 1)[:, 0]
        return (np.abs(x - self.lower) <= tol) | (np.abs(x - self.upper) <= tol)

    def measure(self) -> float:
        return self.upper - self.lower

    def boundary_measure(self) -> float:
        """The boundary is two points: its (counting) measure is 2."""
        return 2.0

    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        n = check_count(n, sampler)
        return self.lower + (self.upper - self.lower) * sample_unit(n, 1, rng, sampler)

    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        """End points with normals ``-1`` (lower) and ``+1`` (upper), half of ``n`` at each.

        ``uniform`` picks each end with probability 1/2; the other samplers split ``n`` evenly
        (the extra point of an odd ``n`` goes to the lower end).
        """
        n = check_count(n, sampler)
        n_lower, n_upper = allocate(n, np.array([1.0, 1.0]), rng, sampler)
        points = np.concatenate([np.full(n_lower, self.lower), np.full(n_upper, self.upper)])
        normals = np.concatenate([np.full(n_lower, -1.0), np.full(n_upper, 1.0)])
        return points[:, None], normals[:, None]

    def interior_rule(self, n: int = 64) -> QuadratureRule:
        return tensor_gauss(*self.bbox(), n)

    def boundary_rule(self, n: int = 256) -> QuadratureRule:
        return box_faces_rule(*self.bbox(), n)

    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """``-1`` nearer the lower end, ``+1`` nearer the upper end."""
        x = as_points(points, 1)[:, 0]
        nearer_upper = np.abs(x - self.upper) < np.abs(x - self.lower)
        return np.where(nearer_upper, 1.0, -1.0)[:, None]
