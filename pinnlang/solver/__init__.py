"""The solver: a Lightning module, its trainer, loss weighting and collocation points.

``pinnlang.solve(problem, ...)`` is :func:`pinnlang.solver.api.solve`. Lightning is imported on
first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "solve": "pinnlang.solver.api",
    "PinnModule": "pinnlang.solver.module",
    "SolveSettings": "pinnlang.solver.settings",
    "resolve_settings": "pinnlang.solver.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pinnlang.solver' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
