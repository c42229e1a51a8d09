"""Every file of the problem library trains end to end, each phase of its own training included
(a few steps on a small network: a smoke test of the whole path, not of accuracy)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

import pinnlang

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.pinn"))


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_the_problem_file_solves_with_a_tiny_budget(path):
    problem = pinnlang.load(str(path))
    phases = {key: 2 for key in ("lbfgs_steps", "lm_steps") if int(problem.settings.get(key, 0))}
    torch.manual_seed(0)
    result = pinnlang.solve(problem, steps=3, width=8, depth=2, points=32, quiet=True, threads=1, **phases)
    assert result.steps == 3 + sum(phases.values())
    assert result.losses and all(math.isfinite(v) for v in result.losses.values())
    assert all(math.isfinite(v) for v in result.errors().values())
    assert all(math.isfinite(v) for v in result.unknowns.values())
    points = result.compiled.evaluation_points(16).numpy()
    predicted = result.evaluate(points)
    assert predicted.shape == (len(points), len(problem.field_names))
    assert torch.isfinite(torch.as_tensor(predicted)).all()
