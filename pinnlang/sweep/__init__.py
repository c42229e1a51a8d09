"""Sweeps of training settings on Optuna: :func:`sweep` and its :class:`SweepResult`."""

from pinnlang.sweep.result import SweepResult, TrialRow
from pinnlang.sweep.study import sweep

__all__ = ["SweepResult", "TrialRow", "sweep"]
