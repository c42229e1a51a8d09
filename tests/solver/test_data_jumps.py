"""Where boundary data jump (pinnlang/solver/data_jumps.py), and the diagnosis that names them."""

from __future__ import annotations

import numpy as np
import torch

import pinnlang
from pinnlang.compile import compile_problem
from pinnlang.solver.data_jumps import data_jumps
from pinnlang.solver.diagnosis import diagnose

SQUARE = """
problem lid
space (x, y) in rectangle([0, 1], [0, 1])
field u, v
pde: d(u, x, x) + d(v, y, y) = 0
boundary lid on y = 1: u = {lid}
boundary walls where y < 1: u = 0
boundary no_penetration: v = 0
"""


def _compiled(lid="1"):
    return compile_problem(pinnlang.parse(SQUARE.format(lid=lid)), dtype=torch.float64)


def _jumps(compiled):
    return data_jumps(compiled, np.random.default_rng(0), diagonal=2**0.5)


def test_a_lid_meeting_resting_walls_jumps_at_its_two_ends():
    jumps = _jumps(_compiled())
    assert sorted(round(p[0]) for p, _, _ in jumps) == [0, 1]
    assert all(p[1] > 0.97 and {a, b} == {"lid", "walls"} for p, a, b in jumps)


def test_data_that_meet_continuously_or_read_other_fields_do_not_jump():
    assert _jumps(_compiled(lid="16*x^2*(1 - x)^2")) == []  # zero with its slope at both ends
    # 'no_penetration' (v = 0) meets both, but reads v, not u
    assert all("no_penetration" not in (a, b) for _, a, b in _jumps(_compiled()))


def test_the_diagnosis_of_a_jump_names_the_conditions_and_drops_the_larger_network():
    compiled = _compiled()

    class Net(torch.nn.Module):  # u = y^200: the lid holds, the walls fail only by the top corners
        def forward(self, z):
            return torch.stack([z[:, 1] ** 200, 0 * z[:, 0]], dim=1)

    diagnosis = diagnose(compiled, Net(), {}, [], {"model": "mlp", "width": 20, "depth": 3}, parameters=921)
    assert not diagnosis.converged and diagnosis.worst.name == "walls"
    assert {round(h.centre[0]) for h in diagnosis.worst.hot_spots} <= {0, 1}
    first = diagnosis.suggestions[0]
    assert "the boundary data of 'lid' and 'walls' differ where they meet" in first
    assert "(a larger network is no cure)" in first
    assert not any(s.startswith("a larger network") for s in diagnosis.suggestions)


def test_data_with_an_unknown_take_its_value_and_without_one_are_left_out():
    text = """
problem inverse_lid
space (x, y) in rectangle([0, 1], [0, 1])
field u
unknown k = 0.5
pde: d(u, x, x) + d(u, y, y) = 0
boundary top on y = 1: u = k
boundary rest where y < 1: u = 0
"""
    compiled = compile_problem(pinnlang.parse(text), dtype=torch.float64)
    found = data_jumps(compiled, np.random.default_rng(0), 2**0.5, {"k": torch.tensor(0.5, dtype=torch.float64)})
    assert sorted(round(p[0]) for p, _, _ in found) == [0, 1]
    assert data_jumps(compiled, np.random.default_rng(0), 2**0.5, {"k": torch.tensor(0.0, dtype=torch.float64)}) == []
    assert data_jumps(compiled, np.random.default_rng(0), 2**0.5) == []  # k unknown: not evaluated


def test_fluxes_that_differ_at_a_corner_are_no_jump():
    text = """
problem flux
space (x, y) in rectangle([0, 1], [0, 1])
field u
pde: d(u, x, x) + d(u, y, y) = 0
boundary top on y = 1: dn(u) = 1
boundary sides where y < 1: dn(u) = 0
"""
    assert _jumps(compile_problem(pinnlang.parse(text), dtype=torch.float64)) == []
