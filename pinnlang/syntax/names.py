"""The fixed vocabulary of the language: keywords, built-in functions and constants.

Both the parser and the semantic checks read these tables, so a name is reserved in exactly
one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

#: Words that start a statement (``train`` is the project's extension).
STATEMENT_KEYWORDS: tuple[str, ...] = (
    "problem", "const", "unknown", "param", "let", "space", "time", "field",
    "pde", "initial", "boundary", "periodic", "data", "exact", "train",
    "reference", "quantity",
)

#: The core keywords of the language; none of them may be declared as a name.
KEYWORDS: frozenset[str] = frozenset(
    "problem const unknown param let space time field pde initial boundary periodic data "
    "exact on where in and or not".split()
) | frozenset({"reference", "quantity", "integral"})  # the project's extensions (see docs)


@dataclass(frozen=True)
class FunctionSpec:
    """A built-in function: its SymPy counterpart and how many arguments it takes."""

    sympy_function: Callable[..., sp.Expr]
    min_args: int
    max_args: int | None  # None: any number from min_args up

    def arity_text(self) -> str:
        if self.max_args == self.min_args:
            return f"{self.min_args} argument" + ("" if self.min_args == 1 else "s")
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"

    def accepts(self, n_args: int) -> bool:
        return n_args >= self.min_args and (self.max_args is None or n_args <= self.max_args)


def _one(fn: Callable[..., sp.Expr]) -> FunctionSpec:
    return FunctionSpec(fn, 1, 1)


#: Mathematical functions, by the name written in a file.
FUNCTIONS: dict[str, FunctionSpec] = {
    "sin": _one(sp.sin), "cos": _one(sp.cos), "tan": _one(sp.tan),
    "asin": _one(sp.asin), "acos": _one(sp.acos), "atan": _one(sp.atan),
    "sinh": _one(sp.sinh), "cosh": _one(sp.cosh), "tanh": _one(sp.tanh),
    "exp": _one(sp.exp), "log": _one(sp.log), "sqrt": _one(sp.sqrt),
    "abs": _one(sp.Abs), "sign": _one(sp.sign), "heaviside": _one(sp.Heaviside),
    "min": FunctionSpec(sp.Min, 2, None), "max": FunctionSpec(sp.Max, 2, None),
    "atan2": FunctionSpec(sp.atan2, 2, 2),
}

#: Differential operators: handled by the lowering itself, not by a SymPy function call.
OPERATORS: dict[str, tuple[int, int | None]] = {"d": (2, None), "laplacian": (1, 1), "dn": (1, 1)}

#: Geometry constructors and their argument counts.
GEOMETRY: dict[str, tuple[int, int | None]] = {
    "rectangle": (2, 2), "box": (1, None), "disk": (2, 2), "ball": (2, 2), "polygon": (3, None),
}

#: Built-in constants.
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}

#: Every name a user may not declare.
RESERVED: frozenset[str] = KEYWORDS | frozenset(FUNCTIONS) | frozenset(OPERATORS) | frozenset(
    GEOMETRY) | frozenset(CONSTANTS)


def reserved_kind(name: str) -> str | None:
    """Say what a reserved name is (``"keyword"``, ``"built-in function"``, ...), else None."""
    if name in KEYWORDS:
        return "keyword"
    if name in FUNCTIONS or name in OPERATORS:
        return "built-in function"
    if name in GEOMETRY:
        return "geometry constructor"
    if name in CONSTANTS:
        return "built-in constant"
    return None
