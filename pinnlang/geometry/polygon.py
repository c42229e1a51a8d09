"""Simple polygons in the plane, vertices in either order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
import numpy as np

from pinnlang.geometry._support import (
    allocate,
    as_float_tuple,
    as_points,
    check_count,
    rejection_sample,
)
from pinnlang.geometry.base import DEFAULT_TOL, Region
from pinnlang.geometry.quadrature import QuadratureRule, segments_rule, triangles_rule
from pinnlang.geometry.polygon_checks import signed_area, triangulate, validate_polygon
from pinnlang.geometry.samplers import sample_unit


@dataclass(frozen=True)
class Polygon(Region):
    """A simple polygon ``Polygon(((x1, y1), (x2, y2), (x3, y3), ...))``.

    Vertices may run clockwise or counter-clockwise; the closing edge from the last vertex back
    to the first is implied. Normals point outward either way.

    Raises:
        ValueError: Fewer than 3 vertices, repeated vertices, self-intersection or zero area.
    """

    vertices: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        try:
            vertices = tuple(as_float_tuple(v, "polygon vertex") for v in self.vertices)
        except TypeError as exc:
            raise ValueError(
                f"polygon vertices must be (x, y) pairs, got {self.vertices!r}"
            ) from exc
        for index, vertex in enumerate(vertices):
            if len(vertex) != 2:
                raise ValueError(f"polygon vertex {index} must be an (x, y) pair, got {vertex}")
        validate_polygon(np.array(vertices, dtype=np.float64).reshape(-1, 2))
        object.__setattr__(self, "vertices", vertices)

    @property
    def dim(self) -> int:  # type: ignore[override]
        return 2

    @cached_property
    def _ccw(self) -> np.ndarray:
        """Vertices in counter-clockwise order."""
        array = np.array(self.vertices, dtype=np.float64)
        return array if signed_area(array) > 0 else array[::-1].copy()

    @cached_property
    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Edge starts, direction vectors, lengths and outward unit normals."""
        start = self._ccw
        direction = np.roll(start, -1, axis=0) - start
        length = np.linalg.norm(direction, axis=1)
        normal = np.stack([direction[:, 1], -direction[:, 0]], axis=1) / length[:, None]
        return start, direction, length, normal

    @cached_property
    def _triangles(self) -> tuple[np.ndarray, np.ndarray]:
        """Corner coordinates ``(T, 3, 2)`` and areas ``(T,)`` of an ear-clipping triangulation."""
        corners = self._ccw[triangulate(self._ccw)]
        a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
        ab, ac = b - a, c - a
        cross = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]
        return corners, 0.5 * np.abs(cross)

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:
        return self._ccw.min(axis=0), self._ccw.max(axis=0)

    def _edge_distances(self, points: np.ndarray) -> np.ndarray:
        """Distance from every point to every edge, shape ``(N, E)``."""
        start, direction, length, _ = self._edges
        distances = np.empty((len(points), len(start)))
        for e in range(len(start)):
            offset = points - start[e]
            t = np.clip(offset @ direction[e] / length[e] ** 2, 0.0, 1.0)
            distances[:, e] = np.linalg.norm(offset - t[:, None] * direction[e], axis=1)
        return distances

    def _crossing_inside(self, points: np.ndarray) -> np.ndarray:
        """Even-odd crossing-number test (exact boundary points may go either way)."""
        start, direction, _, _ = self._edges
        inside = np.zeros(len(points), dtype=bool)
        px, py = points[:, 0], points[:, 1]
        for (ax, ay), (dx, dy) in zip(start, direction):
            by = ay + dy
            straddles = (ay > py) != (by > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_cross = ax + (py - ay) * dx / dy
            inside ^= straddles & (px < x_cross)
        return inside

    def contains(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, 2)
        inside = self._crossing_inside(points)
        if not len(points):
            return inside
        return inside | (self._edge_distances(points).min(axis=1) <= tol)

    def on_boundary(self, points: np.ndarray, tol: float = DEFAULT_TOL) -> np.ndarray:
        points = as_points(points, 2)
        if not len(points):
            return np.zeros(0, dtype=bool)
        return self._edge_distances(points).min(axis=1) <= tol

    def measure(self) -> float:
        """Area by the shoelace formula."""
        return abs(signed_area(self._ccw))

    def boundary_measure(self) -> float:
        """Perimeter."""
        return float(self._edges[2].sum())

    def sample_interior(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> np.ndarray:
        """Uniform by area: triangles weighted by area (``grid``: bounding-box grid, filtered).

        In a triangle ``abc`` a unit-square point ``(u, v)`` with ``u + v > 1`` is folded to
        ``(1 - u, 1 - v)`` and mapped to ``a + u (b - a) + v (c - a)``.
        """
        n = check_count(n, sampler)
        if sampler == "grid":
            lower, upper = self.bbox()
            return rejection_sample(
                n, lower, upper, lambda p: self.contains(p, 0.0), rng, sampler, "a polygon"
            )
        corners, areas = self._triangles
        counts = allocate(n, areas, rng, sampler)
        blocks = [np.zeros((0, 2))]
        for (a, b, c), count in zip(corners, counts):
            if count == 0:
                continue
            u = sample_unit(count, 2, rng, sampler)
            fold = u.sum(axis=1) > 1.0
            u[fold] = 1.0 - u[fold]
            blocks.append(a + u[:, :1] * (b - a) + u[:, 1:] * (c - a))
        return np.concatenate(blocks)

    def sample_boundary(
        self, n: int, rng: np.random.Generator, sampler: str = "uniform"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Uniform by length: edges weighted by length, outward normals."""
        n = check_count(n, sampler)
        start, direction, length, normal = self._edges
        counts = allocate(n, length, rng, sampler)
        points, normals = [np.zeros((0, 2))], [np.zeros((0, 2))]
        for e, count in enumerate(counts):
            if count == 0:
                continue
            t = sample_unit(count, 1, rng, sampler)
            points.append(start[e] + t * direction[e])
            normals.append(np.repeat(normal[e][None, :], count, axis=0))
        return np.concatenate(points), np.concatenate(normals)

    def interior_rule(self, n: int = 64) -> QuadratureRule:
        corners, _areas = self._triangles
        return triangles_rule(corners[:, 0], corners[:, 1], corners[:, 2], n)

    def boundary_rule(self, n: int = 256) -> QuadratureRule:
        start, direction, _length, normal = self._edges
        return segments_rule(start, start + direction, normal, n)

    def boundary_normal(self, points: np.ndarray) -> np.ndarray:
        """Outward normal of the nearest edge; at a vertex, the normalised sum of the normals of
        the edges within ``DEFAULT_TOL`` of the nearest."""
        points = as_points(points, 2)
        if not len(points):
            return np.zeros((0, 2))
        distances = self._edge_distances(points)
        near = distances <= distances.min(axis=1, keepdims=True) + DEFAULT_TOL
        normals = near.astype(np.float64) @ self._edges[3]
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        return normals / np.where(length > 0, length, 1.0)
