"""The layer rules of docs/internals.md, enforced by reading every module's imports (AST).

Every import counts, at module level or inside a function (deferred imports included), except
those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pinnlang"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # from pkg import module
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _all_imports() -> dict[str, set[str]]:
    table = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        table[name] = _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py")
    return table


IMPORTS = _all_imports()


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# (the layer, the packages or modules it must never import)
LAYER_RULES = [
    ("pinnlang.results", ("pinnlang.syntax", "pinnlang.compile", "pinnlang.solver", "pinnlang.checks",
                          "pinnlang.cli")),
    ("pinnlang.problem", ("torch", "lightning", "pinnlang.syntax", "pinnlang.compile", "pinnlang.solver",
                          "pinnlang.results", "pinnlang.checks", "pinnlang.cli")),
    ("pinnlang.syntax", ("torch", "lightning", "pinnlang.compile", "pinnlang.solver", "pinnlang.models",
                         "pinnlang.results")),
    ("pinnlang.geometry", ("torch", "pinnlang.problem", "pinnlang.syntax", "pinnlang.compile",
                           "pinnlang.solver")),
    ("pinnlang.models", ("pinnlang.problem", "pinnlang.syntax", "pinnlang.compile", "pinnlang.solver",
                         "pinnlang.results")),
    ("pinnlang.compile", ("pinnlang.solver", "pinnlang.results", "pinnlang.syntax", "pinnlang.cli")),
    ("pinnlang.checks", ("torch", "lightning", "pinnlang.compile", "pinnlang.solver")),
    ("pinnlang.settings_schema", ("torch", "lightning", "pinnlang.problem", "pinnlang.solver")),
]

#: The one import that points up on purpose: Result.load, the thin public entry, calls the
#: rebuild that lives a layer above results/ (pinnlang/runs.py).
ALLOWED = {("pinnlang.results.result", "pinnlang.runs")}


@pytest.mark.parametrize("layer, forbidden", LAYER_RULES, ids=[rule[0] for rule in LAYER_RULES])
def test_a_layer_never_imports_a_layer_above_it(layer, forbidden):
    broken = sorted(
        f"{module} imports {target}"
        for module, targets in IMPORTS.items() if _in(module, layer)
        for target in targets
        if any(_in(target, bad) for bad in forbidden) and (module, target) not in ALLOWED)
    assert broken == []


def test_results_reach_the_parser_and_compiler_only_through_the_runs_module():
    upward = {(module, "pinnlang.runs") for module, targets in IMPORTS.items() if _in(module, "pinnlang.results")
              for target in targets if _in(target, "pinnlang.runs")}
    assert upward == ALLOWED


def test_nothing_imports_the_command_line():
    users = sorted(module for module, targets in IMPORTS.items()
                   if not _in(module, "pinnlang.cli") and module != "pinnlang.__main__"
                   and any(_in(t, "pinnlang.cli") for t in targets))
    assert users == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_problem_package_has_no_import_cycle():
    modules = {m for m in IMPORTS if _in(m, "pinnlang.problem") and m != "pinnlang.problem"}
    graph = {m: {t for t in IMPORTS[m] if t in modules and t != m} for m in modules}
    assert _cycle(graph) is None


def _third_party() -> dict[str, set[str]]:
    users: dict[str, set[str]] = {}
    for module, targets in IMPORTS.items():
        for target in targets:
            top = target.split(".")[0]
            if top and top != "pinnlang" and top not in sys.stdlib_module_names:
                users.setdefault(top, set()).add(module)
    return users


#: Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"IPython": "ipython"}


def _requirement_name(requirement: str) -> str:
    for stop in "<>=!~[; ":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower()


def test_runtime_dependencies_are_exactly_what_the_package_imports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_requirement_name(r) for r in project["dependencies"]}
    extras = {_requirement_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    imported = {DISTRIBUTIONS.get(name, name).lower() for name in _third_party()}
    assert "pytest" not in runtime and "pytest" not in imported  # only the tests need it
    assert runtime - imported == set()  # nothing declared that pinnlang/ never imports
    assert imported - runtime - extras == set()  # nothing imported that is not declared
