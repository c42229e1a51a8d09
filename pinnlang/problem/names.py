"""The vocabulary of the language: keywords, built-in functions and constants, and which names a
problem may declare.

The parser, the lowering, the SymPy builder, the checks and the printers all read these tables,
so a name is reserved in exactly one place (this module is in ``problem/`` because the builder,
which must not import the parser, needs it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from pinnlang.errors import PinnSemanticError

#: Words that start a statement (``train`` is the project's extension).
STATEMENT_KEYWORDS: tuple[str, ...] = (
    "problem", "const", "unknown", "param", "let", "space", "time", "field",
    "pde", "initial", "boundary", "periodic", "data", "exact", "train", "reference", "quantity",
    "point",
)

#: Every keyword: the statement keywords and the words inside statements; none of them may be
#: declared as a name.
KEYWORDS: frozenset[str] = frozenset(STATEMENT_KEYWORDS) | frozenset("on where in and or not integral".split())


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


IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def is_identifier(name: str) -> bool:
    """True if ``name`` is spelled like a ``.pinn`` identifier (``[A-Za-z][A-Za-z0-9_]*``)."""
    return bool(IDENTIFIER.match(name))


def reserved_message(name: str) -> str | None:
    """Why ``name`` may not be declared (the same words from text and from Python), else None."""
    reserved = reserved_kind(name)
    if reserved is None:
        return None
    return f"'{name}' is a {reserved} of the language and cannot be used as a name"


def check_name(name: str, what: str) -> str:
    """Return ``name`` if a problem may declare it, else raise.

    Args:
        name: the name to declare.
        what: what is being declared ("field", "constant", ...), for the message.

    Raises:
        PinnSemanticError: the name is not an identifier, or is a keyword or a built-in.
    """
    if not isinstance(name, str) or not is_identifier(name):
        raise PinnSemanticError(
            f"{what} name {name!r} is not an identifier",
            hint="names start with a letter and continue with letters, digits and '_'",
        )
    message = reserved_message(name)
    if message is not None:
        raise PinnSemanticError(message, hint="choose another name")
    return name
