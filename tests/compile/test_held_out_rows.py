"""Noisy observations keep a share of their rows out of training (pinnlang/compile/data.py);
exact observations and small files keep all of theirs."""

from __future__ import annotations

import numpy as np
import sympy as sp
import torch

import pinnlang
from pinnlang.compile import compile_problem, verify_exact
from pinnlang.compile.data import HELD_OUT_SHARE, MIN_HELD_OUT, held_out_rows

x = sp.Symbol("x")
u = sp.Function("u")


def _problem(tmp_path, rows, bad_row=None, **options):
    xs = np.linspace(0.01, 0.99, rows)
    values = np.sin(np.pi * xs)
    if bad_row is not None:
        values[bad_row] += 1.0  # far beyond 5 standard deviations of the declared noise
    lines = ["x,u"] + [f"{a:.17g},{b:.17g}" for a, b in zip(xs, values)]
    (tmp_path / "obs.csv").write_text("\n".join(lines) + "\n")
    problem = (pinnlang.Problem("noisy").space(x, 0, 1).field(u)
               .pde(sp.Eq(-u(x).diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x)))
               .boundary(sp.Eq(u(x), 0))
               .data("obs.csv", u, base_dir=tmp_path, **options))
    problem.exact(u, sp.sin(sp.pi * x))
    return problem


def _rows(batch):
    return {round(float(v), 12) for v in batch.x[:, 0]}


def test_noisy_observations_hold_a_share_of_their_rows_out_of_training(tmp_path):
    data = compile_problem(_problem(tmp_path, 200, noise=0.05), dtype=torch.float64).condition("data")
    held = data.held_out()
    assert len(held.x) == round(HELD_OUT_SHARE * 200) and len(data.inputs) == 200 - len(held.x)
    trained = data.sample()  # the default sample: every training row
    assert len(trained.x) == len(data.inputs)
    assert not _rows(trained) & _rows(held)  # never trained on
    assert len(data.every_row().x) == 200 and _rows(data.every_row()) == _rows(trained) | _rows(held)
    again = compile_problem(_problem(tmp_path, 200, noise=0.05), dtype=torch.float64).condition("data")
    assert _rows(again.held_out()) == _rows(held)  # the same split in every run
    assert data.noise == 0.05


def test_exact_observations_and_small_files_keep_every_row(tmp_path):
    exact = compile_problem(_problem(tmp_path, 200), dtype=torch.float64).condition("data")
    assert exact.held_out() is None and exact.noise is None and len(exact.inputs) == 200
    small_rows = int(MIN_HELD_OUT / HELD_OUT_SHARE) - 10
    small = compile_problem(_problem(tmp_path, small_rows, noise=0.05), dtype=torch.float64).condition("data")
    assert small.held_out() is None and len(small.inputs) == small_rows
    assert not held_out_rows(1000, None).any()
    assert held_out_rows(1000, 0.1).sum() == round(HELD_OUT_SHARE * 1000)


def test_check_exact_still_compares_the_held_out_rows(tmp_path):
    bad_row = int(np.flatnonzero(held_out_rows(200, 0.05))[0])  # a row training never sees
    reports = {r.name: r for r in verify_exact(_problem(tmp_path, 200, bad_row=bad_row, noise=0.05))}
    assert reports["data"].points == 200 and not reports["data"].ok
    assert {r.name: r for r in verify_exact(_problem(tmp_path, 200, noise=0.05))}["data"].ok
