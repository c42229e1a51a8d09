"""Defaults that notice: traits measured from a problem and the settings they fill in
(pinnlang/solver/defaults.py)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp
import torch

import pinnlang
from pinnlang.compile import compile_problem
from pinnlang.solver.defaults import (
    BASE_WIDTH,
    IMBALANCE,
    default_choices,
    default_width,
    mlp_parameters,
    traits,
)
from pinnlang.solver.plan import DENSE_PLAN_PARAMETERS
from pinnlang.solver.wavenumbers import FOURIER_WAVENUMBER, axis_wavenumbers, feature_wavenumbers

x, y, z, t = sp.symbols("x y z t")
u, v, w = sp.Function("u"), sp.Function("v"), sp.Function("w")


def _traits(problem):
    return traits(compile_problem(problem, dtype=torch.float64))


def _heat(initial=sp.sin(sp.pi * x), growth=0):
    return (pinnlang.Problem("heat").space(x, 0, 1).time(t, 0, 1).field(u)
            .pde(sp.Eq(u(x, t).diff(t), 0.1 * u(x, t).diff(x, 2) + growth * u(x, t)))
            .initial(sp.Eq(u(x, t), initial)).boundary(sp.Eq(u(x, t), 0)))


def _poisson(scale=1, **boundary_options):
    return (pinnlang.Problem("poisson").space(x, 0, 1).field(u)
            .pde(sp.Eq(-scale * u(x).diff(x, 2), scale * sp.pi**2 * sp.sin(sp.pi * x)))
            .boundary(sp.Eq(u(x), 0), **boundary_options))


def _three_fields_in_3d():
    fields = [f(x, y, z) for f in (u, v, w)]
    problem = pinnlang.Problem("three").space((x, y, z), (0, 1), (0, 1), (0, 1)).field(u, v, w)
    for i, field in enumerate(fields):
        laplacian = sum(field.diff(s, 2) for s in (x, y, z))
        problem = problem.pde(sp.Eq(laplacian, 0), name=f"pde_{i}")
        problem = problem.boundary(sp.Eq(field, x + i), name=f"wall_{i}")
    return problem


def test_traits_of_a_heat_problem():
    measured = _traits(_heat())
    assert (measured.inputs, measured.fields, measured.order) == (2, 1, 2)
    assert measured.time_dependent and measured.time_span == 1.0
    assert set(measured.row_norms) == {"pde", "initial", "boundary"}
    assert all(value > 0 for value in measured.row_norms.values())
    # sin(pi x) on [0, 1] is sin(pi xi / 2 + c) on xi in [-1, 1]: wavenumber pi / 2 along x; the
    # data do not change along t
    assert measured.wavenumbers == pytest.approx((math.pi / 2, 0.0), rel=1e-3)


@pytest.mark.parametrize("data, along_x, along_y", [
    (sp.sin(20 * sp.pi * x) * sp.sin(sp.pi * y), 10 * math.pi, math.pi / 2),  # exact for sines
    (sp.cos(6 * sp.pi * x) * sp.exp(y), 3 * math.pi, 0.0),  # exp does not oscillate
    (sp.sin(3 * sp.pi * x) + sp.sin(5 * sp.pi * y), 1.5 * math.pi, 2.5 * math.pi),
    (x**2 + y, 0.0, 0.0),  # curving upwards: no oscillation
])
def test_the_data_wavenumber_along_each_normalised_input(data, along_x, along_y):
    problem = (pinnlang.Problem("waves").space((x, y), (0, 1), (0, 1)).field(u)
               .pde(sp.Eq(u(x, y).diff(x, 2) + u(x, y).diff(y, 2), 0)).boundary(sp.Eq(u(x, y), data)))
    compiled = compile_problem(problem, dtype=torch.float32)
    measured = axis_wavenumbers(compiled, np.random.default_rng(0))
    assert measured == pytest.approx((along_x, along_y), rel=2e-3, abs=1e-3)


def test_fast_oscillating_data_get_fourier_features_along_their_axis():
    measured = _traits(_heat(initial=sp.sin(20 * sp.pi * x)))
    # sin(20 pi x) on [0, 1]: wavenumber 20 pi / 2 = 31.4 on the normalised input, none along t
    assert measured.wavenumbers == pytest.approx((10 * math.pi, 0.0), rel=1e-3)
    assert measured.fast_axes == {0: pytest.approx(10 * math.pi, rel=1e-3)}
    choices = default_choices(measured, frozenset(), ("x", "t"))
    assert choices.settings["model"] == "axis_fourier"
    assert "fourier features along x at wavenumber 31.4" in choices.describe()
    # the network gets the sine and cosine of 31.4 x beside x and t
    assert feature_wavenumbers(measured.wavenumbers) == pytest.approx([10 * math.pi, 0.0], rel=1e-3)


def test_features_along_every_oscillating_axis_when_asked_for_on_slow_data():
    assert feature_wavenumbers((1.5, 0.0, 40.0)) == [0.0, 0.0, 40.0]
    assert feature_wavenumbers((1.5, 0.0, 3.0)) == [1.5, 0.0, 3.0]


def test_slow_data_keep_the_plain_network():
    measured = _traits(_heat())
    assert max(measured.wavenumbers) < FOURIER_WAVENUMBER
    choices = default_choices(measured, frozenset())
    assert "model" not in choices.settings and "width" not in choices.settings


def test_more_fields_and_inputs_get_a_wider_network_within_the_second_order_phase():
    small, large = _traits(_poisson()), _traits(_three_fields_in_3d())
    assert (large.inputs, large.fields) == (3, 3)
    assert "width" not in default_choices(small, frozenset()).settings  # 1-D, 1 field: 3 x 20
    width = default_choices(large, frozenset()).settings["width"]
    assert width > BASE_WIDTH
    # three pde conditions: the Levenberg-Marquardt Jacobian has 2 P rows for each
    assert mlp_parameters(3, 3, width, 3) <= DENSE_PLAN_PARAMETERS / math.sqrt(3)
    assert default_width(3, 3, 3, pdes=1) >= width
    assert default_width(3, 3, None) >= width  # the cap only ever narrows
    assert default_width(8, 4, 3) < default_width(8, 4, None)


def test_more_inputs_get_more_collocation_points():
    small = _traits(_poisson())
    assert "points" not in default_choices(small, frozenset()).settings
    assert default_choices(dataclasses.replace(small, inputs=6), frozenset()).settings["points"] == 2000
    assert "points" not in default_choices(dataclasses.replace(small, inputs=6), frozenset({"points"})).settings


def test_pde_terms_1e4_larger_than_the_boundary_data_get_a_balancing_weight():
    plain, scaled = _traits(_poisson()), _traits(_poisson(scale=1e4))
    # same network, same points: the pde's Gauss-Newton block grows by (1e4)^2
    assert scaled.row_norms["pde"] == pytest.approx(1e8 * plain.row_norms["pde"], rel=1e-6)
    assert scaled.row_norms["boundary"] == pytest.approx(plain.row_norms["boundary"], rel=1e-6)
    weights = default_choices(scaled, frozenset()).weights
    expected = scaled.row_norms["pde"] / scaled.row_norms["boundary"]
    assert weights["boundary"] == pytest.approx(expected, rel=0.05)  # two significant digits
    assert "pde" not in weights


def test_balanced_conditions_keep_weight_one():
    measured = _traits(_heat())
    within = {name: measured.row_norms["pde"] / (IMBALANCE / 2) for name in measured.row_norms}
    within["pde"] = measured.row_norms["pde"]
    assert default_choices(dataclasses.replace(measured, row_norms=within), frozenset()).weights == {}
    beyond = dict(within, initial=measured.row_norms["pde"] / (2 * IMBALANCE))
    assert default_choices(dataclasses.replace(measured, row_norms=beyond), frozenset()).weights == {
        "initial": pytest.approx(2 * IMBALANCE)}


def test_a_periodic_condition_is_not_balanced():
    measured = _traits(_heat())
    ends = dataclasses.replace(measured, row_norms={"pde": 1.0, "ends": 1.0 / (100 * IMBALANCE)},
                               kinds={"pde": "pde", "ends": "periodic"})
    assert default_choices(ends, frozenset()).weights == {}


def test_initial_conditions_of_a_problem_that_amplifies_their_errors_are_weighted_by_it():
    growing = _traits(_heat(growth=3))
    assert growing.growth_rate == pytest.approx(3.0) and growing.amplification == pytest.approx(math.exp(3))
    balanced = dataclasses.replace(growing, row_norms={name: 1.0 for name in growing.row_norms})
    choices = default_choices(balanced, frozenset())
    assert choices.weights == {"initial": pytest.approx(math.exp(3), rel=0.01)}
    assert "grows at the rate 3" in choices.describe()
    # on top of a balancing weight; below an order of magnitude of growth, nothing
    lifted = dict(balanced.row_norms, initial=1.0 / (2 * IMBALANCE))
    assert default_choices(dataclasses.replace(balanced, row_norms=lifted), frozenset()).weights == {
        "initial": pytest.approx(2 * IMBALANCE * math.exp(3), rel=0.01)}
    assert default_choices(dataclasses.replace(balanced, growth_rate=2.0), frozenset()).weights == {}
    assert default_choices(dataclasses.replace(balanced, growth_rate=None), frozenset()).weights == {}
    assert _traits(_heat()).growth_rate == 0.0


def test_a_given_setting_or_weight_is_never_overridden():
    fast = _traits(_heat(initial=sp.sin(20 * sp.pi * x)))
    assert "model" not in default_choices(fast, frozenset({"model"})).settings
    assert default_choices(fast, frozenset({"width"})).settings == {"model": "axis_fourier"}
    wide = _traits(_three_fields_in_3d())
    assert "width" not in default_choices(wide, frozenset({"width"})).settings
    scaled = _traits(_poisson(scale=1e4))
    assert default_choices(scaled, frozenset({"weighting"})).weights == {}
    weighted = _traits(_poisson(scale=1e4, weight=3))
    assert weighted.user_weights and default_choices(weighted, frozenset()).weights == {}


def test_solve_applies_the_defaults_and_reports_them(tmp_path, capsys):
    result = pinnlang.solve(_poisson(scale=1e4), steps=2, out=tmp_path / "run")
    assert result.module.compiled.condition("boundary").weight > 1e6
    assert "weights boundary" in result.defaults
    assert "defaults" in capsys.readouterr().out
    assert pinnlang.Result.load(tmp_path / "run").metrics()["defaults"] == result.defaults
    given = pinnlang.solve(_three_fields_in_3d(), steps=2, width=12, quiet=True)
    assert given.settings["width"] == 12
    chosen = pinnlang.solve(_three_fields_in_3d(), steps=2, quiet=True)
    assert chosen.settings["width"] > BASE_WIDTH and "width" in chosen.defaults
    user = pinnlang.solve(_poisson(scale=1e4, weight=3), steps=2, quiet=True)
    assert user.module.compiled.condition("boundary").weight == 3


def _noisy(tmp_path, **options):
    xs = np.linspace(0.01, 0.99, 200)
    noisy = np.sin(np.pi * xs) + np.random.default_rng(1).normal(0, 0.05, xs.size)
    lines = ["x,u"] + [f"{a:.17g},{b:.17g}" for a, b in zip(xs, noisy)]
    (tmp_path / "obs.csv").write_text("\n".join(lines) + "\n")
    return (pinnlang.Problem("noisy").space(x, 0, 1).field(u)
            .pde(sp.Eq(-u(x).diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x)))
            .data("obs.csv", u, base_dir=tmp_path, **options))


def test_data_with_declared_noise_are_weighted_as_a_chi_square(tmp_path):
    measured = _traits(_noisy(tmp_path, noise=0.05))
    assert measured.noise == {"data": 0.05} and "data" in measured.row_norms
    choices = default_choices(measured, frozenset())
    assert choices.weights == {"data": pytest.approx(400)}  # 1 / 0.05^2
    assert "weight data 4e+02 (1/noise^2)" in choices.describe()
    # the noise decides, whatever the Gauss-Newton blocks say
    tiny = dict(measured.row_norms, data=measured.row_norms["pde"] / (100 * IMBALANCE))
    assert default_choices(dataclasses.replace(measured, row_norms=tiny), frozenset()).weights == {
        "data": pytest.approx(400)}
    # a weight in the file, or an adaptive weighting, wins
    assert default_choices(measured, frozenset({"weighting"})).weights == {}
    assert default_choices(_traits(_noisy(tmp_path, noise=0.05, weight=2)), frozenset()).weights == {}


def test_exact_data_are_balanced_like_boundary_data(tmp_path):
    measured = _traits(_noisy(tmp_path))
    assert measured.noise == {}
    tiny = dict(measured.row_norms, data=measured.row_norms["pde"] / (4 * IMBALANCE))
    weights = default_choices(dataclasses.replace(measured, row_norms=tiny), frozenset()).weights
    assert weights == {"data": pytest.approx(4 * IMBALANCE)}


def test_solve_weights_noisy_data_by_their_noise(tmp_path):
    result = pinnlang.solve(_noisy(tmp_path, noise=0.05), steps=2, quiet=True)
    assert result.module.compiled.condition("data").weight == pytest.approx(400)
    assert "1/noise^2" in result.defaults


def test_a_run_naming_axis_fourier_gets_the_wavenumbers_measured_from_its_data():
    from pinnlang.solver.api import build_module
    from pinnlang.solver.settings import resolve_settings

    problem = _heat(initial=sp.sin(20 * sp.pi * x))
    module = build_module(problem, resolve_settings({}, {"model": "axis_fourier"}))
    body = module.net.net
    assert body.config["wavenumbers"] == pytest.approx([10 * math.pi, 0.0], rel=1e-3)
    assert body.embed(torch.zeros(4, 2)).shape == (4, 4)  # x, t, sin(31.4 x), cos(31.4 x)
