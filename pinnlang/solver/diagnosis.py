"""Did a finished run converge? Its residuals on fresh points, and what would help if not.

After training, every condition is evaluated on points drawn afresh (never the training points)
and its residual is compared with the size of what it balances:

- a ``pde``: the root mean square of the residual over that of the largest additive term at each
  point (``CompiledCondition.evaluate(..., with_scale=True)``), so ``u_t = nu*u_xx`` with
  residual 1e-3 where the terms are of size 1 reads 1e-3;
- an ``initial``, ``boundary`` or ``periodic`` condition: the same ratio, but never over less
  than the root mean square of the network's fields over the domain (``u = 0`` on a boundary
  has one term, ``u`` itself, which is not a scale);
- ``data`` conditions are reported but do not decide: observations may be noisy.

Where half of an unconverged deciding condition's squared residual comes from a few of its points
(:data:`HOT_SHARE`), :func:`hot_spots` names where they lie. That is the mark of a solution a
smooth network does not follow: boundary data that jump (the lid-driven cavity's ``u = 1`` lid
meets its ``u = 0`` walls at two corners), a re-entrant corner, a shock, a layer too thin for the
network. Such a spot decides the error away from it. On the cavity at Re = 100 the mean square
of the momentum residual on fresh points was 10⁴-10⁶ times that of the points farther than 0.1
from those corners; a 3×24 network fitted to the converged flow (u, v 3.3e-4, 8.0e-4 at the
scored centre lines, its pressure fitted too), then trained on the equations alone, lowered the
pdes' residuals away from the corners (5.0e-5 to 1.6e-5) and the lid's while its centre-line
errors grew to 2.2e-2, 9.1e-2 (``benchmarks/cavity_corners.py``; ``docs/benchmarks.md``).

A run has converged when every deciding ratio is below :data:`RELATIVE_TOLERANCE`. If it has
not, the diagnosis names the condition whose residual stayed highest and suggests, in this order,
what the default would try next: a look at the place where the residual concentrates (when it
does; where boundary or initial data jump there, :mod:`~pinnlang.solver.data_jumps`, it names
the two conditions and no larger network is suggested), train longer when the loss was still
falling, time windows when a time-dependent ``pde`` is resolved early but not late, a weight when an
initial or boundary condition lags the ``pde`` by far, Fourier features when the data of the problem oscillate faster
than a small network resolves, and a larger network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
import torch

from pinnlang.models.saved import body_of
from pinnlang.solver.data_jumps import MEET_DISTANCE, data_jumps
from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size
from pinnlang.solver.plan import DEFAULT_TIME_WINDOWS
from pinnlang.solver.wavenumbers import axis_wavenumbers, fast_axes, rms

#: A deciding condition whose residual on fresh points is above this fraction of the size of its
#: terms has not converged: the run then reports it. One per cent is a statement about the
#: solution (two significant digits of balance in every equation), not about the machine.
RELATIVE_TOLERANCE = 1e-2
#: Points per condition of the fresh evaluation.
FRESH_POINTS = 2000
#: A ``pde`` whose residual in the last quarter of the time interval is this many times that of
#: the first quarter is resolved early but not late (causality: errors propagate forward in time).
LATE_FACTOR = 10.0
#: An initial/boundary condition this many times worse than the ``pde`` is under-weighted.
LAG_FACTOR = 10.0
#: A deciding condition's residual is concentrated when half of its squares on fresh points come
#: from at most this share of its points. Squares of one size everywhere need half the points; a
#: Gaussian bump of squares with standard deviation σ holds half its sum within 1.18σ, in two
#: dimensions 1 % of the unit square for σ = 0.05; on the cavity 0.4 % of the ``pde`` points
#: held 84 % of the squares.
HOT_SHARE = 0.01
#: Points within this fraction of the diagonal of the points' bounding box belong to one hot spot.
HOT_RADIUS = 0.05
#: At most this many hot spots are named, the largest first.
MAX_HOT_SPOTS = 3
#: Seed offset of the fresh points, so they differ from every training round.
_FRESH_SEED = 7919

_DECIDING = ("pde", "initial", "boundary", "periodic")


@dataclass(frozen=True)
class HotSpot:
    """A place where a condition's residual concentrates.

    Attributes:
        centre: the inputs of its largest residual, in the problem's coordinates.
        radius: the distance within which its points lie (:data:`HOT_RADIUS` of the diagonal).
        share: the fraction of the condition's squared residual on fresh points within it (and
            not within a spot named before it).
        points: the fraction of the fresh points within it (likewise).
    """

    centre: tuple[float, ...]
    radius: float
    share: float
    points: float


@dataclass(frozen=True)
class ConditionHealth:
    """One condition on fresh points: its relative residual (see the module docstring) and
    where its residual concentrates, if it does (:func:`hot_spots`)."""

    name: str
    kind: str
    relative: float
    hot_spots: tuple[HotSpot, ...] = ()

    @property
    def deciding(self) -> bool:
        return self.kind in _DECIDING


@dataclass(frozen=True)
class Diagnosis:
    """What a run's residuals on fresh points say.

    Attributes:
        conditions: every condition's relative residual on fresh points.
        late_ratio: for a time-dependent problem, the ``pde`` residual in the last quarter of the
            time interval over that in the first quarter (``None`` without time).
        still_falling: the loss fell by more than half over the last tenth of the history.
        suggestions: settings most likely to help, most promising first (empty when converged).
    """

    conditions: tuple[ConditionHealth, ...]
    late_ratio: float | None
    still_falling: bool
    suggestions: tuple[str, ...]

    @property
    def converged(self) -> bool:
        return resolved(self.conditions)

    @property
    def worst(self) -> ConditionHealth | None:
        deciding = [c for c in self.conditions if c.deciding]
        return max(deciding, key=lambda c: c.relative) if deciding else None

    def describe(self) -> str:
        """One line for the run summary."""
        worst = self.worst
        if worst is None:
            return "no condition to judge"
        if self.converged:
            return (f"converged: every residual on fresh points below {RELATIVE_TOLERANCE:g} of its "
                    f"terms (largest: {worst.name} {worst.relative:.1e})")
        where = ""
        if worst.hot_spots:
            where = (f", {sum(h.share for h in worst.hot_spots):.0%} of its squares from "
                     f"{sum(h.points for h in worst.hot_spots):.1%} of the points near "
                     f"{_places([h.centre for h in worst.hot_spots])}")
        return (f"NOT converged: residual of '{worst.name}' on fresh points is {worst.relative:.1e} "
                f"of its terms (tolerance {RELATIVE_TOLERANCE:g}){where}; try: " + "; or ".join(self.suggestions))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``metrics.json``."""
        return {"converged": self.converged, "summary": self.describe(),
                "relative_residuals": {c.name: c.relative for c in self.conditions},
                "hot_spots": {c.name: [{"centre": list(h.centre), "radius": h.radius, "share": h.share,
                                        "points": h.points} for h in c.hot_spots]
                              for c in self.conditions if c.hot_spots},
                "late_ratio": self.late_ratio, "still_falling": self.still_falling,
                "suggestions": list(self.suggestions)}


