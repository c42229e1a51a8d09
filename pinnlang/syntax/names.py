"""The language's vocabulary, re-exported for the parser's older imports: the tables live in
:mod:`pinnlang.problem.names`, the one place a name is reserved (the SymPy builder reads them too)."""

from pinnlang.problem.names import (  # noqa: F401  (re-exported)
    CONSTANTS,
    FUNCTIONS,
    GEOMETRY,
    KEYWORDS,
    OPERATORS,
    RESERVED,
    STATEMENT_KEYWORDS,
    FunctionSpec,
    reserved_kind,
    reserved_message,
)
