"""benchmarks/cavity_corners.py: the fit, the pressure and the equations' stages run and report."""

from __future__ import annotations

import pytest

from .conftest import script_module

pytest.importorskip("skfem")

TINY = ["--cells", "8", "--fit-points", "200", "--fit-iterations", "4", "--pressure-iterations", "2",
        "--iterations", "3", "--points", "200", "--side-points", "30", "--every", "1", "--width", "8"]


@pytest.fixture(scope="module")
def corners():
    yield from script_module("cavity_corners")


def _rows(text):
    return [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| ") and "stage" not in line]


@pytest.mark.parametrize("extra", [[], ["--lid", "smooth", "--corner-rows", "cut", "--corner-distance", "0.1"]])
def test_each_stage_reports_centre_line_errors_and_fresh_residuals(corners, capsys, extra):
    corners.main(TINY + extra)
    rows = _rows(capsys.readouterr().out)
    assert [r[0].strip() for r in rows] == ["fit"] * 2 + ["pressure"] * 2 + ["equations"] * 3
    assert [int(r[1]) for r in rows] == [1, 4, 1, 2, 1, 2, 3]
    assert all(0 <= float(v) < 1e3 for r in rows for v in r[2:7])


def test_the_fit_alone_approaches_the_flow(corners, capsys):
    corners.main(TINY[:4] + ["--fit-points", "300", "--fit-iterations", "40", "--pressure-iterations", "1",
                             "--iterations", "1", "--points", "100", "--side-points", "20", "--width", "12"])
    fit = [r for r in _rows(capsys.readouterr().out) if r[0].strip() == "fit"]
    first, last = (float(fit[0][2]), float(fit[0][3])), (float(fit[-1][2]), float(fit[-1][3]))
    assert last[0] < 0.1 * first[0] and last[1] < 0.1 * first[1]


def test_corner_rows_are_scaled_or_cut_by_their_distance(corners):
    import torch

    x = torch.tensor([[0.0, 0.99], [0.5, 0.5], [1.0, 0.975]], dtype=torch.float64)
    assert corners.corner_factors(x, "scaled", 0.05).tolist() == pytest.approx([0.04, 1.0, 0.25])
    assert corners.corner_factors(x, "cut", 0.05).tolist() == [0.0, 1.0, 0.0]
    assert corners.corner_factors(x, "all", 0.05).tolist() == [1.0, 1.0, 1.0]
