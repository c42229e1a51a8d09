"""Residual-driven point selection: RAR (greedy) and RAD (sampling by residual)."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.geometry import rad_sample, rar_select


def _peaked(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """1000 points in the unit square; the residual is 100 on 50 of them and 0.01 elsewhere."""
    candidates = rng.random((1000, 2))
    hot = np.zeros(1000, dtype=bool)
    hot[rng.choice(1000, size=50, replace=False)] = True
    residuals = np.where(hot, 100.0, 0.01)
    return candidates, residuals, hot


def test_rar_picks_the_largest_residuals_in_order() -> None:
    candidates = np.arange(10.0).reshape(5, 2)
    residuals = np.array([0.1, -5.0, 3.0, 0.0, 4.0])
    chosen = rar_select(candidates, residuals, 3)
    np.testing.assert_array_equal(chosen, candidates[[1, 4, 2]])
    assert rar_select(candidates, residuals, 0).shape == (0, 2)


def test_rar_reduces_several_residual_components_by_their_norm() -> None:
    candidates = np.arange(6.0).reshape(3, 2)
    residuals = np.array([[3.0, 4.0], [0.0, 1.0], [6.0, 0.0]])  # norms 5, 1, 6
    np.testing.assert_array_equal(rar_select(candidates, residuals, 2), candidates[[2, 0]])


def test_rad_concentrates_on_high_residuals() -> None:
    candidates, residuals, hot = _peaked(np.random.default_rng(0))
    hot_points = {tuple(p) for p in candidates[hot]}
    only_residual = rad_sample(candidates, residuals, 40, np.random.default_rng(1), k=1.0, c=0.0)
    share = np.mean([tuple(p) in hot_points for p in only_residual])
    assert share >= 0.95  # the 950 cold points hold 0.2 % of the probability
    mixed = rad_sample(candidates, residuals, 100, np.random.default_rng(1), k=1.0, c=1.0)
    mixed_share = np.mean([tuple(p) in hot_points for p in mixed])
    assert mixed_share > 0.3  # uniform sampling would give 0.05
    assert len({tuple(p) for p in mixed}) == 100  # drawn without replacement


def test_rad_with_zero_exponent_or_zero_residuals_is_uniform() -> None:
    candidates, residuals, hot = _peaked(np.random.default_rng(2))
    for k, values in ((0.0, residuals), (1.0, np.zeros_like(residuals))):
        chosen = rad_sample(candidates, values, 500, np.random.default_rng(3), k=k, c=0.0)
        share = np.mean([tuple(p) in {tuple(q) for q in candidates[hot]} for p in chosen])
        assert abs(share - 0.05) < 0.03


def test_rad_is_reproducible() -> None:
    candidates, residuals, _ = _peaked(np.random.default_rng(4))
    first = rad_sample(candidates, residuals, 30, np.random.default_rng(5))
    again = rad_sample(candidates, residuals, 30, np.random.default_rng(5))
    np.testing.assert_array_equal(first, again)


def test_bad_arguments_are_rejected() -> None:
    candidates = np.zeros((4, 2))
    with pytest.raises(ValueError, match="one residual magnitude per candidate"):
        rar_select(candidates, np.ones(3), 1)
    with pytest.raises(ValueError, match="k must be between 0 and 4"):
        rar_select(candidates, np.ones(4), 5)
    with pytest.raises(ValueError, match="must be finite"):
        rad_sample(candidates, np.array([1.0, np.nan, 1.0, 1.0]), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="only 2 candidates have non-zero probability"):
        rad_sample(candidates, np.array([1.0, 0.0, 2.0, 0.0]), 3, np.random.default_rng(0), c=0.0)
    with pytest.raises(ValueError, match="need k >= 0 and c >= 0"):
        rad_sample(candidates, np.ones(4), 1, np.random.default_rng(0), c=-1.0)
