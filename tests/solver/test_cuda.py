"""The whole default training on a CUDA device (skipped without one): nothing in the solver path
assumes CPU tensors, and the Levenberg-Marquardt phase keeps its linear algebra on the device."""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer

from .conftest import POISSON

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def test_the_default_training_runs_on_cuda():
    result = pinnlang.solve(pinnlang.parse(POISSON), width=8, depth=2, points=64, accelerator="gpu",
                            devices=1, quiet=True)
    assert result.device.startswith("cuda")
    assert [p["kind"] for p in result.phases] == ["adam", "lm"]
    assert isinstance(result.trainer.optimizers[0], LevenbergMarquardtOptimizer)
    assert all(p.device.type == "cuda" for p in result.module.parameters())
    assert result.errors()["u"] < 1e-3
