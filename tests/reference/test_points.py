"""PointReference: validation, read-only storage, problem checks and the L2 relative error."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.reference import PointReference


def _reference(**changes) -> PointReference:
    arguments = dict(
        label="test table",
        source="made up for the test",
        inputs=("x", "y"),
        points={"u": np.array([[0.5, 0.25], [0.5, 0.75]]), "v": np.array([[0.25, 0.5]])},
        values={"u": np.array([3.0, 4.0]), "v": np.array([-2.0])},
    )
    arguments.update(changes)
    return PointReference(**arguments)


def _evaluate(points: np.ndarray) -> np.ndarray:
    """Three fields u, v, p with u = 3 + 2 (y - 1/4), v = -2 + 8 (x - 1/4): the table's values."""
    x, y = points[:, 0], points[:, 1]
    return np.column_stack([3.0 + 2.0 * (y - 0.25), -2.0 + 8.0 * (x - 0.25), np.full_like(x, 7.0)])


def test_fields_and_stored_arrays():
    source_points = np.array([[0.5, 0.25], [0.5, 0.75]])
    reference = _reference(points={"u": source_points, "v": np.array([[0.25, 0.5]])}, inputs=["x", "y"])
    assert reference.fields == ("u", "v")
    assert reference.inputs == ("x", "y")
    assert reference.points["u"].dtype == np.float64
    source_points[0, 0] = 9.0  # the reference keeps its own copy
    assert reference.points["u"][0, 0] == 0.5
    with pytest.raises(ValueError, match="read-only"):
        reference.values["u"][0] = 1.0
    with pytest.raises(TypeError):
        reference.points["w"] = np.zeros((1, 2))


def test_exact_predictions_score_zero_and_scaled_ones_their_scale():
    reference = _reference()
    assert reference.relative_errors(_evaluate, ["x", "y"], ["u", "v", "p"]) == {"u": 0.0, "v": 0.0}

    def off(points: np.ndarray) -> np.ndarray:
        values = _evaluate(points)
        values[:, 0] *= 1.5
        values[:, 1] += 1.0
        return values

    errors = reference.relative_errors(off, ["x", "y"], ["u", "v", "p"])
    assert errors["u"] == pytest.approx(0.5, rel=1e-12)
    assert errors["v"] == pytest.approx(0.5, rel=1e-12)  # |1| / |-2|


def test_fields_are_found_by_name_not_position():
    reference = _reference()

    def reordered(points: np.ndarray) -> np.ndarray:
        return _evaluate(points)[:, [2, 1, 0]]  # columns p, v, u

    assert reference.relative_errors(reordered, ["x", "y"], ["p", "v", "u"]) == {"u": 0.0, "v": 0.0}


def test_all_zero_values_fall_back_to_the_plain_norm():
    reference = _reference(points={"u": np.array([[0.0, 0.0], [1.0, 1.0]])},
                           values={"u": np.zeros(2)})
    errors = reference.relative_errors(lambda pts: np.full((len(pts), 1), 3.0), ["x", "y"], ["u"])
    assert errors["u"] == pytest.approx(np.sqrt(18.0))


def test_problem_mismatches_are_refused():
    reference = _reference()
    with pytest.raises(ValueError, match=r"columns \('x', 'y'\).*\('y', 'x'\)"):
        reference.relative_errors(_evaluate, ["y", "x"], ["u", "v", "p"])
    with pytest.raises(ValueError, match=r"\['v'\]"):
        reference.check_problem(["x", "y"], ["u", "p"])
    reference.check_problem(("x", "y"), ("u", "v"))  # a match passes silently
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        reference.relative_errors(lambda pts: np.zeros((len(pts), 2)), ["x", "y"], ["u", "v", "p"])


def test_malformed_tables_are_refused():
    with pytest.raises(ValueError, match="at least one field"):
        _reference(points={}, values={})
    with pytest.raises(ValueError, match="points are given for"):
        _reference(values={"u": np.array([3.0, 4.0])})
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        _reference(points={"u": np.zeros((2, 3)), "v": np.zeros((1, 2))})
    with pytest.raises(ValueError, match=r"values of 'v' must have shape \(1,\)"):
        _reference(values={"u": np.array([3.0, 4.0]), "v": np.array([1.0, 2.0])})
    with pytest.raises(ValueError, match="finite"):
        _reference(values={"u": np.array([3.0, np.nan]), "v": np.array([-2.0])})


def test_relative_l2_error_is_the_norm_ratio_and_the_plain_norm_for_zero_truth():
    from pinnlang.reference import relative_l2_error

    assert relative_l2_error(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == pytest.approx(5.0)
    assert relative_l2_error(np.array([1.1, 2.2]), np.array([1.0, 2.0])) == pytest.approx(0.1)
    assert relative_l2_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
