"""Defaults that notice: settings the file and the caller left out, derived from the problem.

:func:`traits` measures a compiled problem once, before training:

- its input dimension, number of fields and highest derivative order;
- the wavenumber of its initial and boundary data along each input
  (:func:`pinnlang.solver.wavenumbers.axis_wavenumbers`);
- whether it is time-dependent, and its time span;
- the size of each condition's block of the Gauss–Newton system at the initial network: the
  mean squared norm of a residual row's gradient with respect to the network's parameters
  (:func:`jacobian_row_norms`; the trace of that condition's block of the neural tangent
  kernel per point).

:func:`default_choices` turns them into settings, each only when the file and the caller did not
give it (``SolveSettings.given``), and one line per choice for the run's summary:

- ``width`` grows with the number of fields, within the Jacobian the default training's
  Levenberg–Marquardt phase affords (it has about two rows per parameter per pde condition); ``points`` grows with the number of inputs;
- ``model = axis_fourier`` (the inputs, and the sine and cosine of each input along which the
  data oscillate faster than a plain MLP resolves, at the data's own wavenumber) when any input
  does. On PINNacle's Heat2d-MS (``sin(20 pi x) sin(pi y)``, written without settings) the default
  training reached an error of 7.3e-2 with a plain MLP, 1.0 with the random features of
  ``fourier`` at the matching ``sigma`` (they mix every axis at random frequencies), and 3.6e-4
  with these features, in the same 180 s;
- condition weights that balance the blocks of the Gauss–Newton system when they differ by more
  than an order of magnitude (Wang, Yu & Perdikaris 2022, "When and why PINNs fail to train: a
  neural tangent kernel perspective"), for initial, boundary and exact ``data`` conditions. Not
  for ``periodic`` ones: their residual is a difference of the network at the two ends, whose
  block ``K(a, a) + K(b, b) - 2 K(a, b)`` is small at the initial network because its gradients
  at the ends are alike, not because the condition is weighed less. On the sharp Allen–Cahn
  problem (its periodic block 20x smaller: weight 15) lifting it cost accuracy, 1.5e-2 against
  3.7e-3 without (initial weight 148, seed 0, 180 s);
- a weight ``e^(λ T)`` on the initial conditions of a problem whose initial-data errors grow at
  the rate ``λ`` (:func:`pinnlang.solver.growth.initial_growth_rate`) over its time span ``T``,
  when that amplification is more than :data:`IMBALANCE`: an error of the initial fit reaches the
  end of the interval that many times larger, a residual at a later time less. The sharp
  Allen–Cahn problem (``λ = 5``, weight 150) written without settings ended at 7.7e-2 with
  weight 1, 1.7e-2 / 1.6e-2 / 1.2e-2 / 2.8e-2 with weights 10 / 30 / 100 / 1000 (180 s);
- for a ``data`` condition that declares its noise (``[noise = σ]``), the weight ``1/σ²``: its
  term is then the chi-square per observation, ``mean((u - d)²)/σ²``, about 1 when the fit
  reaches the noise and not below (maximum likelihood under Gaussian noise, the pde's residual
  taken as a Gaussian error of standard deviation 1). Without it, observations of size 0.3 beside
  a pde whose terms are ~40 (``problems/heat_inverse.pinn``) weigh nothing: the default training
  (180 s) left its coefficient field at an error of 16; with ``1/σ²`` it was 3.3e-2 to 5.6e-2 in
  three runs (before the held-out judgement of :mod:`pinnlang.solver.held_out`).

A condition's ``[weight = ...]`` always wins: when the file gives any weight, or the caller asks
for an adaptive ``weighting``, no weight is chosen.

:func:`apply_defaults` is the one call :func:`pinnlang.solve` makes, before the module is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import torch

from pinnlang.solver.growth import initial_growth_rate
from pinnlang.solver.network import build_body, wrap
from pinnlang.solver.plan import DENSE_PLAN_PARAMETERS
from pinnlang.solver.wavenumbers import axis_wavenumbers, fast_axes

#: The default network of the smallest problem (one field, at most two inputs): the 3 x 20 tanh
#: MLP of ``SolveSettings``, whose default training the library's problems were measured with.
BASE_WIDTH, BASE_DEPTH = 20, 3
#: Neurons added per field beyond the first: every field is a linear combination of the last
#: hidden layer, so k fields share one basis and need about k times its richness.
WIDTH_PER_FIELD = 6
#: Collocation points per pde condition for every three inputs (rounded up): each input is one
#: more direction the points must cover. Random points' spacing in d dimensions is about
#: N^(-1/d); keeping it would grow N exponentially, which no budget affords, so the count grows
#: like the cost of a step, linearly. (The hidden width does not grow with the inputs: the first
#: layer's weights already do, and the Levenberg–Marquardt phase costs ~ parameters^3.)
POINTS_PER_THREE_INPUTS = 1000
#: Blocks of the Gauss–Newton system differing by less than this factor are left alone: it is an
#: order of magnitude, beyond the noise of a row-sampled estimate, where gradient descent's
#: rates per condition already differ by as much (Wang, Yu & Perdikaris 2022).
IMBALANCE = 10.0
#: Rows per condition of the Jacobian estimate, and points per condition of the data estimate.
JACOBIAN_ROWS = 48
#: The condition kinds whose Gauss–Newton blocks are balanced (see the module docstring for why
#: ``periodic`` is not one of them).
_BALANCED = ("initial", "boundary", "data")


@dataclass(frozen=True)
class ProblemTraits:
    """What a problem shows before training (see the module docstring).

    Attributes:
        inputs, fields: the network's input and output counts.
        order: the highest derivative order of any condition.
        wavenumbers: per input, the largest wavenumber of the initial/boundary data along it,
            on the normalised inputs (:func:`~pinnlang.solver.wavenumbers.axis_wavenumbers`;
            0 where they do not oscillate or cannot be evaluated alone).
        time_span: the length of the time interval (``None`` without time).
        growth_rate: how fast an error of the initial data grows (``None``: not measured, see
            :func:`~pinnlang.solver.growth.initial_growth_rate`).
        row_norms: ``{condition: mean squared gradient norm of a residual row}`` at the
            initial network (conditions the network cannot be differentiated for are absent).
        noise: ``{data condition: its declared noise σ}`` (those that declare one).
        user_weights: whether any condition has a ``weight`` option.
    """

    inputs: int
    fields: int
    order: int
    wavenumbers: tuple[float, ...]
    time_span: float | None
    growth_rate: float | None = None
    row_norms: Mapping[str, float] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    noise: Mapping[str, float] = field(default_factory=dict)
    user_weights: bool = False

    @property
    def fast_axes(self) -> dict[int, float]:
        """``{input index: wavenumber}`` of the inputs along which the data oscillate faster
        than :data:`~pinnlang.solver.wavenumbers.FOURIER_WAVENUMBER`."""
        return fast_axes(self.wavenumbers)

    @property
    def time_dependent(self) -> bool:
        return self.time_span is not None

    @property
    def amplification(self) -> float:
        """How many times larger an error of the initial data is at the end of the time
        interval (1 without a growth rate)."""
        if self.growth_rate is None or self.time_span is None:
            return 1.0
        return math.exp(self.growth_rate * self.time_span)

    @property
    def spread(self) -> float:
        """The largest over the smallest block of the Gauss–Newton system (1 with fewer than two)."""
        sizes = [v for v in self.row_norms.values() if v > 0]
        return max(sizes) / min(sizes) if len(sizes) > 1 else 1.0


@dataclass(frozen=True)
class DefaultChoices:
    """Settings to fill in, condition weights to set, and why (one phrase per choice)."""

    settings: dict[str, Any]
    weights: dict[str, float]
    reasons: tuple[str, ...]

    def describe(self) -> str | None:
        return ", ".join(self.reasons) or None


def traits(compiled: Any, *, seed: int = 0) -> ProblemTraits:
    """Measure ``compiled`` (a :class:`~pinnlang.compile.CompiledProblem`) before training."""
    rng = np.random.default_rng(seed)
    axis = compiled.problem.time_axis
    span = None if axis is None else float(axis.upper - axis.lower)
    torch.manual_seed(seed)
    inputs, fields = len(compiled.input_names), len(compiled.field_names)
    body = build_body("mlp", inputs, fields, {"width": BASE_WIDTH, "depth": BASE_DEPTH})
    net = wrap(body, compiled.lower, compiled.upper).to(compiled.lower.dtype)
    return ProblemTraits(
        inputs=inputs, fields=fields, order=_order(compiled),
        wavenumbers=axis_wavenumbers(compiled, rng), time_span=span,
        growth_rate=initial_growth_rate(compiled, np.random.default_rng(seed)),
        row_norms=jacobian_row_norms(compiled, net, rng),
        kinds={c.name: c.kind for c in compiled.conditions},
        noise={c.name: c.noise for c in compiled.conditions if getattr(c, "noise", None)},
        user_weights=any("weight" in c.source.options for c in compiled.conditions))


def default_choices(t: ProblemTraits, given: frozenset[str] | set[str],
                    names: tuple[str, ...] = ()) -> DefaultChoices:
    """The settings and weights the defaults choose for a problem of traits ``t``, leaving out
    every setting named in ``given`` (and every weight when the file gives one); ``names``
    are the inputs' names, for the summary."""
    settings: dict[str, Any] = {}
    reasons: list[str] = []
    features = 0
    if "model" not in given and t.fast_axes:
        settings["model"] = "axis_fourier"
        features = 2 * len(t.fast_axes)
        along = ", ".join(f"{names[i] if i < len(names) else i} at wavenumber {k:.3g}"
                          for i, k in t.fast_axes.items())
        reasons.append(f"fourier features along {along} (the initial/boundary data)")
    if "width" not in given and "model" not in given:
        pdes = sum(kind == "pde" for kind in t.kinds.values())
        width = default_width(t.inputs + features, t.fields, BASE_DEPTH if "depth" not in given else None, pdes)
        if width != BASE_WIDTH:
            settings["width"] = width
            reasons.append(f"width {width} ({t.fields} fields)")
    points = POINTS_PER_THREE_INPUTS * math.ceil(t.inputs / 3)
    if "points" not in given and points != POINTS_PER_THREE_INPUTS:
        settings["points"] = points
        reasons.append(f"points {points} ({t.inputs} inputs)")
    chosen = not t.user_weights and "weighting" not in given
    weights = balanced_weights(t) if chosen else {}
    if weights:
        reasons.append("weights " + ", ".join(f"{name} {w:.2g}" for name, w in weights.items())
                       + f" (Gauss-Newton blocks differ {t.spread:.0e}x)")
    growing = growth_weights(t) if chosen else {}
    for name, w in growing.items():
        weights[name] = float(f"{weights.get(name, 1.0) * w:.2g}")
    if growing:
        reasons.append(f"initial conditions weighted x{t.amplification:.2g} (an error of the initial "
                       f"data grows at the rate {t.growth_rate:.2g}, {t.amplification:.2g}x over the "
                       f"time interval)")
    noisy = noise_weights(t) if chosen else {}
    for name, w in noisy.items():
        reasons.append(f"weight {name} {w:.2g} (1/noise^2)")
    weights.update(noisy)
    return DefaultChoices(settings, weights, tuple(reasons))


