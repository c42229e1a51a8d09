"""Reading reference files: CSV, NPZ grids and NPZ points, in the problem's input order."""

from __future__ import annotations

import numpy as np
import pytest

from pinnlang.problem import DataSource
from pinnlang.reference.files import ReferenceFileError, points_outside, read_reference
from pinnlang.syntax import parse


def _source(folder, name: str, *fields: str) -> DataSource:
    return DataSource(name, fields, base_dir=str(folder))


def test_csv_columns_in_any_order_become_points_in_input_order(tmp_path):
    (tmp_path / "r.csv").write_text("u,t,extra,x\n1.5,0.25,9,0.5\n2.5,0.75,9,1.0\n")
    data = read_reference(_source(tmp_path, "r.csv", "u"), ["x", "t"])
    assert data.form == "csv"
    assert data.points.tolist() == [[0.5, 0.25], [1.0, 0.75]]
    assert data.values["u"].tolist() == [1.5, 2.5]


def test_npz_grid_follows_the_axes_in_input_order(tmp_path):
    x, t = np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0])
    u = x[:, None] + 10 * t[None, :]
    np.savez(tmp_path / "g.npz", x=x, t=t, u=u)
    data = read_reference(_source(tmp_path, "g.npz", "u"), ["x", "t"])
    assert data.form == "grid" and data.points.shape == (6, 2)
    assert np.array_equal(data.values["u"], data.points[:, 0] + 10 * data.points[:, 1])


def test_npz_points_form(tmp_path):
    np.savez(tmp_path / "p.npz", x=np.array([0.1, 0.2, 0.3]), t=np.array([0.0, 0.5, 1.0]),
             u=np.array([1.0, 2.0, 3.0]))
    data = read_reference(_source(tmp_path, "p.npz", "u"), ["x", "t"])
    assert data.form == "points"
    assert data.points.tolist() == [[0.1, 0.0], [0.2, 0.5], [0.3, 1.0]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.txt", "x,u\n0,1\n", "neither .csv nor .npz"),
        ("r.csv", "x,u\n0,nan\n", r"1 value\(s\) of 'u' are not finite numbers"),
        ("r.csv", "x,u\n0,abc\n", "line 2: expected 2 numbers"),
        ("r.csv", "x,u\n", "has no points"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(ReferenceFileError, match=message):
        read_reference(_source(tmp_path, name, "u"), ["x"])


def test_points_outside_the_domain_with_a_tolerance():
    problem = parse("""
problem p
let hole = disk((0, 0), 0.5)
space (x, y) in rectangle([-1, 1], [-1, 1]) - hole
time t in [0, 1]
field u
pde: u = 0
""")
    points = np.array([[0.9, 0.0, 0.5], [0.5, 0.0, 1.0], [0.0, 0.0, 0.5], [1.0 + 1e-7, 0, 0],
                       [0.9, 0.0, 1.1]])
    assert points_outside(problem, points).tolist() == [False, False, True, False, True]
