"""Fixtures of the solver tests: small problems as .pinn text, one torch thread (tiny networks
train fastest on one thread, and the suite shares two cores)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import pinnlang

torch.set_num_threads(1)

POISSON = """\
problem poisson1d "-u'' = pi^2 sin(pi x), u(0) = u(1) = 0"
space x in [0, 1]
field u
pde:      -d(u, x, x) = pi^2*sin(pi*x)
boundary: u = 0
exact:    u = sin(pi*x)
"""

INVERSE = """\
problem diffusion_inverse
unknown k = 1.0
space x in [0, 1]
time  t in [0, 1]
field u
pde:      d(u, t) = k*d(u, x, x)
initial:  u = sin(pi*x)
boundary: u = 0
data "observations.csv": u
exact:    u = exp(-0.5*pi^2*t)*sin(pi*x)
"""

PARAMETRIC = """\
problem poisson_family
param a in [1, 3]
space x in [0, 1]
field u
pde:      -d(u, x, x) = a*pi^2*sin(pi*x)
boundary: u = 0
exact:    u = a*sin(pi*x)
"""

HEAT = """\
problem heat
space x in [0, 1]
time  t in [0, 1]
field u
pde:      d(u, t) = 0.1*d(u, x, x)
initial:  u = sin(pi*x)
boundary: u = 0
exact:    u = exp(-0.1*pi^2*t)*sin(pi*x)
"""

BROKEN = """\
problem broken
space x in [0, 1]
field u
pde heat: d(u, x, x) = log(x - 2)
boundary: u = 0
"""

TINY = dict(width=16, depth=2, points=64, quiet=True)


def write_observations(folder, n: int = 200, seed: int = 1) -> None:
    """Noise-free observations of u = exp(-pi^2 t / 2) sin(pi x) at random (x, t)."""
    rng = np.random.default_rng(seed)
    x, t = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    u = np.exp(-0.5 * np.pi**2 * t) * np.sin(np.pi * x)
    np.savetxt(folder / "observations.csv", np.column_stack([x, t, u]), delimiter=",",
               header="x,t,u", comments="")


@pytest.fixture
def poisson():
    return pinnlang.parse(POISSON)


@pytest.fixture
def heat():
    return pinnlang.parse(HEAT)


def solve_in_two_processes(tmp_path, text: str, *flags: str, env: dict | None = None):
    """``pinnlang solve`` of ``text`` on two CPU processes (DDP over gloo, one thread each) with
    ``flags``; returns the finished process (asserted successful) and the run's ``metrics.json``."""
    import json
    import os
    import subprocess
    import sys

    problem = tmp_path / "problem.pinn"
    problem.write_text(text)
    out = tmp_path / "run"
    completed = subprocess.run(
        [sys.executable, "-m", "pinnlang", "solve", str(problem), "--out", str(out), "--accelerator", "cpu",
         "--devices", "2", "--strategy", "ddp", *flags],
        capture_output=True, text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1", **(env or {})))
    assert completed.returncode == 0, completed.stderr
    return completed, json.loads((out / "metrics.json").read_text())
