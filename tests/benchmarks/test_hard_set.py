"""benchmarks/accuracy.py --set hard: which problems run, how they are scored and judged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import script_module


@pytest.fixture(scope="module")
def accuracy():
    yield from script_module("accuracy")


def test_the_default_set_leaves_the_hard_problems_out_and_keeps_the_others(accuracy):
    default = {Path(p).stem for p in accuracy.select_problems(None)}
    hard = [Path(p).stem for p in accuracy.select_problems(None, "hard")]
    everything = {p.stem for p in accuracy.PROBLEMS.glob("*.pinn")}
    assert default == everything - accuracy.hard_set.HARD_ONLY
    assert {"burgers", "cavity", "poisson1d"} <= default
    assert hard[:5] == ["allen_cahn_sharp", "kdv", "ginzburg_landau", "cylinder_channel", "cavity_re1000"]
    assert "cavity" in hard and set(hard) <= everything
    assert [Path(p).stem for p in accuracy.select_problems("kdv,cavity", "hard")] == ["kdv", "cavity"]


def test_reference_files_score_a_problem_without_an_exact_solution(accuracy):
    result = SimpleNamespace(problem=SimpleNamespace(name="kdv", references=("r",)),
                             compiled=SimpleNamespace(exact_fn=None),
                             reference_errors=lambda: {"u": 0.25})
    assert accuracy.reference_errors(result) == ("reference file", {"u": 0.25})


def test_quantities_come_from_the_result_and_none_without_statements(accuracy):
    scored = {"dp": {"value": 0.1, "reference": 0.11752016697, "rel_error": 0.149}}
    result = SimpleNamespace(problem=SimpleNamespace(name="cylinder_channel", quantities=("dp",)),
                             quantities=lambda: scored)
    assert accuracy.hard_set.quantities(result) == scored
    result.problem.quantities = ()
    assert accuracy.hard_set.quantities(result) == {}


def _row(accuracy, problem, **values):
    row = accuracy.Row(problem)
    row.train_seconds = values.pop("seconds", 100.0)
    for name, value in values.items():
        setattr(row, name, value)
    return row


def test_targets_judge_fields_quantities_and_time(accuracy):
    judge = accuracy.hard_set.target_cells
    assert judge(_row(accuracy, "allen_cahn_sharp", l2re={"u": 8e-4})) == ("every field <= 0.001", "yes")
    assert judge(_row(accuracy, "allen_cahn_sharp", l2re={"u": 2e-3}))[1] == "no"
    assert judge(_row(accuracy, "allen_cahn_sharp", l2re={"u": 8e-4}, seconds=901))[1] == "no"
    quantities = {"drag": {"value": 5.6, "reference": 5.58, "rel_error": 0.004},
                  "lift": {"value": 0.0115, "reference": 0.0106, "rel_error": 0.08}}
    assert judge(_row(accuracy, "cylinder_channel", quantities=quantities))[1] == "yes"
    quantities["lift"]["rel_error"] = 0.2
    assert judge(_row(accuracy, "cylinder_channel", quantities=quantities))[1] == "no"
    assert judge(_row(accuracy, "kdv", l2re={"u": 1e-2})) == ("-", "-")
    failed = judge(_row(accuracy, "cavity_re1000", l2re={}, status="diverged: nan"))
    assert failed == ("every field <= 0.05", "no (diverged: nan)")


def test_the_hard_table_shows_quantities_and_published_numbers(accuracy):
    row = _row(accuracy, "cylinder_channel", reference="none",
               quantities={"drag": {"value": 5.61, "reference": 5.57953523384, "rel_error": 5.4e-3}})
    table = accuracy.hard_set.markdown([row], lambda r: "10+0+5 LM")
    assert "drag 5.61 (5.57954, 5.4e-03)" in table and "Schaefer-Turek 2D-1" in table
    assert "| 10+0+5 LM |" in table
    assert row.csv_row()["quantities"] == "drag=5.61"
