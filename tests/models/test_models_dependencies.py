"""The zoo knows no PDE: pinnlang.models imports nothing from the problem, compiler or solver."""

from __future__ import annotations

import ast
from pathlib import Path

import pinnlang.models

FORBIDDEN = ("pinnlang.problem", "pinnlang.compile", "pinnlang.solver", "pinnlang.syntax")
MODELS_DIR = Path(pinnlang.models.__file__).parent


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_models_package_imports_no_pde_stage():
    files = sorted(MODELS_DIR.glob("*.py"))
    assert len(files) >= 10
    for path in files:
        for module in _imported_modules(path):
            assert not module.startswith(FORBIDDEN), f"{path.name} imports {module}"


def test_every_module_is_small_and_postponed_annotations():
    for path in MODELS_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, path.name
        assert "from __future__ import annotations" in text, path.name
