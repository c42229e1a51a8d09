"""Unit-cube samplers: shapes, reproducibility and each sampler's defining property."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from pinnlang.geometry import SAMPLERS, sample_unit
from pinnlang.geometry.samplers import grid_side


def test_sampler_names() -> None:
    assert SAMPLERS == ("uniform", "lhs", "sobol", "grid")


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize(("n", "dim"), [(1, 1), (7, 1), (100, 2), (33, 3), (50, 5), (0, 3), (5, 0)])
def test_shape_range_and_dtype(sampler: str, n: int, dim: int) -> None:
    points = sample_unit(n, dim, np.random.default_rng(0), sampler)
    assert points.shape == (n, dim)
    assert points.dtype == np.float64
    assert np.all(points >= 0.0) and np.all(points < 1.0)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_gives_same_points(sampler: str) -> None:
    first = sample_unit(200, 3, np.random.default_rng(42), sampler)
    second = sample_unit(200, 3, np.random.default_rng(42), sampler)
    np.testing.assert_array_equal(first, second)


def test_unknown_sampler_lists_the_valid_names() -> None:
    expected = "unknown sampler 'random'; expected one of: uniform, lhs, sobol, grid"
    with pytest.raises(ValueError, match=expected):
        sample_unit(10, 2, np.random.default_rng(0), "random")


def test_negative_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match="n >= 0"):
        sample_unit(-1, 2, np.random.default_rng(0))


@pytest.mark.parametrize(("n", "dim"), [(10, 1), (97, 2), (64, 4)])
def test_latin_hypercube_puts_one_point_in_every_stratum_of_every_axis(n: int, dim: int) -> None:
    points = sample_unit(n, dim, np.random.default_rng(5), "lhs")
    strata = np.floor(points * n).astype(int)
    for axis in range(dim):
        assert sorted(strata[:, axis]) == list(range(n))


def test_sobol_scrambling_depends_on_the_seed() -> None:
    first = sample_unit(128, 2, np.random.default_rng(0), "sobol")
    second = sample_unit(128, 2, np.random.default_rng(1), "sobol")
    assert not np.allclose(first, second)


def test_sobol_power_of_two_is_stratified_along_each_axis() -> None:
    points = sample_unit(64, 3, np.random.default_rng(3), "sobol")
    for axis in range(3):
        assert sorted(np.floor(points[:, axis] * 64).astype(int)) == list(range(64))


def test_sobol_any_count_is_a_prefix_of_the_power_of_two_set() -> None:
    """n = 100 raises no balance warning (warnings are errors) and is a prefix of the 128 set."""
    hundred = sample_unit(100, 2, np.random.default_rng(9), "sobol")
    full = sample_unit(128, 2, np.random.default_rng(9), "sobol")
    np.testing.assert_array_equal(hundred, full[:100])


def test_sobol_and_lhs_are_more_even_than_uniform() -> None:
    rng_seed = 11
    discrepancy = {
        name: qmc.discrepancy(sample_unit(256, 2, np.random.default_rng(rng_seed), name))
        for name in ("uniform", "lhs", "sobol")
    }
    assert discrepancy["sobol"] < discrepancy["uniform"]
    assert discrepancy["lhs"] < discrepancy["uniform"]


def test_grid_with_a_perfect_power_is_the_full_regular_grid() -> None:
    points = sample_unit(16, 2, np.random.default_rng(0), "grid")
    centres = (np.arange(4) + 0.5) / 4
    expected = np.array([(x, y) for x in centres for y in centres])
    np.testing.assert_allclose(points, expected)
    other_seed = sample_unit(16, 2, np.random.default_rng(99), "grid")
    np.testing.assert_array_equal(points, other_seed)


@pytest.mark.parametrize(
    ("n", "dim", "side"), [(10, 2, 4), (27, 3, 3), (28, 3, 4), (5, 1, 5), (1, 4, 1)]
)
def test_grid_side_is_the_smallest_that_holds_n_points(n: int, dim: int, side: int) -> None:
    assert grid_side(n, dim) == side


def test_grid_with_other_counts_takes_distinct_points_of_the_regular_grid() -> None:
    points = sample_unit(10, 2, np.random.default_rng(0), "grid")
    assert points.shape == (10, 2)
    cells = points * 4 - 0.5  # side 4: cell centres map to integers 0..3
    np.testing.assert_allclose(cells, np.round(cells), atol=1e-12)
    assert len({tuple(p) for p in np.round(cells).astype(int)}) == 10
