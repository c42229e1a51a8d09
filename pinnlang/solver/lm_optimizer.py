"""The Levenberg–Marquardt optimiser: one iteration per :meth:`LevenbergMarquardtOptimizer.step`.

Each step is one Levenberg–Marquardt iteration on a residual system (the interface of
:mod:`pinnlang.solver.levenberg_marquardt`: ``prepare``, ``normal_equations``, ``damped_step``,
``loss``, ``current``, ``unflatten``, ``assign``): prepare at the current parameters, then damped
solves of ``(JᵀJ + μI) δ = −Jᵀρ``, the damping doubled after a refused step
(:data:`MAX_RETRIES` times; where a refusal would end the phase, then grown
:data:`ESCALATION`-fold up to :data:`MAX_DAMPING`), divided by 3 after a taken one. The closure
returns the system of the step's points and their round; on a new round (fresh points every
``resample_every`` iterations) the loss before the iteration is the current parameters' loss on
points they were not fitted to, and the parameters with the lowest such loss are kept
(:meth:`LevenbergMarquardtOptimizer.restore_best`: at the end of the phase the final parameters,
judged on one more fresh round, give way to the kept ones if they do more than twice as badly; on
the L-shape 0.24 became 4.0e-3). Every step on a fresh round also minimises the past rounds'
Gauss–Newton models (:mod:`pinnlang.solver.round_memory`).

Everything the iterations depend on lives in the optimiser's state — the damping, the iteration,
the round, the best loss and the best parameters (one tensor per parameter), the past rounds'
models — so Lightning's checkpoint holds it and ``--resume`` continues mid-phase where the
interrupted run was. How the phase runs inside Lightning's ``fit`` (its systems, rounds, growth
and end) is :mod:`pinnlang.solver.lm_phase`.
"""

from __future__ import annotations

import itertools
import math
import statistics
from typing import Any, Callable, Iterable

import torch
from torch import Tensor

