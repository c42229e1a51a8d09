"""Balls in any dimension: ``Ball``, and the 2-D ``Disk`` factory."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import ndtri

from pinnlang.geometry._support import (
    allocate,
    as_finite_float,
    as_float_tuple,
    as_points,
    check_count,
)
from pinnlang.geometry.base import DEFAULT_TOL, Region
from pinnlang.geometry.quadrature import QuadratureRule, ball_rule, sphere_rule
from pinnlang.geometry.samplers import sample_unit


def unit_ball_volume(dim: int) -> float:
    """Volume of the unit ball in ``dim`` dimensions, ``pi^(d/2) / Gamma(d/2 + 1)``."""
    return math.pi ** (dim / 2) / math.gamma(dim / 2 + 1)


def _sphere_unit_dim(dim: int) -> int:
    """Unit-cube coordinates :func:`_sphere_from_unit` needs for a direction in R^dim."""
    return {2: 1, 3: 2}.get(dim, dim)


def _sphere_from_unit(unit: np.ndarray, dim: int) -> np.ndarray:
    """Map unit-cube points to unit vectors so that uniform input gives uniform directions.

    2-D: angle ``2 pi u``. 3-D: Archimedes' map (``z = 1 - 2 u``, angle ``2 pi v``), which
    preserves area. Higher dimensions: inverse normal CDF per coordinate, then normalise.
    These maps keep the structure of Latin-hypercube, Sobol and grid inputs.
    """
    if dim == 2:
        angle = 2 * np.pi * unit[:, 0]
        return np.stack([np.cos(angle), np.sin(angle)], axis=1)
    if dim == 3:
        z = 1.0 - 2.0 * unit[:, 0]
        angle = 2 * np.pi * unit[:, 1]
        ring = np.sqrt(np.clip(1.0 - z * z, 0.0, None))
        return np.stack([ring * np.cos(angle), ring * np.sin(angle), z], axis=1)
    gauss = ndtri(np.clip(unit, 1e-12, 1.0 - 1e-12))
    return gauss / np.linalg.norm(gauss, axis=1, keepdims=True)


@dataclass(frozen=True)
class Ball(Region):
    """The closed ball of ``radius`` around ``center`` (a tuple with one number per axis).

    Raises:
        ValueError: Empty centre or a radius that is not positive.
    """

    center: tuple[float, ...]
    radius: float

    def __post_init__(self) -> None:
        center = as_float_tuple(self.center, "ball centre")
        radius = as_finite_float(self.radius, "ball radius")
        if not center:
            raise ValueError("a ball needs a centre with at least one coordinate")
        if not radius > 0:
            raise ValueError(f"ball radius must be positive, got {radius}")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "radius", radius)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return len(self.center)

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        center = np.array(self.center)
        return center - self.radius, center + self.radius

    def _distance(self, points: np.ndarray) -> np.ndarray:
        return np.linalg.norm(as_points(points, self.dim) - np.array(self.center), axis=1)

    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        return self._distance(points) <= self.radius + tol

    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        return np.abs(self._distance(points) - self.radius) <= tol

    def measure(self) -> float:
        return unit_ball_volume(self.dim) * self.radius**self.dim

    def boundary_measure(self) -> float:
        """Surface area ``d V_d r^(d-1)`` (2 points in 1-D, the circumference in 2-D)."""
        return self.dim * unit_ball_volume(self.dim) * self.radius ** (self.dim - 1)

    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        """Direction from the sphere map and radius ``r u^(1/d)``, from one unit-cube sample."""
        n = check_count(n, sampler)
        center = np.array(self.center)
        if self.dim == 1:
            return center - self.radius + 2 * self.radius * sample_unit(n, 1, rng, sampler)
        width = _sphere_unit_dim(self.dim)
        unit = sample_unit(n, width + 1, rng, sampler)
        direction = _sphere_from_unit(unit[:, :width], self.dim)
        radius = self.radius * unit[:, width:] ** (1.0 / self.dim)
        return center + radius * direction

    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        n = check_count(n, sampler)
        center = np.array(self.center)
        if self.dim == 1:
            n_lower, n_upper = allocate(n, np.array([1.0, 1.0]), rng, sampler)
            normals = np.concatenate([np.full(n_lower, -1.0), np.full(n_upper, 1.0)])[:, None]
            return center + self.radius * normals, normals
        unit = sample_unit(n, _sphere_unit_dim(self.dim), rng, sampler)
        normals = _sphere_from_unit(unit, self.dim) if n else np.zeros((0, self.dim))
        return center + self.radius * normals, normals

    def interior_rule(self, n: int = 64) -> QuadratureRule:
        if self.dim > 3:
            return super().interior_rule(n)
        return ball_rule(np.asarray(self.center), self.radius, n)

    def boundary_rule(self, n: int = 256) -> QuadratureRule:
        return sphere_rule(np.asarray(self.center), self.radius, n)

    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        offset = as_points(points, self.dim) - np.array(self.center)
        length = np.linalg.norm(offset, axis=1, keepdims=True)
        return offset / np.where(length > 0, length, 1.0)


def Disk(center: Sequence[float], radius: float) -> Ball:  # noqa: N802
    """The 2-D disk of ``radius`` around ``center = (cx, cy)``, as a :class:`Ball`."""
    center = as_float_tuple(center, "disk centre")
    if len(center) != 2:
        raise ValueError(f"a disk centre has two coordinates, got {center}")
    return Ball(center, radius)
