"""Union, difference and intersection: measures, uniformity, normals and edge cases."""

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
    Polygon,
    Rectangle,
    Region,
    Union,
)

from .catalogue import NESTED, SQUARE_WITH_HOLE

TRIANGLE_PERIMETER = 0.5 + 2 * math.hypot(0.25, 0.5)  # the polygon cut out of NESTED
FIVE_BALL_VOLUME = 8 * math.pi**2 / 15
FOUR_BALL_VOLUME = math.pi**2 / 2
FIVE_SPHERE_AREA = 8 * math.pi**2 / 3

CLOSED_FORMS = [
    # (region, area/volume, boundary measure)
    (SQUARE_WITH_HOLE, 4 - math.pi / 4, 8 + math.pi),
    (NESTED, 4 - math.pi * 0.16 - 0.125, 8 + 0.8 * math.pi + TRIANGLE_PERIMETER),
    (Disk((0, 0), 1) & Disk((1, 0), 1), 2 * math.pi / 3 - math.sqrt(3) / 2, 4 * math.pi / 3),
    (Rectangle((0, 2), (0, 2)) + Rectangle((1, 3), (1, 3)), 7.0, 12.0),
    (Rectangle((0, 1), (0, 1)) + Rectangle((1, 2), (0, 1)), 2.0, 6.0),
    (Rectangle((0, 2), (0, 1)) - Rectangle((1, 2), (0, 1)), 1.0, 4.0),
    (
        Box((0, 0, 0), (1, 1, 1)) - Ball((1, 1, 1), 0.6),
        1 - 4 / 3 * math.pi * 0.6**3 / 8,
        6 - 3 * math.pi * 0.36 / 4 + 4 * math.pi * 0.36 / 8,
    ),
    (
        Ball((0,) * 5, 1) & Box((0,) * 5, (1,) * 5),
        FIVE_BALL_VOLUME / 32,
        FIVE_SPHERE_AREA / 32 + 5 * FOUR_BALL_VOLUME / 16,
    ),
]


@pytest.mark.parametrize(("region", "volume", "boundary"), CLOSED_FORMS)
def test_measures_match_closed_forms(region: Region, volume: float, boundary: float) -> None:
    assert region.measure() == pytest.approx(volume, rel=3e-3)
    assert region.boundary_measure() == pytest.approx(boundary, rel=3e-3)


def test_default_monte_carlo_measures_match_closed_forms() -> None:
    """The Region defaults (used by regions without a closed form) on shapes that have one."""
    disk, ball = Disk((1, 0), 1.5), Ball((0, 0, 0), 1)
    assert Region.measure(disk) == pytest.approx(math.pi * 2.25, rel=1e-3)
    assert Region.boundary_measure(disk) == pytest.approx(3 * math.pi, rel=5e-3)
    assert Region.measure(ball) == pytest.approx(4 / 3 * math.pi, rel=1e-3)
    assert Region.boundary_measure(ball) == pytest.approx(4 * math.pi, rel=5e-3)


def test_sampled_measure_agrees_with_the_interior_sample() -> None:
    """The share of square points outside the hole equals the estimated area ratio."""
    square = Rectangle((-1, 1), (-1, 1))
    points = square.sample_interior(20000, np.random.default_rng(0), "sobol")
    share = SQUARE_WITH_HOLE.contains(points, tol=0.0).mean()
    assert share == pytest.approx(SQUARE_WITH_HOLE.measure() / 4, abs=2e-3)


@pytest.mark.parametrize("sampler", ["uniform", "lhs", "sobol", "grid"])
def test_boundary_share_on_the_hole_equals_its_perimeter_share(sampler: str) -> None:
    points, normals = SQUARE_WITH_HOLE.sample_boundary(4000, np.random.default_rng(1), sampler)
    radius = np.linalg.norm(points, axis=1)
    on_hole = np.abs(radius - 0.5) < 1e-9
    assert abs(on_hole.mean() - math.pi / (8 + math.pi)) < 0.03
    # On the hole the outward normal of the difference points to the hole's centre.
    np.testing.assert_allclose(normals[on_hole], -points[on_hole] / 0.5, atol=1e-12)


def test_difference_interior_avoids_the_hole_and_is_uniform() -> None:
    points = SQUARE_WITH_HOLE.sample_interior(4000, np.random.default_rng(2))
    assert np.all(np.linalg.norm(points, axis=1) >= 0.5)
    right_half = (points[:, 0] > 0).mean()
    assert abs(right_half - 0.5) < 0.03