def apply_defaults(compiled: Any, settings: Any) -> str | None:
    """Fill in the settings ``settings`` (a :class:`SolveSettings`) does not name and set the
    weights of ``compiled``'s conditions; return the summary's line (``None``: nothing chosen)."""
    choices = default_choices(traits(compiled, seed=settings.seed), settings.given,
                              tuple(compiled.input_names))
    for name, value in choices.settings.items():
        setattr(settings, name, value)
    for cond in compiled.conditions:
        cond.weight = choices.weights.get(cond.name, cond.weight)
    return choices.describe()


def default_width(inputs: int, fields: int, depth: int | None, pdes: int = 1) -> int:
    """The base width, grown per field (see :data:`WIDTH_PER_FIELD`), and kept at ``depth``
    hidden layers within the Jacobian the default training's Levenberg–Marquardt phase affords
    (``depth=None``: no cap). That phase draws about two rows per parameter for each of the
    ``pdes`` pde conditions, so its Jacobian holds ``pdes * 2 * P**2`` entries: ``P`` is kept
    at :data:`DENSE_PLAN_PARAMETERS` over the square root of ``pdes``, the Jacobian of one pde
    condition at the cap."""
    width = BASE_WIDTH + WIDTH_PER_FIELD * (fields - 1)
    cap = DENSE_PLAN_PARAMETERS / math.sqrt(max(1, pdes))
    while depth is not None and width > BASE_WIDTH and mlp_parameters(inputs, fields, width, depth) > cap:
        width -= 1
    return width


