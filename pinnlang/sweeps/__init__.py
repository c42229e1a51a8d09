"""Sweeps of training settings on Optuna: :func:`sweep` and its :class:`SweepResult`."""

from pinnlang.sweeps.result import SweepResult, TrialRow
from pinnlang.sweeps.study import sweep

__all__ = ["SweepResult", "TrialRow", "sweep"]
