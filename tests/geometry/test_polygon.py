"""Simple polygons: validation, orientation, point tests, triangulation and uniform sampling."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.geometry import Polygon
from pinnlang.geometry.polygon_checks import signed_area, triangulate

from .catalogue import CLOCKWISE_TRIANGLE, L_SHAPE, STAR


@pytest.mark.parametrize(
    ("vertices", "message"),
    [
        (((0, 0), (1, 0)), "at least 3 vertices, got 2"),
        (((0, 0), (1, 0), (1, 0), (0, 1)), "vertices 1 and 2 coincide"),
        (((0, 0), (1, 0), (0, 1), (0, 0)), "do not repeat the first vertex at the end"),
        (((0, 0), (1, 1), (1, 0), (0, 1)), r"not simple: edge 0 \(vertices 0-1\) meets edge 2"),
        (((0, 0), (1, 0), (2, 0)), "folds back on itself"),
        (((0, 0), (2, 0), (1, 0), (1, 1)), "folds back on itself"),
        (((0, 0), (2, 0), (2, 2), (1, 0), (0, 2)), r"not simple: edge 0 \(vertices 0-1\)"),
        (((0, 0), (1, 0, 2), (0, 1)), r"vertex 1 must be an \(x, y\) pair"),
        (((0, 0), (1, "x"), (0, 1)), "polygon vertex must be a sequence of numbers"),
        (((1, 1), (1, 1), (1, 1)), "must not all coincide"),
    ],
)
def test_invalid_polygons_raise_clear_errors(vertices, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Polygon(vertices)


def test_vertices_become_float_tuples_and_compare_by_value() -> None:
    polygon = Polygon([[0, 0], [1, 0], [0, 1]])
    assert polygon == Polygon(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)))
    assert all(type(c) is float for vertex in polygon.vertices for c in vertex)


def test_area_and_perimeter() -> None:
    assert L_SHAPE.measure() == pytest.approx(3.0)
    assert L_SHAPE.boundary_measure() == pytest.approx(8.0)
    assert CLOCKWISE_TRIANGLE.measure() == pytest.approx(1.0)
    assert CLOCKWISE_TRIANGLE.boundary_measure() == pytest.approx(3 + np.sqrt(5))


def test_either_vertex_order_gives_the_same_region_and_outward_normals() -> None:
    reversed_l = Polygon(L_SHAPE.vertices[::-1])
    probe = np.random.default_rng(0).uniform(-0.5, 2.5, size=(2000, 2))
    np.testing.assert_array_equal(L_SHAPE.contains(probe), reversed_l.contains(probe))
    edge_midpoints = np.array([[1, 0], [2, 0.5], [1.5, 1], [1, 1.5], [0.5, 2], [0, 1]])
    expected = [[0, -1], [1, 0], [0, 1], [1, 0], [0, 1], [-1, 0]]
    np.testing.assert_allclose(L_SHAPE.boundary_normal(edge_midpoints), expected)
    np.testing.assert_allclose(reversed_l.boundary_normal(edge_midpoints), expected)


def test_point_in_polygon_handles_the_notch_of_a_concave_polygon() -> None:
    points = np.array([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5], [1.5, 1.5], [2.5, 0.5], [1.0, 1.5]])
    assert L_SHAPE.contains(points).tolist() == [True, True, True, False, False, True]
    assert L_SHAPE.on_boundary(points).tolist() == [False, False, False, False, False, True]


def test_triangulation_covers_the_polygon_exactly() -> None:
    for polygon in (L_SHAPE, STAR, CLOCKWISE_TRIANGLE):
        ccw = polygon._ccw
        triangles = triangulate(ccw)
        assert triangles.shape == (len(ccw) - 2, 3)
        areas = [signed_area(ccw[t]) for t in triangles]
        assert min(areas) > 0
        assert sum(areas) == pytest.approx(polygon.measure())


@pytest.mark.parametrize("sampler", ["uniform", "lhs", "sobol", "grid"])
def test_interior_is_uniform_by_area(sampler: str) -> None:
    """The L-shape's three unit squares each get a third of the points."""
    points = L_SHAPE.sample_interior(3000, np.random.default_rng(2), sampler)
    in_corner = (points[:, 0] < 1) & (points[:, 1] < 1)
    in_right = points[:, 0] >= 1
    assert abs(in_corner.mean() - 1 / 3) < 0.03
    assert abs(in_right.mean() - 1 / 3) < 0.03


def test_boundary_is_uniform_by_length() -> None:
    points, normals = STAR.sample_boundary(5000, np.random.default_rng(3))
    start = STAR._edges[0]
    nearest = np.argmin(STAR._edge_distances(points), axis=1)
    shares = np.bincount(nearest, minlength=len(start)) / len(points)
    np.testing.assert_allclose(shares, STAR._edges[2] / STAR.boundary_measure(), atol=0.02)
    np.testing.assert_allclose(normals, STAR._edges[3][nearest])