def mlp_parameters(inputs: int, fields: int, width: int, depth: int) -> int:
    """Weights and biases of a ``depth`` x ``width`` MLP from ``inputs`` to ``fields``."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * fields


def balanced_weights(t: ProblemTraits) -> dict[str, float]:
    """Weights of the initial/boundary conditions and of the ``data`` conditions
    without declared noise that lift their block of the Gauss–Newton system to the largest
    ``pde`` block's size, when it is more than :data:`IMBALANCE` smaller. A block larger than
    the pde's is not lowered: the data already drive training there, and lowering them frees the
    trivial solution the pde admits. (Noisy data are weighted by :func:`noise_weights`.)"""
    pde = [v for name, v in t.row_norms.items() if t.kinds.get(name) == "pde"]
    if not pde or max(pde) <= 0:
        return {}
    reference = max(pde)
    out = {}
    for name, value in t.row_norms.items():
        if name in t.noise:
            continue
        if t.kinds.get(name) in _BALANCED and value > 0 and reference / value > IMBALANCE:
            out[name] = float(f"{reference / value:.2g}")
    return out


def growth_weights(t: ProblemTraits) -> dict[str, float]:
    """``{initial condition: e^(λ T)}`` when an error of the initial data grows more than
    :data:`IMBALANCE` times over the time interval (see the module docstring)."""
    if t.amplification <= IMBALANCE:
        return {}
    return {name: t.amplification for name, kind in t.kinds.items() if kind == "initial"}


def noise_weights(t: ProblemTraits) -> dict[str, float]:
    """``1/σ²`` for every ``data`` condition that declares its noise ``σ`` (see the module
    docstring: its term becomes the chi-square per observation)."""
    return {name: float(f"{1.0 / sigma**2:.3g}") for name, sigma in t.noise.items() if sigma > 0}


def jacobian_row_norms(compiled: Any, net: torch.nn.Module, rng: np.random.Generator) -> dict[str, float]:
    """``{condition: mean over rows of ‖∂r/∂θ‖²}`` at ``net`` on :data:`JACOBIAN_ROWS` residual
    rows of each condition: the size of that condition's block ``J Jᵀ`` of the Gauss–Newton
    system, per point."""
    parameters = [p for p in net.parameters() if p.requires_grad]
    unknowns = compiled.unknown_tensors(requires_grad=False)
    out = {}
    for cond in compiled.conditions:
        batch = cond.sample(JACOBIAN_ROWS, rng)
        try:
            with torch.enable_grad():
                rows = cond.residual(net, batch, unknowns, create_graph=True).reshape(-1)
                total = 0.0
                for row in rows[:JACOBIAN_ROWS]:
                    grads = torch.autograd.grad(row, parameters, retain_graph=True, allow_unused=True)
                    total += sum(float(g.double().square().sum()) for g in grads if g is not None)
        except (RuntimeError, TypeError, ValueError):
            continue  # a condition this network cannot be differentiated for alone
        out[cond.name] = total / max(1, min(len(rows), JACOBIAN_ROWS))
    return out


def _order(compiled: Any) -> int:
    order = 0
    for cond in compiled.conditions:
        plan = cond.plan
        order = max([order, *(len(index) for indices in plan.nodes.values() for index in indices)])
        if plan.laplacians:
            order = max(order, 2)
    return order
