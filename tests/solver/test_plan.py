"""The training plan: one function from the settings (and what is known of the run) to an
immutable tuple of phases, each with its budget and its point policy."""

from __future__ import annotations

import dataclasses

import pytest

import pinnlang
from pinnlang.solver.plan import (
    ADAM_SHARE,
    DEFAULT_ADAM_STEPS,
    DEFAULT_LM_STEPS,
    DEFAULT_MAX_TIME,
    DEFAULT_TIME_WINDOWS,
    LBFGS_COST,
    LM_ADAM_SHARE,
    DENSE_PLAN_PARAMETERS,
    LM_RESAMPLE_EVERY,
    LM_ROWS_PER_PARAMETER,
    Measurement,
    Phase,
    TrainingPlan,
    make_plan,
    single_process,
)
from pinnlang.solver.settings import SolveSettings, resolve_settings

from .conftest import POISSON


def _settings(file=None, **given):
    return resolve_settings(file or {}, given)


def _kinds(plan):
    return [(p.kind, p.steps) for p in plan.phases]


def test_no_step_counts_get_adam_then_levenberg_marquardt_on_fresh_points():
    settings = _settings()
    before = settings.to_dict()
    plan = make_plan(settings, lm_parameters=900)
    assert settings.to_dict() == before  # the settings are never rewritten
    assert _kinds(plan) == [("adam", DEFAULT_ADAM_STEPS), ("lm", None)]
    lm = plan.phases[1]
    assert (lm.resample_every, lm.points, lm.fresh) == (LM_RESAMPLE_EVERY, LM_ROWS_PER_PARAMETER * 900, True)
    assert (lm.until_converged, lm.min_steps) == (True, DEFAULT_LM_STEPS)
    assert plan.budget == DEFAULT_MAX_TIME  # the wall-clock cap, stated in the summary
    assert plan.describe() == (f"default training: {DEFAULT_ADAM_STEPS} Adam steps, then Levenberg-Marquardt "
                               f"until the loss on fresh points stops falling, at least {DEFAULT_LM_STEPS} iterations "
                               f"(fresh points every {LM_RESAMPLE_EVERY} iterations, "
                               f"{LM_ROWS_PER_PARAMETER * 900} per pde condition, a wider network if the "
                               f"residuals stall above the tolerance), at most {DEFAULT_MAX_TIME:g} s")
    assert plan.total_steps is None and plan.boundaries() == [1000]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.phases = ()


@pytest.mark.parametrize("chosen", [{"steps": 300}, {"lbfgs_steps": 50}, {"lm_steps": 20}])
def test_a_step_count_given_anywhere_is_the_plan(chosen):
    for settings in (_settings(**chosen), _settings(file=chosen)):
        plan = make_plan(settings, lm_parameters=900)
        assert plan.origin == "settings"
        want = [("adam", chosen.get("steps", 2000))]
        want += [("lbfgs", chosen["lbfgs_steps"])] if "lbfgs_steps" in chosen else []
        want += [("lm", chosen["lm_steps"])] if "lm_steps" in chosen else []
        assert _kinds(plan) == want


def test_a_run_the_phase_cannot_take_keeps_2000_adam_steps():
    plan = make_plan(_settings(), lm_parameters=0)
    assert _kinds(plan) == [("adam", 2000)] and plan.describe() == "2000 Adam steps"


@pytest.mark.parametrize("budget", [None, Measurement(at_step=100, remaining=500.0, step_seconds=0.01)])
def test_a_network_beyond_a_dense_system_gets_the_phase_on_the_runs_points(budget):
    # a 5x100 MLP: the phase is planned all the same (matrix-free, chosen when it starts), its
    # rounds drawing the run's points instead of two rows per parameter
    big = DENSE_PLAN_PARAMETERS * 16
    settings = _settings(max_time=600) if budget else _settings()
    plan = make_plan(settings, lm_parameters=big, measurement=budget)
    lm = plan.phases[-1]
    assert lm.kind == "lm" and lm.steps is None and lm.until_converged
    assert lm.points == settings.points and lm.grow_points and lm.resample_every == 5
    dense = make_plan(settings, lm_parameters=DENSE_PLAN_PARAMETERS, measurement=budget).phases[-1]
    assert dense.points == 2 * DENSE_PLAN_PARAMETERS


