"""The step indices a Lightning epoch iterates over (a PINN has no dataset: a step's points are
drawn from the global step, see :mod:`pinnlang.solver.points`)."""

from __future__ import annotations

from typing import Iterator


class StepCounter:
    """The "data" of a PINN epoch: ``length`` step indices, resumable mid-epoch.

    The points a step trains on are a function of the global step, so resuming only needs the
    first epoch after a restart to be shortened to the steps that epoch had left (``start``).

    Args:
        length: steps per epoch.
        start: index the next epoch starts at (after a resume), later epochs start at 0.
    """

    def __init__(self, length: int, start: int = 0):
        self.length = length
        self._start = start

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[int]:
        start, self._start = self._start, 0
        return iter(range(start, self.length))

    def state_dict(self) -> dict[str, int]:
        return {}  # nothing to keep: the position follows from the restored global step

    def load_state_dict(self, state: dict[str, int]) -> None:
        return None
