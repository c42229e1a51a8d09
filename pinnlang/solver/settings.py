"""Training settings: how the three sources are merged (the settings themselves, their types,
defaults, bounds and checks are declared once in :mod:`pinnlang.settings_schema`).

Settings come from three places, later ones winning::

    SolveSettings defaults  <  the file's ``train:`` statement (``Problem.settings``)
                            <  keyword arguments of :func:`pinnlang.solve` / command-line flags

Every name is checked: an unknown one raises :class:`~pinnlang.errors.PinnUsageError` with a
"did you mean" suggestion, and a value of the wrong type, outside its bounds or its choices says
what was expected.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from pinnlang.settings_schema import (  # noqa: F401  (re-exported: the solver's names for them)
    ALIASES,
    COMPILE_CHOICES,
    ENGINES,
    LOGGERS,
    LR_SCHEDULES,
    SETTING_NAMES,
    SETTINGS,
    WEIGHTINGS,
    SolveSettings,
    canonical_name,
    check_settings,
    suggest,
)
from pinnlang.source import Span



def resolve_settings(file_settings: Mapping[str, Any] | None = None,
                     overrides: Mapping[str, Any] | None = None,
                     *, spans: Mapping[str, Span] | None = None) -> SolveSettings:
    """Merge defaults < ``file_settings`` (the ``train:`` statement) < ``overrides``.

    Args:
        file_settings: ``Problem.settings``.
        overrides: keyword arguments or command-line flags; ``None`` values are ignored
            (a flag that was not given).
        spans: spans of the file settings, used in error messages when present.

    Raises:
        PinnUsageError: an unknown setting name or a bad value.
    """
    values = SolveSettings().to_dict()
    passed = {k: v for k, v in (overrides or {}).items() if v is not None}
    values.update(check_settings(dict(file_settings or {}), spans))
    values.update(check_settings(passed))
    named = frozenset(canonical_name(k) for k in [*(file_settings or {}), *passed])
    return SolveSettings(**values, given=named)


def split_settings(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split keyword arguments into pinnlang settings and the rest (Lightning ``Trainer`` kwargs)."""
    ours, rest = {}, {}
    for key, value in kwargs.items():
        (ours if canonical_name(key) in SETTINGS else rest)[key] = value
    return ours, rest


_INT_TEXT = re.compile(r"[+-]?\d+\Z")
_FLOAT_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def parse_scalar(text: str) -> bool | int | float | str | None:
    """A command-line value: ``"3"`` -> 3, ``"0.1"``/``"1e-3"`` -> float, ``true``/``false`` ->
    bool, ``none`` -> None; anything else stays a string. Nothing is evaluated."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered in ("none", "null"):
        return None
    if _INT_TEXT.match(stripped):
        return int(stripped)
    if _FLOAT_TEXT.match(stripped) or lowered in ("inf", "+inf", "-inf"):
        return float(stripped)
    return text


def parse_devices(text: str) -> int | str:
    """``--devices``: a count (``2``), ``auto``, or a list such as ``0,1`` (kept as text)."""
    value = parse_scalar(text)
    return value if isinstance(value, int) and not isinstance(value, bool) else text
