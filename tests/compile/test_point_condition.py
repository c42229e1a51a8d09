"""A compiled ``point`` condition: its point at sampled times and params, and its residual."""

from __future__ import annotations

import numpy as np
import torch

from pinnlang.compile import compile_problem
from pinnlang.syntax import parse

UNSTEADY = """\
problem g
param a in [1, 2]
space (x, y) in rectangle([0, 1], [0, 2])
time t in [0, 3]
field u, p
pde: laplacian(p) = 0
boundary: dn(p) = 0
pde u_eq: u = 0
point pin at (0.25, 1.5): p + d(p, x) = a*t
"""


def test_points_sit_at_the_point_over_time_and_params():
    compiled = compile_problem(parse(UNSTEADY), dtype=torch.float64)
    pin = compiled.condition("pin")
    assert pin.default_points == 100
    batch = pin.sample(64, np.random.default_rng(0), "sobol")
    X = batch.x.numpy()
    assert X.shape == (64, 4) and batch.normals is None
    assert (X[:, 0] == 0.25).all() and (X[:, 1] == 1.5).all()
    assert X[:, 2].min() < 0.3 and X[:, 2].max() > 2.7  # time covers [0, 3]
    assert (1 <= X[:, 3]).all() and (X[:, 3] <= 2).all()


def test_residual_reads_values_and_derivatives_at_the_point():
    compiled = compile_problem(parse(UNSTEADY), dtype=torch.float64)
    pin = compiled.condition("pin")
    batch = pin.sample(16, np.random.default_rng(1))

    def net(z: torch.Tensor) -> torch.Tensor:  # u = 0, p = x^2 + a*t
        x, t, a = z[:, 0:1], z[:, 2:3], z[:, 3:4]
        return torch.cat([torch.zeros_like(x), x**2 + a * t], dim=1)

    residual = pin.residual(net, batch, create_graph=False)
    assert residual.shape == (16, 1)
    torch.testing.assert_close(residual, torch.full((16, 1), 0.25**2 + 2 * 0.25, dtype=torch.float64))


def test_a_steady_point_is_one_point():
    text = ("problem s\nspace (x, y) in rectangle([0, 1], [0, 1])\nfield p\npde: laplacian(p) = 0\n"
            "boundary: dn(p) = 0\npoint at (1, 0): p = 2\n")
    pin = compile_problem(parse(text), dtype=torch.float64).conditions[-1]
    assert pin.default_points == 1
    batch = pin.sample(None, np.random.default_rng(0))
    assert batch.x.tolist() == [[1.0, 0.0]]
    residual = pin.residual(lambda z: z[:, :1] * 0 + 5, batch, create_graph=False)
    assert residual.tolist() == [[3.0]]
