"""Constructive solid geometry: ``Union``, ``Difference`` and ``Intersection`` of two regions.

All three are one operation in disguise. ``A & B`` keeps the points in both operands;
``A + B`` keeps the points of either; ``A - B`` is ``A & (complement of B)``, where the
complement swaps inside and outside and flips the normals of ``B``. With the second operand
possibly complemented (written ``B'``):

- interior points: rejection sampling from the bounding box, with the requested sampler.
- boundary points: each operand's boundary is sampled in proportion to its boundary measure and
  a point of ``∂A`` is kept where ``B'`` is *outside* (union) or *inside* (intersection), and
  likewise for ``∂B'``; the kept points are uniform by boundary measure. Where the two
  boundaries coincide with the same outward normal the point is kept once (from ``A``); with
  opposite normals it is interior (union) or not part of the regularised result (intersection).
- measures: Monte Carlo with a fixed seed (so they are deterministic), cached per region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pinnlang.geometry._support import (
    MAX_BATCH,
    allocate,
    as_points,
    check_count,
    rejection_sample,
)
from pinnlang.geometry.base import DEFAULT_TOL, MEASURE_SEED, Region
from pinnlang.geometry.quadrature import QuadratureRule

BOUNDARY_MEASURE_SAMPLES = 2**16
"""Boundary points per operand in the Monte Carlo estimate of a combination's boundary measure."""

_COINCIDENT = 0.99
"""Normals with a dot product above this (or below its negative) count as parallel."""


