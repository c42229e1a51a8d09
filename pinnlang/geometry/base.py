"""The region interface every geometry implements (NumPy only: no torch here).

Points are float64 arrays of shape ``(N, dim)``. Sampling takes a :class:`numpy.random.Generator`
(seeded by the caller) and a sampler name: ``uniform`` (default), ``lhs`` (Latin hypercube),
``sobol`` (scrambled Sobol) or ``grid``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

DEFAULT_TOL = 1e-6


class Region(ABC):
    """A closed region of R^dim that can sample its interior and boundary."""

    dim: int

    @abstractmethod
    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of an axis-aligned box containing the region."""

    @abstractmethod
    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        """Boolean mask of points inside the region or on its boundary."""

    @abstractmethod
    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        """Boolean mask of points on the boundary (within ``tol``)."""

    @abstractmethod
    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        """``n`` points distributed uniformly (by volume) in the region, shape ``(n, dim)``."""

    @abstractmethod
    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points uniform by boundary measure and their outward unit normals."""

    @abstractmethod
    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """Outward unit normals at boundary points (undefined off the boundary)."""

    def __add__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Union

        return Union(self, other)

    def __sub__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Difference

        return Difference(self, other)

    def __and__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Intersection

        return Intersection(self, other)
