"""A problem file for the command-line tests (one torch thread: tiny networks)."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)

POISSON = """\
problem poisson1d
space x in [0, 1]
field u
pde:      -d(u, x, x) = pi^2*sin(pi*x)
boundary: u = 0
exact:    u = sin(pi*x)
"""

TINY_FLAGS = ["--steps", "60", "--points", "64", "--width", "16", "--depth", "2", "--quiet"]


@pytest.fixture
def poisson_file(tmp_path):
    path = tmp_path / "poisson.pinn"
    path.write_text(POISSON)
    return path


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A run folder written by `pinnlang solve`."""
    from pinnlang.cli import main

    folder = tmp_path_factory.mktemp("cli")
    (folder / "poisson.pinn").write_text(POISSON)
    out = folder / "run"
    assert main(["solve", str(folder / "poisson.pinn"), "--out", str(out), *TINY_FLAGS]) == 0
    return out
