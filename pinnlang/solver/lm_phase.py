"""The Levenberg–Marquardt phase inside Lightning's ``fit``: a :class:`torch.optim.Optimizer`.

Each optimiser step of the phase (one ``training_step`` iteration of
:class:`~pinnlang.solver.module.PinnModule`) is one Levenberg–Marquardt iteration on a residual
system (the interface of :mod:`pinnlang.solver.levenberg_marquardt`: ``prepare``,
``damped_step``, ``loss``, ``current``, ``unflatten``, ``assign``): prepare at the current
parameters, then damped solves of ``(JᵀJ + μI) δ = −Jᵀρ``, the damping doubled after a refused
step (:data:`MAX_RETRIES` times; where a refusal would end the phase, then grown
:data:`ESCALATION`-fold up to :data:`MAX_DAMPING`), divided by 3 after a taken one. The closure
the module passes returns the system of the step's points and their round; on a new round
(fresh points every ``resample_every`` iterations) the loss before the iteration is the current
parameters' loss on points they were not fitted to, and the parameters with the lowest such loss
are kept (:meth:`LevenbergMarquardtOptimizer.restore_best`: at the end of the phase the final
parameters, judged on one more fresh round, give way to the kept ones if they do more than twice
as badly; on the L-shape 0.24 became 4.0e-3).

Everything the iterations depend on lives in the optimiser's state — the damping, the iteration,
the round, the best loss and the best parameters (one tensor per parameter) — so Lightning's
checkpoint holds it and ``--resume`` continues mid-phase where the interrupted run was.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from typing import Any, Callable, Iterable

import torch
from torch import Tensor

from pinnlang.solver.diagnosis import RELATIVE_TOLERANCE, relative_residuals, resolved
from pinnlang.solver.gauss_newton import dense_fits, make_residual_system
from pinnlang.solver.levenberg_marquardt import (
    ESCALATION,
    INITIAL_DAMPING,
    MAX_DAMPING,
    MAX_RETRIES,
    MIN_DAMPING,
    ResidualSystem,
)
from pinnlang.solver.network_growth import widen_on_stall

#: How much worse (on fresh points) the final parameters must be than the kept ones to give way:
#: both losses are estimates on a few thousand random points, so a factor, not any difference.
RESTORE_FACTOR = 2.0
#: Rounds of fresh points compared by the convergence test of a phase that runs until the loss
#: on fresh points stops falling: the median of the last this many rounds' losses against the
#: median of the this many rounds that ended halfway through the phase. A median of ten drops the
#: odd round whose random points happen to be easy or hard (on 2-D Poisson the losses of
#: neighbouring rounds differ by up to 2x).
CONVERGENCE_ROUNDS = 10
#: The phase has converged when that median fell by less than this fraction over the second half
#: of the phase: the loss has stood still for as long as the phase had run before. Comparing with
#: a fixed number of rounds back instead (the ten before) stopped the wave equation (PINNacle
#: Wave1d-C) on a plateau the Gauss–Newton steps leave later: 7.3e-3 against 4.0e-4 when the
#: phase ran its whole 180 s.
CONVERGENCE_FALL = 0.1
#: Fresh rounds whose losses are more than this many times the loss the round before ended at
#: (the median of :data:`GAP_ROUNDS` of them since the points last grew, or a single round more
#: than this squared: :func:`growth_gap`) show that the Gauss–Newton steps fit their points and
#: little else between them: a phase that may grow its points (``Phase.grow_points``) then draws
#: twice as many from the next round on.
#: Twice the round-to-round spread of losses on random points (up to 2x on 2-D Poisson, whose
#: rounds generalise); on Burgers the ratio climbs to 15-660 once the shock is being fitted, and
#: 4000 points per round instead of 1842 took 400 iterations from 4.6e-4 to 1.2e-4.
GROW_GAP = 4.0
#: Fresh rounds at one point count whose median gap decides a growth (see :data:`GROW_GAP`): the
#: median drops the odd round. On the sharp Allen–Cahn problem single rounds past 4 grew the
#: points in five consecutive rounds to 64x, each iteration ~15x slower, and the gap stayed (9x
#: at 64x, at most 10x: the odd round through a sharp interface, not too few points): 1.2e-2 in
#: 180 s, against 4.3e-3 in 121 s without growing; the median of 3 rounds: 5.6e-3. The median
#: alone is slow where every round shows a gap of 16-1500x, the lid-driven cavity: the median of
#: 10 rounds left it at 16x its points after 200 iterations (u 3.9e-2, v 0.21 in 600 s), the
#: median of 3 at u 1.1e-2, v 3.9e-2 and u 4.1e-2, v 0.20, against 7.4e-3 / 3.1e-2 and 1.3e-2 /
#: 2.0e-2 growing on single rounds; so a single round past ``GROW_GAP²`` still grows them.
GAP_ROUNDS = 3


class LevenbergMarquardtOptimizer(torch.optim.Optimizer):
    """One Levenberg–Marquardt iteration per :meth:`step`.

    Args:
        params: the trained parameters (the network's and the unknowns').
        damping: the damping ``μ`` of the first iteration.
        keep_best: keep the parameters with the lowest loss on each fresh round (a phase that
            resamples).
        judge: the loss a fresh round is judged by, at the current parameters (default: the
            system's loss on the round's points; :func:`~pinnlang.solver.held_out.held_out_judge`
            puts held-out observations in place of the trained ones).
        restore_factor: how much worse the final parameters' judgement must be than the kept
            ones' for these to come back (see :meth:`restore_best`).
        patience: with ``keep_best``, fresh rounds without a better judgement after which the
            phase is :attr:`exhausted` (0: never).
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], damping: float = INITIAL_DAMPING,
                 keep_best: bool = False, judge: Callable[[], float] | None = None,
                 restore_factor: float = RESTORE_FACTOR, patience: int = 0):
        super().__init__(list(params), {"damping": float(damping), "keep_best": bool(keep_best)})
        self.judge = judge
        self.restore_factor = float(restore_factor)
        self.patience = int(patience)

    # ------------------------------------------------------------------ state
    @property
    def _first(self) -> torch.nn.Parameter:
        return self.param_groups[0]["params"][0]

    @property
    def record(self) -> dict[str, Any]:
        """The phase's scalars: ``damping``, ``iteration``, ``round``, ``loss``, ``best_loss``,
        ``best_iteration``, ``moved`` and ``matrix_free`` (the system's kind; kept in the first parameter's
        state, so in the state dict)."""
        head = self.state[self._first]
        if "damping" not in head:
            head.update(damping=self.defaults["damping"], iteration=0, round=-1, loss=math.inf,
                        best_loss=math.inf, best_iteration=0, moved=True)
        head.setdefault("fresh", [])  # also in the state of a phase saved before it was kept
        return head

    @property
    def damping(self) -> float:
        return float(self.record["damping"])

    @property
    def stalled(self) -> bool:
        return self.damping >= MAX_DAMPING

    def converged(self, rounds: int = CONVERGENCE_ROUNDS) -> bool:
        """Whether the loss on fresh points stopped falling: the median of the last ``rounds``
        rounds' losses (each measured before the round's first iteration, on points the
        parameters were not fitted to; on fixed points, before every iteration) fell by less
        than :data:`CONVERGENCE_FALL` from the median of the ``rounds`` that ended halfway
        through the phase (with ``2 * rounds`` rounds: the first ``rounds``)."""
        fresh = self.record["fresh"]
        if len(fresh) < 2 * rounds:
            return False
        half = len(fresh) // 2
        now, before = statistics.median(fresh[-rounds:]), statistics.median(fresh[half - rounds:half])
        return not now < (1 - CONVERGENCE_FALL) * before

    @property
    def exhausted(self) -> bool:
        """Whether :attr:`patience` fresh rounds passed without a better judgement."""
        return bool(self.patience) and self.record.get("since_best", 0) >= self.patience

    def _keep(self, loss: float) -> None:
        record = self.record
        if math.isfinite(loss) and loss < record["best_loss"]:
            record["best_loss"], record["best_iteration"] = loss, record["iteration"]
            record["since_best"] = 0
            for group in self.param_groups:
                for p in group["params"]:
                    self.state[p]["best"] = p.detach().clone()
        else:
            record["since_best"] = record.get("since_best", 0) + 1

    def remember_best(self, loss: float) -> None:
        """Keep the current parameters as the best so far, judged at ``loss`` (a phase that goes
        on from parameters judged before it began)."""
        self.record.update(best_loss=float("inf"))
        self._keep(loss)

    def _mark_round_start(self) -> None:
        """Keep the parameters a fresh round starts from (where the last round ended)."""
        self.record["round_iterations"] = 0
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["round_start"] = p.detach().clone()

    def back_to_round_start(self, round_length: int) -> bool:
        """Put back the parameters the current fresh round started from when the phase ends
        before the round's ``round_length`` iterations are done and while they still moved;
        whether they came back.

        Why: the first Gauss–Newton steps on fresh points raise the error and the round's later
        ones bring it back down (a first step at the damping times the round's gap did the same,
        so it is not the step's length alone). On the 5-D heat problem (3x20, rounds of 5
        iterations, 180 s) the error of ``u`` after each iteration of a round ran 1.1e-4,
        1.4e-4, 9.7e-5, 7.9e-5, then 4.5e-5 at the round's end, and every round alike (3.4e-5
        to 4.5e-5 at their ends). A phase ends mid-round when its time is up, and when it
        converged (judged on a fresh round's loss, at that round's first iteration): it then
        ended 1.3-2.5x worse than the round before it."""
        record = self.record
        done = record.get("round_iterations", 0)
        if not self.defaults["keep_best"] or not 0 < done < round_length or not record["moved"]:
            return False
        params = [p for group in self.param_groups for p in group["params"]]
        starts = [self.state[p].get("round_start") for p in params]
        if any(start is None or start.shape != p.shape for start, p in zip(starts, params)):
            return False  # the network was widened since the round began
        with torch.no_grad():
            for p, start in zip(params, starts):
                p.copy_(start)
        return True

    def restore_best(self, final_loss: float) -> bool:
        """Put back the kept parameters if they beat ``final_loss`` (the final parameters' loss
        on fresh points) by more than ``restore_factor``; whether they came back."""
        best = self.record["best_loss"]
        if "best" not in self.state[self._first] or not math.isfinite(best):
            return False
        if math.isfinite(final_loss) and best * self.restore_factor >= final_loss:
            return False
        with torch.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    p.copy_(self.state[p]["best"])
        return True

    # ------------------------------------------------------------------ the iteration
    @torch.no_grad()
    def step(self, closure: Callable[[], tuple[Any, int]]) -> Tensor:  # type: ignore[override]
        """One iteration. ``closure()`` returns ``(system, round)``: the residual system of the
        step's points (at the current parameters) and the round of those points. Returns the
        loss after the iteration (unchanged if no damping lowered it: then ``moved`` is false)."""
        with torch.enable_grad():
            system, round_index = closure()
        record = self.record
        new_round = round_index != record["round"]
        if not new_round and not record["moved"] and record["iteration"]:
            # no damping lowered this round's loss at the last iteration, and nothing has changed
            # since: the round is fitted as far as it goes; the next one brings new points
            record["iteration"] += 1
            return torch.tensor(record["loss"], dtype=torch.float64, device=self._first.device)
        rho = system.prepare()
        loss = system.loss()
        fitted = record["loss"]  # where the last round ended: the fresh round's loss over it
        fresh_round = new_round and record["round"] >= 0 and 0 < fitted < math.inf
        record["gap"] = loss / fitted if fresh_round else 0.0
        if fresh_round:  # only the last GAP_ROUNDS decide (growth_gap): the state stays small
            record["gaps"] = [*record.get("gaps", []), record["gap"]][-GAP_ROUNDS:]
        if new_round:
            record["round"] = round_index
            if self.defaults["keep_best"]:
                self._keep(self.judge() if self.judge is not None else loss)
                self._mark_round_start()
        if new_round or not self.defaults["keep_best"]:
            record["fresh"].append(loss)  # on fixed points: before every iteration
        del rho
        params = system.current()
        theta = torch.cat([p.reshape(-1) for p in params.values()]).double()
        damping, moved = self.damping, False
        # a refusal here ends the phase (lm_batch): past MAX_RETRIES doublings the damping grows
        # ESCALATION-fold; elsewhere the round waits for the next one's points, as it always did
        last_chance = new_round or not self.defaults["keep_best"]
        for attempt in itertools.count():
            delta = system.damped_step(damping)
            if delta is not None:
                trial = system.unflatten(theta + delta.to(theta.device))
                trial_loss = system.loss(trial)
                if math.isfinite(trial_loss) and trial_loss < loss:
                    system.assign(trial)
                    loss, moved = trial_loss, True
                    damping = max(damping / 3, MIN_DAMPING)
                    break
            damping = min(damping * (2 if attempt < MAX_RETRIES else ESCALATION), MAX_DAMPING)
            if damping >= MAX_DAMPING or (attempt + 1 >= MAX_RETRIES and not last_chance):
                break
        if not moved and self.defaults["keep_best"]:
            damping = self.damping  # the retries were about this round's points; the next round's start afresh
        record.update(damping=damping, loss=loss, moved=moved, iteration=record["iteration"] + 1,
                      stuck_fresh=new_round and not moved, round_iterations=record.get("round_iterations", 0) + 1)
        return torch.tensor(loss, dtype=torch.float64, device=self._first.device)


