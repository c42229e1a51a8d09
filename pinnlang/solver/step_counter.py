"""The step indices a Lightning epoch iterates over (a PINN has no dataset: a step's points are
drawn from the global step, see :mod:`pinnlang.solver.points`)."""

from __future__ import annotations

from typing import Callable, Iterator


class StepCounter:
    """The "data" of a PINN epoch: at most ``length`` batch indices.

    A training epoch is a number of optimiser steps, and a batch runs one or several of them
    (:mod:`pinnlang.solver.batching`), so the batches of an epoch are counted as they run: the
    epoch goes on while ``more()`` says the epoch has steps left (read before every batch; a
    resumed run's first epoch ends where the interrupted one would have). ``length`` is the most
    batches an epoch can have (one step each).

    Args:
        length: batches per epoch (``more`` given: at most).
        more: whether the epoch has steps left (``None``: exactly ``length`` batches).
    """

    def __init__(self, length: int, more: Callable[[], bool] | None = None):
        self.length = length
        self._more = more

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.length)) if self._more is None else self._counted()

    def _counted(self) -> Iterator[int]:
        index = 0
        while index < self.length and self._more():
            yield index
            index += 1

    def state_dict(self) -> dict[str, int]:
        return {}  # nothing to keep: the position follows from the restored global step

    def load_state_dict(self, state: dict[str, int]) -> None:
        return None
