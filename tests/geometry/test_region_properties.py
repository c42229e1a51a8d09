"""Properties every region must have, for every shape, combination and sampler."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.geometry import SAMPLERS, Region

from .catalogue import REGIONS

STEP = 1e-5
"""Length of the step along a normal in the outward-normal test."""

CASES = [(name, sampler) for name in REGIONS for sampler in SAMPLERS]


def _ids(case: tuple[str, str]) -> str:
    return f"{case[0]}-{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_interior_points_have_the_right_shape_and_lie_inside(case: tuple[str, str]) -> None:
    name, sampler = case
    region = REGIONS[name]
    points = region.sample_interior(257, np.random.default_rng(1), sampler)
    assert points.shape == (257, region.dim)
    assert points.dtype == np.float64
    assert region.contains(points).all()
    lower, upper = region.bbox()
    assert np.all(points >= lower - 1e-12) and np.all(points <= upper + 1e-12)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_boundary_points_lie_on_the_boundary_with_unit_normals(case: tuple[str, str]) -> None:
    name, sampler = case
    region = REGIONS[name]
    points, normals = region.sample_boundary(257, np.random.default_rng(2), sampler)
    assert points.shape == normals.shape == (257, region.dim)
    assert points.dtype == normals.dtype == np.float64
    assert region.on_boundary(points).all()
    assert region.contains(points).all()
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("name", REGIONS)
def test_normals_point_outward(name: str) -> None:
    """A small step along the normal leaves the region; a step against it enters it."""
    region = REGIONS[name]
    points, normals = region.sample_boundary(2000, np.random.default_rng(3))
    leaves = ~region.contains(points + STEP * normals, tol=STEP / 10)
    inward = points - STEP * normals
    enters = region.contains(inward, tol=0.0) & ~region.on_boundary(inward, tol=STEP / 10)
    good = leaves & enters
    # Only points within about STEP of a corner or vertex could fail (none do with this seed).
    assert good.mean() >= 0.998, f"{(~good).sum()} of {len(good)} normals do not point outward"


@pytest.mark.parametrize("name", REGIONS)
def test_boundary_normal_matches_sampled_normals(name: str) -> None:
    region = REGIONS[name]
    points, normals = region.sample_boundary(500, np.random.default_rng(4))
    computed = region.boundary_normal(points)
    agree = np.sum(computed * normals, axis=1) > 0.999
    assert agree.mean() >= 0.99  # corners (ties between faces) may pick the other face


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_same_seed_same_points_other_seed_other_points(case: tuple[str, str]) -> None:
    name, sampler = case
    region = REGIONS[name]
    first = region.sample_interior(64, np.random.default_rng(7), sampler)
    again = region.sample_interior(64, np.random.default_rng(7), sampler)
    np.testing.assert_array_equal(first, again)
    boundary, normals = region.sample_boundary(64, np.random.default_rng(7), sampler)
    boundary_again, normals_again = region.sample_boundary(64, np.random.default_rng(7), sampler)
    np.testing.assert_array_equal(boundary, boundary_again)
    np.testing.assert_array_equal(normals, normals_again)
    if sampler != "grid":  # a full grid does not depend on the seed
        other = region.sample_interior(64, np.random.default_rng(8), sampler)
        assert not np.array_equal(first, other)


@pytest.mark.parametrize("name", REGIONS)
def test_zero_points_give_empty_arrays(name: str) -> None:
    region = REGIONS[name]
    rng = np.random.default_rng(0)
    assert region.sample_interior(0, rng).shape == (0, region.dim)
    points, normals = region.sample_boundary(0, rng)
    assert points.shape == normals.shape == (0, region.dim)


@pytest.mark.parametrize("name", REGIONS)
def test_bad_counts_and_sampler_names_are_rejected(name: str) -> None:
    region = REGIONS[name]
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="unknown sampler 'halton'"):
        region.sample_interior(10, rng, "halton")
    with pytest.raises(ValueError, match="non-negative integer"):
        region.sample_boundary(-1, rng)


@pytest.mark.parametrize("name", REGIONS)
def test_measures_are_positive_and_regions_compare_by_value(name: str) -> None:
    region = REGIONS[name]
    assert isinstance(region, Region)
    assert region.measure() > 0 and region.boundary_measure() > 0
    assert region == REGIONS[name] and hash(region) == hash(REGIONS[name])
