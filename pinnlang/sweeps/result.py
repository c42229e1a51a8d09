"""The outcome of a sweep: its trials as a table, the best settings and their ``train:`` line."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

#: A value a ``train:`` statement takes as a bare identifier (anything else is quoted).
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def setting_text(value: Any) -> str:
    """``value`` written as a ``train:`` statement reads it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}"
        return f"{value:.6g}"
    text = str(value)
    if _IDENTIFIER.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def train_line(settings: dict[str, Any]) -> str:
    """``train: name = value, ...`` for ``settings``, in their order."""
    return "train: " + ", ".join(f"{name} = {setting_text(value)}" for name, value in settings.items())


@dataclass
class TrialRow:
    """One trial of the study.

    Attributes:
        number: Optuna's trial number (in the whole study).
        state: ``COMPLETE``, ``FAIL``, ``RUNNING``, ...
        value: the objective (``None`` unless complete).
        params: the swept settings' values.
        seconds: training and scoring time of the trial.
        worker: which process of which invocation ran it (``pid``).
        error: the message of a failed trial.
    """

    number: int
    state: str
    value: float | None
    params: dict[str, Any]
    seconds: float | None = None
    worker: int | None = None
    error: str | None = None


@dataclass
class SweepResult:
    """A finished sweep.

    Attributes:
        study_name: the Optuna study.
        storage: its storage URL (``None``: in memory).
        objective: what was minimised (``L2 relative error`` or ``loss on fresh points``).
        trials: every trial of the study so far (other invocations' included), by number.
        best_settings: the settings of the best trial (the sweep's fixed settings and the swept
            ones), ready for :func:`pinnlang.solve` or a ``train:`` line.
        best_value: its objective.
        best_number: its trial number.
        study: the Optuna study object (``None`` once unpickled).
    """

    study_name: str
    storage: str | None
    objective: str
    trials: list[TrialRow]
    best_settings: dict[str, Any]
    best_value: float
    best_number: int
    study: Any = field(default=None, repr=False, compare=False)

    def train_line(self) -> str:
        """The best settings as a ``train:`` statement (append it to the problem file)."""
        return train_line(self.best_settings)

    def table(self) -> str:
        """The trials as a text table, best first among the completed ones."""
        names = list(dict.fromkeys(n for row in self.trials for n in row.params))
        header = ["trial", "state", self.objective, "seconds", *names]
        ordered = sorted(self.trials, key=lambda r: (r.value is None or not math.isfinite(r.value),
                                                     r.value if r.value is not None else 0.0, r.number))
        rows = [[str(r.number), r.state, "-" if r.value is None else f"{r.value:.4e}",
                 "-" if r.seconds is None else f"{r.seconds:.1f}",
                 *(setting_text(r.params[n]) if n in r.params else "-" for n in names)] for r in ordered]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
        lines += ["  ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
                  for row in rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SweepResult(study={self.study_name!r}, trials={len(self.trials)}, "
                f"best={self.best_value:.4e}, best_settings={self.best_settings})")
