"""pinnlang: physics-informed neural networks from a small declarative language.

The public API, re-exported explicitly::

    import pinnlang
    problem = pinnlang.load("problems/poisson1d.pinn")     # text -> Problem (checked)
    result = pinnlang.solve(problem, steps=2000)            # train -> Result
    result.errors()                                         # {"u": 1.2e-3}

Front-end names (``parse``, ``load``, ``check``, ``Problem``, geometry) import no torch; the
compiler, models and solver are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it (imported lazily, so `import pinnlang` stays light)
_EXPORTS: dict[str, str] = {
    # errors and sources
    "PinnError": "pinnlang.errors",
    "PinnSyntaxError": "pinnlang.errors",
    "PinnSemanticError": "pinnlang.errors",
    "PinnProblemErrors": "pinnlang.errors",
    "PinnRuntimeError": "pinnlang.errors",
    "PinnUsageError": "pinnlang.errors",
    "Diagnostic": "pinnlang.errors",
    "Source": "pinnlang.source",
    "Span": "pinnlang.source",
    # the problem and its SymPy API
    "Problem": "pinnlang.problem",
    "Condition": "pinnlang.problem",
    "dn": "pinnlang.problem",
    "laplacian": "pinnlang.problem",
    # text front end
    "parse": "pinnlang.syntax",
    "load": "pinnlang.syntax",
    "check": "pinnlang.checks.rules",
    # geometry
    "Interval": "pinnlang.geometry",
    "Box": "pinnlang.geometry",
    "Rectangle": "pinnlang.geometry",
    "Ball": "pinnlang.geometry",
    "Disk": "pinnlang.geometry",
    "Polygon": "pinnlang.geometry",
    "Region": "pinnlang.geometry",
    # compiler
    "compile_problem": "pinnlang.compile",
    "verify_exact": "pinnlang.compile",
    # models
    "register_model": "pinnlang.models",
    "register_module": "pinnlang.models",
    "build_model": "pinnlang.models",
    "available_models": "pinnlang.models",
    # reference solutions for problems without a closed form
    "reference_solution": "pinnlang.reference",
    "reference_points": "pinnlang.reference",
    # solver and results
    "solve": "pinnlang.solver",
    "PinnModule": "pinnlang.solver",
    "Result": "pinnlang.results",
    # sweeps of training settings (Optuna)
    "sweep": "pinnlang.sweeps",
    "SweepResult": "pinnlang.sweeps",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pinnlang' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython) -> None:  # pragma: no cover - used by `%load_ext pinnlang`
    """Register the ``%%pinn`` cell magic (see :mod:`pinnlang.notebook`)."""
    from pinnlang.notebook import load_ipython_extension as _load

    _load(ipython)
