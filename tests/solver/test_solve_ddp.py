"""DDP on two CPU processes (gloo): each rank samples its own points, gradients are averaged."""

from __future__ import annotations


import numpy as np
import pytest

import pinnlang
from pinnlang.solver.points import CollocationPoints

from .conftest import POISSON, solve_in_two_processes


@pytest.mark.slow
def test_two_cpu_processes_train_one_model(tmp_path):
    completed, metrics = solve_in_two_processes(
        tmp_path, POISSON, "--steps", "60", "--points", "64", "--width", "16", "--depth", "2", "--quiet",
        env={"PYTHONWARNINGS": "error::UserWarning"})
    out = tmp_path / "run"
    assert metrics["device"] == "cpu x2 (ddp)"
    assert metrics["steps"] == 60
    # the engine trial runs under DDP too (its gradients never reach DDP's reduction hooks)
    assert metrics["tuning"]["reason"] == "timed trial" and metrics["tuning"]["batching"]["steps_per_batch"] == 1
    assert metrics["losses"]["pde"] < 50
    assert completed.stdout.count("run folder:") == 1  # only rank 0 reports
    result = pinnlang.Result.load(out)
    assert np.isfinite(result.predict(x=np.linspace(0, 1, 5))["u"]).all()


@pytest.mark.slow
def test_two_cpu_processes_run_lbfgs_after_adam(tmp_path):
    # Each rank's line search must see the same loss, else the ranks call the closure a
    # different number of times and wait on each other's gradient reductions forever.
    _, metrics = solve_in_two_processes(tmp_path, POISSON, "--steps", "40", "--lbfgs", "30", "--points", "64",
                                        "--width", "16", "--depth", "2", "--quiet")
    out = tmp_path / "run"
    assert metrics["steps"] == 70
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) > 2


def test_ranks_draw_different_points_and_rounds_are_reproducible():
    compiled = pinnlang.compile_problem(pinnlang.parse(POISSON))
    counts = {"pde": 32, "boundary": 8}
    samplers = {"pde": "uniform", "boundary": "uniform"}
    rank0 = CollocationPoints(compiled.conditions, counts, samplers, seed=3, rank=0, prefetch=False)
    rank1 = CollocationPoints(compiled.conditions, counts, samplers, seed=3, rank=1, prefetch=False)
    again = CollocationPoints(compiled.conditions, counts, samplers, seed=3, rank=0, prefetch=True)
    a, b = rank0.draw(0)["pde"].x, rank1.draw(0)["pde"].x
    assert a.shape == (32, 1) and not np.allclose(a.numpy(), b.numpy())
    assert np.array_equal(again.advance(0)["pde"].x.numpy(), a.numpy())
    assert np.array_equal(again.advance(1)["pde"].x.numpy(), rank0.draw(1)["pde"].x.numpy())  # prefetched
    again.close()
