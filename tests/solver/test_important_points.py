"""Points drawn by importance: each candidate kept with a probability growing with its squared
residual and weighted back, so that the weighted mean square of the kept points estimates the
candidates' (Horvitz-Thompson), with less spread where a few points hold most of the squares."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

import pinnlang
from pinnlang.solver.api import build_module
from pinnlang.solver.gauss_newton import MatrixFreeSystem
from pinnlang.solver.levenberg_marquardt import ResidualSystem
from pinnlang.solver.points import apply_selections, choose_important, inclusion_probabilities, systematic_sample, take
from pinnlang.solver.settings import resolve_settings

from .conftest import POISSON


class _Peaked(nn.Module):
    """``u = exp(-((x - 0.3) / 0.02)²)``: its ``u''``, so Poisson's residual, lives near 0.3."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(-((x - 0.3) / 0.02) ** 2)


def test_inclusion_probabilities_keep_n_points_and_grow_with_the_squares():
    rng = np.random.default_rng(0)
    sizes = rng.random(1000) ** 8
    sizes[:5] = 1e6
    pi = inclusion_probabilities(sizes, 250, 0.5)
    assert pi.sum() == pytest.approx(250)
    assert (pi[:5] == 1).all() and (pi > 0).all() and (pi <= 1).all()
    order = np.argsort(sizes, kind="stable")
    assert (np.diff(pi[order]) >= -1e-15).all()
    assert inclusion_probabilities(sizes, 250, 1.0) == pytest.approx(np.full(1000, 0.25))
    assert inclusion_probabilities(np.zeros(100), 10, 0.5) == pytest.approx(np.full(100, 0.1))


def test_a_systematic_sample_keeps_each_candidate_with_its_probability():
    sizes = np.random.default_rng(3).random(50) ** 6
    sizes[0] = 1e3
    pi = inclusion_probabilities(sizes, 10, 0.5)
    assert pi[0] == 1
    rng = np.random.default_rng(4)
    counts = np.zeros(50)
    for _ in range(4000):
        kept = systematic_sample(pi, rng)
        assert len(kept) == 10 and len(set(kept.tolist())) == 10
        counts[kept] += 1
    assert np.abs(counts / 4000 - pi).max() < 0.03
    assert (counts[pi == 1] == 4000).all()


def test_the_weighted_mean_square_estimates_the_candidates_with_less_spread_than_uniform_points():
    problem = pinnlang.parse(POISSON)
    module = build_module(problem, resolve_settings({}, {"precision": "64-true"}))
    pde = module.compiled.condition("pde")
    net = _Peaked()
    candidates = pde.sample(2000, np.random.default_rng(1))
    with torch.enable_grad():
        squares = pde.residual(net, candidates, {}, create_graph=False).detach().square().reshape(-1)
    truth = float(squares.mean())
    important, uniform = [], []
    for r in range(1, 301):
        rng = np.random.default_rng(r)
        chosen = choose_important([pde], {"pde": candidates}, {"pde": 10}, rng, net, {})
        kept = apply_selections({"pde": candidates}, chosen)["pde"]
        assert len(kept.x) == 200 and kept.weights is not None
        with torch.enable_grad():
            important.append(float(pde.residual(net, kept, {}, create_graph=False).square().mean()))
        index = torch.as_tensor(rng.choice(2000, 200, replace=False))
        uniform.append(float(squares[index].mean()))
    important, uniform = np.array(important), np.array(uniform)
    assert abs(important.mean() - truth) < 3 * important.std() / np.sqrt(len(important))
    assert important.std() < 0.3 * uniform.std()


def test_both_gauss_newton_systems_weight_each_row_by_its_point():
    problem = pinnlang.parse(POISSON)
    module = build_module(problem, resolve_settings({}, {"width": 8, "depth": 2, "points": 40, "precision": "64-true"}))
    module.use_engine("forward")
    batches = module.training_points()
    factors = torch.linspace(0.5, 2.0, len(batches["pde"].x), dtype=torch.float64)
    weighted = {**batches, "pde": dataclasses.replace(batches["pde"], weights=factors)}
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    parts = (module.net, module.unknowns, module.compiled.conditions)
    plain = ResidualSystem(*parts, batches, weights).residual()
    dense = ResidualSystem(*parts, weighted, weights)
    free = MatrixFreeSystem(*parts, weighted, weights)
    rows = len(factors)
    torch.testing.assert_close(dense.residual()[:rows], plain[:rows] * factors)
    torch.testing.assert_close(dense.residual()[rows:], plain[rows:])
    torch.testing.assert_close(free.residual().double(), dense.residual())
    jac = dense.jacobian()
    torch.testing.assert_close(jac[:rows], ResidualSystem(*parts, batches, weights).jacobian()[:rows] * factors[:, None])
    assert take(weighted["pde"], torch.tensor([3])).weights.item() == pytest.approx(float(factors[3]))


def test_a_solve_on_important_points_trains_on_weighted_fresh_rounds():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=100, lm_steps=30, lm_resample_every=5, importance=4,
                            width=16, depth=2, points=64, quiet=True, seed=0)
    points = result.module.training_points()
    assert points["pde"].weights is not None and points["boundary"].weights is not None
    assert len(points["pde"].x) == 64  # of 256 candidates
    assert result.errors()["u"] < 1e-3


def test_importance_0_trains_on_uniform_fresh_rounds():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=100, lm_steps=30, lm_resample_every=5, importance=0,
                            width=16, depth=2, points=64, quiet=True, seed=0)
    points = result.module.training_points()
    assert points["pde"].weights is None and len(points["pde"].x) == 64
    assert result.module.points_round() >= 6 and result.errors()["u"] < 1e-3


def test_candidates_are_judged_where_they_will_train():
    problem = pinnlang.parse(POISSON)
    module = build_module(problem, resolve_settings({}, {"precision": "64-true"}))
    pde = module.compiled.condition("pde")
    candidates = pde.sample(2000, np.random.default_rng(1))

    def halved(name, batch):  # as a time window of half the interval would place them
        return dataclasses.replace(batch, x=batch.x * 0.5)

    chosen = choose_important([pde], {"pde": candidates}, {"pde": 10}, np.random.default_rng(2), _Peaked(), {},
                              placed=halved)
    kept = apply_selections({"pde": candidates}, chosen)["pde"]
    heaviest = kept.x[kept.weights < kept.weights.median()].reshape(-1)  # the points kept for their residual
    assert abs(float(heaviest.median()) - 0.6) < 0.05
