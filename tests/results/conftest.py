"""A small trained run shared by the results tests (one torch thread: tiny networks)."""

from __future__ import annotations

import pytest
import torch

import pinnlang

torch.set_num_threads(1)

HEAT = """\
problem heat
space x in [0, 1]
time  t in [0, 1]
field u
pde:      d(u, t) = 0.1*d(u, x, x)
initial:  u = sin(pi*x)
boundary: u = 0
exact:    u = exp(-0.1*pi^2*t)*sin(pi*x)
train: steps = 80, points = 128, width = 16, depth = 2, lr = 0.005
"""


@pytest.fixture(scope="module")
def heat_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("heat")
    path = folder / "heat.pinn"
    path.write_text(HEAT)
    return pinnlang.solve(path, out=folder / "run", quiet=True)