# ---------------------------------------------------------------------- the module's side
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
        _report_line(module, f"Levenberg-Marquardt: {why}")
    return system


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
        # a fresh round of the window: on to the next window once its residuals are resolved
        batches = module.current_batches(step)
        done = resolved(relative_residuals(module.compiled, module.net, dict(module.unknowns), batches))
        if module.trainer.world_size > 1:  # every rank judges its own points: all must agree to march
            done = float(module.trainer.strategy.reduce(torch.tensor(float(done), device=module.device),
                                                        reduce_op="mean")) >= 1.0
        if done:
            march_on(module, optimizer, phase, f"residuals below {RELATIVE_TOLERANCE:g} of their terms")
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


def march_on(module: Any, optimizer: LevenbergMarquardtOptimizer, phase: Any, reason: str) -> bool:
    """Extend the time window of a marching phase (``Phase.time_windows``) by one, for
    ``reason`` (:func:`lm_batch` marches on when a fresh round of the window has every deciding
    residual below the diagnosis' tolerance, or when the loss on the window's fresh points stopped
    falling); whether it did (``False`` on the whole interval). The phase's convergence test and
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
    module._lm_system = None  # the same round's points, pulled into the longer window
    t0, t1 = module._time_range
    _report(module, optimizer, f"Levenberg-Marquardt: time window {window + 1}/{phase.time_windows} "
                               f"(t up to {t0 + (t1 - t0) * (window + 1) / phase.time_windows:g}) after "
                               f"{record['iteration']} iterations: {reason}")
    return True


def growth_gap(record: dict[str, Any]) -> float | None:
    """The gap that grows the points (``None``: none does), from the fresh rounds since the points
    last grew (``record["gaps"]``): the last round's when it is above ``GROW_GAP²``, past what the
    odd hard round gives, else the median of the last :data:`GAP_ROUNDS` when that is above
    :data:`GROW_GAP`."""
    gaps = record.get("gaps", [])
    if gaps and gaps[-1] > GROW_GAP**2:
        return gaps[-1]
    median = statistics.median(gaps[-GAP_ROUNDS:]) if len(gaps) >= GAP_ROUNDS else 0.0
    return median if median > GROW_GAP else None


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
    if isinstance(system, ResidualSystem) and system.reduce is None and system.local_rows < system.size:
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
    parameters on one more round and go back to the kept ones if they do more than
    :data:`RESTORE_FACTOR` times better; the losses on that round become the final ones."""
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
        final = (optimizer.judge() if optimizer.judge is not None
                 else make_system(module, batches, module.trainer.world_size).loss())
    if optimizer.restore_best(final):
        _report(module, optimizer, f"Levenberg-Marquardt: back to the parameters after iteration "
                                   f"{record['best_iteration']} (loss on fresh points "
                                   f"{record['best_loss']:.3e}, at the end {final:.3e})")
    module._lm_system = None
    module.measure_losses(batches)
    if module.history and module.history[-1]["step"] == module.global_step:
        module.history.pop()
    module.record(module.global_step)
