"""A run scores its network against reference files and reports quantities, in metrics.json,
the summary, the error plot and after Result.load."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.reference.points import relative_l2_error
from pinnlang.results.result import Result

HEAT = """\
problem heat_scored
space x in [0, 1]
time t in [0, 1]
field u
initial: u = sin(pi*x)
pde: u_t = 0.1*u_xx
boundary on x = 0: u = 0
boundary on x = 1: u = 0
reference "grid.npz": u
reference "points.csv": u
quantity mass = integral(u) [reference = 0.3]
quantity left_flux = integral(dn(u), on x = 0) [t = 0]
train: steps = 40, points = 128, width = 16, depth = 2, lr = 0.005
"""


def _exact(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.exp(-0.1 * math.pi**2 * t) * np.sin(math.pi * x)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scored")
    x, t = np.linspace(0, 1, 11), np.linspace(0, 1, 6)
    X, T = np.meshgrid(x, t, indexing="ij")
    np.savez(folder / "grid.npz", x=x, t=t, u=_exact(X, T))
    rng = np.random.default_rng(0)
    px, pt = rng.uniform(0, 1, 30), rng.uniform(0, 1, 30)
    rows = "\n".join(f"{a:.17g},{b:.17g},{_exact(b, a):.17g}" for a, b in zip(pt, px))
    (folder / "points.csv").write_text("t,x,u\n" + rows + "\n")
    (folder / "heat.pinn").write_text(HEAT)
    torch.manual_seed(0)
    result = pinnlang.solve(folder / "heat.pinn", out=folder / "run", quiet=True)
    return result, folder, (X.ravel(), T.ravel(), px, pt)


def test_reference_errors_are_relative_l2_errors_at_the_file_points(scored):
    result, _folder, (gx, gt, px, pt) = scored
    errors = result.reference_errors()
    assert set(errors) == {"u", "u@reference_2"}
    grid = result.evaluate(np.stack([gx, gt], axis=1))[:, 0]
    assert errors["u"] == pytest.approx(relative_l2_error(grid, _exact(gx, gt)), rel=1e-9)
    points = result.evaluate(np.stack([px, pt], axis=1))[:, 0]
    assert errors["u@reference_2"] == pytest.approx(
        relative_l2_error(points, _exact(px, pt)), rel=1e-9)


def test_quantities_integrate_the_network(scored):
    result, _folder, _points = scored
    quantities = result.quantities()
    assert list(quantities) == ["mass", "left_flux"]
    x = np.polynomial.legendre.leggauss(64)
    nodes, weights = (x[0] + 1) / 2, x[1] / 2
    at_final = result.evaluate(np.stack([nodes, np.ones_like(nodes)], axis=1))[:, 0]
    mass = quantities["mass"]
    assert mass["value"] == pytest.approx(float(np.dot(weights, at_final)), rel=1e-6)
    assert mass["reference"] == 0.3
    assert mass["rel_error"] == pytest.approx(abs(mass["value"] - 0.3) / 0.3)
    assert quantities["left_flux"]["reference"] is None


def test_metrics_summary_and_error_plot(scored):
    result, folder, _points = scored
    metrics = json.loads((folder / "run" / "metrics.json").read_text())
    assert metrics["l2re"] == {}
    assert metrics["l2re_reference"] == pytest.approx(result.reference_errors())
    assert metrics["quantities"]["mass"]["value"] == pytest.approx(
        result.quantities()["mass"]["value"])
    summary = result.summary()
    assert "L2 rel. error u (reference)" in summary and "quantity mass" in summary
    assert (folder / "run" / "error.png").stat().st_size > 0


def test_load_keeps_the_scores(scored):
    result, folder, _points = scored
    loaded = Result.load(folder / "run")
    assert loaded.problem.references == result.problem.references
    assert loaded.reference_errors() == pytest.approx(result.reference_errors(), rel=1e-6)
    assert loaded.quantities()["mass"]["value"] == pytest.approx(
        result.quantities()["mass"]["value"], rel=1e-6)


def test_a_problem_without_scores_writes_no_score_keys(heat_result):
    metrics = heat_result.metrics()
    assert "l2re_reference" not in metrics and "quantities" not in metrics
    assert heat_result.quantities() == {} and heat_result.reference_errors() == {}
