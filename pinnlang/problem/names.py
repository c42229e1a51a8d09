"""Which names a problem may declare: identifiers of the language that are not reserved."""

from __future__ import annotations

import re

from pinnlang.errors import PinnSemanticError

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

KEYWORDS = frozenset(
    "problem const unknown param let space time field pde initial boundary periodic data exact "
    "on where in and or not train reference quantity integral".split()
)
BUILTIN_FUNCTIONS = frozenset(
    "sin cos tan asin acos atan sinh cosh tanh exp log sqrt abs sign min max heaviside atan2 "
    "d laplacian dn grad rectangle box disk ball polygon".split()
)
BUILTIN_CONSTANTS = frozenset({"pi", "e"})
RESERVED = KEYWORDS | BUILTIN_FUNCTIONS | BUILTIN_CONSTANTS


def is_identifier(name: str) -> bool:
    """True if ``name`` is spelled like a ``.pinn`` identifier (``[A-Za-z][A-Za-z0-9_]*``)."""
    return bool(IDENTIFIER.match(name))


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
    if name in RESERVED:
        kind = "keyword" if name in KEYWORDS else "built-in name"
        raise PinnSemanticError(
            f"{what} name '{name}' is a {kind} of the language", hint="choose another name"
        )
    return name
