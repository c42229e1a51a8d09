"""benchmarks/accuracy.py's scoring: which reference a result is scored against, and the errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pinnlang.reference import burgers_cole_hopf
from pinnlang.reference.cavity_converged import CONVERGED, LABEL
from pinnlang.reference.ghia import GHIA_X, GHIA_Y

from .conftest import script_module


@pytest.fixture(scope="module")
def accuracy():
    """The benchmark script as a module."""
    yield from script_module("accuracy")


def _ghia_flow(points: np.ndarray) -> np.ndarray:
    """A flow equal to the cavity's reference on the centre lines (at Ghia's points, with the wall
    values at the ends): u(y), v(x) interpolated, p = 0."""
    x, y = points[:, 0], points[:, 1]
    u = np.concatenate([[0.0], CONVERGED[100][0], [1.0]])
    v = np.concatenate([[0.0], CONVERGED[100][1], [0.0]])
    return np.column_stack([np.interp(y, GHIA_Y, u), np.interp(x, GHIA_X, v), np.zeros_like(x)])


def _fake_result(name: str, evaluate, inputs=("x", "y"), fields=("u", "v", "p"), compiled=None):
    """What ``reference_errors`` reads from a ``Result``, with no network behind it."""
    compiled = compiled or SimpleNamespace(exact_fn=None)
    return SimpleNamespace(problem=SimpleNamespace(name=name), compiled=compiled, evaluate=evaluate,
                           input_names=list(inputs), field_names=list(fields))


def test_cavity_matching_the_tables_scores_zero(accuracy):
    kind, errors = accuracy.reference_errors(_fake_result("cavity", _ghia_flow))
    assert kind == LABEL
    assert errors == {"u": 0.0, "v": 0.0}  # the pressure is not scored


def test_cavity_errors_are_the_relative_perturbation(accuracy):
    def perturbed(points: np.ndarray) -> np.ndarray:
        values = _ghia_flow(points)
        values[:, 0] *= 1.1
        values[:, 1] *= 0.75
        values[:, 2] += 100.0  # ignored
        return values

    kind, errors = accuracy.reference_errors(_fake_result("cavity", perturbed))
    assert kind == LABEL
    assert errors["u"] == pytest.approx(0.1, rel=1e-12)
    assert errors["v"] == pytest.approx(0.25, rel=1e-12)
    row = accuracy.Row(problem="cavity", reference=kind, l2re=errors)
    assert row.l2re_text() == "u 1.00e-01, v 2.50e-01"
    assert accuracy.table_cells(row)[2] == LABEL


def test_cavity_with_other_input_order_is_refused(accuracy):
    with pytest.raises(ValueError, match="inputs"):
        accuracy.reference_errors(_fake_result("cavity", _ghia_flow, inputs=("y", "x")))


def test_unknown_problems_have_no_reference(accuracy):
    result = _fake_result("no_such_problem", _ghia_flow)
    assert accuracy.reference_errors(result) == ("none", {})
    assert accuracy.Row(problem="no_such_problem", reference="none").l2re_text() == "no reference"


def test_burgers_is_still_scored_on_the_evaluation_grid(accuracy):
    def evaluation_points(n: int, rng: np.random.Generator) -> torch.Tensor:
        return torch.as_tensor(np.column_stack([rng.uniform(-1, 1, n), rng.uniform(0, 1, n)]))

    def exact(points: np.ndarray) -> np.ndarray:
        return burgers_cole_hopf(points[:, 0], points[:, 1])[:, None]

    compiled = SimpleNamespace(exact_fn=None, evaluation_points=evaluation_points)
    result = _fake_result("burgers", exact, inputs=("x", "t"), fields=("u",), compiled=compiled)
    assert accuracy.reference_errors(result) == ("reference", {"u": 0.0})
    result.evaluate = lambda points: 2.0 * exact(points)
    kind, errors = accuracy.reference_errors(result)
    assert kind == "reference" and errors["u"] == pytest.approx(1.0, rel=1e-12)


def test_an_exact_solution_comes_first(accuracy):
    calls = []

    def errors(n: int) -> dict[str, float]:
        calls.append(n)
        return {"u": 0.5}

    result = _fake_result("cavity", _ghia_flow, compiled=SimpleNamespace(exact_fn=object()))
    result.errors = errors
    assert accuracy.reference_errors(result) == ("exact", {"u": 0.5})
    assert calls == [accuracy.EVALUATION_POINTS]


def test_pinnacle_cases_name_existing_problem_files_and_appear_in_the_table(accuracy):
    for name in accuracy.PINNACLE_CASES:
        assert (accuracy.PROBLEMS / f"{name}.pinn").exists(), name
    cells = accuracy.table_cells(accuracy.Row("wave1d"))
    assert cells[accuracy.HEADERS.index("PINNacle case")] == "Wave1d-C"
    assert accuracy.Row("poisson1d").csv_row()["pinnacle_case"] == ""


def test_pinnacle_baseline_errors_appear_beside_their_cases(accuracy):
    assert set(accuracy.PINNACLE_BASELINE) <= set(accuracy.PINNACLE_CASES)
    cells = accuracy.table_cells(accuracy.Row("heat2d_ms"))
    assert cells[accuracy.HEADERS.index("PINNacle baseline L2")] == "8.78e-02 ± 2.8e-02"
    assert accuracy.table_cells(accuracy.Row("wave1d"))[-1] == "-"
    assert accuracy.Row("poisson5d").csv_row()["pinnacle_baseline_l2re"] == "8.600000e-04"
    assert accuracy.Row("poisson1d").csv_row()["pinnacle_baseline_l2re"] == ""


def test_a_solved_row_names_the_engine_that_trained(accuracy):
    row = accuracy.solve_one(str(accuracy.PROBLEMS / "poisson1d.pinn"), budget=20, lbfgs=0,
                             max_time=None, threads=None)
    assert row.status == "ok" and row.engine in ("autograd", "forward")
    assert accuracy.table_cells(row)[accuracy.HEADERS.index("engine")] == row.engine
    assert row.csv_row()["engine"] == row.engine


def test_seed_sets_every_run_s_seed(accuracy):
    def errors(seed):
        row = accuracy.solve_one(str(accuracy.PROBLEMS / "poisson1d.pinn"), budget=20, lbfgs=0,
                                 max_time=None, threads=1, seed=seed)
        assert row.status == "ok"
        return row.l2re

    # the engine trial may pick either engine, which agree to float rounding
    first, again, other = errors(3)["u"], errors(3)["u"], errors(4)["u"]
    assert again == pytest.approx(first, rel=1e-6) and other != pytest.approx(first, rel=1e-3)
    assert accuracy.build_parser().parse_args(["--seed", "4"]).seed == 4


def test_a_setting_reaches_every_run(accuracy):
    def run(settings):
        return accuracy.solve_one(str(accuracy.PROBLEMS / "poisson1d.pinn"), budget=20, lbfgs=0, max_time=None,
                                  threads=1, settings=settings)

    assert run({"width": 4, "depth": 1}).status == "ok"
    assert "width" in run({"width": 0}).status  # refused by the settings' bounds: it got there
    assert accuracy.build_parser().parse_args(["--setting", "importance=0", "--setting", "width=8"]).setting == [
        "importance=0", "width=8"]
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        accuracy.main(["--only", "poisson1d", "--setting", "importance"])


def test_a_file_with_lm_steps_runs_them_scaled_to_the_budget(accuracy):
    row = accuracy.solve_one(str(accuracy.PROBLEMS / "helmholtz2d.pinn"), budget=20, lbfgs=None,
                             max_time=None, threads=None)
    # the file: 1000 Adam steps then 300 Levenberg-Marquardt iterations; 20 Adam steps scale them to 6
    assert (row.adam_steps, row.lbfgs_steps, row.lm_steps) == (20, 0, 6)
    assert row.status == "ok" and row.steps == 26
    assert accuracy.table_cells(row)[accuracy.HEADERS.index("steps")] == "20+0+6 LM"
    assert row.csv_row()["lm_steps"] == 6


def test_a_levenberg_marquardt_phase_that_stops_early_is_reported(accuracy):
    row = accuracy.Row("wave1d", adam_steps=10, lbfgs_steps=0, lm_steps=5, steps=12, l2re={"u": 0.1})
    assert "Levenberg-Marquardt could not lower the loss further" in accuracy.status_of(row)
    assert accuracy.table_cells(row)[accuracy.HEADERS.index("steps")] == "12 of 10+0+5 LM"


def test_no_settings_removes_the_train_line_and_every_weight(accuracy):
    import pinnlang

    problem = pinnlang.load(str(accuracy.PROBLEMS / "helmholtz2d.pinn"))
    assert problem.settings and any("weight" in c.options for c in problem.conditions)
    natural = accuracy.without_settings(problem)
    assert natural.settings == {}
    assert not any("weight" in c.options for c in natural.conditions)
    assert [c.equation for c in natural.conditions] == [c.equation for c in problem.conditions]
    assert problem.settings  # the loaded problem itself is unchanged


def test_a_no_settings_row_trains_the_default_and_gives_its_verdict(accuracy):
    row = accuracy.solve_one(str(accuracy.PROBLEMS / "poisson1d.pinn"), None, None, max_time=2.0,
                             threads=None, no_settings=True)
    assert row.status == "ok" and row.steps == row.adam_steps > 0
    assert row.converged in ("yes", "no")
    assert accuracy.table_cells(row)[accuracy.HEADERS.index("converged")] == row.converged


@pytest.mark.parametrize("settings, budget, lbfgs, expected", [
    ({}, None, None, None),  # no train: line: the default training
    ({"max_time": 600}, None, None, None),  # a time budget alone: the default training, longer
    ({"steps": 3000, "lm_steps": 500}, None, None, {"steps": 3000, "lbfgs_steps": 0, "lm_steps": 500}),
    ({"steps": 3000, "lm_steps": 500}, 300, None, {"steps": 300, "lbfgs_steps": 0, "lm_steps": 50}),
    ({}, 20, 0, {"steps": 20, "lbfgs_steps": 0, "lm_steps": 0}),  # --budget asks for counts
])
def test_a_file_without_step_counts_keeps_its_own_plan(accuracy, settings, budget, lbfgs, expected):
    assert accuracy.step_overrides(settings, budget, lbfgs) == expected
