"""Loading a benchmark script (``benchmarks/*.py``, not a package) as a module for its tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def script_module(stem: str) -> Iterator[ModuleType]:
    """``benchmarks/<stem>.py`` as a module, registered in ``sys.modules`` while in use (its
    dataclasses need that); a generator for a module-scoped fixture."""
    name = f"{stem}_benchmark"
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]