def diagnose(compiled: Any, net: torch.nn.Module, unknowns: dict[str, torch.Tensor],
             history: Sequence[dict[str, Any]], settings: dict[str, Any], *,
             parameters: int, seed: int = 0, smoothed: Sequence[Any] = ()) -> Diagnosis:
    """Judge a trained network on fresh points (see the module docstring).

    Args:
        compiled: the :class:`~pinnlang.compile.CompiledProblem`.
        net: the trained network (input normalisation included).
        unknowns: the problem's learned unknowns.
        history: the run's history rows (``step``, ``loss``, ...).
        settings: the resolved settings as a plain dict (``width``, ``depth``, ``model``, ...).
        parameters: the network's trained parameter count.
        seed: the run's seed (the fresh points use another stream).
        smoothed: the jumps of the boundary data the run smoothed
            (:class:`~pinnlang.solver.jump_smoothing.SmoothedJump`): not named as jumps.
    """
    rng = np.random.default_rng(seed + _FRESH_SEED)
    field_scale = _field_scale(compiled, net, rng)
    healths, late_ratio, where = [], None, []
    time_column = _time_column(compiled)
    for cond in compiled.conditions:
        batch = cond.sample(None if cond.kind == "data" else FRESH_POINTS, rng)
        residual, scale = _residual_and_scale(cond, net, batch, unknowns)
        healths.append(_health(cond, residual, scale, field_scale))
        where.append((batch.x.detach().double().cpu().numpy(), np.square(residual).sum(axis=1)))
        if cond.kind == "pde" and time_column is not None:
            ratio = _late_over_early(residual, scale, batch.x[:, time_column].detach().cpu().numpy())
            late_ratio = ratio if late_ratio is None else max(late_ratio, ratio)
    everywhere = np.concatenate([x for x, _ in where])
    diagonal = float(np.linalg.norm(everywhere.max(axis=0) - everywhere.min(axis=0)))
    healths = [replace(h, hot_spots=hot_spots(x, squares, HOT_RADIUS * diagonal))
               if h.deciding and h.relative >= RELATIVE_TOLERANCE else h
               for h, (x, squares) in zip(healths, where)]
    still_falling = _still_falling(history)
    diagnosis = Diagnosis(tuple(healths), late_ratio, still_falling, ())
    if diagnosis.converged:
        return diagnosis
    suggestions = _suggestions(diagnosis, compiled, net, settings, parameters, rng, diagonal, unknowns, smoothed)
    return Diagnosis(tuple(healths), late_ratio, still_falling, tuple(suggestions))


