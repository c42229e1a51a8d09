"""The training plan: an immutable, ordered tuple of phases, decided by one function.

A run trains through phases, each a normal optimiser inside Lightning's ``fit`` (see
:mod:`pinnlang.solver.module`): ``adam``, ``lbfgs`` (L-BFGS) and ``lm`` (Levenberg–Marquardt, a
damped Gauss–Newton method, see :mod:`pinnlang.solver.levenberg_marquardt`). A
:class:`Phase` has a budget (``steps``, or ``None``: until ``max_time`` stops the run) and a
point policy (a fresh round of points every ``resample_every`` steps or never, ``points`` per
``pde`` condition). :func:`make_plan` builds the :class:`TrainingPlan` from the resolved settings
(defaults < file ``train:`` < keyword arguments / flags) and what is known of the run (the
parameters a Levenberg–Marquardt phase would train, 0 if it cannot run; the measured cost of a
step once a time budget is planned). Everything else reads the plan: the module (optimiser,
rounds of points, learning-rate schedule), the trainer (step limit), the progress bar, the
summary (:meth:`TrainingPlan.describe`), the Lightning checkpoint and ``metrics.json``
(:meth:`TrainingPlan.to_list`). Settings are never rewritten.

Three kinds of plan:

- the settings' own (``steps``, ``lbfgs_steps``, ``lm_steps`` ... given): Adam, then L-BFGS, then
  Levenberg–Marquardt, the phases with steps;
- the default (none of ``steps``, ``lbfgs_steps``, ``lm_steps``, ``max_time`` given, and a
  Levenberg–Marquardt phase can run, on a network of any size): :data:`DEFAULT_ADAM_STEPS` Adam
  steps, then Levenberg–Marquardt on fresh points (:func:`lm_points_policy`) until the loss on them stops
  falling, within :data:`DEFAULT_MAX_TIME`;
- a time budget (``max_time`` and no ``steps``): first Adam until the cost of a step is measured
  (by :class:`~pinnlang.solver.budget.TimeBudget`), then the same function re-plans with a
  :class:`Measurement`: Adam for a share of the time left, then Levenberg–Marquardt until the
  time is up or the loss on fresh points stops falling (or L-BFGS for the rest, for a run whose
  Trainer arguments turn pinnlang's own optimisation loop off, which the phase needs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from pinnlang.solver.settings import SolveSettings

ADAM, LBFGS, LM = "adam", "lbfgs", "lm"
PHASE_NAMES = {ADAM: "Adam", LBFGS: "L-BFGS", LM: "Levenberg-Marquardt"}

#: Adam steps before the Levenberg–Marquardt phase of the default training. A step count, not a
#: time: the same on every machine. Adam only has to bring the network near a basin the
#: Gauss–Newton steps can take over from (with no training named, 2000 Adam steps on 3 x 20 left
#: 1-D heat at 3.5e-3 and Burgers at 0.46; this default reached 1.3e-6 and 4.0e-3).
DEFAULT_ADAM_STEPS = 1000
#: Wall-clock cap of the default training (seconds): its Levenberg–Marquardt phase runs until the
#: loss on fresh points stops falling (:meth:`~pinnlang.solver.lm_optimizer.LevenbergMarquardtOptimizer.converged`),
#: which on the library's problems takes 20 s to a few minutes; a problem that has not converged
#: by then stops with the diagnosis of :mod:`pinnlang.solver.diagnosis` instead of running on
#: unseen. A policy, stated in the summary: ``max_time`` or step counts lift it.
DEFAULT_MAX_TIME = 180.0
#: Levenberg–Marquardt iterations before a phase that runs until converged is judged: early in
#: the phase the loss on fresh points can stall for tens of iterations and then fall by orders
#: of magnitude (Burgers: at 1e-2 to 4e-2 over iterations 20-100), and this many iterations was
#: the default training's whole phase before it ended on convergence (each problem of the
#: library reached its README error in it).
DEFAULT_LM_STEPS = 200
#: Time windows the Levenberg–Marquardt phase of the default training (and of a time budget)
#: marches through on an initial-value problem (:func:`initial_value_problem`), unless ``time_windows`` is given
#: (:func:`pinnlang.solver.lm_phase.march_on`). On the sharp Allen–Cahn problem written the natural
#: way the phase on the whole interval settled on a wrong solution (error 0.98); marching through 4
#: windows reached 7.4e-2, through 8 8.5e-2 (180 s each). A window is left as soon as a fresh
#: round's residuals are resolved, so an easy problem spends a few rounds on each.
DEFAULT_TIME_WINDOWS = 4
#: Settings that, when given, mean the caller chose the training (no default plan).
CHOSEN = frozenset({"steps", "lbfgs_steps", "lm_steps", "max_time"})
#: Every setting :func:`make_plan` reads: a resumed run given one of them again is re-planned,
#: else it keeps the plan saved in its checkpoint.
PLAN_SETTINGS = CHOSEN | {"resample_every", "lbfgs_resample_every", "lm_resample_every", "lm_points",
                          "points", "lr_schedule", "time_windows"}
#: Share of the time left at a time budget's plan that Adam gets before L-BFGS refines in the
#: rest. A division of the budget between two methods (median error over seeds 0-2 of
#: ``benchmarks/time_to_accuracy.py``'s problems, shares 0.8 / 0.5 / 0.3 / 0.15), not a cost.
ADAM_SHARE = 0.3
#: Loss-and-gradient evaluations of one L-BFGS iteration per Adam step: the iteration's own and
#: at least one in the strong-Wolfe line search, a property of the method (measured 1.7-2.4).
LBFGS_COST = 2.2
#: Share of the time left that Adam gets before a Levenberg–Marquardt phase, which converges in
#: far fewer iterations than Adam once near a basin (about 300 Adam steps of Burgers' 18 s).
LM_ADAM_SHARE = 0.1
#: Iterations between two fresh draws of points in a Levenberg–Marquardt phase pinnlang chooses.
#: A property of the method: a Gauss–Newton step fits its points almost exactly, so it must see
#: new ones every few iterations (Burgers, every 3 / 5 / 10: 0.031 / 0.025 / 0.31; never: 0.30).
LM_RESAMPLE_EVERY = 5
#: Residual rows per trained parameter of each ``pde`` condition in that phase: a Gauss–Newton
#: step on fewer rows than parameters is under-determined and fits its points and little else.
LM_ROWS_PER_PARAMETER = 2
#: Largest network (trained parameters) whose Levenberg–Marquardt phase pinnlang plans for a dense
#: Gauss–Newton system: its Jacobian (``2P`` rows by ``P`` columns) and Gram matrix in float64
#: take ``24 P²`` bytes, 150 MB at this size. Up to it each ``pde`` condition draws
#: :data:`LM_ROWS_PER_PARAMETER` rows per parameter; a larger network's rounds start from the
#: run's ``points`` and grow with the fresh-round gap (``Phase.grow_points``): its system is
#: mostly matrix-free (``gauss_newton.choose_mode`` measures and reports the choice), whose step
#: spans at most ``CG_MAX_ITERATIONS`` directions, or dense with fewer rows than parameters. Also the widest network pinnlang sizes or widens.
DENSE_PLAN_PARAMETERS = 2500


@dataclass(frozen=True)
class Phase:
    """One phase of a training plan.

    Attributes:
        kind: ``adam``, ``lbfgs`` or ``lm``.
        steps: optimiser steps (iterations) of the phase; ``None``: until ``max_time`` stops the
            run (only the last phase, or an Adam phase before a time budget is planned).
        resample_every: a fresh round of points every this many steps of the phase (0: never).
        points: points of each ``pde`` condition without its own count (0: the run's ``points``).
        fresh: the phase starts on a fresh round (else on the previous phase's last one).
        until_converged: an open-ended phase (``steps`` ``None``) also ends when the loss on
            fresh points stops falling (Levenberg–Marquardt only) ...
        min_steps: ... judged only after this many of its steps.
        grow_points: a Levenberg–Marquardt phase whose point count pinnlang chose doubles it when
            a fresh round's loss shows the steps fit their points and little else
            (:func:`pinnlang.solver.lm_phase.grow_points`).
        grow_network: a phase that runs until converged, on a network pinnlang sized, widens the
            network and goes on when it converges with a residual above the tolerance
            (:mod:`pinnlang.solver.network_growth`).
        time_windows: a Levenberg–Marquardt phase that runs until converged marches through
            this many windows of the time interval (the first 1/K, 2/K, ..., all of it), the next
            one once a fresh round of the window is resolved or the loss on the window's fresh
            points stops falling (0: the whole interval throughout; see
            :func:`pinnlang.solver.lm_phase.march_on`).
        lr_schedule: Adam's learning-rate schedule over its steps (from ``schedule_from`` on).
        schedule_from: the global step the schedule starts at (a time budget's plan).
    """

    kind: str
    steps: int | None
    resample_every: int = 0
    points: int = 0
    fresh: bool = False
    lr_schedule: str = "constant"
    schedule_from: int = 0
    until_converged: bool = False
    min_steps: int = 0
    grow_points: bool = False
    grow_network: bool = False
    time_windows: int = 0

    def describe(self) -> str:
        name = PHASE_NAMES[self.kind]
        unit = "iterations" if self.kind != ADAM else "steps"
        until = "the time is up"
        if self.until_converged:
            until = "the loss on fresh points stops falling" + (f", at least {self.min_steps} {unit}" if self.min_steps else "")
        count = f"{name} until {until}" if self.steps is None else f"{self.steps} {name} {unit}"
        parts = [f"fresh points every {self.resample_every} iterations"] if self.resample_every and self.kind == LM else []
        if self.points:
            parts.append(f"{self.points} per pde condition")
        if self.time_windows and self.kind == LM and self.until_converged:
            parts.append(f"marching through {self.time_windows} time windows")
        if self.grow_network and self.until_converged:
            parts.append("a wider network if the residuals stall above the tolerance")
        return count + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class Measurement:
    """What a time budget's plan is made from: measured once training has run a while.

    Attributes:
        at_step: the global step now (a batch end).
        remaining: seconds of ``max_time`` left.
        step_seconds: measured wall-clock seconds per Adam step.
        steps_per_batch: optimiser steps per Lightning batch (phases end on batch ends).
    """

    at_step: int
    remaining: float
    step_seconds: float
    steps_per_batch: int = 1


@dataclass(frozen=True)
class TrainingPlan:
    """The phases of a run, in order, and where they came from.

    Attributes:
        phases: the phases (each with steps > 0 or ``None``).
        origin: ``settings``, ``default`` or ``time budget``.
        budget: ``max_time`` of a time budget, the wall-clock cap of the default training
            (:data:`DEFAULT_MAX_TIME`), else 0 (then the settings' ``max_time``, if any, stops the run).
        measurement: what a time budget's plan was made from (``None``: not measured yet).
    """

    phases: tuple[Phase, ...]
    origin: str = "settings"
    budget: float = 0.0
    measurement: Measurement | None = None

    # ------------------------------------------------------------------ steps
    @property
    def starts(self) -> tuple[int, ...]:
        """The global step each phase starts at (after an open-ended phase: none follow)."""
        out, at = [], 0
        for phase in self.phases:
            out.append(at)
            at += phase.steps or 0
        return tuple(out)

    @property
    def total_steps(self) -> int | None:
        """Steps of the whole run (``None``: until ``max_time``)."""
        if any(p.steps is None for p in self.phases):
            return None
        return sum(p.steps for p in self.phases)

    @property
    def measuring(self) -> bool:
        """A time budget not planned yet (its first phase runs until it is)."""
        return self.origin == "time budget" and self.measurement is None

    def index_at(self, step: int) -> int:
        """The index of the phase optimiser step ``step`` (0-based) runs in (the last phase for
        steps past the end)."""
        for i, (phase, start) in enumerate(zip(self.phases, self.starts)):
            if phase.steps is None or step < start + phase.steps:
                return i
        return len(self.phases) - 1

    def phase_at(self, step: int) -> Phase:
        return self.phases[self.index_at(step)]

    def kind_at(self, step: int) -> str:
        return self.phase_at(step).kind if self.phases else ADAM

    def first_order_steps(self) -> int | None:
        """Steps of the leading Adam phase (0 if the run starts otherwise, ``None``: open)."""
        if not self.phases or self.phases[0].kind != ADAM:
            return 0
        return self.phases[0].steps

    def round_at(self, step: int) -> int:
        """The round of points optimiser step ``step`` trains on: phase by phase, a fresh round
        every ``resample_every`` steps, a ``fresh`` phase starting on the round after the last
        one of the phase before it; so no round repeats and a resumed run draws the same ones."""
        previous = 0
        for i, (phase, start) in enumerate(zip(self.phases, self.starts)):
            first = previous + 1 if (phase.fresh and i) else previous
            last_local = None if phase.steps is None else phase.steps - 1
            local = step - start if last_local is None else min(max(step - start, 0), last_local)
            if last_local is None or step - start <= last_local:
                return first + (local // phase.resample_every if phase.resample_every else 0)
            previous = first + (last_local // phase.resample_every if phase.resample_every else 0)
        return previous

    def boundaries(self) -> list[int]:
        """The global steps where a phase ends (for the steps-per-batch divisor)."""
        ends, at = [], 0
        for phase in self.phases:
            if phase.steps is None:
                break
            at += phase.steps
            ends.append(at)
        return ends

    # ------------------------------------------------------------------ reporting
    def describe(self) -> str:
        """``default training: 1000 Adam steps, then 200 Levenberg-Marquardt iterations (fresh
        points every 5 iterations, 1842 per pde condition)``, ``time budget 60 s: ...``, or the
        phases alone for a plan from the settings."""
        phases = ", then ".join(p.describe() for p in self.phases) or "no steps"
        if self.origin == "default":
            return f"default training: {phases}, at most {self.budget:g} s"
        if self.origin == "time budget":
            if self.measurement is None:
                return f"time budget {self.budget:g} s: Adam until a step's cost is measured"
            return (f"time budget {self.budget:g} s: {phases}, planned from a measured "
                    f"{self.measurement.step_seconds * 1e3:.2f} ms/step")
        return phases

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for a checkpoint): ``{"origin", "budget", "measurement", "phases"}``."""
        return {"origin": self.origin, "budget": self.budget,
                "measurement": dataclasses.asdict(self.measurement) if self.measurement else None,
                "phases": self.to_list()}

    def to_list(self) -> list[dict[str, Any]]:
        """The phases as a list of dicts (``metrics.json``)."""
        return [dataclasses.asdict(p) for p in self.phases]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingPlan:
        measured = data.get("measurement")
        return cls(tuple(Phase(**p) for p in data["phases"]), origin=data.get("origin", "settings"),
                   budget=float(data.get("budget", 0.0)),
                   measurement=Measurement(**measured) if measured else None)


def lm_phase_runs(lm_parameters: int) -> bool:
    """Whether a Levenberg–Marquardt phase can train ``lm_parameters`` parameters (0: it cannot
    run here: a Trainer argument turned pinnlang's own optimisation loop off), whatever the
    network's size or kind and the number of processes."""
    return lm_parameters > 0


def lm_points_policy(settings: SolveSettings, lm_parameters: int) -> tuple[int, int]:
    """``(resample_every, points)`` of a Levenberg–Marquardt phase pinnlang chooses: the ones
    given, else :data:`LM_RESAMPLE_EVERY` and max(``points``, :data:`LM_ROWS_PER_PARAMETER` ×
    parameters), or ``points`` for a network beyond :data:`DENSE_PLAN_PARAMETERS` (0 when
    ``points`` was given: its count stays)."""
    given = settings.given
    resample = settings.lm_resample_every if "lm_resample_every" in given else LM_RESAMPLE_EVERY
    if "lm_points" in given or "points" in given:
        return resample, settings.lm_points
    if lm_parameters > DENSE_PLAN_PARAMETERS:
        return resample, settings.points
    return resample, max(settings.points, LM_ROWS_PER_PARAMETER * lm_parameters)


def _lm_phase(steps: int | None, resample: int, points: int, grow: bool = False,
              grow_network: bool = False, time_windows: int = 0) -> Phase:
    return Phase(LM, steps, resample_every=resample, points=points, fresh=bool(resample or points),
                 until_converged=steps is None, min_steps=DEFAULT_LM_STEPS if steps is None else 0,
                 grow_points=grow and resample > 0, grow_network=grow_network and steps is None,
                 time_windows=time_windows if steps is None and resample > 0 else 0)


def _network_chosen(settings: SolveSettings) -> bool:
    """Whether pinnlang sized the network (neither ``width`` nor ``depth`` given): then a phase
    that runs until converged may widen it (:mod:`pinnlang.solver.network_growth`)."""
    return not ({"width", "depth"} & settings.given)


def _points_chosen(settings: SolveSettings) -> bool:
    """Whether the caller or file named the points of a Levenberg–Marquardt phase."""
    return bool({"lm_points", "points"} & settings.given)


def _adam(settings: SolveSettings, steps: int | None, schedule: str | None = None, start: int = 0) -> Phase:
    return Phase(ADAM, steps, resample_every=settings.resample_every,
                 lr_schedule=schedule or settings.lr_schedule, schedule_from=start)


def _from_settings(settings: SolveSettings) -> tuple[Phase, ...]:
    s = settings
    phases = [_adam(s, s.steps), Phase(LBFGS, s.lbfgs_steps, resample_every=s.lbfgs_resample_every),
              _lm_phase(s.lm_steps, s.lm_resample_every, s.lm_points)]
    return tuple(p for p in phases if p.steps)


def _budgeted(settings: SolveSettings, m: Measurement, lm_parameters: int,
              initial_value: bool) -> tuple[Phase, ...]:
    """A time budget's phases from the measured step (see the module docstring)."""
    k = max(m.steps_per_batch, 1)
    seconds = max(m.step_seconds, 1e-9)
    given = settings.given
    schedule = settings.lr_schedule if "lr_schedule" in given else "exponential"
    if lm_phase_runs(lm_parameters) and "lbfgs_steps" not in given:
        adam = max(int(LM_ADAM_SHARE * m.remaining / seconds) // k, 1) * k
        resample, points = lm_points_policy(settings, lm_parameters)
        lm = settings.lm_steps if "lm_steps" in given else None
        return (_adam(settings, m.at_step + adam, schedule, m.at_step),
                _lm_phase(lm, resample, points, grow=not _points_chosen(settings),
                          grow_network=_network_chosen(settings),
                          time_windows=lm_time_windows(settings, initial_value)))
    lbfgs = settings.lbfgs_steps if "lbfgs_steps" in given else None
    lbfgs_seconds = LBFGS_COST * seconds
    adam_seconds = ADAM_SHARE * m.remaining if lbfgs is None else m.remaining - lbfgs * lbfgs_seconds
    adam = max(int(adam_seconds / seconds) // k, 1) * k
    if lbfgs is None:
        lbfgs = max(int((m.remaining - adam * seconds) / lbfgs_seconds) // k, 0) * k
    phases = [_adam(settings, m.at_step + adam, schedule, m.at_step),
              Phase(LBFGS, lbfgs, resample_every=settings.lbfgs_resample_every)]
    return tuple(p for p in phases if p.steps)


def initial_value_problem(problem: Any) -> bool:
    """Whether ``problem`` (a :class:`~pinnlang.problem.Problem`) has a time axis and an
    ``initial`` condition: a solution to march forward from. (Without one, as in an inverse
    problem known only from observations at all times, the data outside a window would judge a
    fit the pde only constrains inside it: the heat inverse problem's held-out judgement stopped
    its phase in the first window, u 0.11 against 5.3e-2 on the whole interval.)"""
    return problem.time_axis is not None and any(c.kind == "initial" for c in problem.conditions)


def lm_time_windows(settings: SolveSettings, initial_value: bool) -> int:
    """The windows an open-ended Levenberg–Marquardt phase pinnlang plans marches through on an
    initial-value problem (``initial_value``, see :func:`initial_value_problem`): the
    ``time_windows`` given (0: none), else :data:`DEFAULT_TIME_WINDOWS` (none otherwise)."""
    if not initial_value:
        return 0
    return settings.time_windows if "time_windows" in settings.given else DEFAULT_TIME_WINDOWS


def wants_budget(settings: SolveSettings) -> bool:
    """Whether the run is time-limited with no step count given (so its budget gets planned)."""
    return settings.max_time > 0 and "steps" not in settings.given


def make_plan(settings: SolveSettings, *, lm_parameters: int = 0,
              measurement: Measurement | None = None, initial_value: bool = False) -> TrainingPlan:
    """The training plan of a run (see the module docstring).

    Args:
        settings: the resolved settings; ``settings.given`` says what the file or caller set.
        lm_parameters: trained parameters of a Levenberg–Marquardt phase of this run (0: the
            phase cannot run here: the network, the processes).
        measurement: a time budget's measured step (``None``: not measured yet).
        initial_value: the problem is an initial-value problem (its open-ended
            Levenberg–Marquardt phase marches in time, see :func:`lm_time_windows`).
    """
    if wants_budget(settings):
        phases = (_budgeted(settings, measurement, lm_parameters, initial_value) if measurement is not None
                  else (_adam(settings, None),))
        return TrainingPlan(phases, "time budget", settings.max_time, measurement)
    if not CHOSEN & settings.given and lm_phase_runs(lm_parameters):
        resample, points = lm_points_policy(settings, lm_parameters)
        phases = (_adam(settings, DEFAULT_ADAM_STEPS),
                  _lm_phase(None, resample, points, grow=not _points_chosen(settings),
                            grow_network=_network_chosen(settings),
                            time_windows=lm_time_windows(settings, initial_value)))
        return TrainingPlan(phases, "default", DEFAULT_MAX_TIME)
    return TrainingPlan(_from_settings(settings), "settings")


def single_process(settings: SolveSettings) -> bool:
    """Whether the run's ``devices``/``num_nodes`` name one process (``auto`` counts on the CPU
    only, where Lightning takes one device)."""
    if settings.num_nodes != 1:
        return False
    devices = settings.devices
    if isinstance(devices, (list, tuple)):
        return len(devices) == 1
    if devices == "auto":
        return settings.accelerator == "cpu"
    return str(devices) == "1"
