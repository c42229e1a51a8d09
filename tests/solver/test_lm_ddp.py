"""The Levenberg-Marquardt phase in several processes: each rank keeps its own residual rows,
the Gram products and the loss are summed over the ranks, so two CPU processes (gloo) take the
step one process takes on the union of their points."""

from __future__ import annotations

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import pinnlang
from pinnlang.solver.api import build_module
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer
from pinnlang.solver.lm_phase import make_system
from pinnlang.solver.points import take
from pinnlang.solver.settings import resolve_settings

from .conftest import HEAT, POISSON, solve_in_two_processes

pytest.importorskip("pinnlang.solver.gauss_newton")


def _module_and_points():
    problem = pinnlang.parse(POISSON)
    settings = resolve_settings({}, {"width": 8, "depth": 2, "points": 24, "precision": "64-true", "seed": 5})
    module = build_module(problem, settings)
    module.use_engine("forward")
    return module, module.training_points()


def _one_step(module, points, processes):
    system = make_system(module, points, processes)
    optimizer = LevenbergMarquardtOptimizer([p for p in module.parameters() if p.requires_grad])
    loss = float(optimizer.step(lambda: (system, 0)))
    return {"loss": loss, "damping": optimizer.damping,
            "params": [p.detach().clone() for p in module.parameters()]}


def _rank(rank: int, init_file: str, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        module, points = _module_and_points()
        half = {name: take(b, torch.arange(rank, len(b.x), 2)) for name, b in points.items()}
        torch.save(_one_step(module, half, 2), os.path.join(out, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_two_processes_take_the_one_process_step_on_the_union_of_their_points(tmp_path):
    module, points = _module_and_points()
    assert all(len(b.x) % 2 == 0 for b in points.values())
    alone = _one_step(module, points, 1)
    mp.spawn(_rank, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    for rank in (0, 1):
        step = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        assert step["loss"] == pytest.approx(alone["loss"], rel=1e-10)
        assert step["damping"] == alone["damping"]
        for a, b in zip(step["params"], alone["params"]):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_two_cpu_processes_run_the_lm_phase_inside_fit(tmp_path):
    _, metrics = solve_in_two_processes(tmp_path, POISSON, "--steps", "200", "--lm-steps", "20",
                                        "--lm-resample-every", "5", "--points", "64", "--width", "8",
                                        "--depth", "2", "--quiet")
    assert metrics["device"] == "cpu x2 (ddp)" and metrics["steps"] == 220
    assert [p["kind"] for p in metrics["phases"]] == ["adam", "lm"]
    assert metrics["l2re"]["u"] < 1e-3


@pytest.mark.slow
def test_two_cpu_processes_march_in_time_together(tmp_path):
    # a time budget: Adam, then a Levenberg-Marquardt phase that marches through 2 windows; each
    # rank judges its own points, and the ranks march on together or not at all
    completed, metrics = solve_in_two_processes(tmp_path, HEAT, "--max-time", "20", "--time-windows", "2",
                                                "--points", "64", "--width", "8", "--depth", "2")
    assert "time window 2/2" in completed.stdout + completed.stderr
    assert [(p["kind"], p["time_windows"]) for p in metrics["phases"]] == [("adam", 0), ("lm", 2)]
    assert metrics["l2re"]["u"] < 1e-2