def relative_residuals(compiled: Any, net: torch.nn.Module, unknowns: dict[str, torch.Tensor],
                       batches: dict[str, Any]) -> tuple[ConditionHealth, ...]:
    """Every deciding condition's relative residual (see the module docstring) on ``batches``,
    the points of one round, the fields' scale measured on the first ``pde`` condition's."""
    pdes = [c for c in compiled.conditions if c.kind == "pde" and c.name in batches]
    field_scale = _fields_rms(net, batches[pdes[0].name].x) if pdes else 0.0
    return tuple(_health(cond, *_residual_and_scale(cond, net, batches[cond.name], unknowns), field_scale)
                 for cond in compiled.conditions if cond.kind in _DECIDING and cond.name in batches)


def hot_spots(x: np.ndarray, squares: np.ndarray, radius: float) -> tuple[HotSpot, ...]:
    """Where the squared residuals ``squares`` (one per row of the points ``x``) concentrate:
    nothing when half of their sum needs more than :data:`HOT_SHARE` of the points; otherwise,
    largest first, the balls of ``radius`` around the largest residual not yet covered, until
    they hold half the sum (at most :data:`MAX_HOT_SPOTS`)."""
    total = float(squares.sum())
    if len(squares) == 0 or not math.isfinite(total) or total <= 0.0:
        return ()
    order = np.argsort(squares)[::-1]
    needed = int(np.searchsorted(np.cumsum(squares[order]), 0.5 * total)) + 1
    if needed > HOT_SHARE * len(squares):
        return ()
    spots: list[HotSpot] = []
    covered = np.zeros(len(squares), dtype=bool)
    for i in order[:needed]:
        if covered[i] or len(spots) == MAX_HOT_SPOTS or sum(h.share for h in spots) >= 0.5:
            continue
        inside = (np.linalg.norm(x - x[i], axis=1) <= radius) & ~covered  # no point counted twice
        spots.append(HotSpot(tuple(float(v) for v in x[i]), radius, float(squares[inside].sum()) / total,
                             float(inside.mean())))
        covered |= inside
    return tuple(spots)


def _places(centres: Sequence[Sequence[float]]) -> str:
    """``(1, 1) and (0, 1)`` (to two digits)."""
    names = ["(" + ", ".join(f"{v:.2g}" for v in centre) + ")" for centre in centres]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def resolved(healths: Sequence[ConditionHealth]) -> bool:
    """Whether every deciding residual is below :data:`RELATIVE_TOLERANCE`."""
    return all(h.relative < RELATIVE_TOLERANCE for h in healths if h.deciding)


