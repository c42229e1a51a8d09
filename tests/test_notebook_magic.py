"""The ``%%pinn`` cell magic: binding, display, diagnostics, and the IPython extension."""

from __future__ import annotations

import io
import os

import pytest

from pinnlang.notebook import MagicArguments, MagicUsageError, parse_magic_line, pinn_cell
from pinnlang.problem import Problem

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEAT = """\
problem heat "1-D heat"
const alpha = 0.1
space x in [0, 1]
time t in [0, 1]
field u
pde:      d(u, t) = alpha*d(u, x, x)
initial:  u = sin(pi*x)
boundary: u = 0
exact:    u = exp(-alpha*pi^2*t)*sin(pi*x)
"""

MISSPELT = HEAT.replace("alpha*d(u, x, x)", "alpah*d(u, x, x)")


def run(line: str, cell: str | None, namespace: dict | None = None):
    """Run the magic; return (result, namespace, shown objects, diagnostics text)."""
    namespace = {} if namespace is None else namespace
    shown: list = []
    err = io.StringIO()
    result = pinn_cell(line, cell, namespace, show=shown.append, err=err)
    return result, namespace, shown, err.getvalue()


# ------------------------------------------------------------------ the magic's line
@pytest.mark.parametrize("line, cell, expected", [
    ("", True, MagicArguments(None, None, False)),
    ("  heat2 ", True, MagicArguments(None, "heat2", False)),
    ("--quiet", True, MagicArguments(None, None, True)),
    ("p -q", True, MagicArguments(None, "p", True)),
    ("problems/heat1d.pinn", False, MagicArguments("problems/heat1d.pinn", None, False)),
    ("'my dir/a.pinn' a --quiet", False, MagicArguments("my dir/a.pinn", "a", True)),
])
def test_line_is_split_into_path_target_and_options(line, cell, expected):
    assert parse_magic_line(line, cell=cell) == expected


@pytest.mark.parametrize("line, cell, message", [
    ("2fast", True, "'2fast' is not a Python variable name"),
    ("lambda", True, "'lambda' is not a Python variable name"),
    ("a b", True, "expected at most one variable name, got 'a b'"),
    ("--verbose", True, "unknown option '--verbose'"),
    ("", False, "%pinn needs the path of a .pinn file"),
    ("'unclosed", False, "cannot read the magic's line"),
])
def test_bad_lines_say_what_is_wrong_and_how_to_write_it(line, cell, message):
    with pytest.raises(MagicUsageError) as info:
        parse_magic_line(line, cell=cell)
    assert message in str(info.value)
    assert "usage: %%pinn [NAME]" in str(info.value)


# ------------------------------------------------------------------ valid cells
def test_cell_binds_the_problem_under_its_name_and_shows_it():
    result, namespace, shown, diagnostics = run("", HEAT)
    assert isinstance(result, Problem) and result.name == "heat"
    assert namespace == {"heat": result}
    assert shown == [result]
    assert diagnostics == ""
    assert result == pinn_cell("", HEAT, {}, show=lambda p: None, err=io.StringIO())


def test_cell_binds_under_the_name_given_on_the_line():
    result, namespace, _, _ = run("model_problem", HEAT)
    assert list(namespace) == ["model_problem"]
    assert namespace["model_problem"] is result


def test_quiet_binds_without_showing():
    result, namespace, shown, _ = run("--quiet", HEAT)
    assert namespace["heat"] is result and shown == []


def test_shown_problem_renders_as_latex():
    result, _, _, _ = run("", HEAT)
    latex = result._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}")
    assert "\\frac{\\partial u}{\\partial t}" in latex


def test_warnings_are_printed_and_the_problem_is_still_bound():
    cell = HEAT.replace("const alpha = 0.1", "const alpha = 0.1\nconst unused = 2")
    result, namespace, _, diagnostics = run("", cell)
    assert namespace["heat"] is result
    assert "<cell>:3:7: warning: constant 'unused' is declared but never used" in diagnostics


