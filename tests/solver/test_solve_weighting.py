"""Loss weighting, causal weighting, resampling, RAD, minibatches and validation."""

from __future__ import annotations

import math

import pytest
import torch

import pinnlang
from pinnlang.solver.weighting import LossWeights, causal_mean_square

from .conftest import TINY


def test_annealing_raises_the_weight_of_the_boundary(heat):
    result = pinnlang.solve(heat, steps=40, weighting="annealing", anneal_every=10, log_every=10, **TINY)
    weights = result.module.loss_weights
    assert weights.anneals
    assert weights.adaptive[weights.names.index("pde")] == 1
    assert not torch.allclose(weights.adaptive, torch.ones_like(weights.adaptive))
    assert "weight/boundary" in result.history[-1]


def test_gradnorm_balances_the_gradient_norms_of_every_condition():
    weights = LossWeights(["pde", "boundary"], ["pde", "boundary"], [1.0, 1.0], scheme="gradnorm", alpha=0.0)
    assert weights.anneals
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    pde_loss = (3.0 * w).sum()        # gradient (3, 3): norm 3 sqrt 2
    boundary_loss = w[0] * 1.0        # gradient (1, 0): norm 1
    weights.anneal([pde_loss, boundary_loss], [w])
    total = 3 * math.sqrt(2) + 1
    torch.testing.assert_close(weights.adaptive, torch.tensor([total / (3 * math.sqrt(2)), total]))
    # Weighted, both conditions now pull with the same gradient norm.
    assert float(weights.adaptive[0]) * 3 * math.sqrt(2) == pytest.approx(float(weights.adaptive[1]) * 1.0)


def test_gradnorm_trains_through_solve(heat):
    result = pinnlang.solve(heat, steps=40, weighting="gradnorm", anneal_every=10, log_every=10, **TINY)
    weights = result.module.loss_weights
    assert weights.anneals
    assert not torch.allclose(weights.adaptive, torch.ones_like(weights.adaptive))
    assert all(math.isfinite(float(v)) and float(v) > 0 for v in weights.adaptive)


def test_fixed_weights_come_from_the_condition_options():
    problem = pinnlang.parse("problem p\nspace x in [0, 1]\nfield u\npde: d(u, x) = 1\n"
                             "boundary: u = 0 [weight = 100]\n")
    result = pinnlang.solve(problem, steps=3, **TINY)
    assert result.module.loss_weights.weights.tolist() == [1.0, 100.0]


def test_causal_weights_favour_early_times():
    t = torch.tensor([0.05, 0.15, 0.95])
    residual = torch.tensor([[1.0], [1.0], [1.0]])
    # bins of width 0.5: bin 0 holds two points (mean square 1), bin 1 one point weighted exp(-eps)
    value = causal_mean_square(residual, t, 0.0, 1.0, bins=2, eps=2.0)
    assert float(value) == pytest.approx((1 + math.exp(-2.0)) / 2)
    assert float(causal_mean_square(residual, t, 0.0, 1.0, bins=2, eps=0.0)) == pytest.approx(1.0)


def test_causal_training_runs_on_a_time_dependent_problem(heat):
    result = pinnlang.solve(heat, steps=20, causal=1.0, causal_bins=8, **TINY)
    assert math.isfinite(result.losses["pde"])


def test_resampling_and_rad_change_the_points(heat):
    result = pinnlang.solve(heat, steps=21, resample_every=10, adaptive=True, **TINY)
    points = result.module._collocation()
    assert points.round == 2
    assert points.batches["pde"].x.shape == (64, 2)


def test_lbfgs_draws_fresh_points_and_restarts_its_memory(heat):
    result = pinnlang.solve(heat, steps=20, resample_every=10, lbfgs_steps=25, lbfgs_resample_every=10,
                            **TINY)
    module = result.module
    # Adam's rounds 0 and 1; L-BFGS starts on round 1 and draws rounds 2 and 3
    assert [module._round(s) for s in (0, 19, 20, 29, 30, 40, 44)] == [0, 1, 1, 1, 2, 3, 3]
    assert module._collocation().round == 3
    lbfgs = result.trainer.optimizers[0]
    assert isinstance(lbfgs, torch.optim.LBFGS)
    state = lbfgs.state[lbfgs._params[0]]
    assert state["n_iter"] == 5  # counted from the restart at step 40, not from step 20
    kept = pinnlang.solve(heat, steps=20, resample_every=10, lbfgs_steps=25, **TINY).module
    assert [kept._round(s) for s in (20, 44)] == [1, 1] and kept._collocation().round == 1


def test_time_windows_grow_over_adam_and_leave_lbfgs_the_whole_interval(heat):
    result = pinnlang.solve(heat, steps=40, lbfgs_steps=5, time_windows=4, **TINY)
    module = result.module
    assert [module.time_window(s) for s in (0, 9, 10, 39, 40, 44)] == [0.25, 0.25, 0.5, 1.0, 1.0, 1.0]
    t = module._time_column
    early, late = module.current_batches(0), module.current_batches(40)
    for name in ("pde", "boundary"):
        assert float(early[name].x[:, t].max()) <= 0.25 + 1e-6  # heat's time runs over [0, 1]
        # the same points, their times pulled into the window: uniform points stay uniform
        assert torch.allclose(early[name].x[:, t], late[name].x[:, t] * 0.25)
        assert torch.equal(early[name].x[:, :t], late[name].x[:, :t])
    assert float(late["pde"].x[:, t].max()) > 0.5
    assert torch.equal(early["initial"].x, late["initial"].x)  # t = 0 stays t = 0


def test_minibatches_train_on_subsets(heat):
    result = pinnlang.solve(heat, steps=10, batch_size=16, **TINY)
    batches = result.module.current_batches(5)
    assert batches["pde"].x.shape == (16, 2)


def test_validation_runs_with_gradients_enabled(heat):
    result = pinnlang.solve(heat, steps=20, val_every=10, **TINY)
    assert "val_loss" in result.trainer.callback_metrics  # residuals needed input gradients


def test_loss_weights_combine():
    weights = LossWeights(["pde", "boundary"], ["pde", "boundary"], [1.0, 10.0])
    assert float(weights.combine(torch.tensor([2.0, 3.0]))) == 32.0
    assert not weights.anneals


def test_combine_follows_every_change_of_the_weights():
    weights = LossWeights(["pde", "boundary"], ["pde", "boundary"], [1.0, 10.0])
    losses = torch.tensor([2.0, 3.0])
    assert float(weights.combine(losses)) == pytest.approx(32.0)
    weights.adaptive[1] = 0.5                      # in place (an annealing update)
    assert float(weights.combine(losses)) == pytest.approx(17.0)
    weights.load_state_dict({"fixed": torch.tensor([2.0, 1.0]), "adaptive": torch.ones(2)})  # a resume
    assert float(weights.combine(losses)) == pytest.approx(7.0)
    assert weights.combine(losses.double()).dtype == torch.float64