def diagnose_module(module: Any) -> Diagnosis:
    """:func:`diagnose` of a :class:`~pinnlang.solver.module.PinnModule` as it stands: its network
    (at the width it has now, which may be wider than its settings say:
    :mod:`~pinnlang.solver.network_growth`), unknowns, history and settings."""
    settings = module.settings
    config = getattr(body_of(module.net), "config", {})
    now = {**settings.to_dict(), **({"width": config["width"]} if "width" in config else {})}
    return diagnose(module.compiled, module.net, dict(module.unknowns), module.history, now,
                    parameters=levenberg_marquardt_size(module), seed=settings.seed,
                    smoothed=module.smoothed_jumps)


def _time_column(compiled: Any) -> int | None:
    axis = compiled.problem.time_axis
    return None if axis is None else compiled.input_names.index(str(axis.symbol))


def _residual_and_scale(cond: Any, net: Any, batch: Any, unknowns: dict[str, torch.Tensor]
                        ) -> tuple[np.ndarray, np.ndarray]:
    with torch.enable_grad():
        evaluation = cond.evaluate(net, batch, unknowns, create_graph=False, with_scale=True)
    residual = evaluation.residual.detach().double().cpu().numpy()
    scale = evaluation.scale.detach().double().cpu().numpy() if evaluation.scale is not None else np.abs(residual)
    return residual.reshape(len(residual), -1), scale.reshape(len(scale), -1)


def _ratio(residual: np.ndarray, scale: np.ndarray, floor: float) -> float:
    size = max(rms(scale), floor)
    if size == 0.0:
        return 0.0 if rms(residual) == 0.0 else math.inf
    return rms(residual) / size


def _health(cond: Any, residual: np.ndarray, scale: np.ndarray, field_scale: float) -> ConditionHealth:
    """``cond``'s relative residual: an initial, boundary or periodic condition's is never taken
    over less than ``field_scale`` (see the module docstring)."""
    floor = field_scale if cond.kind in ("initial", "boundary", "periodic") else 0.0
    return ConditionHealth(cond.name, cond.kind, _ratio(residual, scale, floor))


def _fields_rms(net: Any, x: torch.Tensor) -> float:
    """The root mean square of the network's fields at the points ``x``."""
    with torch.no_grad():
        return rms(net(x).detach().double().cpu().numpy())


def _field_scale(compiled: Any, net: Any, rng: np.random.Generator) -> float:
    """The root mean square of the network's fields over the input domain."""
    pdes = [c for c in compiled.conditions if c.kind == "pde"]
    return _fields_rms(net, pdes[0].sample(FRESH_POINTS, rng).x) if pdes else 0.0


def _late_over_early(residual: np.ndarray, scale: np.ndarray, times: np.ndarray) -> float:
    lo, hi = float(times.min()), float(times.max())
    quarter = (hi - lo) / 4
    early, late = times <= lo + quarter, times >= hi - quarter
    size = max(rms(scale), 1e-300)
    early_value = rms(residual[early]) / size
    late_value = rms(residual[late]) / size
    if early_value > 0:
        return late_value / early_value
    return math.inf if late_value > 0 else 1.0  # a residual that vanishes throughout is not late


