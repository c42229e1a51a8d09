"""Every notebook in notebooks/ runs top to bottom in a real kernel, with a tiny training budget.

The notebooks read their budget from ``PINNLANG_NOTEBOOK_STEPS`` (Adam steps),
``PINNLANG_NOTEBOOK_LBFGS_STEPS`` and (where the problem's file trains with Levenberg–Marquardt)
``PINNLANG_NOTEBOOK_LM_STEPS``; here they get 30 Adam steps, no L-BFGS and 2 Levenberg–Marquardt
iterations, so each takes a few
seconds of training. The checks are on what a reader sees: no cell raised, and the outputs each
notebook exists to show are there (an error dict, a diagnostic with a caret, LaTeX, figures).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat (pip install '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbclient (pip install '.[test]')")
pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel (pip install '.[test]')")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
TINY_BUDGET = {"PINNLANG_NOTEBOOK_STEPS": "30", "PINNLANG_NOTEBOOK_LBFGS_STEPS": "0",
               "PINNLANG_NOTEBOOK_LM_STEPS": "2"}
CELL_TIMEOUT = 600  # seconds; generous because the test machine may be shared

ERROR_DICT = re.compile(r"errors: \{'u': ([0-9.eE+-]+|nan)\}")


def execute(name: str) -> "nbformat.NotebookNode":
    """Run notebook ``name`` in a fresh ``python3`` kernel (in notebooks/) and return it."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    env = dict(os.environ, **TINY_BUDGET)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)
    return notebook


def outputs(notebook, kind: str) -> list:
    return [o for cell in notebook.cells if cell.cell_type == "code"
            for o in cell.get("outputs", []) if o.output_type == kind]


def stream(notebook, name: str = "stdout") -> str:
    return "".join(o.text for o in outputs(notebook, "stream") if o.name == name)


def mime_count(notebook, mime: str) -> int:
    return sum(mime in o.get("data", {}) for kind in ("display_data", "execute_result")
               for o in outputs(notebook, kind))


def error_value(text: str) -> float:
    match = ERROR_DICT.search(text)
    assert match, f"no error dict printed in:\n{text}"
    return float(match.group(1))


# ------------------------------------------------------------------ stored notebooks
def test_there_are_the_four_notebooks():
    assert NOTEBOOK_NAMES == ["inverse_problem.ipynb", "parametric.ipynb", "quickstart.ipynb",
                              "sympy_api.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_is_stored_valid_and_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_budget_is_set_in_its_first_code_cell(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code").source
    assert re.search(r'STEPS = int\(os.environ.get\("PINNLANG_NOTEBOOK_STEPS", "\d+"\)\)', first)
    assert "PINNLANG_NOTEBOOK_LBFGS_STEPS" in first
    solves = [c.source for c in notebook.cells if "pinnlang.solve(" in c.source]
    assert solves and all("steps=STEPS" in s and "lbfgs_steps=LBFGS_STEPS" in s for s in solves)
    if "PINNLANG_NOTEBOOK_LM_STEPS" in first:  # a notebook whose problem trains with Levenberg-Marquardt
        assert all("lm_steps=LM_STEPS" in s for s in solves)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_code_is_python(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.source.startswith("%%"):
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        ast.parse(source)  # a SyntaxError fails the test with the line


# ------------------------------------------------------------------ executed notebooks
@pytest.mark.slow
def test_quickstart_runs_and_shows_the_errors():
    notebook = execute("quickstart.ipynb")
    out, err = stream(notebook), stream(notebook, "stderr")
    assert error_value(out) >= 0
    assert "<cell>:6:17: error: unknown name 'alpah' (did you mean 'alpha'?)" in err
    assert "                    ^~~~~" in err
    assert "Traceback" not in out + err
    assert "heat_typo is bound: False" in out
    assert re.search(r"pde +max \|residual\| = \S+ +ok = True", out)
    assert "L2 rel. error u" in out  # the summary table
    assert "['error', 'loss', 'solution']" in out
    assert mime_count(notebook, "text/latex") >= 1
    assert mime_count(notebook, "image/png") >= 2


@pytest.mark.slow
def test_sympy_notebook_compares_built_and_parsed_problems():
    notebook = execute("sympy_api.ipynb")
    out = stream(notebook)
    assert "residual on the exact solution: 0" in out
    assert "\\frac{\\partial^{2} u}{\\partial x^{2}}" in out
    assert 'problem poisson "Poisson on the unit square"' in out
    assert "built in Python == parsed from text: True" in out
    assert "printed text parses back to it:      True" in out
    assert error_value(out) >= 0
    assert mime_count(notebook, "text/latex") == 2  # the built problem and the %%pinn cell
    assert mime_count(notebook, "image/png") == 1


@pytest.mark.slow
def test_inverse_notebook_reports_the_learned_unknown():
    notebook = execute("inverse_problem.ipynb")
    out = stream(notebook)
    assert "200 observations; columns: ('x', 't', 'u')" in out
    match = re.search(r"learned k = (\S+) +true k = 0\.5 +relative error = \S+%", out)
    assert match, out
    assert float(match.group(1)) > 0
    assert error_value(out) >= 0
    assert mime_count(notebook, "image/png") == 2


@pytest.mark.slow
def test_parametric_notebook_plots_the_family():
    notebook = execute("parametric.ipynb")
    out = stream(notebook)
    assert "network inputs: ['x', 't', 'alpha']" in out
    assert len(re.findall(r"alpha = +[0-9.]+: +L2 relative error \S+", out)) == 5
    assert mime_count(notebook, "image/png") >= 1
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        assert "ipywidgets is not installed: no slider" in out
    else:
        assert mime_count(notebook, "application/vnd.jupyter.widget-view+json") == 1