def test_lens_boundary_splits_evenly_between_its_arcs() -> None:
    lens = Disk((0, 0), 1) & Disk((1, 0), 1)
    points, normals = lens.sample_boundary(3000, np.random.default_rng(3))
    from_left_disk = np.abs(np.linalg.norm(points, axis=1) - 1) < 1e-9
    assert abs(from_left_disk.mean() - 0.5) < 0.03
    np.testing.assert_allclose(normals[from_left_disk], points[from_left_disk], atol=1e-12)


def test_shared_edge_of_a_union_is_interior() -> None:
    union = Rectangle((0, 1), (0, 1)) + Rectangle((1, 2), (0, 1))
    points, _ = union.sample_boundary(2000, np.random.default_rng(4))
    y = points[:, 1]
    inner_edge = (np.abs(points[:, 0] - 1) < 1e-9) & (y > 1e-6) & (y < 1 - 1e-6)
    assert not inner_edge.any()
    probes = np.array([[1.0, 0.5], [1.0, 1.0], [2.0, 0.5], [0.5, 0.5]])
    assert union.on_boundary(probes).tolist() == [False, True, True, False]
    assert union.contains(probes).all()


def test_point_tests_combine_the_operands() -> None:
    a, b = Rectangle((0, 2), (0, 2)), Disk((2, 2), 1)
    probes = np.array(
        [[0.5, 0.5], [2.0, 2.0], [2.5, 2.5], [1.5, 1.5], [3.5, 3.5], [2.0, 1.0], [1.0, 2.0]]
    )
    assert (a + b).contains(probes).tolist() == [True, True, True, True, False, True, True]
    assert (a - b).contains(probes).tolist() == [True, False, False, False, False, True, True]
    assert (a & b).contains(probes).tolist() == [False, True, False, True, False, True, True]
    assert (a - b).on_boundary(probes).tolist() == [False, False, False, False, False, True, True]
    assert (a & b).on_boundary(probes).tolist() == [False, True, False, False, False, True, True]
    on_hole = np.array([[2 - math.sqrt(0.5)] * 2])
    np.testing.assert_allclose((a - b).boundary_normal(on_hole), [[math.sqrt(0.5)] * 2])


def test_nested_difference_keeps_every_hole_empty() -> None:
    points = NESTED.sample_interior(3000, np.random.default_rng(5), "sobol")
    hole = Disk((-0.2, -0.2), 0.4)
    triangle = Polygon(((0.4, 0.4), (0.9, 0.4), (0.65, 0.9)))
    assert not (hole.contains(points, tol=-1e-12) & ~hole.on_boundary(points, tol=1e-12)).any()
    assert not triangle.contains(points, tol=0.0).any() or triangle.on_boundary(
        points[triangle.contains(points, tol=0.0)], tol=1e-9
    ).all()


def test_intervals_combine_in_one_dimension() -> None:
    gap = Interval(0, 3) - Interval(1, 2)
    points, normals = gap.sample_boundary(400, np.random.default_rng(6), "uniform")
    assert set(np.round(points[:, 0], 12).tolist()) == {0.0, 1.0, 2.0, 3.0}
    expected = {0.0: -1.0, 1.0: 1.0, 2.0: -1.0, 3.0: 1.0}
    assert all(expected[round(p, 12)] == n for p, n in zip(points[:, 0], normals[:, 0]))
    assert gap.measure() == pytest.approx(2.0, rel=1e-3)
    assert gap.boundary_measure() == pytest.approx(4.0)


def test_combining_regions_of_different_dimension_or_non_regions_fails() -> None:
    with pytest.raises(ValueError, match="cannot combine a 2-D region with a 3-D region"):
        Union(Disk((0, 0), 1), Ball((0, 0, 0), 1))
    with pytest.raises(TypeError, match="the second operand must be a Region"):
        Difference(Disk((0, 0), 1), (0, 0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the intersection is empty"):
        Intersection(Disk((0, 0), 1), Disk((5, 0), 1))


def test_an_empty_difference_cannot_be_sampled() -> None:
    nothing = Rectangle((0, 1), (0, 1)) - Disk((0.5, 0.5), 1)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="no operand boundary point lies on it"):
        nothing.sample_boundary(10, rng)
    assert nothing.measure() == 0.0
