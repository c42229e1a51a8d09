"""The solver: a Lightning module, its trainer, loss weighting and collocation points.

``solve`` and ``PinnModule`` import Lightning on first use, so importing this package is light.
"""

from __future__ import annotations

import importlib
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