def test_what_the_caller_gives_is_kept():
    plan = make_plan(_settings(points=300, lm_resample_every=2), lm_parameters=900)
    assert plan.describe().endswith(f"(fresh points every 2 iterations, a wider network if the residuals stall "
                                    f"above the tolerance), at most {DEFAULT_MAX_TIME:g} s")
    assert (plan.phases[1].resample_every, plan.phases[1].points) == (2, 0)
    assert make_plan(_settings(file={"lm_points": 700, "width": 8}), lm_parameters=900).phases[1].points == 700


@pytest.mark.parametrize("given, grows", [
    ({}, True), ({"max_time": 60}, True),  # the plan's own count may grow
    ({"points": 300}, False), ({"lm_points": 700}, False),  # a count given stays
    ({"lm_resample_every": 0}, False),  # fixed points: no fresh rounds to judge by
    ({"lm_steps": 50}, False),  # the settings' own phase
])
def test_only_a_point_count_pinnlang_chose_grows(given, grows):
    measured = Measurement(at_step=100, remaining=50.0, step_seconds=0.01)
    plan = make_plan(_settings(**given), lm_parameters=900, measurement=measured)
    assert plan.phases[-1].kind == "lm" and plan.phases[-1].grow_points is grows


def test_rounds_of_points_follow_the_phases():
    plan = make_plan(_settings(steps=10, resample_every=4, lbfgs_steps=4, lbfgs_resample_every=2,
                               lm_steps=6, lm_resample_every=3))
    rounds = [plan.round_at(step) for step in range(20)]
    # Adam: 0,0,0,0,1,1,1,1,2,2; L-BFGS on Adam's last, then every 2; LM fresh, then every 3
    assert rounds == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 5]
    assert [plan.kind_at(s) for s in (9, 10, 13, 14, 19, 25)] == ["adam", "lbfgs", "lbfgs", "lm", "lm", "lm"]
    fixed = make_plan(_settings(steps=10, lm_steps=5))
    assert {fixed.round_at(s) for s in range(15)} == {0}  # no resampling, no own count: Adam's round


def test_time_budgets_plan_twice_through_the_same_function():
    settings = _settings(max_time=60)
    first = make_plan(settings, lm_parameters=900)
    assert first.measuring and _kinds(first) == [("adam", None)] and first.total_steps is None
    measured = Measurement(at_step=100, remaining=50.0, step_seconds=0.01, steps_per_batch=10)
    plan = make_plan(settings, lm_parameters=900, measurement=measured)
    adam = 100 + int(LM_ADAM_SHARE * 50 / 0.01) // 10 * 10
    assert _kinds(plan) == [("adam", adam), ("lm", None)] and plan.total_steps is None
    assert plan.phases[0].lr_schedule == "exponential" and plan.phases[0].schedule_from == 100
    assert plan.describe() == (
        f"time budget 60 s: {adam} Adam steps, then Levenberg-Marquardt until the loss on fresh points "
        f"stops falling, at least {DEFAULT_LM_STEPS} iterations (fresh points every {LM_RESAMPLE_EVERY} iterations, {LM_ROWS_PER_PARAMETER * 900} per pde "
        "condition, a wider network if the residuals stall above the tolerance), planned from a measured "
        "10.00 ms/step")
    lbfgs = make_plan(settings, lm_parameters=0, measurement=measured)
    adam = 100 + int(ADAM_SHARE * 50 / 0.01) // 10 * 10
    rest = int((50 - (adam - 100) * 0.01) / (LBFGS_COST * 0.01)) // 10 * 10
    assert _kinds(lbfgs) == [("adam", adam), ("lbfgs", rest)]
    given = make_plan(_settings(max_time=60, lbfgs_steps=100, lr_schedule="cosine"), lm_parameters=900,
                      measurement=measured)
    assert _kinds(given)[1] == ("lbfgs", 100) and given.phases[0].lr_schedule == "cosine"
    assert make_plan(_settings(max_time=60, lm_steps=40), lm_parameters=900,
                     measurement=measured).phases[1].steps == 40