# ------------------------------------------------------------------ invalid cells
def test_invalid_cell_prints_a_diagnostic_with_a_caret_and_binds_nothing():
    result, namespace, shown, diagnostics = run("", MISSPELT)
    assert result is None and namespace == {} and shown == []
    lines = diagnostics.splitlines()
    assert lines[0] == "<cell>:6:21: error: unknown name 'alpah' (did you mean 'alpha'?)"
    assert lines[1] == "    pde:      d(u, t) = alpah*d(u, x, x)"
    assert lines[2] == "    " + " " * 20 + "^~~~~"
    assert "Traceback" not in diagnostics


def test_syntax_error_is_reported_with_its_position():
    result, namespace, _, diagnostics = run("", HEAT.replace("pde:", "pde"))
    assert result is None and namespace == {}
    assert diagnostics.startswith("<cell>:6:")
    assert ": error: " in diagnostics and "^" in diagnostics


def test_every_error_of_a_cell_is_reported():
    cell = MISSPELT.replace("u = sin(pi*x)", "u = sinn(pi*x)")
    _, _, _, diagnostics = run("", cell)
    assert "unknown name 'alpah'" in diagnostics
    assert "sinn" in diagnostics


def test_invalid_rerun_unbinds_the_stale_problem_of_the_same_name():
    _, namespace, _, _ = run("", HEAT)
    namespace["other"] = 42
    result, namespace, _, diagnostics = run("", MISSPELT, namespace)
    assert result is None
    assert namespace == {"other": 42}
    assert "note: 'heat' is no longer bound: this cell defines it and has errors" in diagnostics


def test_invalid_cell_leaves_a_variable_that_is_not_a_problem_alone():
    namespace = {"heat": "not a problem"}
    _, namespace, _, diagnostics = run("", MISSPELT, namespace)
    assert namespace == {"heat": "not a problem"}
    assert "no longer bound" not in diagnostics


def test_problem_name_that_is_a_python_keyword_needs_a_target():
    cell = HEAT.replace('problem heat "1-D heat"', "problem lambda")
    result, namespace, _, diagnostics = run("", cell)
    assert result is None and namespace == {}
    assert "the problem's name 'lambda' is not a Python variable name" in diagnostics
    result, namespace, _, _ = run("lam", cell)
    assert result.name == "lambda" and namespace == {"lam": result}


def test_bad_line_is_an_error_message_not_an_exception():
    result, namespace, _, diagnostics = run("1x", HEAT)
    assert result is None and namespace == {}
    assert diagnostics.startswith("error: '1x' is not a Python variable name")


# ------------------------------------------------------------------ the line magic
def test_line_magic_loads_a_file():
    path = os.path.join(ROOT, "problems", "poisson1d.pinn")
    result, namespace, shown, _ = run(f"'{path}'", None)
    assert result.name == "poisson1d"
    assert namespace == {"poisson1d": result} and shown == [result]


def test_line_magic_reports_a_missing_file():
    result, namespace, _, diagnostics = run("no/such/file.pinn", None)
    assert result is None and namespace == {}
    assert "error: no such file: 'no/such/file.pinn'" in diagnostics


# ------------------------------------------------------------------ inside IPython
@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    instance.run_line_magic("load_ext", "pinnlang")
    yield instance
    InteractiveShell.clear_instance()


def test_extension_registers_the_magic_in_ipython(shell, capsys):
    outcome = shell.run_cell("%%pinn\n" + HEAT)
    assert outcome.success
    problem = shell.user_ns["heat"]
    assert isinstance(problem, Problem)
    formats, _ = shell.display_formatter.format(problem)
    assert formats["text/latex"].startswith("$$\\begin{aligned}")
    outcome = shell.run_cell("len(heat.conditions)")
    assert outcome.result == 3


def test_invalid_cell_in_ipython_shows_diagnostics_and_no_traceback(shell, capsys):
    shell.run_cell("%%pinn\n" + HEAT)
    capsys.readouterr()
    outcome = shell.run_cell("%%pinn\n" + MISSPELT)
    captured = capsys.readouterr()
    assert outcome.success and outcome.error_in_exec is None
    assert "<cell>:6:21: error: unknown name 'alpah'" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert "heat" not in shell.user_ns
