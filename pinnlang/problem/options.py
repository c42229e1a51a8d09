"""Condition options (``[weight = W, points = N, sampler = NAME, noise = S]``): the one rule of each.

The SymPy builder raises on a bad option, ``check`` reports it with its location, and the
compiler reads a condition's weight through :func:`condition_weight`, so a file, a Python
problem and a compiled problem agree. A weight must be positive: a zero weight would drop its
condition from the loss without a word (leave the condition out instead).
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping

from pinnlang.errors import PinnSemanticError
from pinnlang.geometry.samplers import SAMPLERS
from pinnlang.source import Span

#: Options every condition understands.
CONDITION_OPTIONS = ("weight", "points", "sampler", "noise")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def option_error(kind: str, key: str, value: Any) -> tuple[str, str | None] | None:
    """``(message, hint)`` if option ``key = value`` of a condition of ``kind`` is wrong, else None.

    An unknown option is not an error here (:func:`unknown_option_warning` says so).
    """
    if key == "weight" and not (_is_number(value) and value > 0):
        return (f"option 'weight' must be a positive number, got {value!r}",
                "a weight of 0 would drop the condition; remove the condition instead")
    if key == "points" and not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return f"option 'points' must be a positive whole number, got {value!r}", None
    if key == "noise" and kind != "data":
        return ("option 'noise' belongs to a 'data' statement (the standard deviation of its "
                "observations' noise)", None)
    if key == "noise" and not (_is_number(value) and value > 0):
        return f"option 'noise' must be a positive number, got {value!r}", None
    if key == "sampler" and value not in SAMPLERS:
        return (f"unknown sampler {value!r}" + _closest(str(value), SAMPLERS),
                f"samplers: {', '.join(SAMPLERS)}")
    return None


def unknown_option_warning(key: str) -> tuple[str, str] | None:
    """``(message, hint)`` for an option no condition understands, else None."""
    if key in CONDITION_OPTIONS:
        return None
    return (f"option '{key}' is not a known condition option" + _closest(key, CONDITION_OPTIONS),
            f"known options: {', '.join(CONDITION_OPTIONS)}")


def require_valid_options(kind: str, options: Mapping[str, Any], span: Span | None = None) -> None:
    """Raise :class:`PinnSemanticError` (at ``span``) for the first wrong option of a condition
    of ``kind``."""
    for key, value in options.items():
        error = option_error(kind, key, value)
        if error is not None:
            raise PinnSemanticError(error[0], span, hint=error[1])


def condition_weight(kind: str, options: Mapping[str, Any], span: Span | None = None) -> float:
    """The weight of a condition in the loss (1 unless its ``weight`` option says otherwise)."""
    weight = options.get("weight", 1.0)
    require_valid_options(kind, {"weight": weight}, span)
    return float(weight)


def _closest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
