"""``verify_exact`` on manufactured solutions (passes) and wrong ones (fails), in float64."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from pinnlang.compile import ExactReport, compile_problem, verify_exact
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import Disk, Interval, Rectangle
from pinnlang.problem import Condition, Constant, DataSource, Unknown, dn

from .builders import boundary, initial, pde, problem_with, t, u, v, x, y

pi = sp.pi
nu, k = sp.symbols("nu k")


def laplacian(e, coords):
    return sum(sp.diff(e, c, 2) for c in coords)


def poisson(exact):
    U = u(x, y)
    forcing = 2 * pi**2 * sp.sin(pi * x) * sp.sin(pi * y)
    return problem_with(
        pde(-laplacian(U, (x, y)), forcing), boundary(U, 0),
        space=(x, y), domain=Rectangle((0.0, 1.0), (0.0, 1.0)), exact={"u": exact},
    )


def test_manufactured_poisson_passes():
    reports = verify_exact(poisson(sp.sin(pi * x) * sp.sin(pi * y)))
    assert [r.name for r in reports] == ["pde", "boundary"]
    assert all(r.ok for r in reports), reports
    assert reports[0].scale == pytest.approx(2 * np.pi**2, rel=0.05)
    assert reports[0].max_abs < 1e-12


def test_a_wrong_exact_solution_fails():
    reports = verify_exact(poisson(sp.sin(pi * x) * sp.sin(pi * y) * (1 + x / 1000)))
    by_name = {r.name: r for r in reports}
    assert not by_name["pde"].ok and by_name["pde"].max_abs > 1e-3
    assert by_name["boundary"].ok  # the wrong factor still vanishes on the boundary
    shifted = {r.name: r for r in verify_exact(poisson(sp.sin(pi * x) * sp.sin(pi * y) + 1e-3))}
    assert shifted["pde"].ok and not shifted["boundary"].ok


def test_heat_equation_passes():
    U = u(x, t)
    exact = sp.exp(-pi**2 * t / 4) * sp.sin(pi * x)
    problem = problem_with(
        pde(U.diff(t), nu * U.diff(x, 2)), initial(U, sp.sin(pi * x)), boundary(U, 0),
        domain=Interval(0.0, 1.0), time=(0.0, 1.0), exact={"u": exact},
        constants=(Constant(nu, sp.Rational(1, 4)),),
    )
    assert all(r.ok for r in verify_exact(problem))
    wrong_nu = problem_with(
        *problem.conditions, domain=Interval(0.0, 1.0), time=(0.0, 1.0), exact={"u": exact},
        constants=(Constant(nu, sp.Float(0.26)),),
    )
    assert [r.ok for r in verify_exact(wrong_nu)] == [False, True, True]


def test_burgers_with_a_manufactured_forcing_passes():
    U = u(x, t)
    exact = sp.exp(-t) * sp.sin(pi * x) + sp.Rational(1, 2) * x * t
    operator = lambda w: sp.diff(w, t) + w * sp.diff(w, x) - nu * sp.diff(w, x, 2)  # noqa: E731
    forcing = operator(exact).subs(nu, sp.Float(0.01) / pi)
    problem = problem_with(
        pde(operator(U), forcing), initial(U, sp.sin(pi * x)),
        boundary(U, exact.subs(x, -1), on=None, where=x < 0, name="left"),
        boundary(U, exact.subs(x, 1), where=x > 0, name="right"),
        domain=Interval(-1.0, 1.0), time=(0.0, 1.0), exact={"u": exact},
        constants=(Constant(nu, sp.Float(0.01) / pi),),
    )
    reports = verify_exact(problem, tol=1e-9)
    assert [r.name for r in reports] == ["pde", "initial", "left", "right"]
    assert all(r.ok for r in reports), reports
    assert all(isinstance(r, ExactReport) and r.points == 1000 for r in reports)


def test_neumann_condition_on_a_disk_passes():
    U = u(x, y)
    exact = x**2 + y**2 + x  # laplacian 4; dn on the unit circle: 2 + x
    problem = problem_with(
        pde(laplacian(U, (x, y)), 4), boundary(dn(U), 2 + x),
        space=(x, y), domain=Disk((0.0, 0.0), 1.0), exact={"u": exact},
    )
    assert all(r.ok for r in verify_exact(problem))
    wrong = problem_with(
        *problem.conditions, space=(x, y), domain=Disk((0.0, 0.0), 1.0),
        exact={"u": exact + y / 100},
    )
    assert [r.ok for r in verify_exact(wrong)] == [True, False]


def test_verify_exact_evaluates_in_float64():
    # The residual cancels terms of size ~1e2: float32 leaves ~1e-5 behind, float64 ~1e-14.
    problem = poisson(sp.sin(pi * x) * sp.sin(pi * y))
    assert all(r.ok for r in verify_exact(problem, tol=1e-12))
    compiled32 = compile_problem(problem, dtype=torch.float32)
    cond = compiled32.conditions[0]
    batch = cond.sample(1000, np.random.default_rng(0))
    assert batch.x.dtype == torch.float32
    residual32 = cond.residual(compiled32.exact_fn, batch, {}, create_graph=False)
    assert float(residual32.detach().abs().max()) > 1e-12 * 2 * np.pi**2


def test_periodic_data_and_unknowns(tmp_path):
    U = u(x, t)
    exact = sp.exp(-k * pi**2 * t) * sp.sin(pi * x)
    rows = ["t,x,u"] + [
        f"{tt},{xx},{float(exact.subs({k: 0.5, x: xx, t: tt}))!r}"
        for tt, xx in [(0.1, 0.2), (0.5, -0.3), (0.9, 0.7)]
    ]
    (tmp_path / "obs.csv").write_text("\n".join(rows) + "\n")
    conditions = [
        pde(U.diff(t), k * U.diff(x, 2)),
        Condition("periodic", "periodic", coordinate=x),
        Condition("data", "data", data=DataSource("obs.csv", ("u",), str(tmp_path))),
    ]
    problem = problem_with(
        *conditions, domain=Interval(-1.0, 1.0), time=(0.0, 1.0),
        unknowns=(Unknown(k, 1.0),), exact={"u": exact.subs(k, 0.5)},
    )
    guessed = verify_exact(problem, fit_unknowns=False)  # k = 1.0, the initial guess, is wrong
    assert [r.ok for r in guessed] == [False, True, True]
    assert guessed[0].unknowns == {"k": 1.0}
    assert all(r.ok for r in verify_exact(problem, unknowns={"k": 0.5}))
    assert guessed[2].points == 3
    fitted = verify_exact(problem)  # fitted from the exact solution
    assert all(r.ok for r in fitted)
    assert fitted[0].unknowns["k"] == pytest.approx(0.5, abs=1e-9)


def test_noisy_data_passes_within_its_declared_noise(tmp_path):
    U = u(x, t)
    exact = sp.exp(-t) * sp.sin(pi * x)
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 1, (400, 2))
    noisy = np.exp(-points[:, 1]) * np.sin(np.pi * points[:, 0]) + rng.normal(0, 0.1, 400)
    rows = ["x,t,u"] + [f"{a:.17g},{b:.17g},{c:.17g}" for (a, b), c in zip(points, noisy)]
    (tmp_path / "obs.csv").write_text("\n".join(rows) + "\n")

    def with_noise(options):
        data = Condition("data", "data", data=DataSource("obs.csv", ("u",), str(tmp_path)),
                         options=options)
        return problem_with(pde(U.diff(t), -U), data, domain=Interval(0.0, 1.0), time=(0.0, 1.0),
                            exact={"u": exact})

    assert [r.ok for r in verify_exact(with_noise({}))] == [True, False]
    declared = verify_exact(with_noise({"noise": 0.1}))
    assert [r.ok for r in declared] == [True, True]
    assert 0.2 < declared[1].max_abs < 0.5  # the noise is really there
    # Declaring far less noise than the data carry still fails.
    assert [r.ok for r in verify_exact(with_noise({"noise": 0.01}))] == [True, False]


def test_conditions_on_fields_without_exact_are_skipped_and_none_at_all_is_an_error():
    problem = problem_with(
        pde(u(x).diff(x, 2), 0), pde(v(x), 0, name="second"), domain=Interval(0.0, 1.0),
        fields=(u, v), exact={"u": 3 * x},
    )
    assert [r.name for r in verify_exact(problem)] == ["pde"]
    compiled = compile_problem(problem)
    values = compiled.exact_fn(torch.tensor([[0.5]]))
    assert values[0, 0] == 1.5 and torch.isnan(values[0, 1])
    with pytest.raises(PinnSemanticError, match="has no exact solution"):
        verify_exact(problem_with(pde(u(x), 0), domain=Interval(0.0, 1.0)))
