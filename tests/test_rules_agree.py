"""Every rule that lives in one module gives one verdict, whether a problem comes from text or
from the SymPy API (and, for settings, from the keyword arguments of ``pinnlang.solve``).

Each table row is fed through both front ends; the test asserts the same error message from each
(or that both accept). The rules: reserved names (problem/names.py), condition options and the
weight rule (problem/options.py), the data-path policy (problem/data_path.py) and the training
settings (settings_schema.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sympy as sp

import pinnlang
from pinnlang.checks.rules import check
from pinnlang.errors import PinnError

x = sp.Symbol("x")
u = sp.Function("u")

HEADER = "problem p\nspace x in [0, 1]\nfield u\n"


def _text_verdict(text: str, path: str = "<string>", allowed=()) -> str | None:
    """The first error message of parsing ``text``, or None when it is accepted."""
    try:
        pinnlang.parse(text, path=path, allowed_paths=allowed)
    except PinnError as err:
        return err.diagnostics[0].message
    return None


def _python_verdict(build) -> str | None:
    """The error message of building (and checking) a problem in Python, or None."""
    try:
        problem = build()
    except PinnError as err:
        return err.message
    errors = [d for d in check(problem) if d.severity == "error"]
    return errors[0].message if errors else None


def _base():
    return pinnlang.Problem("p").space(x, 0, 1).field(u)


# ------------------------------------------------------------------ reserved names
@pytest.mark.parametrize("name, expected", [
    ("train", "'train' is a keyword of the language and cannot be used as a name"),
    ("where", "'where' is a keyword of the language and cannot be used as a name"),
    ("field", "'field' is a keyword of the language and cannot be used as a name"),
    ("sin", "'sin' is a built-in function of the language and cannot be used as a name"),
    ("laplacian", "'laplacian' is a built-in function of the language and cannot be used as a name"),
    ("disk", "'disk' is a geometry constructor of the language and cannot be used as a name"),
    ("pi", "'pi' is a built-in constant of the language and cannot be used as a name"),
    ("grad", None),
    ("nu", None),
])
def test_a_reserved_name_as_a_constant(name, expected):
    text = f"problem p\nconst {name} = 2\nspace x in [0, 1]\nfield u\npde: u = 0\nboundary: u = 0\n"
    python = lambda: _base().const(name, 2).pde(u(x)).boundary(u(x))  # noqa: E731
    assert _text_verdict(text) == expected
    assert _python_verdict(python) == expected


# ------------------------------------------------------------------ condition options
@pytest.mark.parametrize("option, value, expected", [
    ("weight", "0", "option 'weight' must be a positive number, got 0"),
    ("weight", "-1", "option 'weight' must be a positive number, got -1"),
    ("weight", "2.5", None),
    ("points", "0", "option 'points' must be a positive whole number, got 0"),
    ("sampler", "halton", "unknown sampler 'halton'"),
    ("sampler", "sobl", "unknown sampler 'sobl' (did you mean 'sobol'?)"),
    ("sampler", "lhs", None),
])
def test_a_condition_option(option, value, expected):
    text = HEADER + f"pde: u = 0 [{option} = {value}]\nboundary: u = 0\n"
    python_value = value if option == "sampler" else sp.sympify(value, rational=False)
    python = lambda: _base().pde(u(x), **{option: python_value}).boundary(u(x))  # noqa: E731
    assert _text_verdict(text) == expected
    assert _python_verdict(python) == expected


@pytest.mark.parametrize("weight", [0, -1.0])
def test_the_compiler_applies_the_same_weight_rule(weight):
    from pinnlang.compile import compile_problem

    problem = _base().pde(u(x)).boundary(u(x))
    pde = dataclasses.replace(problem.conditions[0], options={"weight": weight})  # past the builder
    problem.conditions = [pde, problem.conditions[1]]
    with pytest.raises(PinnError) as err:
        compile_problem(problem)
    assert err.value.message == f"option 'weight' must be a positive number, got {weight!r}"


# ------------------------------------------------------------------ data files
@pytest.fixture
def folders(tmp_path: Path):
    """``inside/`` holds the problem; ``outside/obs.csv`` lies next to it."""
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "obs.csv").write_text("x,u\n0.5,0.25\n")
    (inside / "near.csv").write_text("x,u\n0.5,0.25\n")
    return inside, outside


OUTSIDE = "data file '../outside/obs.csv' is outside the folder of the problem file"


@pytest.mark.parametrize("data, allowed, expected", [
    ("near.csv", [], None),
    ("../outside/obs.csv", [], OUTSIDE),
    ("../outside/obs.csv", ["outside/obs.csv"], None),   # the file itself
    ("../outside/obs.csv", ["outside"], None),           # its folder
    ("../outside/missing.csv", ["outside"], "data file '../outside/missing.csv' not found"),
])
def test_a_data_path(folders, monkeypatch, data, allowed, expected):
    inside, _outside = folders
    monkeypatch.chdir(inside.parent)  # allowed paths are relative to the working directory
    text = HEADER + f'pde: u = 0\nboundary: u = 0\ndata "{data}": u\n'
    pinn = inside / "p.pinn"
    pinn.write_text(text)
    problem = _base().pde(u(x)).boundary(u(x)).data(data, u, base_dir=inside)
    python = [d.message for d in check(problem, allowed_paths=allowed) if d.severity == "error"]
    try:
        pinnlang.load(pinn, allowed_paths=allowed)
        from_text = None
    except PinnError as err:
        from_text = err.diagnostics[0].message
    assert from_text == expected
    assert (python[0] if python else None) == expected
    from pinnlang.compile import compile_problem  # the compiler reads the file by the same policy

    try:
        compile_problem(problem, allowed_paths=allowed)
        compiled = None
    except PinnError as err:
        compiled = err.message
    assert compiled == expected


# ------------------------------------------------------------------ training settings
@pytest.mark.parametrize("key, text_value, value, expected", [
    ("stpes", "5", 5, "unknown training setting 'stpes' (did you mean 'steps'?)"),
    ("width", "2.5", 2.5, "setting 'width' must be an integer, got 2.5"),
    ("lr", "-1", -1, "setting 'lr' must be > 0, got -1"),
    ("anneal_alpha", "2", 2, "setting 'anneal_alpha' must be >= 0, <= 1, got 2"),
    ("sampler", "halton", "halton", "setting 'sampler' must be one of uniform, lhs, sobol, grid, got 'halton'"),
    ("weighting", "anealing", "anealing",
     "setting 'weighting' must be one of fixed, annealing, gradnorm, got 'anealing' (did you mean 'annealing'?)"),
    ("lbfgs", "3", 3, None),
    ("lr_decay", "0.01", 0.01, None),
])
def test_a_training_setting(key, text_value, value, expected):
    text = HEADER + f"pde: u = 0\nboundary: u = 0\ntrain: {key} = {text_value}\n"
    assert _text_verdict(text) == expected
    assert _python_verdict(lambda: _base().pde(u(x)).boundary(u(x)).train(**{key: value})) == expected
    if expected is not None:  # pinnlang.solve's keyword arguments: refused before any training
        with pytest.raises(PinnError) as err:
            pinnlang.solve(_base().pde(u(x)).boundary(u(x)), quiet=True, **{key: value})
        assert err.value.message == expected


def test_a_bad_training_setting_in_a_file_is_located():
    text = HEADER + "pde: u = 0\nboundary: u = 0\ntrain: stpes = 5, width = 2.5\n"
    with pytest.raises(PinnError) as err:
        pinnlang.parse(text, path="p.pinn")
    key, value = err.value.diagnostics
    assert (key.span.line, key.span.col, key.span.end_col) == (6, 8, 13)      # at the key
    assert (value.span.line, value.span.col, value.span.end_col) == (6, 27, 30)  # at the value
    assert err.value.render().startswith(
        "p.pinn:6:8: error: unknown training setting 'stpes' (did you mean 'steps'?)\n"
        "    train: stpes = 5, width = 2.5\n"
        "           ^~~~~")
