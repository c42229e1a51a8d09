"""The Levenberg–Marquardt phase inside Lightning's ``fit``: the module's side of
:class:`~pinnlang.solver.lm_optimizer.LevenbergMarquardtOptimizer`.

One Lightning batch of the phase is one optimiser step (:func:`lm_batch`), so the progress bar,
loggers, callbacks, ``ModelCheckpoint`` and ``max_time`` see every iteration. Here are the
residual systems of its rounds (:func:`make_system`, :func:`system_at`: dense or matrix-free,
summed over processes), the points' growth after rounds far above the fitted loss
(:func:`grow_points`), the time windows of a marching phase (:func:`march_on`) and the end of the
phase (:func:`finish_lm_phase`: back to a round's start, one more fresh round to judge by).
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import Tensor

from pinnlang.solver.budget import time_left
from pinnlang.solver.diagnosis import RELATIVE_TOLERANCE, relative_residuals, resolved
from pinnlang.solver.gauss_newton import dense_fits, make_residual_system
from pinnlang.solver.levenberg_marquardt import ResidualSystem
from pinnlang.solver.lm_optimizer import (
    CONVERGENCE_FALL,
    CONVERGENCE_ROUNDS,
    LevenbergMarquardtOptimizer,
    growth_gap,
)
from pinnlang.solver.network_growth import widen_on_stall


def all_reduce_sum(tensor: Tensor) -> Tensor:
    """The sum of ``tensor`` over every process (a copy)."""
    total = tensor.clone()
    torch.distributed.all_reduce(total)
    return total


def make_system(module: Any, batches: dict[str, Any], processes: int = 1) -> Any:
    """The residual system of ``module``'s network and unknowns on ``batches`` (this process's
    points), dense or matrix-free (:func:`~pinnlang.solver.gauss_newton.make_residual_system`
    chooses on the phase's first round; ``module.gauss_newton_choice`` says which and why, and
    later rounds keep it, see :func:`grow_points`). Under several processes its products and
    losses are summed over them (``reduce``) and each condition's rows are scaled by its point
    count over all processes (:func:`~pinnlang.solver.levenberg_marquardt.total_count`), so the
    step is the one a single process would take on the union of the points. Its rows carry Huber
    factors at the setting ``lm_robust`` (:mod:`pinnlang.solver.robust`), taken again at every
    iteration's parameters."""
    if module.compiled.engine.name != "forward":
        module.use_engine("forward")  # the residual system evaluates through the forward engine
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    mode = module.gauss_newton_mode or "auto"
    system, why = make_residual_system(module.net, module.unknowns, module.compiled.conditions, batches,
                                       weights, reduce=all_reduce_sum if processes > 1 else None, mode=mode,
                                       robust=float(module.settings.lm_robust))
    if mode == "auto":
        module.gauss_newton_mode = "dense" if isinstance(system, ResidualSystem) else "matrix-free"
        module.gauss_newton_choice = why
        _report_line(module, f"Levenberg-Marquardt: {why}{_memory_note(module, system)}")
    return system


def _memory_note(module: Any, system: Any) -> str:
    """What the summary says of the phase's memory of past rounds (``""``: it has none)."""
    factor = float(module.settings.lm_memory)
    phase = module.plan.phase_at(module.global_step)
    if not factor or not phase.resample_every or not isinstance(system, ResidualSystem):
        return ""
    if system.solves_dual:
        return "; fewer rows than parameters: each round steps on its own points"
    return (f"; every step also fits the last round's Gauss-Newton model and the earlier ones', "
            f"{factor:g}x less per round back (lm_memory)")


def system_at(module: Any, step: int) -> tuple[Any, int]:
    """The residual system of optimiser step ``step``'s points and their round (one system per
    round, built when the round is drawn)."""
    batches = module.current_batches(step)
    round_index = module.points_round()
    if module._lm_system is None or module._lm_system[0] != round_index:
        module._lm_system = (round_index, make_system(module, batches, module.trainer.world_size))
    return module._lm_system[1], round_index


def _report_line(module: Any, line: str) -> None:
    if module.report_lm and module.trainer.is_global_zero:
        module.print(line)


def _report(module: Any, optimizer: LevenbergMarquardtOptimizer, line: str | None = None) -> None:
    record = optimizer.record
    _report_line(module, line or f"Levenberg-Marquardt {record['iteration']}{_of(module)}: loss "
                                 f"{record['loss']:.3e}, damping {record['damping']:.1e}")


