"""Two CPU processes (gloo), each holding half of the points, take the Gauss-Newton step of one
process holding all of them, with the dense and with the matrix-free system."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import pinnlang
from pinnlang.solver.api import build_module
from pinnlang.solver.gauss_newton import make_residual_system
from pinnlang.solver.points import take
from pinnlang.solver.settings import resolve_settings

from .conftest import HEAT

SETTINGS = {"width": 6, "depth": 2, "points": 20, "precision": "64-true", "seed": 3}

RANK_SCRIPT = """
import sys
import torch
import torch.distributed as dist
sys.path.insert(0, {tests!r})
from solver.test_gauss_newton_ddp import steps_on
dist.init_process_group("gloo")
rank = dist.get_rank()

def reduce(t):
    t = t.clone()
    dist.all_reduce(t)
    return t

torch.save(steps_on(rank, 2, reduce), {out!r} + f"/rank{{rank}}.pt")
dist.destroy_process_group()
"""


def steps_on(rank: int, ranks: int, reduce=None) -> dict[str, torch.Tensor]:
    """The dense and matrix-free steps and losses on this rank's share of the points (every
    ``ranks``-th point from ``rank``; the network and points are the same in every process)."""
    problem = pinnlang.parse(HEAT)
    module = build_module(problem, resolve_settings(problem.settings, SETTINGS))
    module.use_engine("forward")
    batches = {k: take(b, torch.arange(rank, len(b), ranks)) for k, b in module.training_points().items()}
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    out = {}
    for mode in ("dense", "matrix-free"):
        system, _ = make_residual_system(module.net, module.unknowns, module.compiled.conditions, batches,
                                         weights, reduce=reduce, mode=mode)
        if mode == "matrix-free":
            system.tolerance, system.max_iterations = 1e-12, 1000
        system.prepare()
        out[mode] = system.damped_step(1e-3)
        out[f"{mode} loss"] = torch.tensor(system.loss())
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_gloo_processes_take_the_step_of_one_process_holding_both_halves(tmp_path):
    tests = str(Path(__file__).resolve().parents[1])
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT.format(tests=tests, out=str(tmp_path)))
    port = str(_free_port())
    procs = []
    for rank in range(2):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=port, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
        procs.append(subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    want = steps_on(0, 1)
    for rank in range(2):
        got = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        for mode in ("dense", "matrix-free"):
            torch.testing.assert_close(got[mode], want["dense"], rtol=1e-6, atol=1e-9)
            assert float(got[f"{mode} loss"]) == pytest.approx(float(want["dense loss"]), rel=1e-10)
