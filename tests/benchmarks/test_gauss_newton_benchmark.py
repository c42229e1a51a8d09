"""benchmarks/gauss_newton.py: the Burgers error it prints, and both of its tables on tiny runs."""

from __future__ import annotations

import pytest
import torch

from pinnlang.reference import burgers_cole_hopf

from .conftest import script_module


@pytest.fixture(scope="module")
def gauss_newton():
    """benchmarks/gauss_newton.py as a module."""
    yield from script_module("gauss_newton")


class _ColeHopf(torch.nn.Module):
    """The reference itself, as a network (one dummy parameter for the device and dtype)."""

    def __init__(self, shift: float = 0.0):
        super().__init__()
        self.shift = shift
        self.dummy = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, points):
        u = burgers_cole_hopf(points[:, 0].numpy(), points[:, 1].numpy())
        return torch.as_tensor(u + self.shift).reshape(-1, 1)


def test_the_burgers_error_is_zero_for_the_reference_and_grows_with_a_shift(gauss_newton):
    assert gauss_newton.burgers_error(_ColeHopf()) == pytest.approx(0.0, abs=1e-12)
    assert gauss_newton.burgers_error(_ColeHopf(0.1)) > 0.1


def test_a_tiny_burgers_run_prints_a_row_per_iteration(gauss_newton, capsys):
    gauss_newton.main(["--warmup", "5", "--iterations", "3", "--every", "1", "--resample-every", "2",
                       "--width", "6", "--depth", "2", "--pde-points", "48", "--other-points", "16",
                       "--cg-max", "10", "--minutes", "0"])
    out = capsys.readouterr().out
    assert "parameters, 80 residual rows" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit() and "parameters" not in line]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(len(row) == 8 and 0 < float(row[2]) for row in rows)  # loss, error, ..., peak MB
    assert "best u error" in out


def test_the_comparison_prints_both_systems_and_the_choice(gauss_newton, capsys):
    gauss_newton.main(["compare", "--warmup", "5", "--compare-iterations", "1", "--widths", "6"])
    out = capsys.readouterr().out
    assert " dense " in out and " matrix-free " in out
    assert "auto: dense:" in out or "auto: matrix-free:" in out