from pinnlang.solver.levenberg_marquardt import (
    ESCALATION,
    INITIAL_DAMPING,
    MAX_DAMPING,
    MAX_RETRIES,
    MIN_DAMPING,
)
from pinnlang.solver.round_memory import GaussNewtonModel

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
#: The most parameter sets :meth:`LevenbergMarquardtOptimizer.average_back` averages: the final
#: parameters with the starts of the last 1 or 3 rounds before them. Late in a run the error
#: moves 2-3x from one round to the next as each fits its own random points, in directions the
#: loss barely sees: on the lid-driven cavity (10 minutes, seven runs) the average of 4 had the
#: lower v in five (1.45e-2 to 6.1e-3, 7.1e-3 to 1.6e-3, 4.8e-3 to 2.0e-3), though a fresh
#: round's loss, 93-98 % of it on the 1 % of points with the largest residuals, preferred the
#: final parameters in two of those. Averages of 8, judged within 1.6x of the lowest, lost on
#: Burgers (1.5e-5 to 2.6e-5) and the L-shaped Laplace problem (2.9e-4 to 4.2e-4).
AVERAGED_ROUNDS = 4
#: The optimiser state's keys holding Gauss–Newton models (float64, see
#: :meth:`LevenbergMarquardtOptimizer.load_state_dict`).
_MODEL_KEYS = tuple(f"{model}_{part}" for model in ("memory", "latest") for part in ("gram", "gradient", "at"))


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
        memory: with ``keep_best``, every step also minimises the last round's Gauss–Newton
            model (at the weight of the round's own points) and each earlier one at ``memory``
            times the weight of the one after it (:mod:`pinnlang.solver.round_memory`; 0: none).
            A system without normal equations (matrix-free, or fewer rows than parameters) steps
            without.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], damping: float = INITIAL_DAMPING,
                 keep_best: bool = False, judge: Callable[[], float] | None = None,
                 restore_factor: float = RESTORE_FACTOR, patience: int = 0, memory: float = 0.0):
        super().__init__(list(params), {"damping": float(damping), "keep_best": bool(keep_best),
                                        "memory": float(memory)})
        self.judge = judge
        self.restore_factor = float(restore_factor)
        self.patience = int(patience)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load ``state_dict``, keeping the Gauss–Newton models in float64 (torch casts every
        floating tensor of a parameter's state to the parameter's dtype)."""
        head = state_dict["state"].get(0, {})
        models = {key: value for key, value in head.items() if key in _MODEL_KEYS}
        super().load_state_dict(state_dict)
        self.state[self._first].update({key: value.to(self._first.device) for key, value in models.items()})

    # ------------------------------------------------------------------ state
    @property
    def _first(self) -> torch.nn.Parameter:
        return self.param_groups[0]["params"][0]

    @property
    def _params(self) -> list[torch.nn.Parameter]:
        """The trained parameters, in the order of the groups."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def record(self) -> dict[str, Any]:
        """The phase's scalars: ``damping``, ``iteration``, ``round``, ``loss``, ``best_loss``,
        ``best_iteration``, ``moved``, ``matrix_free`` (the system's kind) and
        ``remembered_rounds`` (fresh rounds that stepped with a memory; kept in the first
        parameter's state, so in the state dict, beside the Gauss–Newton models)."""
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
            for p in self._params:
                self.state[p]["best"] = p.detach().clone()
        else:
            record["since_best"] = record.get("since_best", 0) + 1

    # ------------------------------------------------------------------ the rounds' models
    def _model(self, name: str) -> GaussNewtonModel | None:
        head = self.state[self._first]
        if f"{name}_gram" not in head:
            return None
        return GaussNewtonModel(head[f"{name}_gram"], head[f"{name}_gradient"], head[f"{name}_at"])

    def _set_model(self, name: str, model: GaussNewtonModel | None) -> None:
        head = self.state[self._first]
        for part in ("gram", "gradient", "at"):  # the keys of _MODEL_KEYS
            if model is None:
                head.pop(f"{name}_{part}", None)
            else:
                head[f"{name}_{part}"] = getattr(model, part)

    @property
    def memory(self) -> GaussNewtonModel | None:
        """The past rounds' Gauss–Newton models, weighted (``None``: none yet)."""
        return self._model("memory")

    def forget(self) -> None:
        """Drop the past rounds' models (the loss they modelled changed: a longer time window)."""
        self._set_model("memory", None)
        self._set_model("latest", None)

    def _remember(self, system: Any, theta: Tensor, new_round: bool) -> GaussNewtonModel | None:
        """The memory this iteration steps with: on a fresh round, the last round's latest model
        folded in first; this iteration's model becomes the latest (``None`` without a memory,
        or for a system without normal equations)."""
        factor = self.defaults["memory"]
        normal = system.normal_equations() if factor > 0 and self.defaults["keep_best"] else None
        if normal is None:
            self.forget()
            return None
        # one optimiser's parameters keep their size (a widened network gets a new optimiser)
        latest, memory = self._model("latest"), self.memory
        if new_round and latest is not None:
            memory = latest if memory is None else memory.folded(latest, factor)
            self._set_model("memory", memory)
        self._set_model("latest", GaussNewtonModel(normal[0], normal[1], theta))
        if memory is not None:
            self.record["remembered_rounds"] = self.record.get("remembered_rounds", 0) + int(new_round)
        return memory

    def remember_best(self, loss: float) -> None:
        """Keep the current parameters as the best so far, judged at ``loss`` (a phase that goes
        on from parameters judged before it began)."""
        self.record.update(best_loss=float("inf"))
        self._keep(loss)

    def _mark_round_start(self) -> None:
        """Keep the parameters a fresh round starts from (where the last round ended), and the
        last :data:`AVERAGED_ROUNDS` of them (``recent_starts``, the latest last)."""
        self.record["round_iterations"] = 0
        for p in self._params:
            state = self.state[p]
            state["round_start"] = p.detach().clone()
            recent = state.get("recent_starts")
            if recent is None or recent.shape[1:] != p.shape:
                recent = p.detach().new_zeros((0, *p.shape))
            state["recent_starts"] = torch.cat([recent, p.detach()[None]])[-AVERAGED_ROUNDS:]

    def forget_rounds(self) -> None:
        """Drop the kept round starts (the loss they were fitted to changed: a longer window)."""
        for p in self._params:
            self.state[p].pop("recent_starts", None)

    def average_back(self, judge: Callable[[], float], final_loss: float) -> tuple[int, float]:
        """Judge the final parameters (at ``final_loss``) averaged with the starts of the last
        rounds before them (``judge()`` at the current parameters; 2, then 4 = :data:`AVERAGED_ROUNDS`
        parameter sets, as many as were kept) and keep the widest average judged within
        :attr:`restore_factor` of the lowest judgement: losses that close are estimates the
        points cannot tell apart, and an average of a few rounds has less of each round's own
        scatter. Returns how many sets the kept parameters average (1: the final ones) and their
        judgement.

        The starts before the final parameters: where :meth:`back_to_round_start` put the
        round's start back, the final parameters are that start and the ones before it count."""
        params = self._params
        starts = [self.state[p].get("recent_starts") for p in params]
        if any(r is None or r.shape[1:] != p.shape for r, p in zip(starts, params)):
            return 1, final_loss  # none kept, or the network was widened since
        final = [p.detach().clone() for p in params]
        if all(torch.equal(s[-1], f) for s, f in zip(starts, final)):
            starts = [s[:-1] for s in starts]

        def average(sets: int) -> None:  # the final parameters and the sets - 1 starts before them
            for p, f, s in zip(params, final, starts):
                p.copy_((f + s[len(s) - (sets - 1):].sum(0)) / sets)

        judged = {1: final_loss}
        sets = 2
        with torch.no_grad():
            while sets - 1 <= starts[0].shape[0] and sets <= AVERAGED_ROUNDS:
                average(sets)
                judged[sets] = judge()
                sets *= 2
            finite = {n: loss for n, loss in judged.items() if math.isfinite(loss)}
            lowest = min(finite.values(), default=math.inf)
            chosen = max((n for n, loss in finite.items() if loss <= lowest * self.restore_factor), default=1)
            average(chosen)
        return chosen, judged[chosen]

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
        params = self._params
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
            for p in self._params:
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
        memory = self._remember(system, theta, new_round)
        damping, moved = self.damping, False
        # a refusal here ends the phase (lm_batch): past MAX_RETRIES doublings the damping grows
        # ESCALATION-fold; elsewhere the round waits for the next one's points, as it always did
        last_chance = new_round or not self.defaults["keep_best"]
        for attempt in itertools.count():
            delta = system.damped_step(damping) if memory is None else system.damped_step(damping, memory, theta)
            if delta is not None:
                trial = system.unflatten(theta + delta.to(theta.device))
                trial_loss = system.loss(trial)
                remembered = 0.0 if memory is None else memory.change(theta, delta)
                if math.isfinite(trial_loss) and trial_loss + remembered < loss:
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
