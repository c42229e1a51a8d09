"""The region interface every geometry implements (NumPy only: no torch here).

Points are float64 arrays of shape ``(N, dim)``. Sampling takes a :class:`numpy.random.Generator`
(seeded by the caller) and a sampler name: ``uniform`` (default), ``lhs`` (Latin hypercube),
``sobol`` (scrambled Sobol) or ``grid``. ``tol`` is an absolute distance in coordinate units.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from pinnlang.geometry.samplers import sample_unit

if TYPE_CHECKING:
    from pinnlang.geometry.quadrature import QuadratureRule

DEFAULT_TOL = 1e-6
MEASURE_SAMPLES = 2**18
"""Points in the fixed-seed Monte Carlo estimates of measures."""
MEASURE_SEED = 20240601


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

    def interior_rule(self, n: int = 64) -> "QuadratureRule":
        """A quadrature rule over the region (:mod:`pinnlang.geometry.quadrature`); this
        default is tensor Gauss–Legendre on the bounding box with the outside nodes dropped."""
        from pinnlang.geometry.quadrature import masked_box_rule

        return masked_box_rule(self, n)

    def boundary_rule(self, n: int = 256) -> "QuadratureRule":
        """A quadrature rule over the boundary, with outward normals (shapes override this).

        Raises:
            ValueError: the region has no boundary rule.
        """
        raise ValueError(f"a {type(self).__name__} has no boundary quadrature rule")

    @abstractmethod
    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """Outward unit normals at boundary points (undefined off the boundary)."""

    def measure(self) -> float:
        """Length, area or volume of the region.

        This default is a Monte Carlo estimate (``MEASURE_SAMPLES`` scrambled Sobol points in the
        bounding box, fixed seed, so it is deterministic); shapes override it with closed forms.
        """
        lower, upper = self.bbox()
        rng = np.random.default_rng(MEASURE_SEED)
        unit = sample_unit(MEASURE_SAMPLES, self.dim, rng, "sobol")
        inside = self.contains(lower + (upper - lower) * unit, tol=0.0)
        return float(np.prod(upper - lower) * inside.mean())

    def boundary_measure(self) -> float:
        """Size of the boundary: point count in 1-D, perimeter in 2-D, surface area in 3-D.

        This default estimates the Minkowski content, the volume of the shell of points within a
        distance ``h`` of the boundary divided by ``2 h``, by Monte Carlo (fixed seed); shapes
        override it with closed forms. It needs ``on_boundary(points, tol)`` to treat ``tol`` as
        a distance, as every pinnlang region does.
        """
        lower, upper = self.bbox()
        size = float(np.max(upper - lower))
        shell = 1e-3 * size
        rng = np.random.default_rng(MEASURE_SEED)
        unit = sample_unit(MEASURE_SAMPLES, self.dim, rng, "sobol")
        lower, upper = lower - 2 * shell, upper + 2 * shell
        near = self.on_boundary(lower + (upper - lower) * unit, tol=shell)
        return float(np.prod(upper - lower) * near.mean() / (2 * shell))

    def classify(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        """Per point: ``1`` strictly inside, ``0`` on the boundary, ``-1`` outside (int8)."""
        inside = self.contains(points, tol)
        boundary = self.on_boundary(points, tol)
        status = np.where(inside, 1, -1).astype(np.int8)
        status[boundary] = 0
        return status

    def __add__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Union

        return Union(self, other)

    def __sub__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Difference

        return Difference(self, other)

    def __and__(self, other: "Region") -> "Region":
        from pinnlang.geometry.csg import Intersection

        return Intersection(self, other)
