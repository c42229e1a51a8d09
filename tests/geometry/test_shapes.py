"""Constructors, validation and per-shape behaviour of Interval, Box and Ball."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pinnlang.geometry import (
    Ball,
    Box,
    Difference,
    Disk,
    Intersection,
    Interval,
    Rectangle,
    Union,
    box_from_ranges,
)


def test_constructors_store_floats_and_compare_by_value() -> None:
    interval = Interval(0, 1)
    assert interval == Interval(0.0, 1.0)
    assert type(interval.lower) is float and type(interval.upper) is float
    rectangle = Rectangle((-1, 1), (0, 2))
    assert rectangle == Box((-1.0, 0.0), (1.0, 2.0)) == box_from_ranges([-1, 1], [0, 2])
    assert all(type(v) is float for v in rectangle.lower + rectangle.upper)
    disk = Disk((0, 0), 1)
    assert isinstance(disk, Ball) and disk == Ball((0.0, 0.0), 1.0) and disk.dim == 2
    assert type(disk.radius) is float and all(type(c) is float for c in disk.center)
    assert len({Interval(0, 1), Interval(0.0, 1.0), Interval(0, 2)}) == 2


def test_operators_build_combinations() -> None:
    a, b = Rectangle((0, 2), (0, 2)), Disk((1, 1), 0.5)
    assert a + b == Union(a, b)
    assert a - b == Difference(a, b)
    assert a & b == Intersection(a, b)
    assert a - b != Intersection(a, b)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Interval(1, 1), r"interval is empty: need lower < upper, got \[1.0, 1.0\]"),
        (lambda: Interval(0, float("inf")), "interval upper bound must be finite"),
        (lambda: Box((0, 0), (1,)), "same, non-zero length"),
        (lambda: Box((), ()), "same, non-zero length"),
        (lambda: Rectangle((0, 1), (2, 2)), r"box side 1 is empty"),
        (lambda: box_from_ranges((0, 1, 2)), r"range 0 must be a \(lower, upper\) pair"),
        (lambda: box_from_ranges(), "at least one"),
        (lambda: Ball((0, 0), 0), "ball radius must be positive, got 0.0"),
        (lambda: Ball((), 1), "at least one coordinate"),
        (lambda: Disk((0, 0, 0), 1), "a disk centre has two coordinates"),
        (lambda: Ball(("a", 0), 1), "ball centre must be a sequence of numbers"),
    ],
)
def test_invalid_shapes_raise_clear_errors(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_interval_boundary_is_its_end_points_with_normals_minus_and_plus_one() -> None:
    interval = Interval(-1, 3)
    points, normals = interval.sample_boundary(11, np.random.default_rng(0), "lhs")
    assert sorted(points[:, 0].tolist()) == [-1.0] * 6 + [3.0] * 5
    np.testing.assert_array_equal(normals[:, 0], np.where(points[:, 0] < 0, -1.0, 1.0))
    ends = np.array([[-1.0], [3.0]])
    np.testing.assert_array_equal(interval.boundary_normal(ends), [[-1.0], [1.0]])
    assert interval.measure() == 4.0 and interval.boundary_measure() == 2.0
    mask = interval.on_boundary(np.array([[-1.0], [0.0], [3.0 + 1e-9], [3.1]]))
    assert mask.tolist() == [True, False, True, False]


def test_box_contains_and_on_boundary_respect_the_tolerance() -> None:
    box = Box((0, 0, 0), (1, 2, 3))
    points = np.array(
        [[0.5, 1, 1.5], [1 + 1e-7, 1, 1], [1 + 1e-3, 1, 1], [0.5, 2, 1.5], [0.5, 1, 3.0]]
    )
    assert box.contains(points).tolist() == [True, True, False, True, True]
    assert box.on_boundary(points).tolist() == [False, True, False, True, True]
    assert box.on_boundary(points, tol=0.0).tolist() == [False, False, False, True, True]


def test_box_normals_and_measures() -> None:
    box = Box((0, 0, 0), (1, 2, 3))
    normals = box.boundary_normal(np.array([[0.0, 1, 1], [0.5, 2, 1], [0.5, 1, 3]]))
    np.testing.assert_array_equal(normals, [[-1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert box.measure() == 6.0
    assert box.boundary_measure() == 2 * (1 * 2 + 1 * 3 + 2 * 3)
    lower, upper = box.bbox()
    np.testing.assert_array_equal(lower, [0, 0, 0])
    np.testing.assert_array_equal(upper, [1, 2, 3])


def test_rectangle_boundary_splits_by_side_length() -> None:
    """On a 2 x 1 rectangle the long sides (total 4) get 2/3 of the points, the short ones 1/3."""
    rectangle = Rectangle((0, 2), (0, 1))
    for sampler, tolerance in (("uniform", 0.03), ("lhs", 1e-3), ("sobol", 1e-3), ("grid", 1e-3)):
        points, normals = rectangle.sample_boundary(3000, np.random.default_rng(1), sampler)
        on_long = np.abs(normals[:, 1]) == 1.0
        assert abs(on_long.mean() - 2 / 3) < tolerance, sampler
        long_side = np.isclose(points[:, 1], 0.0) | np.isclose(points[:, 1], 1.0)
        np.testing.assert_array_equal(on_long, long_side)


def test_ball_measures_match_closed_forms() -> None:
    assert Disk((0, 0), 2).measure() == pytest.approx(4 * math.pi)
    assert Disk((0, 0), 2).boundary_measure() == pytest.approx(4 * math.pi)
    assert Ball((0, 0, 0), 2).measure() == pytest.approx(4 / 3 * math.pi * 8)
    assert Ball((0, 0, 0), 2).boundary_measure() == pytest.approx(4 * math.pi * 4)
    assert Ball((0,) * 5, 2).measure() == pytest.approx(8 * math.pi**2 / 15 * 32)
    assert Ball((0,) * 5, 2).boundary_measure() == pytest.approx(8 * math.pi**2 / 3 * 16)
    assert Ball((1.0,), 2).measure() == pytest.approx(4.0)


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_ball_interior_is_uniform_by_volume(dim: int) -> None:
    """The share of points within radius r * (1/2)^(1/d) is 1/2, the volume share."""
    ball = Ball((1.0,) * dim, 2.0)
    points = ball.sample_interior(4000, np.random.default_rng(dim), "uniform")
    radius = np.linalg.norm(points - 1.0, axis=1)
    assert abs(np.mean(radius < 2.0 * 0.5 ** (1 / dim)) - 0.5) < 0.03
    assert np.all(np.abs(points.mean(axis=0) - 1.0) < 0.1)


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_sphere_points_are_uniform(dim: int) -> None:
    """On the unit sphere in R^d, E[n] = 0 and E[n_i^2] = 1/d."""
    _, normals = Ball((0.0,) * dim, 1.0).sample_boundary(6000, np.random.default_rng(dim), "sobol")
    np.testing.assert_allclose(normals.mean(axis=0), 0.0, atol=0.03)
    np.testing.assert_allclose((normals**2).mean(axis=0), 1 / dim, atol=0.02)


def test_ball_boundary_normal_is_radial() -> None:
    ball = Ball((1, 1, 1), 2)
    normals = ball.boundary_normal(np.array([[3.0, 1, 1], [1, 1, -1]]))
    np.testing.assert_allclose(normals, [[1, 0, 0], [0, 0, -1]])


def test_one_dimensional_ball_is_an_interval() -> None:
    ball = Ball((0.0,), 1.0)
    points, normals = ball.sample_boundary(4, np.random.default_rng(0), "lhs")
    np.testing.assert_array_equal(points, normals)
    assert ball.contains(ball.sample_interior(50, np.random.default_rng(0))).all()