@dataclass(frozen=True)
class _Combination(Region):
    """Shared machinery; subclasses set ``_wanted`` and ``_complement_b``."""

    a: Region
    b: Region

    _wanted = 0  # status in the other operand that keeps a boundary point: -1 out, 1 in
    _complement_b = False

    def __post_init__(self) -> None:
        for name, operand in (("first", self.a), ("second", self.b)):
            if not isinstance(operand, Region):
                raise TypeError(f"the {name} operand must be a Region, got {operand!r}")
        if self.a.dim != self.b.dim:
            raise ValueError(
                f"cannot combine a {self.a.dim}-D region with a {self.b.dim}-D region"
            )

    @property
    def dim(self) -> int:  # type: ignore[override]
        return self.a.dim

    # -- the second operand, complemented for a difference --------------------------------

    def _status_b(self, points: np.ndarray, tol: float) -> np.ndarray:
        status = self.b.classify(points, tol)
        return -status if self._complement_b else status

    def _normal_b(self, points: np.ndarray) -> np.ndarray:
        normal = self.b.boundary_normal(points)
        return -normal if self._complement_b else normal

    def _contains_b(self, points: np.ndarray, tol: float) -> np.ndarray:
        if self._complement_b:
            return self.b.classify(points, tol) != 1
        return self.b.contains(points, tol)

    # -- point tests -----------------------------------------------------------------------

    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, self.dim)
        in_a, in_b = self.a.contains(points, tol), self._contains_b(points, tol)
        return (in_a | in_b) if self._wanted == -1 else (in_a & in_b)

    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, self.dim)
        status_a, status_b = self.a.classify(points, tol), self._status_b(points, tol)
        excluded = -self._wanted  # the other operand's status that hides a boundary point
        result = ((status_a == 0) & (status_b != excluded)) | (
            (status_b == 0) & (status_a != excluded)
        )
        both = np.flatnonzero((status_a == 0) & (status_b == 0))
        if len(both):
            dot = np.sum(
                self.a.boundary_normal(points[both]) * self._normal_b(points[both]), axis=1
            )
            result[both[dot < -_COINCIDENT]] = False
        return result

    def boundary_rule(self, n: int = 256) -> QuadratureRule:
        """The operands' boundary rules, kept where the node is on this region's boundary
        (a node on both boundaries once, from ``a``); ``b``'s normals flipped for a difference."""
        rule_a, rule_b = self.a.boundary_rule(n), self.b.boundary_rule(n)
        if self._complement_b:
            rule_b = QuadratureRule(rule_b.points, rule_b.weights, -rule_b.normals)
        keep_a = self.on_boundary(rule_a.points)
        keep_b = self.on_boundary(rule_b.points) & ~self.a.on_boundary(rule_b.points)
        return QuadratureRule.join(rule_a.select(keep_a), rule_b.select(keep_b))

    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """The normal of whichever operand's boundary the point lies on (``A`` first)."""
        points = as_points(points, self.dim)
        status_a = self.a.classify(points, DEFAULT_TOL)
        status_b = self._status_b(points, DEFAULT_TOL)
        use_a = (status_a == 0) & (status_b != -self._wanted)
        normals = np.empty_like(points)
        if use_a.any():
            normals[use_a] = self.a.boundary_normal(points[use_a])
        if (~use_a).any():
            normals[~use_a] = self._normal_b(points[~use_a])
        return normals

    # -- boundary filtering ----------------------------------------------------------------

    def _keep_from_a(self, points: np.ndarray, normals: np.ndarray) -> np.ndarray:
        status = self._status_b(points, DEFAULT_TOL)
        keep = status == self._wanted
        touching = np.flatnonzero(status == 0)
        if len(touching):
            dot = np.sum(normals[touching] * self._normal_b(points[touching]), axis=1)
            keep[touching[dot > _COINCIDENT]] = True
        return keep

    def _keep_from_b(self, points: np.ndarray) -> np.ndarray:
        return self.a.classify(points, DEFAULT_TOL) == self._wanted

    def _boundary_batch(
        self, count: int, rng: np.random.Generator, sampler: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``count`` operand-boundary points and keep those on this region's boundary."""
        measures = np.array([self.a.boundary_measure(), self.b.boundary_measure()])
        count_a, count_b = allocate(count, measures, rng, sampler)
        points_a, normals_a = self.a.sample_boundary(count_a, rng, sampler)
        points_b, normals_b = self.b.sample_boundary(count_b, rng, sampler)
        if self._complement_b:
            normals_b = -normals_b
        keep_a = self._keep_from_a(points_a, normals_a)
        keep_b = self._keep_from_b(points_b)
        return (
            np.concatenate([points_a[keep_a], points_b[keep_b]]),
            np.concatenate([normals_a[keep_a], normals_b[keep_b]]),
        )

    @cached_property
    def _boundary_shares(self) -> tuple[float, float]:
        """Fractions of ``∂A`` and of ``∂B`` that lie on this region's boundary.

        Fixed-seed Monte Carlo estimates from ``BOUNDARY_MEASURE_SAMPLES`` scrambled Sobol
        boundary points of each operand, so they are deterministic.
        """
        rng = np.random.default_rng(MEASURE_SEED)
        count = BOUNDARY_MEASURE_SAMPLES
        points_a, normals_a = self.a.sample_boundary(count, rng, "sobol")
        points_b, _ = self.b.sample_boundary(count, rng, "sobol")
        share_a = float(self._keep_from_a(points_a, normals_a).mean())
        share_b = float(self._keep_from_b(points_b).mean())
        return share_a, share_b

    # -- measures and sampling -------------------------------------------------------------

    @cached_property
    def _measure(self) -> float:
        return Region.measure(self)

    def measure(self) -> float:
        """Monte Carlo estimate (fixed seed, ``MEASURE_SAMPLES`` Sobol points in the bbox)."""
        return self._measure

    def boundary_measure(self) -> float:
        """Operands' boundary measures times the fraction of their points that is kept."""
        share_a, share_b = self._boundary_shares
        return self.a.boundary_measure() * share_a + self.b.boundary_measure() * share_b

    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        n = check_count(n, sampler)
        lower, upper = self.bbox()
        return rejection_sample(
            n, lower, upper, lambda p: self.contains(p, 0.0), rng, sampler, repr(self)
        )

    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        n = check_count(n, sampler)
        if n == 0:
            return np.zeros((0, self.dim)), np.zeros((0, self.dim))
        rate = self.boundary_measure() / (self.a.boundary_measure() + self.b.boundary_measure())
        if rate == 0.0:
            raise ValueError(
                f"cannot sample the boundary of {self!r}: no operand boundary point lies on "
                "it, so the region appears to be empty"
            )
        points, normals, have = [], [], 0
        while have < n:
            batch = min(int(np.ceil(1.1 * (n - have) / rate)) + 16, MAX_BATCH)
            new_points, new_normals = self._boundary_batch(batch, rng, sampler)
            points.append(new_points)
            normals.append(new_normals)
            have += len(new_points)
        all_points, all_normals = np.concatenate(points), np.concatenate(normals)
        pick = np.sort(rng.choice(len(all_points), size=n, replace=False))
        return all_points[pick], all_normals[pick]


@dataclass(frozen=True)
class Union(_Combination):
    """Points in ``a`` or in ``b`` (``a + b``)."""

    _wanted = -1

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        (lower_a, upper_a), (lower_b, upper_b) = self.a.bbox(), self.b.bbox()
        return np.minimum(lower_a, lower_b), np.maximum(upper_a, upper_b)


@dataclass(frozen=True)
class Intersection(_Combination):
    """Points in both ``a`` and ``b`` (``a & b``).

    Raises:
        ValueError: The operands' bounding boxes do not overlap (the result would be empty).
    """

    _wanted = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        lower, upper = self.bbox()
        if np.any(lower >= upper):
            raise ValueError(
                "the intersection is empty: the regions' bounding boxes do not overlap"
            )

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        (lower_a, upper_a), (lower_b, upper_b) = self.a.bbox(), self.b.bbox()
        return np.maximum(lower_a, lower_b), np.minimum(upper_a, upper_b)


@dataclass(frozen=True)
class Difference(_Combination):
    """Points in ``a`` and not inside ``b`` (``a - b``); ``b``'s boundary gets inward normals."""

    _wanted = 1
    _complement_b = True

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        return self.a.bbox()

    def interior_rule(self, n: int = 64) -> QuadratureRule:
        """With ``b`` inside ``a``: ``a``'s rule and ``b``'s with negated weights (exact for an
        integrand defined on ``a``); else the bounding-box rule."""
        rule_b = self.b.interior_rule(n)
        if not np.all(self.a.contains(rule_b.points, 0.0)):
            return super().interior_rule(n)
        negated = QuadratureRule(rule_b.points, -rule_b.weights)
        return QuadratureRule.join(self.a.interior_rule(n), negated)
