"""Jumps of the boundary data smoothed before training (pinnlang/solver/jump_smoothing.py,
pinnlang/problem/smoothing.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.compile import compile_problem
from pinnlang.compile.conditions import Batch
from pinnlang.problem.smoothing import CORE, blend_towards
from pinnlang.solver.data_jumps import data_at, data_jumps
from pinnlang.solver.diagnosis import diagnose
from pinnlang.solver.jump_smoothing import describe_smoothing, smooth_jumps

SQUARE = """
problem lid
space (x, y) in rectangle([0, 1], [0, 1])
field u, v
pde: d(u, x, x) + d(v, y, y) = 0
boundary lid on y = 1: {lid}
boundary walls where y < 1: u = 0
boundary no_penetration: v = 0
"""


def _problem(lid="u = 1"):
    return pinnlang.parse(SQUARE.format(lid=lid))


def _data(problem, name, points):
    compiled = compile_problem(problem, dtype=torch.float64)
    batch = Batch(torch.tensor(points, dtype=torch.float64))
    return data_at(compiled.condition(name), batch, len(compiled.field_names))[:, 0]


def test_the_lid_is_blended_to_the_walls_value_at_its_two_ends_and_kept_beyond_the_radius():
    problem = _problem()
    smoothed, jumps = smooth_jumps(problem, compile_problem(problem, dtype=torch.float64), 0.035)
    assert sorted(j.place for j in jumps) == [(0.0, 1.0), (1.0, 1.0)]
    assert all(j.condition == "lid" and j.other == "walls" and j.target == 0.0 for j in jumps)
    radius = 0.035 * 2**0.5
    assert jumps[0].radius == pytest.approx(radius)
    along = [0.0, CORE * radius / 2, radius / 2, radius * 1.01, 0.5, 1 - radius / 2, 1.0]
    data = _data(smoothed, "lid", [[x, 1.0] for x in along])
    assert data[[0, 1, 6]] == pytest.approx(0.0, abs=1e-12)  # the walls' value at the corners
    assert 0.2 < data[2] < 0.8 and 0.2 < data[5] < 0.8  # between, a smoothstep
    assert data[[3, 4]] == pytest.approx(1.0)  # the lid's own beyond the radius
    assert _data(smoothed, "walls", [[0.0, 0.99], [0.5, 0.0]]) == pytest.approx(0.0)  # untouched
    assert "'lid' blended to 'walls' (0) within 0.049 of (0, 1) and (1, 1)" in describe_smoothing(jumps)


def test_the_data_larger_in_size_move():
    problem = _problem("u = -3")  # walls ask u = 0, the lid u = -3: the lid's data move to 0
    smoothed, jumps = smooth_jumps(problem, compile_problem(problem, dtype=torch.float64), 0.035)
    assert {j.condition for j in jumps} == {"lid"}
    assert _data(smoothed, "lid", [[0.0, 1.0], [0.5, 1.0]]) == pytest.approx([0.0, -3.0])
    problem = pinnlang.parse(SQUARE.format(lid="u = 1").replace("walls where y < 1: u = 0",
                                                                "walls where y < 1: u = 3"))
    smoothed, jumps = smooth_jumps(problem, compile_problem(problem, dtype=torch.float64), 0.035)
    assert {(j.condition, j.target) for j in jumps} == {("walls", 1.0)}
    assert _data(smoothed, "walls", [[0.0, 1.0], [0.0, 0.5]]) == pytest.approx([1.0, 3.0])


def test_nothing_is_smoothed_when_switched_off_continuous_in_time_in_3d_or_given_by_an_unknown():
    problem = _problem()
    compiled = compile_problem(problem, dtype=torch.float64)
    assert smooth_jumps(problem, compiled, 0.0) == (problem, [])
    continuous = _problem("u = 16*x^2*(1 - x)^2")
    assert smooth_jumps(continuous, compile_problem(continuous, dtype=torch.float64), 0.035)[1] == []
    unknown = pinnlang.parse(SQUARE.format(lid="u = speed").replace("field u, v", "field u, v\nunknown speed = 1"))
    assert smooth_jumps(unknown, compile_problem(unknown, dtype=torch.float64), 0.035)[1] == []
    in_time = pinnlang.parse(SQUARE.format(lid="u = 1").replace("field u, v", "time t in [0, 1]\nfield u, v")
                             .replace("pde: d(u, x, x)", "pde: d(u, t) + d(u, x, x)"))
    assert smooth_jumps(in_time, compile_problem(in_time, dtype=torch.float64), 0.035)[1] == []
    box = pinnlang.parse(SQUARE.format(lid="u = 1").replace("(x, y) in rectangle([0, 1], [0, 1])",
                                                            "(x, y, z) in box([0, 1], [0, 1], [0, 1])"))
    assert smooth_jumps(box, compile_problem(box, dtype=torch.float64), 0.035)[1] == []  # edges, not points


BAR = """
problem bar
space x in [0, 1]
time t in [0, 1]
field u
pde: d(u, t) = 0.1*d(u, x, x)
initial: u = 1
boundary: u = 0
"""


def test_a_jump_of_initial_against_boundary_data_is_found_named_and_left_as_written():
    problem = pinnlang.parse(BAR)
    compiled = compile_problem(problem, dtype=torch.float64)
    found = data_jumps(compiled, np.random.default_rng(0), 2**0.5)
    assert sorted((tuple(round(v, 1) for v in place), a, b) for place, a, b in found) == [
        ((0.0, 0.0), "initial", "boundary"), ((1.0, 0.0), "initial", "boundary")]
    assert smooth_jumps(problem, compiled, 0.035) == (problem, [])  # it did not pay (the docstring)

    # a steady bar's equation, and a u that holds the initial data and turns to the ends' data
    # within 1e-3 of t = 0: its residuals are all by the two corners
    compiled = compile_problem(pinnlang.parse(BAR.replace("0.1*d(u, x, x)", "0")), dtype=torch.float64)

    class Net(torch.nn.Module):
        def forward(self, z):
            x, t = z[:, :1], z[:, 1:]
            decay = torch.exp(-t / 1e-3)
            return decay + (1 - decay) * torch.tanh(x / 0.002) * torch.tanh((1 - x) / 0.002)

    diagnosis = diagnose(compiled, Net(), {}, [], {"model": "mlp", "width": 20, "depth": 3}, parameters=921)
    assert not diagnosis.converged and diagnosis.worst.hot_spots
    first = diagnosis.suggestions[0]
    assert "the initial and boundary data of 'initial' and 'boundary' differ where they meet" in first
    assert "the error near it is the data's own" in first and "smooth_jumps" not in first


def test_blend_towards_checks_its_arguments():
    problem = _problem()
    with pytest.raises(KeyError):
        blend_towards(problem, "nowhere", (0.0, 1.0), 0.0, 0.1)
    with pytest.raises(ValueError, match="not a boundary condition"):
        blend_towards(problem, "pde", (0.0, 1.0), 0.0, 0.1)
    with pytest.raises(ValueError, match="spatial coordinates"):
        blend_towards(problem, "lid", (0.0,), 0.0, 0.1)


def test_the_diagnosis_does_not_name_a_smoothed_jump():
    problem = _problem()
    smoothed, jumps = smooth_jumps(problem, compile_problem(problem, dtype=torch.float64), 0.035)
    compiled = compile_problem(smoothed, dtype=torch.float64)

    class Net(torch.nn.Module):  # u = y^200: the walls fail only by the top corners
        def forward(self, z):
            return torch.stack([z[:, 1] ** 200, 0 * z[:, 0]], dim=1)

    settings = {"model": "mlp", "width": 20, "depth": 3}
    named = diagnose(compiled, Net(), {}, [], settings, parameters=921)
    quiet = diagnose(compiled, Net(), {}, [], settings, parameters=921, smoothed=jumps)
    # data_jumps sees steep data within its reach (2 % of the diagonal) as a jump; the run knows
    # it smoothed them
    assert "the boundary data of 'lid' and 'walls' differ where they meet" in named.suggestions[0]
    assert not quiet.converged and quiet.worst.hot_spots
    assert "differ where they meet" not in " ".join(quiet.suggestions)
    assert "a layer the network does not resolve" in quiet.suggestions[0]


def test_solve_reports_the_smoothing_and_keeps_the_data_when_told():
    problem = _problem()
    result = pinnlang.solve(problem, steps=2, lm_steps=0, points=64, quiet=True)
    assert "boundary data jump: 'lid' blended to 'walls'" in result.defaults
    assert "min(1" in result.problem.to_pinn()
    kept = pinnlang.solve(problem, steps=2, lm_steps=0, points=64, quiet=True, smooth_jumps=0)
    assert "blended" not in (kept.defaults or "") and "min(1" not in kept.problem.to_pinn()


def test_a_saved_run_loads_with_the_data_it_trained_on(tmp_path):
    problem = _problem()
    for fraction, blended in ((0.035, True), (0.0, False)):
        result = pinnlang.solve(problem, steps=2, lm_steps=0, points=64, quiet=True, smooth_jumps=fraction)
        folder = tmp_path / f"run_{fraction}"
        result.save(folder)
        loaded = pinnlang.Result.load(folder)
        assert ("min(1" in loaded.problem.to_pinn()) is blended
        assert loaded.problem.to_pinn() == result.problem.to_pinn()
        lid = loaded.compiled.condition("lid")
        batch = Batch(torch.tensor([[0.0, 1.0], [0.5, 1.0]], dtype=loaded.compiled.lower.dtype))
        data = data_at(lid, batch, 2)[:, 0]
        assert data == pytest.approx([0.0 if blended else 1.0, 1.0])  # the corner's as trained
