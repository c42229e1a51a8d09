"""Results of a run: predictions, errors, plots, the run folder and its checkpoint."""

from __future__ import annotations

from pinnlang.results.checkpoint import load_checkpoint, save_checkpoint
from pinnlang.results.result import Result

__all__ = ["Result", "load_checkpoint", "save_checkpoint"]
