"""The matrix-free Gauss-Newton system: its step is the dense step (for the zoo MLP through the
forward engine, for every other network against a Jacobian built row by row here), its products
are J and Jᵀ, it trains, and the factory chooses dense or matrix-free and says why."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import pinnlang
from pinnlang.solver import gauss_newton
from pinnlang.solver.api import build_module
from pinnlang.solver.gauss_newton import EXACT_STEP_WORTH, MatrixFreeSystem, make_residual_system
from pinnlang.solver.krylov import ShiftedLanczos
from pinnlang.solver.levenberg_marquardt import ResidualSystem
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer
from pinnlang.solver.settings import resolve_settings

from .conftest import HEAT, INVERSE, POISSON, write_observations
from .test_levenberg_marquardt import MIXED, PERIODIC

EXACT = dict(tolerance=1e-13, max_iterations=2000)  # the damped solves run to convergence


class _UserNet(nn.Module):
    """A user's own module: no zoo structure the forward engine could read."""

    def __init__(self, in_dim: int = 2):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(in_dim, 6), nn.Softplus(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1))

    def forward(self, x):
        return self.inner(x)


def _module(text, body=None, **settings):
    problem = pinnlang.parse(text) if isinstance(text, str) else text
    merged = resolve_settings(problem.settings, {"width": 6, "depth": 2, "points": 16, "precision": "64-true",
                                                 **settings})
    module = build_module(problem, merged, body)
    module.use_engine("forward")  # the forward engine, falling back to autograd for other networks
    return module


def _parts(module):
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    return module.net, module.unknowns, module.compiled.conditions, module.training_points(), weights


def _explicit_jacobian(system: MatrixFreeSystem) -> torch.Tensor:
    """``J`` one row at a time, by reverse mode through the batched residual (no torch.func)."""
    with torch.enable_grad():
        rho = system.stacked(create_graph=True)
        rows = []
        for r in range(len(rho)):
            grads = torch.autograd.grad(rho[r], system.parameters, retain_graph=True, allow_unused=True)
            rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                                   for g, p in zip(grads, system.parameters)]))
    return torch.stack(rows).double()


def _dense_step(jac, rho, damping):
    """``argmin ‖Jδ + ρ‖² + μ‖δ‖²`` by least squares on ``[J; √μ I]`` (better conditioned than
    the normal equations, so a fair reference at 1e-6)."""
    stacked = torch.cat([jac, damping ** 0.5 * torch.eye(jac.shape[1], dtype=jac.dtype)])
    right = torch.cat([-rho, torch.zeros(jac.shape[1], dtype=rho.dtype)])
    return torch.linalg.lstsq(stacked, right.unsqueeze(1), driver="gelsd").solution.squeeze(1)


def _relative(a, b):
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("text, damping", [(POISSON, 1e-2), (POISSON, 1e-4), (PERIODIC, 1e-3), (MIXED, 1e-3)])
def test_the_matrix_free_step_is_the_dense_step_for_an_mlp(text, damping):
    parts = _parts(_module(text))
    dense = ResidualSystem(*parts)
    free = MatrixFreeSystem(*parts, **EXACT)
    torch.testing.assert_close(free.prepare(), dense.prepare(), rtol=1e-12, atol=1e-14)
    assert free.size == dense.size and free.names == dense.names
    assert _relative(free.damped_step(damping), dense.damped_step(damping)) < 1e-6


def test_the_matrix_free_step_learns_an_unknown_like_the_dense_one(tmp_path):
    write_observations(tmp_path, n=20)
    (tmp_path / "inverse.pinn").write_text(INVERSE)
    module = _module(pinnlang.load(str(tmp_path / "inverse.pinn")), points=12)
    parts = _parts(module)
    dense, free = ResidualSystem(*parts), MatrixFreeSystem(*parts, **EXACT)
    dense.prepare(), free.prepare()
    step = free.damped_step(1e-3)
    assert _relative(step, dense.damped_step(1e-3)) < 1e-6
    assert free.names[-1] == "unknowns.k" and step[-1] != 0


