"""Condition samplers: pde, initial, boundary (with on/where), periodic and data points."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnlang.compile import compile_problem
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import Disk, Interval, Rectangle
from pinnlang.problem import Condition, DataSource, OnPlane, OnRegion, Param
from pinnlang.source import Source

from .builders import boundary, initial, pde, problem_with, t, u, x, y

SQUARE = Rectangle((-1.0, 1.0), (-1.0, 1.0))
HOLE = Disk((0.0, 0.0), 0.3)
PLATE = SQUARE - HOLE
T = u(x, y)


def compiled_condition(cond: Condition, **problem):
    return compile_problem(problem_with(cond, **problem), dtype=torch.float64).conditions[0]


def test_pde_points_cover_domain_times_time_and_params():
    a = sp.Symbol("a")
    cond = compiled_condition(
        pde(u(x, y, t, a).diff(t)), space=(x, y), domain=PLATE, time=(0.0, 2.0),
        params=(Param(a, 1.0, 3.0),),
    )
    batch = cond.sample(500, np.random.default_rng(0))
    P = batch.x.numpy()
    assert P.shape == (500, 4) and batch.normals is None
    assert PLATE.contains(P[:, :2]).all()
    assert (P[:, 2] >= 0).all() and (P[:, 2] <= 2).all() and P[:, 2].max() > 1.8
    assert (P[:, 3] >= 1).all() and (P[:, 3] <= 3).all()
    again = cond.sample(500, np.random.default_rng(0))
    assert torch.equal(again.x, batch.x)  # the same seed gives the same points
    for sampler in ("lhs", "sobol", "grid"):
        points = cond.sample(300, np.random.default_rng(1), sampler).x[:, :2].numpy()
        assert PLATE.contains(points).all()


def test_initial_points_are_at_the_start_time_inside_and_on_the_boundary():
    cond = compiled_condition(initial(u(x, y, t), 0), space=(x, y), domain=PLATE, time=(0.5, 1.0))
    P = cond.sample(200, np.random.default_rng(0)).x.numpy()
    assert (P[:, 2] == 0.5).all()
    assert PLATE.contains(P[:, :2]).all()
    on_edge = PLATE.on_boundary(P[:, :2], tol=1e-9)
    assert on_edge.sum() == 20  # 10 % of the points lie on the spatial boundary


def test_boundary_points_have_unit_outward_normals_and_times():
    cond = compiled_condition(boundary(u(x, t)), domain=Interval(-1.0, 2.0), time=(0.0, 1.0))
    batch = cond.sample(100, np.random.default_rng(0))
    P, N = batch.x.numpy(), batch.normals.numpy()
    assert set(np.unique(P[:, 0])) == {-1.0, 2.0}
    assert (N[:, 0] == np.where(P[:, 0] == 2.0, 1.0, -1.0)).all()
    assert P[:, 1].min() >= 0 and P[:, 1].max() <= 1 and len(np.unique(P[:, 1])) == 100


def test_on_a_plane_selects_one_face():
    cond = compiled_condition(
        boundary(T, 1, on=OnPlane(x, -1.0), points=150), space=(x, y), domain=PLATE
    )
    batch = cond.sample(rng=np.random.default_rng(0))
    assert len(batch) == 150
    assert (batch.x[:, 0] == -1).all() and batch.x[:, 1].abs().max() <= 1
    assert torch.equal(batch.normals, torch.tensor([[-1.0, 0.0]] * 150, dtype=torch.float64))


def test_on_a_named_region_selects_its_part_of_the_boundary():
    cond = compiled_condition(
        boundary(T, 0, on=OnRegion("hole")), space=(x, y), domain=PLATE, regions={"hole": HOLE}
    )
    batch = cond.sample(120, np.random.default_rng(0))
    radius = batch.x.norm(dim=1)
    torch.testing.assert_close(radius, torch.full((120,), 0.3, dtype=torch.float64))
    # outward from the plate is into the hole: towards the centre
    torch.testing.assert_close(batch.normals, -batch.x / 0.3)


def test_where_filters_boundary_and_interior_points():
    cond = compiled_condition(
        boundary(T, 0, where=sp.Eq(sp.Abs(y), 1, evaluate=False)), space=(x, y), domain=PLATE
    )
    P = cond.sample(200, np.random.default_rng(0)).x.numpy()
    assert len(P) == 200 and (np.abs(P[:, 1]) == 1).all()
    assert (P[:, 1] == 1).any() and (P[:, 1] == -1).any()
    both = compiled_condition(
        boundary(T, 0, on=OnPlane(y, 1.0), where=x > 0.5), space=(x, y), domain=PLATE
    )
    Q = both.sample(50, np.random.default_rng(0)).x.numpy()
    assert (Q[:, 1] == 1).all() and (Q[:, 0] > 0.5).all()
    inner = compiled_condition(
        Condition("pde", "pde", sp.Eq(T, 0), where=sp.And(x < 0, y < 0)), space=(x, y), domain=PLATE
    )
    R = inner.sample(300, np.random.default_rng(0)).x.numpy()
    assert (R < 0).all() and PLATE.contains(R).all()


def test_a_selector_that_selects_nothing_is_reported_with_the_condition_span():
    source = Source("boundary on x = 3: u = 0\n", "plate.pinn")
    cond = Condition(
        "boundary", "boundary", sp.Eq(T, 0), on=OnPlane(x, 3.0), span=source.span(0, 24)
    )
    with pytest.raises(PinnSemanticError, match="'on x = 3' selects no point") as info:
        compile_problem(problem_with(cond, space=(x, y), domain=PLATE))
    assert info.value.span.line == 1 and "plate.pinn:1:1" in info.value.render()
    with pytest.raises(PinnSemanticError, match="selects no point"):
        compile_problem(problem_with(boundary(T, 0, where=x > 5), space=(x, y), domain=PLATE))
    with pytest.raises(PinnSemanticError, match="'lake' is not a named region"):
        lake = boundary(T, 0, on=OnRegion("lake"))
        compile_problem(problem_with(lake, space=(x, y), domain=PLATE))


def test_periodic_pairs_points_at_both_ends():
    problem = problem_with(
        Condition("periodic", "periodic", coordinate=x), domain=Interval(-1.0, 1.0), time=(0.0, 1.0)
    )
    cond = compile_problem(problem, dtype=torch.float64).conditions[0]
    batch = cond.sample(64, np.random.default_rng(0))
    assert (batch.x[:, 0] == -1).all() and (batch.x_pair[:, 0] == 1).all()
    assert torch.equal(batch.x[:, 1], batch.x_pair[:, 1])

    def periodic(X):  # period 2 in x
        return (torch.sin(torch.pi * X[:, 0]) * torch.exp(X[:, 1])).unsqueeze(-1)

    def not_periodic(X):
        return (X[:, 0] ** 2 + X[:, 1]).unsqueeze(-1)  # equal values, opposite slopes

    assert cond.residual(periodic, batch, {}).abs().max() < 1e-12
    r = cond.residual(not_periodic, batch, {})
    assert r.shape == (64, 2)
    assert r[:, 0].abs().max() == 0
    assert torch.allclose(r[:, 1], torch.full((64,), -4.0, dtype=torch.float64))


def test_periodic_needs_an_interval_or_box_side():
    cond = Condition("periodic", "periodic", coordinate=x)
    with pytest.raises(PinnSemanticError, match="interval or a box side"):
        compile_problem(problem_with(cond, space=(x, y), domain=Disk((0.0, 0.0), 1.0)))


def write_csv(path, text):
    path.write_text(text)
    return str(path.parent)


def test_data_rows_become_points_and_targets(tmp_path):
    base = write_csv(tmp_path / "obs.csv", "t,note,u,x\n0.5,a,1.5,0.25\n1.0,b,-2,0.75\n\n")
    cond = compiled_condition(
        Condition("data", "data", data=DataSource("obs.csv", ("u",), base)),
        domain=Interval(0.0, 1.0), time=(0.0, 1.0),
    )
    assert cond.default_points == 2
    batch = cond.sample(rng=np.random.default_rng(0))
    assert batch.x.tolist() == [[0.25, 0.5], [0.75, 1.0]]
    assert batch.targets.tolist() == [[1.5], [-2.0]]
    r = cond.residual(lambda X: (X[:, :1] * 2), batch, {})
    assert r.tolist() == [[0.5 - 1.5], [1.5 + 2.0]]
    assert len(cond.sample(1, np.random.default_rng(0))) == 1


def test_data_paths_outside_the_problem_folder_are_refused(tmp_path):
    inner = tmp_path / "problem"
    inner.mkdir()
    write_csv(tmp_path / "secret.csv", "x,u\n0.5,1\n")
    (inner / "link.csv").symlink_to(tmp_path / "secret.csv")
    for path in ("../secret.csv", str(tmp_path / "secret.csv"), "link.csv"):
        cond = Condition("data", "data", data=DataSource(path, ("u",), str(inner)))
        with pytest.raises(PinnSemanticError, match="is outside the folder of the problem file"):
            compile_problem(problem_with(cond, domain=Interval(0.0, 1.0)))
    cond = Condition("data", "data", data=DataSource("../secret.csv", ("u",), str(inner)))
    allowed = compile_problem(
        problem_with(cond, domain=Interval(0.0, 1.0)), allowed_paths=[tmp_path / "secret.csv"]
    )
    assert allowed.conditions[0].default_points == 1


@pytest.mark.parametrize(
    "text,message",
    [
        ("x,v\n0.5,1\n", "lacks the column 'u'"),
        ("x,u\n0.5,one\n", "line 2: column 'u' holds 'one', not a number"),
        ("x,u\n", "has a header but no rows"),
        ("", "is empty"),
    ],
)
def test_bad_data_files_are_semantic_errors(tmp_path, text, message):
    base = write_csv(tmp_path / "obs.csv", text)
    cond = Condition("data", "data", data=DataSource("obs.csv", ("u",), base))
    with pytest.raises(PinnSemanticError, match=message):
        compile_problem(problem_with(cond, domain=Interval(0.0, 1.0)))
    missing = Condition("data", "data", data=DataSource("nope.csv", ("u",), base))
    with pytest.raises(PinnSemanticError, match="'nope.csv' not found"):
        compile_problem(problem_with(missing, domain=Interval(0.0, 1.0)))


def test_default_points_and_options():
    problem = problem_with(
        pde(T), boundary(T), boundary(T, on=OnPlane(x, 1.0), name="right"),
        pde(T, name="pde_2", points=77, weight=10, sampler="sobol"),
        space=(x, y), domain=SQUARE,
    )
    pde1, whole, right, pde2 = compile_problem(problem).conditions
    assert (pde1.default_points, whole.default_points, right.default_points) == (2000, 800, 200)
    assert pde1.n_points is None and pde1.weight == 1.0 and pde1.sampler is None
    assert (pde2.n_points, pde2.weight, pde2.sampler) == (77, 10.0, "sobol")
    assert len(pde2.sample(rng=np.random.default_rng(0))) == 77
    assert len(pde1.sample(rng=np.random.default_rng(0))) == 2000
    assert pde1.sample(10, np.random.default_rng(0)).x.dtype == torch.float32
