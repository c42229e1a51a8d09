"""The solver: a Lightning module, its trainer, loss weighting and collocation points.

``pinnlang.solve(problem, ...)`` is the function :func:`pinnlang.solve.api.solve`. Because this
package has the same name, importing any of its modules binds ``pinnlang.solve`` to the package;
the package is therefore callable and forwards the call to the function, so
``pinnlang.solve(problem)`` works whatever was imported first. Lightning is imported on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_EXPORTS = {
    "solve": "pinnlang.solve.api",
    "PinnModule": "pinnlang.solve.module",
    "SolveSettings": "pinnlang.solve.settings",
    "resolve_settings": "pinnlang.solve.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pinnlang.solve' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


class _CallablePackage(types.ModuleType):
    """The ``pinnlang.solve`` package, callable as :func:`pinnlang.solve.api.solve`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from pinnlang.solve.api import solve

        return solve(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
