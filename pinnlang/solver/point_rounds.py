"""The collocation points of a :class:`~pinnlang.solver.module.PinnModule`, round by round.

:class:`PointRounds` is the part of the module that decides which points every condition trains
on at a step: the round the plan gives the step (fresh points every ``resample_every`` steps),
the number of ``pde`` points of that round (the phase's ``points``, grown by the
Levenberg-Marquardt phase's doublings), points drawn by importance (``importance``) or
residual-based adaptive selection (``adaptive``),
Adam's minibatches (``batch_size``) and the time windows (``time_windows``). The points live on
the module, on its device (:class:`~pinnlang.solver.points.CollocationPoints`).
"""

from __future__ import annotations

from typing import Any

import torch

from pinnlang.compile.conditions import EquationCondition
from pinnlang.solver.held_out import judges_held_out, train_on_every_row
from pinnlang.solver.lm_phase import marching_share, points_factor
from pinnlang.solver.plan import ADAM, LM
from pinnlang.solver.points import (
    RAD_CANDIDATE_FACTOR,
    CollocationPoints,
    apply_selections,
    choose_important,
    pull_into_time_window,
    select_adaptive,
    take,
    time_window_share,
)


class PointRounds:
    """The points' rounds of a :class:`~pinnlang.solver.module.PinnModule` (a mixin: it reads the
    module's ``compiled``, ``settings``, ``plan``, ``unknowns`` and ``_forward`` and keeps
    ``_points``, ``_window_cache``, ``_minibatch_generator`` and ``_selection``)."""

    def _collocation(self) -> CollocationPoints:
        if self._points is None:
            if not judges_held_out(self.plan):  # nothing will judge by held-out observations
                train_on_every_row(self.compiled.conditions)
            s = self.settings
            counts = {c.name: (c.n_points or (None if c.kind == "data" else s.points_for(c.kind)))
                      for c in self.compiled.conditions}
            self._points = CollocationPoints(self.compiled.conditions, counts,
                                             {c.name: s.sampler for c in self.compiled.conditions},
                                             s.seed, self.global_rank)
            self._minibatch_generator = torch.Generator(device=self.device)
            self._minibatch_generator.manual_seed(s.seed * 7919 + self.global_rank)
        return self._points

    def _round(self, step: int) -> int:
        """The points' round at ``step`` (see :meth:`~pinnlang.solver.plan.TrainingPlan.round_at`)."""
        return self.plan.round_at(step)

    def current_batches(self, step: int) -> dict[str, Any]:
        """The points every condition trains on at ``step`` (resampled, RAD'd, minibatched)."""
        points = self._collocation()
        round_index = self._round(step)
        if points.round != round_index:
            phase = self.plan.phase_at(step)
            grown = points_factor(self) if phase.grow_points else 1
            self.count_points((phase.points or self.settings.points) * grown)
            self.draw_round(round_index)
        batches = self._in_time_window(points.batches, step, round_index)
        size = self.settings.batch_size
        if size and self.plan.kind_at(step) == ADAM:
            batches = {name: b if len(b.x) <= size else
                       take(b, torch.randint(len(b.x), (size,), device=b.x.device,
                                             generator=self._minibatch_generator))
                       for name, b in batches.items()}
        return batches

    def draw_round(self, round_index: int) -> dict[str, Any]:
        """Make round ``round_index`` of every condition's points the current one and return it,
        whole: RAD'd with ``adaptive``, else drawn by importance from the second round on
        (``importance`` candidates per point of every equation's condition on uniform random
        points: a grid's or a sequence's structure would be lost;
        :func:`~pinnlang.solver.points.choose_important`). The choice is kept
        (:meth:`point_selection`), so a run resumed in the round trains on the same points."""
        points = self._collocation()
        rng = points.selection_rng(round_index)
        if self.settings.adaptive:
            factor = {c.name: RAD_CANDIDATE_FACTOR for c in self.compiled.conditions if c.kind == "pde"}
            batches = select_adaptive(self.compiled.conditions, points.advance(round_index, factor), factor, rng,
                                      round_index, self._forward, self.unknowns)
        elif self.settings.importance:
            factor = {c.name: self.settings.importance for c in self.compiled.conditions  # random points only
                      if isinstance(c, EquationCondition) and (c.sampler or points.samplers[c.name]) == "uniform"}
            candidates = points.advance(round_index, factor)
            self._selection = self._important_choice(round_index, candidates, factor, rng)
            batches = apply_selections(candidates, self._selection[2])
        else:
            batches = points.advance(round_index)
        points.batches = batches
        return dict(batches)

    def _important_choice(self, round_index: int, candidates: dict[str, Any], factor: dict[str, int],
                          rng: Any) -> tuple[int, int, dict[str, Any]]:
        """The choice among round ``round_index``'s ``candidates``: the one kept for it (a resumed
        run's) when it fits them, none in the first round, else a new one."""
        kept = self._selection
        if round_index == 0:
            return (0, self.global_rank, {})
        if (kept is not None and kept[:2] == (round_index, self.global_rank)
                and all(len(candidates[name].x) // factor[name] == len(index) for name, (index, _) in kept[2].items())):
            return kept
        return (round_index, self.global_rank, choose_important(
            self.compiled.conditions, candidates, factor, rng, self._forward, self.unknowns,
            placed=self._window_placement(self.time_window(self.global_step))))

    def point_selection(self) -> dict[str, Any] | None:
        """The current round's choice among its candidates (round, rank, condition name -> kept
        indices and their factors) for a checkpoint; ``None`` without one."""
        if self._selection is None:
            return None
        round_index, rank, chosen = self._selection
        return {"round": round_index, "rank": rank,
                "chosen": {name: {"kept": kept, "weights": weights} for name, (kept, weights) in chosen.items()}}

    def restore_point_selection(self, saved: dict[str, Any] | None) -> None:
        """Take a checkpoint's :meth:`point_selection` back: the round it was made for is not
        chosen again (a rank other than the one that saved chooses its own)."""
        if saved:
            self._selection = (int(saved["round"]), int(saved["rank"]),
                               {name: (c["kept"], c["weights"]) for name, c in saved["chosen"].items()})

    def count_points(self, count: int) -> None:
        """Draw ``count`` points (0: the run's ``points``) for every ``pde`` condition without its
        own count from the next round on."""
        points = self._collocation()
        wanted = {c.name: count or self.settings.points for c in self.compiled.conditions
                  if c.kind == "pde" and not c.n_points}
        if any(points.counts.get(name) != n for name, n in wanted.items()):
            points.recount(wanted)

    def points_round(self) -> int:
        """The round of the current points (-1 before any was drawn)."""
        return self._collocation().round

    def time_window(self, step: int) -> float:
        """The share of the time interval training covers at ``step`` (``time_windows``: Adam's
        curriculum, see :func:`~pinnlang.solver.points.time_window_share`, and a marching
        Levenberg-Marquardt phase's window, see :func:`~pinnlang.solver.lm_phase.march_on`; 1 for
        a problem without time)."""
        if self._time_column is None:
            return 1.0
        if self.plan.kind_at(step) == LM:  # a Levenberg-Marquardt phase marches by itself
            return marching_share(self, step)
        if not self.settings.time_windows:
            return 1.0
        adam = self.plan.first_order_steps()
        if adam is None:  # a time budget not planned yet: the first window
            return 1.0 / self.settings.time_windows
        return time_window_share(step, adam, self.settings.time_windows)

    def _window_placement(self, share: float) -> Any:
        """``(name, batch) -> batch`` as :meth:`_in_time_window` will place a round's points in a
        window of ``share`` of the time interval (``None``: where they are drawn)."""
        if share >= 1.0:
            return None
        return lambda name, batch: self._pulled({name: batch}, share)[name]

    def _pulled(self, batches: dict[str, Any], share: float) -> dict[str, Any]:
        """``batches`` with every non-``data`` condition's times pulled into a window of ``share``
        of the time interval (:func:`~pinnlang.solver.points.pull_into_time_window`)."""
        data = {c.name for c in self.compiled.conditions if c.kind == "data"}
        return pull_into_time_window(batches, data, self._time_column, self._time_range[0], share)

    def _in_time_window(self, batches: dict[str, Any], step: int, round_index: int) -> dict[str, Any]:
        """``batches`` with every non-``data`` condition's times pulled into the window of
        :meth:`time_window`, kept until the round or the window changes."""
        share = self.time_window(step)
        if share >= 1.0:
            return batches
        key = (round_index, share)
        if self._window_cache is None or self._window_cache[0] != key:
            self._window_cache = (key, self._pulled(batches, share))
        return self._window_cache[1]

    def training_points(self) -> dict[str, Any]:
        """Every point of the current round (no minibatch, no time window), by condition name."""
        points = self._collocation()
        if points.round < 0:  # no round drawn yet (before training)
            self.current_batches(self.global_step)
        return dict(points.batches)

