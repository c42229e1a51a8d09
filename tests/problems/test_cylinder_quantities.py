"""The drag and lift of problems/cylinder_channel.pinn have the signs and scale of the
Schaefer-Turek coefficients: checked on flows whose force on the cylinder is known in closed form
(by the divergence theorem over the disk of radius r = 0.05)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.compile import compile_problem

CYLINDER = Path(__file__).resolve().parents[2] / "problems" / "cylinder_channel.pinn"
AREA = np.pi * 0.05**2
NU = 1e-3
SCALE = 2 / (0.2**2 * 0.1)  # C = 2 F / (U_mean^2 D) with U_mean = 0.2, D = 0.1


class _Flow(torch.nn.Module):
    """u = (y - 0.2)^2, v = (x - 0.2)^2, p = -x - 2 y: the fluid pushes the cylinder along +x, +y."""

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        x, y = points[:, :1], points[:, 1:2]
        return torch.cat([(y - 0.2) ** 2, (x - 0.2) ** 2, -x - 2 * y], dim=1)


@pytest.fixture(scope="module")
def quantities():
    compiled = compile_problem(pinnlang.load(CYLINDER))
    return {name: value.as_dict() for name, value in compiled.quantity_values(_Flow()).items()}


def test_drag_is_the_force_along_the_flow_in_coefficient_units(quantities):
    # F_x = oint (-p n_x + nu (u_y + v_x) n_y) ds over the body's normal = area (from p)
    #       + nu * int d/dy (2 (y - 0.2)) dA = area + 2 nu area
    assert quantities["drag"]["value"] == pytest.approx(SCALE * (AREA + 2 * NU * AREA), rel=1e-6)
    assert quantities["drag"]["reference"] == 5.57953523384


def test_lift_is_the_force_across_the_flow_in_coefficient_units(quantities):
    # F_y = oint (-p n_y + nu (u_y + v_x) n_x) ds = 2 area + nu * int d/dx (2 (x - 0.2)) dA
    assert quantities["lift"]["value"] == pytest.approx(SCALE * (2 * AREA + 2 * NU * AREA), rel=1e-6)
    assert quantities["lift"]["reference"] == 0.010618948146
