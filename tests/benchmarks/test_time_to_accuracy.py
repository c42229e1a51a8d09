"""The time-to-accuracy benchmark's accuracy table: medians over seeds, each side timed alike."""

from __future__ import annotations

import pytest

from .conftest import script_module


@pytest.fixture(scope="module")
def tta():
    """benchmarks/time_to_accuracy.py as a module."""
    yield from script_module("time_to_accuracy")


def test_accuracy_row_is_the_median_over_seeds(tta):
    row = tta.time_to_accuracy("heat1d", steps=30, threads=1, seeds=3)
    runs = row["runs"]
    assert len(runs) == 3
    hand = sorted(r["hand_l2"] for r in runs)
    ours = sorted(r["pinnlang_l2"] for r in runs)
    assert row["hand_l2"] == hand[1] and row["pinnlang_l2"] == ours[1]
    assert row["ratio"] == pytest.approx(ours[1] / hand[1])
    # Different seeds are different starts: the hand-written errors differ.
    assert len(set(hand)) == 3
    assert all(r["budget_s"] > 0 and r["pinnlang_steps"] > 0 for r in runs)


def test_main_prints_a_line_per_seed(tta, capsys):
    assert tta.main(["--problems", "heat1d", "--steps", "20", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "medians over seeds 0-1" in out
    assert out.count("seed 0:") == 1 and out.count("seed 1:") == 1


def test_pinnacle_step_cases_match_the_handwritten_sizes(tta):
    import pinnlang

    for name, (text, width, depth, build) in tta.PINNACLE_STEP_CASES.items():
        case = build()
        assert (depth, width) == (5, 100)
        problem = pinnlang.parse(text)
        points = {c.name: c.options["points"] for c in problem.conditions}
        assert points["pde"] == len(case.points["interior"]) == 8192
        edge = len(case.points["boundary"]) + len(case.points.get("initial", []))
        assert sum(n for key, n in points.items() if key != "pde") == edge == 2048, name