def _still_falling(history: Sequence[dict[str, Any]]) -> bool:
    losses = [(row["step"], row["loss"]) for row in history if math.isfinite(row.get("loss", math.nan))]
    if len(losses) < 4:
        return False
    last_step = losses[-1][0]
    cut = last_step - max(1, (last_step - losses[0][0]) // 10)
    before = [loss for step, loss in losses if step <= cut]
    return bool(before) and losses[-1][1] < 0.5 * before[-1]


def _at_a_jump(spots: Sequence[HotSpot], compiled: Any, rng: np.random.Generator, diagonal: float,
               unknowns: dict[str, torch.Tensor], smoothed: Sequence[Any] = ()
               ) -> list[tuple[tuple[float, ...], str, str]]:
    """The jumps of the boundary and initial data (:func:`~pinnlang.solver.data_jumps.data_jumps`)
    that lie in one of ``spots`` (within its radius and the jumps' own tolerance), less those the
    run smoothed (the same two conditions, within the smoothing's radius)."""
    reach = MEET_DISTANCE * diagonal

    def was_smoothed(jump: tuple[tuple[float, ...], str, str]) -> bool:
        return any({jump[1], jump[2]} == {s.condition, s.other}
                   and np.linalg.norm(np.subtract(jump[0], s.place)) <= s.radius + reach for s in smoothed)

    return [jump for jump in data_jumps(compiled, rng, diagonal, unknowns) if not was_smoothed(jump)
            and any(np.linalg.norm(np.subtract(jump[0], h.centre)) <= h.radius + reach for h in spots)]


def _suggestions(diagnosis: Diagnosis, compiled: Any, net: Any, settings: dict[str, Any],
                 parameters: int, rng: np.random.Generator, diagonal: float,
                 unknowns: dict[str, torch.Tensor], smoothed: Sequence[Any] = ()) -> list[str]:
    out: list[str] = []
    worst = diagnosis.worst
    spots = worst.hot_spots if worst is not None else ()
    jumps = _at_a_jump(spots, compiled, rng, diagonal, unknowns, smoothed) if spots else []
    if jumps:
        which = " and ".join(f"'{a}' and '{b}'" for a, b in sorted({(a, b) for _, a, b in jumps}))
        boundary_only = {compiled.condition(n).kind for _, a, b in jumps for n in (a, b)} == {"boundary"}
        data = "boundary data" if boundary_only else "initial and boundary data"
        head = (f"look at {_places([h.centre for h in spots])}: the {data} of {which} differ where they "
                f"meet ({_places([p for p, _, _ in jumps])}), a jump no smooth network follows")
        out.append(head + (", and the error elsewhere follows from it (a larger network is no cure); "
                           "smoothing the data over a short distance there (smooth_jumps, which does it "
                           "before training in two dimensions of space) changes the solution little and "
                           "lets the network follow it" if boundary_only else
                           # in space-time the jump is the problem's own (jump_smoothing's docstring)
                           "; the error near it is the data's own (a larger network is no cure)"))
    elif spots:
        out.append(f"look at {_places([h.centre for h in spots])}, where the residual "
                   f"concentrates: a layer the network does not resolve, or a singular point it cannot "
                   f"follow (a re-entrant corner, a shock), sets the error elsewhere; residual-adaptive "
                   f"points (--adaptive true) sample it more densely")
    if diagnosis.still_falling:
        out.append("train longer (the loss was still falling: raise --steps / --lm-steps, or --max-time)")
    if diagnosis.late_ratio is not None and diagnosis.late_ratio > LATE_FACTOR:
        windows = 2 * max(int(settings.get("time_windows") or 0), DEFAULT_TIME_WINDOWS)
        out.append(f"more time windows (--time-windows {windows}): the pde residual is "
                   f"{diagnosis.late_ratio:.0f}x larger late in time than early")
    pde = [c.relative for c in diagnosis.conditions if c.kind == "pde"]
    if worst is not None and worst.kind != "pde" and pde and worst.relative > LAG_FACTOR * max(pde):
        out.append(f"weight '{worst.name}' ([weight = 10] on it, or --weighting annealing)")
    fast = fast_axes(axis_wavenumbers(compiled, rng))
    model = str(settings.get("model", "mlp"))
    if model == "mlp" and fast:
        along = ", ".join(f"{compiled.input_names[i]} ({k:.3g})" for i, k in fast.items())
        out.append(f"Fourier features along the axes (--model axis_fourier): the initial/boundary "
                   f"data oscillate fast along {along}, wavenumbers on the normalised inputs")
    if jumps:
        return out
    width, depth = int(settings.get("width", 20)), int(settings.get("depth", 3))
    out.append(f"a larger network (--width {2 * width} --depth {depth + 1}; now {parameters} parameters)")
    return out