def test_the_plan_round_trips_through_plain_data():
    measured = Measurement(at_step=100, remaining=50.0, step_seconds=0.01, steps_per_batch=10)
    plan = make_plan(_settings(max_time=60), lm_parameters=900, measurement=measured)
    assert TrainingPlan.from_dict(plan.to_dict()) == plan
    assert plan.to_list()[1] == dataclasses.asdict(Phase("lm", None, LM_RESAMPLE_EVERY, 1800, True,
                                                         until_converged=True, min_steps=DEFAULT_LM_STEPS,
                                                         grow_points=True, grow_network=True))


@pytest.mark.parametrize("given, initial_value, windows", [
    ({}, True, DEFAULT_TIME_WINDOWS), ({}, False, 0), ({"time_windows": 6}, True, 6), ({"time_windows": 6}, False, 0),
    ({"time_windows": 0}, True, 0), ({"max_time": 60}, True, DEFAULT_TIME_WINDOWS),
])
def test_an_open_ended_lm_phase_marches_in_time_on_a_initial_value_problem(given, initial_value, windows):
    measured = Measurement(at_step=100, remaining=50.0, step_seconds=0.01, steps_per_batch=10)
    plan = make_plan(_settings(**given), lm_parameters=900, initial_value=initial_value,
                     measurement=measured if "max_time" in given else None)
    assert plan.phases[-1].kind == "lm" and plan.phases[-1].time_windows == windows
    assert (f"marching through {windows} time windows" in plan.describe()) is bool(windows)
    # a phase of fixed length does not march (it has no convergence to march on)
    fixed = make_plan(_settings(steps=10, lm_steps=20, **given), lm_parameters=900, initial_value=initial_value)
    assert fixed.phases[-1].time_windows == 0


@pytest.mark.parametrize("devices, accelerator, nodes, one", [
    (1, "cpu", 1, True), ("1", "cpu", 1, True), ([0], "gpu", 1, True), ("auto", "cpu", 1, True),
    (2, "cpu", 1, False), ("auto", "gpu", 1, False), (1, "cpu", 2, False), ([0, 1], "gpu", 1, False),
])
def test_single_process(devices, accelerator, nodes, one):
    assert single_process(SolveSettings(devices=devices, accelerator=accelerator, num_nodes=nodes)) is one


def test_solve_without_step_counts_trains_the_default_plan_and_says_so(tmp_path):
    result = pinnlang.solve(pinnlang.parse(POISSON), width=8, depth=2, points=64, quiet=True,
                            out=str(tmp_path / "run"))
    assert result.plan.startswith("default training: 1000 Adam steps, then Levenberg-Marquardt until the loss "
                                  "on fresh points stops falling")
    assert result.settings["steps"] == 2000 and result.settings["lm_steps"] == 0  # not rewritten
    assert [p["kind"] for p in result.phases] == ["adam", "lm"]
    assert 1000 < result.steps  # the phase ends on convergence (or once no damping lowers the loss)
    assert result.errors()["u"] < 1e-3
    assert "default training" in result.summary()
    saved = pinnlang.Result.load(str(tmp_path / "run"))
    assert saved.phases == result.phases and saved.plan == result.plan


def test_a_run_without_the_phase_trains_2000_adam_steps():
    # a Trainer gradient_clip_val turns pinnlang's own loop off, which the phase needs
    result = pinnlang.solve(pinnlang.parse(POISSON), width=8, depth=2, points=32, quiet=True,
                            gradient_clip_val=1.0)
    assert result.plan == "2000 Adam steps" and result.steps == 2000


def test_only_an_initial_value_problem_marches_in_time():
    from pathlib import Path

    from pinnlang.solver.plan import initial_value_problem

    from .conftest import HEAT

    problems = Path(__file__).resolve().parents[2] / "problems"
    assert initial_value_problem(pinnlang.parse(HEAT))
    assert not initial_value_problem(pinnlang.parse(POISSON))  # no time
    # time, but observations instead of an initial condition: nothing to march forward from
    assert not initial_value_problem(pinnlang.load(problems / "heat_inverse.pinn"))
