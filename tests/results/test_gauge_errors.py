"""Errors of a field fixed only up to a constant or a function of time: the best shift removed,
the raw error kept apart; a pinned field is scored as it is."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from pinnlang.compile import compile_problem
from pinnlang.results import Result
from pinnlang.results.gauge import remove_shift, slice_labels
from pinnlang.syntax import parse

FREE = """\
problem drift
space x in [0, 1]
time t in [0, 1]
field u, p
pde: d(u, t) = d(u, x, 2)
initial: u = sin(pi*x)
boundary: u = 0
pde pressure: d(p, x, 2) = -sin(x)
boundary: dn(p) = cos(x)*(2*x - 1)
exact: u = exp(-pi^2*t)*sin(pi*x)
exact: p = sin(x)
"""
PINNED = FREE + "point at 0.5: p = sin(0.5)\n"


class Drifting(nn.Module):
    """The exact u, and the exact p plus a shift of ``t`` (and ``offset``)."""

    def __init__(self, offset: float = 0.0, u_error: float = 0.0):
        super().__init__()
        self.offset, self.u_error = offset, u_error

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x, t = z[:, 0:1], z[:, 1:2]
        u = torch.exp(-torch.pi**2 * t) * torch.sin(torch.pi * x) + self.u_error * x
        p = torch.sin(x) + 3.0 + 2.0 * t**2 + self.offset * x
        return torch.cat([u, p], dim=1)


def result_of(text: str, network: nn.Module) -> Result:
    problem = parse(text)
    return Result(problem, compile_problem(problem, dtype=torch.float64), network)


def test_a_free_field_is_scored_with_its_function_of_time_removed(tmp_path):
    result = result_of(FREE, Drifting())
    assert result.removed_shifts == {"p": "function of t"}
    errors, raw = result.errors(), result.raw_errors()
    assert errors["p"] < 1e-6 and raw["p"] > 1.0  # float32 network
    assert errors["u"] == raw["u"] < 1e-6
    metrics = result.metrics()
    assert metrics["l2re_raw"] == {"p": raw["p"]} and metrics["removed"] == {"p": "function of t"}
    json.dumps(metrics)
    assert "(function of t removed)" in next(
        line for line in result.summary().splitlines() if line.startswith("L2 rel. error p"))
    assert "removed" not in next(
        line for line in result.summary().splitlines() if line.startswith("L2 rel. error u"))


def test_only_the_shift_is_removed_not_a_real_error():
    wrong = result_of(FREE, Drifting(offset=0.1))
    shape_error = wrong.errors()["p"]
    assert shape_error > 1e-3  # the x-dependent part of the mistake is still counted
    assert shape_error < wrong.raw_errors()["p"]


def test_a_pinned_field_is_scored_as_it_is():
    result = result_of(PINNED, Drifting())
    assert result.removed_shifts == {}
    assert result.errors() == result.raw_errors()
    assert result.errors()["p"] > 1.0
    assert "l2re_raw" not in result.metrics()


def test_slices_of_a_grid_are_its_distinct_time_values():
    t = np.repeat(np.linspace(0, 1, 4), 25)
    points = np.column_stack([np.tile(np.linspace(0, 1, 25), 4), t])
    labels = slice_labels(points, [1])
    assert len(np.unique(labels)) == 4
    assert all(len(np.unique(t[labels == k])) == 1 for k in np.unique(labels))
    assert (slice_labels(points, []) == 0).all()


def test_scattered_points_are_binned_with_enough_points_per_slice():
    rng = np.random.default_rng(0)
    points = rng.uniform(size=(1000, 3))
    labels = slice_labels(points, [2])
    counts = np.bincount(labels)
    assert len(counts) == 20 and counts.min() > 20


@pytest.mark.parametrize("shift", [0.0, -4.5])
def test_remove_shift_takes_out_the_mean_difference_per_slice(shift):
    exact = np.array([1.0, 2.0, 3.0, 4.0])
    labels = np.array([0, 0, 1, 1])
    predicted = exact + np.array([shift, shift, 1.0, 1.5])
    adjusted = remove_shift(predicted, exact, labels)
    np.testing.assert_allclose(adjusted, exact + np.array([0, 0, -0.25, 0.25]))


def test_a_point_condition_trains_through_every_phase(tmp_path):
    import pinnlang

    torch.manual_seed(0)
    result = pinnlang.solve(parse(PINNED), steps=3, lbfgs_steps=2, lm_steps=2, width=8, depth=2,
                            points=32, quiet=True, threads=1)
    assert result.steps == 7
    assert "point" in result.losses and np.isfinite(result.losses["point"])
    assert result.removed_shifts == {}