@pytest.mark.parametrize("model", ["mlp", "fourier", "siren", "modified_mlp", "resnet", "user"])
def test_on_any_network_the_step_is_the_explicit_jacobian_s_step_and_lowers_the_loss(model):
    body = _UserNet() if model == "user" else None
    module = _module(HEAT, body, **({} if body is not None else {"model": model}), points=10)
    free = MatrixFreeSystem(*_parts(module), **EXACT)
    rho = free.prepare()
    jac = _explicit_jacobian(free)
    assert jac.shape == (len(rho), free.size) and jac.abs().sum() > 0
    v = torch.randn(free.size, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    u = torch.randn(len(rho), dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(free.jacobian_product(v), jac @ v, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(free.transposed_product(u), jac.T @ u, rtol=1e-9, atol=1e-12)
    # μ = 1e-2: with σ_max(J) ≈ 360 (Fourier features) CG's attainable accuracy at μ = 1e-3 is ~1e-6
    assert _relative(free.damped_step(1e-2), _dense_step(jac, rho, 1e-2)) < 1e-6

    free = MatrixFreeSystem(*_parts(module))  # the default, inexact solves
    method = LevenbergMarquardtOptimizer(free.parameters)
    first = free.loss()
    for _ in range(4):
        method.step(lambda: (free, 0))
    assert method.record["loss"] < 0.5 * first
    assert method.record["loss"] == pytest.approx(free.loss(), rel=1e-10)


def test_two_processes_holding_the_same_rows_take_the_one_process_step():
    """``reduce`` stands for the all-reduce over two processes that hold the same rows: the
    point counts, ``JᵀJ`` (or its products) and ``Jᵀρ`` are summed, so both systems take the step
    and see the loss of one process holding both copies (whose mean residuals are the same)."""
    parts = _parts(_module(POISSON))

    def twice(t):
        return 2 * t

    one = ResidualSystem(*parts)
    one.prepare()
    want = one.damped_step(1e-3)
    dense = ResidualSystem(*parts, reduce=twice)
    free = MatrixFreeSystem(*parts, reduce=twice, **EXACT)
    dense.prepare(), free.prepare()
    assert _relative(dense.damped_step(1e-3), want) < 1e-9
    assert _relative(free.damped_step(1e-3), want) < 1e-6
    assert free.loss() == pytest.approx(one.loss(), rel=1e-12)
    assert dense.loss() == pytest.approx(one.loss(), rel=1e-12)
    assert free.rows == 2 * len(one.residual())


def _spd(n=30, seed=0):
    generator = torch.Generator().manual_seed(seed)
    base = torch.randn(n, n, dtype=torch.float64, generator=generator)
    scales = torch.logspace(0, 2, n, dtype=torch.float64)
    return scales[:, None] * (base @ base.T) * scales[None, :], torch.randn(n, dtype=torch.float64, generator=generator)


def test_one_krylov_basis_solves_every_damping_and_a_larger_one_costs_no_product():
    matrix, b = _spd()
    krylov = ShiftedLanczos(lambda v: matrix @ v, b, max_iterations=200)
    for damping in (1e-1, 1.0, 10.0):  # the order of a Levenberg-Marquardt retry
        x = krylov.solve(damping, 1e-10)
        want = torch.linalg.solve(matrix + damping * torch.eye(30, dtype=torch.float64), b)
        assert _relative(x, want) < 1e-8
        if damping == 1e-1:
            first = krylov.products
            assert first <= 31  # at most n + 1 products in exact arithmetic, here 30 plus rounding
    assert krylov.products == first  # better conditioned: the same basis was enough


def test_a_loose_tolerance_or_the_cap_ends_the_solve_early():
    matrix, b = _spd()
    loose = ShiftedLanczos(lambda v: matrix @ v, b, max_iterations=200)
    x = loose.solve(1.0, 0.1)
    assert loose.products < 30
    residual = b - (matrix @ x + x)
    assert float(residual.norm()) <= 0.1 * float(b.norm()) * (1 + 1e-9)
    capped = ShiftedLanczos(lambda v: matrix @ v, b, max_iterations=3)
    capped.solve(1e-3, 1e-12)
    assert capped.products == 3


def test_a_low_rank_matrix_ends_the_basis_early():
    """``JᵀJ`` of fewer rows than columns has few distinct eigenvalues: the basis closes."""
    generator = torch.Generator().manual_seed(3)
    jac = torch.randn(4, 40, dtype=torch.float64, generator=generator)
    b = jac.T @ torch.randn(4, dtype=torch.float64, generator=generator)
    krylov = ShiftedLanczos(lambda v: jac.T @ (jac @ v), b, max_iterations=100)
    x = krylov.solve(1e-3, 1e-14)
    want = torch.linalg.solve(jac.T @ jac + 1e-3 * torch.eye(40, dtype=torch.float64), b)
    assert krylov.exhausted and krylov.products <= 6 and _relative(x, want) < 1e-9
    assert torch.equal(ShiftedLanczos(lambda v: v, torch.zeros(5, dtype=torch.float64), 10).solve(1.0, 1e-3),
                       torch.zeros(5, dtype=torch.float64))


def test_the_factory_chooses_dense_for_a_small_mlp_and_matrix_free_for_other_networks():
    system, why = make_residual_system(*_parts(_module(POISSON)))
    assert isinstance(system, ResidualSystem) and why.startswith("dense: 32 residuals x 61 parameters")
    system, why = make_residual_system(*_parts(_module(HEAT, model="siren", points=10)))
    assert isinstance(system, MatrixFreeSystem)
    assert why.startswith("matrix-free: the dense Jacobian needs a network the forward derivative engine")
    assert "SIREN" in why or "Siren" in why


def test_the_factory_goes_matrix_free_when_the_jacobian_would_not_fit(monkeypatch):
    monkeypatch.setattr(gauss_newton, "available_memory", lambda device: 1000)
    system, why = make_residual_system(*_parts(_module(POISSON)))
    assert isinstance(system, MatrixFreeSystem)
    assert "32 residuals x 61 parameters need 0.0 GiB, more than 25% of the free memory" in why


@pytest.mark.parametrize("ratio, chosen, says", [
    (1.5, ResidualSystem, "about 1.5 s dense vs 1 s matrix-free"),
    (EXACT_STEP_WORTH * 1.5, MatrixFreeSystem, f"about 1 s (100 CG products) vs {EXACT_STEP_WORTH * 1.5:.2g} s dense")])
def test_the_exact_dense_step_wins_unless_it_costs_more_than_its_worth(monkeypatch, ratio, chosen, says):
    # the matrix-free iteration is measured at 1 s (100 products of 0.01 s, a free linearisation);
    # the dense one at ``ratio`` seconds: the exact step is worth EXACT_STEP_WORTH inexact ones
    monkeypatch.setattr(gauss_newton, "_seconds", lambda work: (work(), 0.0 if work.__name__ == "prepare" else 0.01)[1])
    monkeypatch.setattr(gauss_newton, "_jacobian_seconds", lambda *args: 0.0)
    monkeypatch.setattr(gauss_newton, "_factor_seconds", lambda *args: ratio)
    system, why = make_residual_system(*_parts(_module(POISSON)))
    assert isinstance(system, chosen) and says in why

def test_the_factory_does_what_it_is_asked():
    parts = _parts(_module(POISSON))
    assert isinstance(make_residual_system(*parts, mode="matrix-free")[0], MatrixFreeSystem)
    assert make_residual_system(*parts, mode="dense")[1] == "dense (asked for)"
    with pytest.raises(ValueError, match="forward engine"):
        make_residual_system(*_parts(_module(HEAT, _UserNet(), points=10)), mode="dense")
    with pytest.raises(ValueError, match="auto, dense, matrix-free"):
        make_residual_system(*parts, mode="sparse")


def test_a_step_before_prepare_is_refused():
    free = MatrixFreeSystem(*_parts(_module(POISSON)))
    with pytest.raises(RuntimeError, match="prepare"):
        free.damped_step(1e-3)
