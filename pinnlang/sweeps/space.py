"""The search space of a sweep: which training settings vary, and over what.

A parameter is written ``NAME=LOW:HIGH`` (a range; integers for an integer setting),
``NAME=LOW:HIGH:log`` (a range sampled on a log scale) or ``NAME=A,B,C`` (a choice); in Python
the same text, a ``(low, high)`` or ``(low, high, "log")`` tuple, or a list of choices. Whether a
setting is an integer, a number, a switch or a name, and which values it accepts, come from the
settings schema (:mod:`pinnlang.settings_schema`) through :func:`setting_kind` alone, and every
bound and choice is checked by the same rule that checks a ``train:`` statement
(:func:`pinnlang.settings_schema.check_setting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from pinnlang.errors import PinnUsageError
from pinnlang import settings_schema as schema
from pinnlang.solver.settings import parse_scalar

#: Settings a sweep sets itself: where a trial writes and whether it prints.
NOT_SWEPT = ("out", "quiet")


def setting_kind(name: str) -> str:
    """``int``, ``float``, ``bool`` or ``str`` (anything else: ``str``) for the setting ``name``.

    The one place the sweep reads the type of a setting (from :mod:`pinnlang.settings_schema`).

    Raises:
        PinnUsageError: not a training setting (with a "did you mean").
    """
    canonical = schema.canonical_name(name)
    if canonical not in schema.SETTINGS or canonical in NOT_SWEPT:
        names = swept_setting_names()
        raise PinnUsageError(f"'{name}' is not a training setting a sweep can vary"
                             + schema.suggest(canonical, names))
    kind = schema.SETTINGS[canonical].kind
    return kind if kind in ("int", "float", "bool") else "str"


def swept_setting_names() -> tuple[str, ...]:
    """Every setting a sweep (and its command line) may set."""
    return tuple(n for n in schema.SETTING_NAMES if n not in NOT_SWEPT)


def check_value(name: str, value: Any, where: str) -> Any:
    """``value`` as the setting ``name`` takes it, checked by the schema's own rule."""
    try:
        return schema.check_setting(name, value)[1]
    except PinnUsageError as err:
        raise PinnUsageError(f"{where}: {err.message}") from None


@dataclass(frozen=True)
class Dimension:
    """One swept setting.

    Attributes:
        name: the setting (canonical name).
        kind: ``int``, ``float`` or ``choice``.
        low, high: the range (``int``/``float``).
        log: sample the range on a log scale.
        choices: the values of a ``choice``.
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def suggest(self, trial: Any) -> Any:
        """This dimension's value for an Optuna ``trial``."""
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log)
        return trial.suggest_categorical(self.name, list(self.choices))

    def describe(self) -> str:
        if self.kind == "choice":
            return f"{self.name}={','.join(str(c) for c in self.choices)}"
        return f"{self.name}={self.low:g}:{self.high:g}" + (":log" if self.log else "")


def _number(text: str, where: str) -> float:
    value = parse_scalar(text)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PinnUsageError(f"{where}: '{text}' is not a number")
    return value


def dimension(name: str, spec: Any) -> Dimension:
    """A :class:`Dimension` from ``NAME`` and its spec (text, a tuple range or a list of choices).

    Raises:
        PinnUsageError: an unknown setting, a range on a setting that takes names, bounds in the
            wrong order or outside what the setting accepts, a bad choice.
    """
    where = f"sweep parameter '{name}'"
    kind = setting_kind(name)
    canonical = schema.canonical_name(name)
    if isinstance(spec, str):
        parts = spec.split(":")
        if len(parts) == 1:
            spec = [parse_scalar(c) for c in spec.split(",")]
        elif len(parts) in (2, 3):
            spec = tuple([_number(p, where) for p in parts[:2]] + parts[2:])
        else:
            raise PinnUsageError(f"{where}: expected LOW:HIGH, LOW:HIGH:log or A,B,C; got '{spec}'")
    if isinstance(spec, list):
        if not spec:
            raise PinnUsageError(f"{where}: no choices")
        choices = tuple(check_value(canonical, c, where) for c in spec)
        return Dimension(canonical, "choice", choices=choices)
    if not isinstance(spec, tuple) or len(spec) not in (2, 3):
        raise PinnUsageError(f"{where}: expected (low, high), (low, high, 'log') or a list of choices; got {spec!r}")
    if kind not in ("int", "float"):
        raise PinnUsageError(f"{where}: '{canonical}' takes {'true or false' if kind == 'bool' else 'a name'}, "
                             "not a range; list the choices (A,B,C)")
    scale = spec[2] if len(spec) == 3 else None
    if scale not in (None, "log"):
        raise PinnUsageError(f"{where}: the third part of a range is 'log', got '{scale}'")
    low, high = (check_value(canonical, v, where) for v in spec[:2])
    if not low < high:
        raise PinnUsageError(f"{where}: the range needs low < high, got {low:g}:{high:g}")
    if scale == "log" and low <= 0:
        raise PinnUsageError(f"{where}: a log range needs low > 0, got {low:g}")
    return Dimension(canonical, kind, low=low, high=high, log=scale == "log")


def search_space(params: Mapping[str, Any]) -> tuple[Dimension, ...]:
    """Every swept setting, in the order given.

    Raises:
        PinnUsageError: as :func:`dimension`, or no parameter, or one setting given twice.
    """
    dims = [dimension(name, spec) for name, spec in params.items()]
    names = [d.name for d in dims]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise PinnUsageError(f"sweep parameter '{twice}' is given twice")
    return tuple(dims)


def parse_param(text: str) -> tuple[str, str]:
    """``"width=16:64"`` -> ``("width", "16:64")`` (the command line's ``--param``)."""
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise PinnUsageError(f"--param expects NAME=LOW:HIGH, NAME=LOW:HIGH:log or NAME=A,B,C; got '{text}'")
    return name.strip(), spec.strip()