def _of(module: Any) -> str:
    phase = module.plan.phases[module.plan.index_at(module.global_step - 1)]
    if phase.steps is not None:
        return f"/{phase.steps}"
    return " (until converged)" if phase.until_converged else " (until the time is up)"


def lm_batch(module: Any) -> Tensor:
    """One Lightning batch of the Levenberg-Marquardt phase: one iteration (so every callback,
    logger, checkpoint and ``max_time`` sees each), the history's row and the progress line at
    its step; doubles the points of the next rounds (:func:`grow_points`) after a fresh round far
    above the fitted loss; stops the run when no damping lowers the loss any more, when the
    held-out judgement found nothing better for its patience, or when a phase that runs until
    converged has (:meth:`LevenbergMarquardtOptimizer.converged`); at a stop for no damping or
    for convergence it may widen the network and go on instead
    (:func:`~pinnlang.solver.network_growth.widen_on_stall`). Returns the loss."""
    wrapped = module.optimizers()
    optimizer: LevenbergMarquardtOptimizer = wrapped.optimizer
    total = module.plan.total_steps
    if module.gauss_newton_mode is None and optimizer.record.get("matrix_free") is not None:
        # a resumed phase keeps its kind of system (a bool: the state dict's loading mangles text)
        module.gauss_newton_mode = "matrix-free" if optimizer.record["matrix_free"] else "dense"
        module.gauss_newton_choice = f"{module.gauss_newton_mode} (chosen before the resume)"
    step = module.global_step
    phase = module.plan.phase_at(step)
    if _window_open(module, optimizer, phase) and module.plan.round_at(step) != optimizer.record["round"]:
        # a fresh round of the window: on to the next window once its residuals are resolved, or
        # once it has spent its share of the time
        batches = module.current_batches(step)
        done = resolved(relative_residuals(module.compiled, module.net, dict(module.unknowns), batches))
        spent = window_time_spent(module, optimizer, phase)
        if module.trainer.world_size > 1:  # every rank judges its own points: all must agree to march
            # on resolved residuals, one rank's spent share is enough (one reduction for both)
            votes = torch.tensor([float(done), float(spent)], device=module.device)
            votes = module.trainer.strategy.reduce(votes, reduce_op="mean")
            done, spent = float(votes[0]) >= 1.0, float(votes[1]) > 0.0
        if done:
            march_on(module, optimizer, phase, f"residuals below {RELATIVE_TOLERANCE:g} of their terms")
        elif spent:
            march_on(module, optimizer, phase, "the window's share of the time left was spent")
    tick = time.perf_counter()
    wrapped.step(closure=lambda: system_at(module, step))
    done, record = module.global_step, optimizer.record
    record["seconds"] = time.perf_counter() - tick  # this iteration's, on this round's points
    if module.gauss_newton_mode is not None:  # None: chosen again on the next round (grow_points)
        record["matrix_free"] = module.gauss_newton_mode == "matrix-free"
    local = record["iteration"]
    # on fresh rounds, stuck only when a round's first iteration moves nothing: a round fitted as
    # far as it goes leaves the rest to the next round's points
    stuck = not record["moved"] and (not optimizer.defaults["keep_best"] or record.get("stuck_fresh", True))
    last = (total is not None and done >= total) or stuck
    if done % module.settings.log_every == 0 or last or module._last is None:
        module.measure_losses(module.current_batches(step))
        module._record_if_due()
    shown = 10 if phase.steps is None else max(1, phase.steps // 10)
    if local % shown == 0 or last:
        _report(module, optimizer)
    if stuck and phase.grow_network and widen_on_stall(module, optimizer, "no damping lowered the loss"):
        return module._last[0]  # a network that cannot move is what stalled: the phase goes on wider
    if stuck:
        _report(module, optimizer, "Levenberg-Marquardt stopped: no damping lowers the loss any more")
        module.trainer.should_stop = True
    if optimizer.exhausted:
        _report(module, optimizer, f"Levenberg-Marquardt stopped: no better judgement in "
                                   f"{optimizer.patience} fresh rounds")
        module.trainer.should_stop = True
    if phase.grow_points and growth_gap(record) is not None:
        grow_points(module, optimizer)
    converged = phase.until_converged and optimizer.converged()
    if converged and march_on(module, optimizer, phase, "loss on fresh points no longer falling"):
        return module._last[0]  # the phase goes on over a longer time window
    if converged and local >= phase.min_steps:
        if phase.grow_network and widen_on_stall(module, optimizer):
            return module._last[0]  # the phase goes on with a wider network
        _report(module, optimizer, f"Levenberg-Marquardt converged after {local} iterations: the loss "
                                   f"on fresh points fell by less than {CONVERGENCE_FALL:.0%} over "
                                   f"the last {CONVERGENCE_ROUNDS} rounds")
        module.trainer.should_stop = True
    return module._last[0]


def _running(module: Any) -> LevenbergMarquardtOptimizer | None:
    """The optimizer of the Levenberg–Marquardt phase running now (``None`` outside one)."""
    trainer = getattr(module, "_trainer", None)
    optimizers = trainer.optimizers if trainer is not None else []
    return optimizers[0] if optimizers and isinstance(optimizers[0], LevenbergMarquardtOptimizer) else None


def points_factor(module: Any) -> int:
    """How many times its planned points the Levenberg–Marquardt phase running now draws per round
    (1 outside one; see :func:`grow_points`)."""
    optimizer = _running(module)
    return int(optimizer.record.get("points_factor", 1)) if optimizer is not None else 1


def marching_share(module: Any, step: int) -> float:
    """The share of the time interval the Levenberg–Marquardt phase running now trains on at
    ``step`` (1 outside one, and in a phase that does not march; see :func:`march_on`)."""
    optimizer = _running(module)
    phase = module.plan.phase_at(step)
    if optimizer is None or not phase.time_windows:
        return 1.0
    return int(optimizer.record.get("window", 1)) / phase.time_windows


def _window_open(module: Any, optimizer: LevenbergMarquardtOptimizer, phase: Any) -> bool:
    """Whether a marching phase trains on less than the whole time interval now."""
    return (bool(phase.time_windows) and module._time_column is not None
            and int(optimizer.record.get("window", 1)) < phase.time_windows)


def window_time_spent(module: Any, optimizer: LevenbergMarquardtOptimizer, phase: Any) -> bool:
    """Whether the time window a marching phase trains on now has spent its share of the time:
    the time left when it opened, divided evenly among it and the windows after it (a window
    left early hands its time on). Without a time limit, never. A window whose residuals stay
    above the tolerance would otherwise keep the whole budget and leave every later time to
    extrapolation: on a quenched bar (``problems/heat_quench.pinn``, its initial data jumping
    against its ends', here blended at the corners) the phase ended in window 1 of 4 and the
    error was 5.6; with the share, 2.7e-2 (the data as written: 9.3e-2 before, 1.7e-2 after; these
    against a grid that held the two points where the data meet, 1.6e-2 of the error by themselves)."""
    left = time_left(module.trainer)
    if left is None:
        return False
    record = optimizer.record
    window = int(record.get("window", 1))
    opened = record.setdefault("window_opened_left", left)
    share = opened / (phase.time_windows - window + 1)
    return opened - left >= share


def march_on(module: Any, optimizer: LevenbergMarquardtOptimizer, phase: Any, reason: str) -> bool:
    """Extend the time window of a marching phase (``Phase.time_windows``) by one, for
    ``reason`` (:func:`lm_batch` marches on when a fresh round of the window has every deciding
    residual below the diagnosis' tolerance, when the loss on the window's fresh points stopped
    falling, or when the window has spent its share of the time, :func:`window_time_spent`);
    whether it did (``False`` on the whole interval). The phase's convergence test and
    kept parameters start afresh on the new window (losses over a shorter interval are not
    comparable), and so do the gap rule of :func:`grow_points` and the damping (at least the
    phase's initial one). The window lives in the optimiser's state, so a resumed run marches on
    from where it was.

    Errors propagate forward in time: a Gauss–Newton step on the whole interval fits late times
    around an early solution that is still wrong (Wang, Sankaran & Perdikaris 2024, "Respecting
    causality for training physics-informed neural networks", for the causal alternative)."""
    if not _window_open(module, optimizer, phase):
        return False
    record = optimizer.record
    window = int(record.get("window", 1))
    record["window"] = window + 1
    # the damping starts afresh too: the network extrapolates into the new part of the window,
    # where the last window's small damping let no step lower the loss on the Klein-Gordon problem
    record.update(fresh=[], gaps=[], best_loss=math.inf, since_best=0, loss=math.inf, moved=True,
                  damping=max(float(record["damping"]), optimizer.defaults["damping"]))
    record.pop("window_opened_left", None)  # the new window's share is measured from now
    optimizer.forget()  # the past rounds' models are of the shorter window's loss
    optimizer.forget_rounds()  # and so are the rounds' starts the phase's end may average
    module._lm_system = None  # the same round's points, pulled into the longer window
    t0, t1 = module._time_range
    _report(module, optimizer, f"Levenberg-Marquardt: time window {window + 1}/{phase.time_windows} "
                               f"(t up to {t0 + (t1 - t0) * (window + 1) / phase.time_windows:g}) after "
                               f"{record['iteration']} iterations: {reason}")
    return True


def grow_points(module: Any, optimizer: LevenbergMarquardtOptimizer) -> bool:
    """Draw twice the ``pde`` points per round from the next round on (the factor lives in the
    optimiser's state, so a resumed run draws the same rounds), unless the dense Jacobian and Gram
    matrix of twice the rows would not fit in :data:`~pinnlang.solver.gauss_newton.DENSE_MEMORY_SHARE`
    of the free memory (a matrix-free system, whose memory grows with the points too, by the same
    bound). Whether it grew. A dense system with fewer rows than parameters is chosen again.

    The time left does not bound it: holding the lid-driven cavity's points at twice the planned
    count once four times as many would leave fewer than 200 iterations in its 10-minute budget
    gave more iterations on rounds they over-fitted, u 1.9e-2 to 4.3e-2 and v 6.3e-2 to 0.16
    against u 7.6e-3, v 2.0e-2 with 32 times the points and 75 iterations."""
    system = module._lm_system[1] if module._lm_system else None
    if system is None:
        return False
    rows = 2 * system.local_rows
    side = system.size if system.reduce is not None else min(rows, system.size)
    if not dense_fits(rows, system.size, side, system.parameters[0].device)[1]:
        return False
    record = optimizer.record
    gap = growth_gap(record) or record.get("gap", 0.0)
    record["points_factor"] = 2 * int(record.get("points_factor", 1))
    record["gaps"] = []  # the rounds at the new size decide the next growth
    if isinstance(system, ResidualSystem) and system.solves_dual:
        # with fewer rows than parameters the dense Gram matrix (rows x rows) grows with the rows'
        # square, a matrix-free iteration linearly: the next round measures both again (with as
        # many rows as parameters or more, both grow linearly and the choice stands)
        module.gauss_newton_mode = None
        record.pop("matrix_free", None)
    _report(module, optimizer, f"Levenberg-Marquardt: the loss on fresh points is {gap:.0f}x the "
                               f"loss on the last round's: {record['points_factor']}x the points "
                               f"from the next round on")
    return True


def finish_lm_phase(module: Any) -> None:
    """At the end of a phase on fresh rounds: go back to where the last round started if it was
    cut short (:meth:`LevenbergMarquardtOptimizer.back_to_round_start`), then judge the final
    parameters on one more round, alone and averaged with the last rounds' starts
    (:meth:`LevenbergMarquardtOptimizer.average_back`: the widest average judged alike), and go
    back to the kept ones if they do more than
    :data:`~pinnlang.solver.lm_optimizer.RESTORE_FACTOR` times better; the losses on that round become the final ones."""
    optimizer: LevenbergMarquardtOptimizer = module.trainer.optimizers[0]
    record = optimizer.record
    if not optimizer.defaults["keep_best"] or not record["iteration"]:
        return
    phase = module.plan.phase_at(module.global_step - 1)
    if _window_open(module, optimizer, phase):
        _report(module, optimizer, f"Levenberg-Marquardt ended in time window {record.get('window', 1)}/"
                                   f"{phase.time_windows}: later times are extrapolated")
        return
    cut = record.get("round_iterations", 0)
    if phase.resample_every and optimizer.back_to_round_start(phase.resample_every):
        _report(module, optimizer, f"Levenberg-Marquardt: back to the parameters the last round started "
                                   f"from (it ended after {cut} of its {phase.resample_every} iterations)")
    with torch.enable_grad():
        batches = module.draw_round(module.points_round() + 1)
        if optimizer.judge is not None:
            judge = optimizer.judge
        else:
            judge = make_system(module, batches, module.trainer.world_size).loss
        final = judge()
        sets, averaged = optimizer.average_back(judge, final)
    if sets > 1:
        _report(module, optimizer, f"Levenberg-Marquardt: the final parameters averaged with the last "
                                   f"{sets - 1} rounds' starts (loss on fresh points {averaged:.3e}, "
                                   f"the final ones' {final:.3e})")
        final = averaged
    if optimizer.restore_best(final):
        _report(module, optimizer, f"Levenberg-Marquardt: back to the parameters after iteration "
                                   f"{record['best_iteration']} (loss on fresh points "
                                   f"{record['best_loss']:.3e}, at the end {final:.3e})")
    module._lm_system = None
    module.measure_losses(batches)
    if module.history and module.history[-1]["step"] == module.global_step:
        module.history.pop()
    module.record(module.global_step)
