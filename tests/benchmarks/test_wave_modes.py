"""benchmarks/wave_modes.py: the sine coefficients of a wave, and the report of a short run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .conftest import script_module


@pytest.fixture(scope="module")
def wave_modes():
    """benchmarks/wave_modes.py as a module."""
    yield from script_module("wave_modes")


@pytest.mark.parametrize("t", [0.0, 0.1, 0.3, 0.9])
def test_the_exact_solution_has_the_exact_coefficients(wave_modes, t):
    def u(x):
        return np.sin(math.pi * x) * math.cos(2 * math.pi * t) + 0.5 * np.sin(4 * math.pi * x) * math.cos(8 * math.pi * t)

    got = wave_modes.sine_coefficients(u)
    np.testing.assert_allclose(got, wave_modes.exact_coefficients(t), atol=1e-4)


def test_a_missing_fast_mode_shows_as_b4_zero(wave_modes):
    got = wave_modes.sine_coefficients(lambda x: np.sin(math.pi * x))
    np.testing.assert_allclose(got, [1, 0, 0, 0, 0], atol=1e-4)


def test_main_reports_losses_error_and_a_row_per_time(wave_modes, capsys):
    assert wave_modes.main(["--steps", "20", "--lbfgs-steps", "0", "points=200"]) == 0
    out = capsys.readouterr().out
    assert "relative L2 error of u:" in out
    assert "pde " in out and "position " in out and "boundary " in out
    rows = [line for line in out.splitlines() if line.strip().startswith("t = ")]
    assert len(rows) == len(wave_modes.TIMES)
    assert all(row.count("(") == wave_modes.MODES for row in rows)
