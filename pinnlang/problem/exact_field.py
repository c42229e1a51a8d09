"""``Problem.exact``: a plain mapping of exact solutions that can also be called to add one.

``problem.exact`` is the IR field ``dict[field name, sympy.Expr]`` (it compares, iterates and
mutates like any dict), and ``problem.exact(u, expr)`` is the builder method that adds an entry
and returns the problem, so both the IR contract and the chainable API keep the same name.
"""

from __future__ import annotations

from typing import Any, Mapping


class ExactSolutions(dict):
    """The exact solutions of a problem; calling it adds one (see ``ProblemBuilder.add_exact``)."""

    _owner: Any = None

    def __call__(self, field: Any, expr: Any):
        """Add ``exact: field = expr`` to the owning problem and return the problem."""
        if self._owner is None:
            raise TypeError("these exact solutions belong to no problem")
        return self._owner.add_exact(field, expr)


class ExactField:
    """A dataclass field descriptor storing an :class:`ExactSolutions` per problem."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # dataclass asks for the default: none given means empty
            return None
        store = obj.__dict__.get(self._slot)
        if store is None:
            store = obj.__dict__[self._slot] = ExactSolutions()
        store._owner = obj
        return store

    def __set__(self, obj: Any, value: Mapping[str, Any] | None) -> None:
        store = ExactSolutions(value or {})
        obj.__dict__[self._slot] = store
