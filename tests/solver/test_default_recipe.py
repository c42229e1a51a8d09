"""The default training of a run that names no step counts: Adam, then Levenberg-Marquardt on
fresh points, when that phase can run."""

from __future__ import annotations

import pytest

import pinnlang
from pinnlang.solver.budget import LM_MAX_PARAMETERS, LM_RESAMPLE_EVERY, LM_ROWS_PER_PARAMETER
from pinnlang.solver.recipe import (
    DEFAULT_ADAM_STEPS,
    DEFAULT_LM_STEPS,
    apply_default_recipe,
    single_process,
)
from pinnlang.solver.settings import SolveSettings, resolve_settings

from .conftest import POISSON


def _settings(file=None, **given):
    return resolve_settings(file or {}, given)


def test_no_step_counts_get_adam_then_levenberg_marquardt_on_fresh_points():
    settings = _settings()
    shown = apply_default_recipe(settings, 900)
    assert (settings.steps, settings.lbfgs_steps, settings.lm_steps) == (DEFAULT_ADAM_STEPS, 0, DEFAULT_LM_STEPS)
    assert settings.lm_resample_every == LM_RESAMPLE_EVERY
    assert settings.lm_points == LM_ROWS_PER_PARAMETER * 900 > settings.points
    assert shown == (f"default training: {DEFAULT_ADAM_STEPS} Adam steps, then {DEFAULT_LM_STEPS} "
                     f"Levenberg-Marquardt iterations (fresh points every {LM_RESAMPLE_EVERY} iterations, "
                     f"{LM_ROWS_PER_PARAMETER * 900} per pde condition)")


@pytest.mark.parametrize("chosen", [{"steps": 300}, {"lbfgs_steps": 50}, {"lm_steps": 20}, {"max_time": 5}])
def test_a_step_count_or_time_limit_given_anywhere_keeps_the_settings(chosen):
    for settings in (_settings(**chosen), _settings(file=chosen)):
        before = settings.to_dict()
        assert apply_default_recipe(settings, 900) is None
        assert settings.to_dict() == before


@pytest.mark.parametrize("parameters", [0, LM_MAX_PARAMETERS + 1])
def test_a_network_the_phase_cannot_take_keeps_2000_adam_steps(parameters):
    settings = _settings()
    assert apply_default_recipe(settings, parameters) is None
    assert (settings.steps, settings.lm_steps) == (SolveSettings().steps, 0) == (2000, 0)


def test_what_the_caller_gives_is_kept():
    settings = _settings(points=300, lm_resample_every=2)
    assert apply_default_recipe(settings, 900).endswith("(fresh points every 2 iterations)")
    assert (settings.lm_resample_every, settings.lm_points, settings.points) == (2, 0, 300)
    settings = _settings(file={"lm_points": 700, "width": 8})
    apply_default_recipe(settings, 900)
    assert settings.lm_points == 700


@pytest.mark.parametrize("devices, accelerator, nodes, one", [
    (1, "cpu", 1, True), ("1", "cpu", 1, True), ([0], "gpu", 1, True), ("auto", "cpu", 1, True),
    (2, "cpu", 1, False), ("auto", "gpu", 1, False), (1, "cpu", 2, False), ([0, 1], "gpu", 1, False),
])
def test_single_process(devices, accelerator, nodes, one):
    settings = SolveSettings(devices=devices, accelerator=accelerator, num_nodes=nodes)
    assert single_process(settings) is one


def test_solve_without_step_counts_trains_the_recipe_and_says_so():
    result = pinnlang.solve(pinnlang.parse(POISSON), width=8, depth=2, points=64, quiet=True)
    assert result.plan.startswith("default training: 1000 Adam steps, then 200 Levenberg-Marquardt")
    assert (result.settings["steps"], result.settings["lm_steps"]) == (1000, 200)
    assert result.settings["lm_resample_every"] == LM_RESAMPLE_EVERY and result.settings["lm_points"] == 0
    assert 1000 < result.steps <= 1200  # the phase may stop early once no damping lowers the loss
    assert result.errors()["u"] < 1e-3
    assert "default training" in result.summary()


def test_a_network_the_forward_engine_cannot_read_gets_the_phase_matrix_free():
    result = pinnlang.solve(pinnlang.parse(POISSON), model="fourier", features=8, width=8, depth=2,
                            points=32, quiet=True)
    assert result.plan.startswith("default training: 1000 Adam steps, then 200 Levenberg-Marquardt")
    assert result.module.gauss_newton_choice.startswith("matrix-free: the dense Jacobian needs")
    assert result.errors()["u"] < 1e-2
