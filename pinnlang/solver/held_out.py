"""Judging parameters on observations they were never trained on.

A Gauss–Newton step fits its rows almost exactly; fresh collocation points every few iterations
keep it honest about the ``pde`` (see :mod:`pinnlang.solver.lm_phase`), but observations cannot
be drawn afresh: the same rows come back every round, and with noisy ones the method goes on
lowering their loss by fitting the noise, the loss on the training rows saying nothing of it.
A data file that declares its noise therefore keeps a share of its rows out of training
(:func:`pinnlang.compile.data.held_out_rows`), and :func:`judged_loss` is the run's loss with
those rows in place of the trained ones: the number the Levenberg–Marquardt phase keeps its best
parameters by (the ``judge`` of :class:`~pinnlang.solver.lm_optimizer.LevenbergMarquardtOptimizer`),
goes back to at its end if they were judged better than the final ones, and stops after
:data:`HELD_OUT_PATIENCE` rounds that did not improve on them (early stopping on a validation
set). A run without such a phase trains on every row (:func:`train_on_every_row`).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from pinnlang.solver.plan import LM

#: The kept parameters come back whenever they were judged better than the final ones: the
#: judgement's data part is on the same held-out rows every time, so a difference is one in the
#: parameters, not a draw's noise (without held-out rows a factor of 2 guards against that noise,
#: :data:`~pinnlang.solver.lm_optimizer.RESTORE_FACTOR`).
HELD_OUT_RESTORE_FACTOR = 1.0
#: Fresh rounds without a better judgement after which the phase stops (30 iterations at the
#: default 5 per round). On ``problems/heat_inverse.pinn`` the held-out loss was lowest after
#: 15 iterations, where u's error was too (5.6e-2), and rose with it every round after (u 8.4e-2
#: after 65 iterations): the method was fitting the noise.
HELD_OUT_PATIENCE = 6


def judges_held_out(plan: Any) -> bool:
    """Whether a run of ``plan`` (a :class:`~pinnlang.solver.plan.TrainingPlan`) judges by
    held-out rows: it has a Levenberg–Marquardt phase on fresh rounds, or is a time budget not
    planned yet (which ends in one when the network allows)."""
    return plan.measuring or any(p.kind == LM and p.resample_every > 0 for p in plan.phases)


def train_on_every_row(conditions: Any) -> None:
    """Put every data condition's held-out rows back among its training rows (a run that never
    judges by them would only lose them: on ``problems/heat_inverse.pinn`` with its file's 6000
    Adam and 500 L-BFGS steps, u 5.4e-2 with 15 % held out, 4.9e-2 with every row)."""
    for cond in conditions:
        if hasattr(cond, "release_held_out"):
            cond.release_held_out()


def held_out_batches(conditions: Any) -> dict[str, Any]:
    """``{condition name: batch of its held-out rows}`` for the data conditions that have any."""
    held = {}
    for cond in conditions:
        batch = cond.held_out() if hasattr(cond, "held_out") else None
        if batch is not None:
            held[cond.name] = batch
    return held


def judged_loss(module: Any, held: dict[str, Any]) -> float:
    """``module``'s weighted loss on its current round of points, each data condition of
    ``held`` on its held-out rows instead of its training rows (averaged over the processes, so
    every one takes the same decision)."""
    batches = {**module.training_points(), **held}
    with torch.enable_grad():  # residuals need input derivatives
        vector = torch.stack(module.condition_losses(batches)).detach()
    total = module.loss_weights.combine(vector).double()
    if module.trainer.world_size > 1:
        total = module.trainer.strategy.reduce(total, reduce_op="mean")
    return float(total)


def held_out_judge(module: Any) -> Callable[[], float] | None:
    """The judge of ``module``'s Levenberg–Marquardt phase: :func:`judged_loss` on the held-out
    rows of its data conditions (``None`` when no condition holds rows out)."""
    held = held_out_batches(module.compiled.conditions)
    if not held:
        return None
    return lambda: judged_loss(module, held)


def held_out_judging(module: Any) -> dict[str, Any]:
    """The keyword arguments of ``module``'s Levenberg–Marquardt optimizer that judge by held-out
    rows (``judge``, ``restore_factor``, ``patience``; none when no condition holds rows out)."""
    judge = held_out_judge(module)
    if judge is None:
        return {}
    return {"judge": judge, "restore_factor": HELD_OUT_RESTORE_FACTOR, "patience": HELD_OUT_PATIENCE}
