"""Settings resolution: defaults < the file's train: statement < keyword arguments."""

from __future__ import annotations

import pytest

import pinnlang
from pinnlang.errors import PinnUsageError
from pinnlang.solver.settings import SolveSettings, parse_scalar, resolve_settings, split_settings


def test_defaults_when_nothing_is_given():
    assert resolve_settings({}, {}) == SolveSettings()


def test_file_settings_override_defaults_and_arguments_override_the_file():
    settings = resolve_settings({"steps": 50, "lr": 0.01, "model": "siren"}, {"steps": 7, "lr": None})
    assert settings.steps == 7          # the argument wins
    assert settings.lr == 0.01          # None means "not given": the file's value stays
    assert settings.model == "siren"


def test_train_statement_reaches_the_settings():
    problem = pinnlang.parse("problem p\nspace x in [0, 1]\nfield u\npde: u = 0\n"
                             "train: steps = 12, width = 8, sampler = sobol\n")
    settings = resolve_settings(problem.settings, {"width": 4})
    assert (settings.steps, settings.width, settings.sampler) == (12, 4, "sobol")


def test_aliases_and_dashes():
    settings = resolve_settings({}, {"nodes": 2, "lbfgs-steps": 5, "minibatch": 32})
    assert (settings.num_nodes, settings.lbfgs_steps, settings.batch_size) == (2, 5, 32)


def test_unknown_setting_suggests_the_closest_name():
    with pytest.raises(PinnUsageError, match=r"unknown training setting 'stpes'.*did you mean 'steps'"):
        resolve_settings({}, {"stpes": 10})


def test_unknown_setting_in_the_file_is_located_at_its_key():
    spans = pinnlang.parse("problem p\nspace x in [0, 1]\nfield u\npde: u = 0\ntrain: width = 3\n").spans
    with pytest.raises(PinnUsageError, match=r"unknown training setting 'widht' \(did you mean 'width'\?\)") as err:
        resolve_settings({"widht": 3}, {}, spans={"train:widht": spans["train:width"]})
    assert (err.value.span.line, err.value.span.col) == (5, 8)


@pytest.mark.parametrize("overrides, message", [
    ({"steps": 2.5}, "must be an integer"),
    ({"lr": "fast"}, "must be a number"),
    ({"weighting": "anealing"}, "did you mean 'annealing'"),
    ({"sampler": "halton"}, "must be one of uniform, lhs, sobol, grid"),
    ({"points": 0}, "must be > 0"),
    ({"lbfgs_steps": -1}, "must be >= 0"),
    ({"adaptive": "maybe"}, "true or false"),
])
def test_bad_values_are_usage_errors(overrides, message):
    with pytest.raises(PinnUsageError, match=message):
        resolve_settings({}, overrides)


def test_split_separates_settings_from_trainer_arguments():
    ours, rest = split_settings({"steps": 3, "gradient_clip_val": 0.1, "nodes": 1})
    assert ours == {"steps": 3, "nodes": 1}
    assert rest == {"gradient_clip_val": 0.1}


def test_solve_rejects_an_unknown_keyword_with_a_suggestion(poisson):
    with pytest.raises(PinnUsageError, match=r"did you mean 'gradient_clip_val'"):
        pinnlang.solve(poisson, steps=1, gradient_clip_vall=0.1, quiet=True)


@pytest.mark.parametrize("text, value", [("3", 3), ("-2", -2), ("0.1", 0.1), ("1e-3", 1e-3),
                                         ("true", True), ("False", False), ("none", None),
                                         ("simple", "simple"), ("__import__('os')", "__import__('os')")])
def test_parse_scalar_never_evaluates(text, value):
    assert parse_scalar(text) == value


def test_fourier_settings_reach_the_fourier_model_and_no_other():
    from pinnlang.models.fourier import FourierNet
    from pinnlang.models.mlp import MLP
    from pinnlang.solver.network import build_body

    settings = resolve_settings({"model": "fourier", "sigma": 3}, {"features": 8}).to_dict()
    body = build_body("fourier", 2, 1, settings)
    assert isinstance(body, FourierNet)
    assert tuple(body.frequencies.shape) == (2, 8)
    assert 1.0 < float(body.frequencies.std()) < 6.0  # spread 3, from 16 draws
    plain = build_body("mlp", 2, 1, settings)  # the MLP takes neither: they are not forwarded
    assert isinstance(plain, MLP)
    with pytest.raises(PinnUsageError, match="sigma"):
        resolve_settings({"sigma": 0})
