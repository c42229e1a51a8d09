"""Huber factors of the Gauss-Newton rows: the median over processes, the factors, and the
residual systems that carry them."""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.solver.api import build_module
from pinnlang.solver.gauss_newton import MatrixFreeSystem
from pinnlang.solver.levenberg_marquardt import ResidualSystem
from pinnlang.solver.robust import huber_factors, medians
from pinnlang.solver.settings import resolve_settings

POISSON = """
problem p
space x in [0, 1]
field u
pde: d(u, x, 2) = -pi^2*sin(pi*x)
boundary: u = 0
"""


def test_the_median_by_bisection_is_the_median_and_the_same_over_two_processes():
    generator = torch.Generator().manual_seed(0)
    odd = torch.rand(101, dtype=torch.float64, generator=generator).exp()
    even = torch.rand(40, dtype=torch.float64, generator=generator)
    found = medians([odd, even])
    assert float(found[0]) == pytest.approx(float(odd.median()), rel=1e-12)
    # the lower median of an even count: the smaller of the middle two
    assert float(found[1]) == pytest.approx(float(even.sort().values[19]), rel=1e-12)
    # two processes holding the same points (counts and sums doubled): the bisection finds them
    torch.testing.assert_close(medians([odd, even], reduce=lambda t: 2 * t), found, rtol=1e-15, atol=0)


def test_points_beyond_the_threshold_count_linearly_and_the_rest_are_untouched():
    rows = torch.ones(100, 2, dtype=torch.float64)
    rows[7] = torch.tensor([30.0, 40.0])  # |r| = 50 against a median of sqrt(2)
    (factors,) = huber_factors([rows], threshold=10.0)
    cut = 10 * 2**0.5
    assert factors.shape == (200,)
    assert torch.allclose(factors[14:16], torch.full((2,), (cut / 50) ** 0.5, dtype=torch.float64))
    assert torch.equal(torch.cat([factors[:14], factors[16:]]), torch.ones(198, dtype=torch.float64))
    # the weighted square of the outlier is c|r|: Huber's linear branch
    assert float((factors[14:16] * rows[7]).pow(2).sum()) == pytest.approx(cut * 50)


def test_no_threshold_or_a_zero_median_leaves_every_row_alone():
    rows = torch.zeros(10, 1)
    rows[3] = 5.0
    assert all(torch.equal(f, torch.ones(10, dtype=torch.float64)) for f in huber_factors([rows], 10.0))
    assert torch.equal(huber_factors([rows + 1], 0.0)[0], torch.ones(10, dtype=torch.float64))


def _parts():
    module = build_module(pinnlang.parse(POISSON), resolve_settings({}, {"width": 8, "depth": 2, "points": 64,
                                                                         "precision": "64-true"}))
    module.use_engine("forward")
    batches = module.training_points()
    batches["pde"].x[0, 0] = 0.5  # one point whose residual is far above the others'
    with torch.no_grad():
        for p in module.net.parameters():
            p.mul_(3.0)
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    return module.net, module.unknowns, module.compiled.conditions, batches, weights


def test_both_systems_take_the_same_huber_step_and_differ_from_plain_least_squares():
    parts = _parts()
    dense = ResidualSystem(*parts, robust=1.5)
    plain = ResidualSystem(*parts)
    free = MatrixFreeSystem(*parts, robust=1.5, tolerance=1e-12, max_iterations=400)
    assert dense.factors is None  # until a residual is asked for
    dense.residual()
    assert dense.factors is not None and float(dense.factors.min()) < 1.0
    torch.testing.assert_close(dense.factors, free.stacked.factors, rtol=1e-9, atol=0)
    assert dense.loss() < plain.loss() and dense.loss() == pytest.approx(free.loss(), rel=1e-9)
    dense.prepare(), free.prepare(), plain.prepare()
    step, free_step = dense.damped_step(1e-3), free.damped_step(1e-3)
    assert float((step - free_step).norm() / step.norm()) < 1e-6
    assert float((step - plain.damped_step(1e-3)).norm() / step.norm()) > 1e-3
    # a step's trial losses use the factors of the prepared parameters; the next prepare takes
    # those of the new parameters, the ones a system built there (a resumed run) starts from
    before = dense.factors.clone()
    trial = dense.unflatten(torch.cat([p.reshape(-1) for p in dense.current().values()]).double() + step)
    dense.loss(trial)
    assert torch.equal(dense.factors, before)
    dense.assign(trial)
    dense.prepare()
    assert not torch.equal(dense.factors, before)
    again = ResidualSystem(*parts, robust=1.5)
    again.prepare()
    torch.testing.assert_close(dense.factors, again.factors, rtol=1e-12, atol=0)


@pytest.mark.parametrize("given, robust", [({}, 100.0), ({"lm_robust": 0}, None)])
def test_the_phase_builds_its_systems_at_the_lm_robust_setting(given, robust):
    from pinnlang.solver.lm_phase import make_system

    settings = resolve_settings({}, {"width": 8, "depth": 2, "points": 32, **given})
    module = build_module(pinnlang.parse(POISSON), settings)
    module.gauss_newton_mode = "dense"
    system = make_system(module, module.training_points())
    assert system.robust == (robust or 0.0)
    system.prepare()
    assert (system.factors is None) == (robust is None)
