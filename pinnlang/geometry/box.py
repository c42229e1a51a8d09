"""Axis-aligned boxes in any dimension: ``Box``; factories ``Rectangle`` and ``box_from_ranges``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from pinnlang.geometry._support import (
    allocate,
    as_float_tuple,
    as_points,
    check_count,
)
from pinnlang.geometry.base import DEFAULT_TOL, Region
from pinnlang.geometry.quadrature import QuadratureRule, box_faces_rule, tensor_gauss
from pinnlang.geometry.samplers import sample_unit


@dataclass(frozen=True)
class Box(Region):
    """The box ``[lower_1, upper_1] x ... x [lower_d, upper_d]``.

    Args:
        lower: Lower corner, one number per axis.
        upper: Upper corner; every ``upper_i`` must exceed ``lower_i``.

    Raises:
        ValueError: Empty or mismatched corners, or a side of zero or negative length.
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]

    def __post_init__(self) -> None:
        lower = as_float_tuple(self.lower, "box lower corner")
        upper = as_float_tuple(self.upper, "box upper corner")
        if not lower or len(lower) != len(upper):
            raise ValueError(
                f"box corners must have the same, non-zero length; got {lower} and {upper}"
            )
        for axis, (a, b) in enumerate(zip(lower, upper)):
            if not a < b:
                raise ValueError(f"box side {axis} is empty: need lower < upper, got [{a}, {b}]")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return len(self.lower)

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.lower), np.array(self.upper)

    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, self.dim)
        lower, upper = self.bbox()
        return np.all((points >= lower - tol) & (points <= upper + tol), axis=1)

    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, self.dim)
        lower, upper = self.bbox()
        gap = np.minimum(np.abs(points - lower), np.abs(points - upper)).min(axis=1)
        return self.contains(points, tol) & (gap <= tol)

    def measure(self) -> float:
        return float(np.prod(np.subtract(self.upper, self.lower)))

    def boundary_measure(self) -> float:
        return float(self._face_measures().sum())

    def _face_measures(self) -> np.ndarray:
        """Measure of each face, ordered (axis 0 low, axis 0 high, axis 1 low, ...)."""
        width = np.subtract(self.upper, self.lower)
        per_axis = np.array([np.prod(np.delete(width, axis)) for axis in range(self.dim)])
        return np.repeat(per_axis, 2)

    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        n = check_count(n, sampler)
        lower, upper = self.bbox()
        return lower + (upper - lower) * sample_unit(n, self.dim, rng, sampler)

    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points on the faces, each face getting a share of ``n`` proportional to its area."""
        n = check_count(n, sampler)
        lower, upper = self.bbox()
        counts = allocate(n, self._face_measures(), rng, sampler)
        points, normals = [], []
        for face, count in enumerate(counts):
            if count == 0:
                continue
            axis, side = divmod(face, 2)
            others = [a for a in range(self.dim) if a != axis]
            block = np.empty((count, self.dim))
            unit = sample_unit(count, self.dim - 1, rng, sampler)
            block[:, others] = lower[others] + (upper[others] - lower[others]) * unit
            block[:, axis] = upper[axis] if side else lower[axis]
            normal = np.zeros((count, self.dim))
            normal[:, axis] = 1.0 if side else -1.0
            points.append(block)
            normals.append(normal)
        if not points:
            return np.zeros((0, self.dim)), np.zeros((0, self.dim))
        return np.concatenate(points), np.concatenate(normals)

    def interior_rule(self, n: int = 64) -> QuadratureRule:
        return tensor_gauss(*self.bbox(), n)

    def boundary_rule(self, n: int = 256) -> QuadratureRule:
        return box_faces_rule(*self.bbox(), n)

    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """Normal of the nearest face; at an edge or corner, the normalised sum of the normals
        of the faces within ``DEFAULT_TOL`` of the nearest."""
        points = as_points(points, self.dim)
        lower, upper = self.bbox()
        gaps = np.stack([np.abs(points - lower), np.abs(points - upper)], axis=2)
        near = gaps <= gaps.min(axis=(1, 2), keepdims=True) + DEFAULT_TOL
        normals = near[:, :, 1].astype(np.float64) - near[:, :, 0]
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        return normals / np.where(length > 0, length, 1.0)

def box_from_ranges(*ranges: Sequence[float]) -> Box:
    """A :class:`Box` from one ``(lower, upper)`` pair per axis.

    Example: ``box_from_ranges((0, 1), (0, 2))`` is ``Box((0.0, 0.0), (1.0, 2.0))``.
    """
    if not ranges:
        raise ValueError("a box needs at least one (lower, upper) range")
    for axis, pair in enumerate(ranges):
        if len(pair) != 2:
            raise ValueError(f"range {axis} must be a (lower, upper) pair, got {pair!r}")
    return Box(tuple(pair[0] for pair in ranges), tuple(pair[1] for pair in ranges))


def Rectangle(x_range: Sequence[float], y_range: Sequence[float]) -> Box:  # noqa: N802
    """The 2-D box ``[x0, x1] x [y0, y1]``: ``Rectangle((x0, x1), (y0, y1))``."""
    return box_from_ranges(x_range, y_range)
