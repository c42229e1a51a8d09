"""Defaults that notice: settings the file and the caller left out, derived from the problem.

:func:`traits` measures a compiled problem once, before training:

- its input dimension, number of fields and highest derivative order;
- the wavenumber of its initial and boundary data (:func:`data_wavenumber`);
- whether it is time-dependent, and its time span;
- the size of each condition's block of the Gauss–Newton system at the initial network: the
  mean squared norm of a residual row's gradient with respect to the network's parameters
  (:func:`jacobian_row_norms`; the trace of that condition's block of the neural tangent
  kernel per point).

:func:`default_choices` turns them into settings, each only when the file and the caller did not
give it (``SolveSettings.given``), and one line per choice for the run's summary:

- ``width`` grows with the number of fields, within the Jacobian the default training's
  Levenberg–Marquardt phase affords (it has about two rows per parameter per pde condition); ``points`` grows with the number of inputs;
- ``model = fourier`` with ``sigma`` from the data wavenumber when the data oscillate faster
  than a plain MLP resolves, and the default training's second-order phase can train a Fourier
  network (with the dense Levenberg–Marquardt of zoo MLPs only, it cannot: 2000 Adam steps alone
  leave such a problem worse than the MLP with Levenberg–Marquardt);
- condition weights that balance the blocks of the Gauss–Newton system when they differ by more
  than an order of magnitude (Wang, Yu & Perdikaris 2022, "When and why PINNs fail to train: a
  neural tangent kernel perspective"), for initial, boundary, periodic and exact ``data``
  conditions;
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

from pinnlang.solver.plan import LM_MAX_PARAMETERS, lm_phase_fits
from pinnlang.solver.network import build_body, wrap

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
#: Above this wavenumber of the data on the normalised inputs (two periods across [-1, 1]), a
#: tanh MLP with Xavier initialisation is slow to fit them (spectral bias: it learns the low
#: frequencies first; Rahaman et al. 2019); random Fourier features lift that (Tancik et al. 2020).
FOURIER_WAVENUMBER = 4 * math.pi
#: Blocks of the Gauss–Newton system differing by less than this factor are left alone: it is an
#: order of magnitude, beyond the noise of a row-sampled estimate, where gradient descent's
#: rates per condition already differ by as much (Wang, Yu & Perdikaris 2022).
IMBALANCE = 10.0
#: Rows per condition of the Jacobian estimate, and points per condition of the data estimate.
JACOBIAN_ROWS = 48
DATA_POINTS = 2000
_BALANCED = ("initial", "boundary", "periodic", "data")


@dataclass(frozen=True)
class ProblemTraits:
    """What a problem shows before training (see the module docstring).

    Attributes:
        inputs, fields: the network's input and output counts.
        order: the highest derivative order of any condition.
        data_wavenumber: the largest ``‖∇g‖ / |g|`` of initial/boundary data on the normalised
            inputs (0 when the data are zero or cannot be evaluated alone).
        time_span: the length of the time interval (``None`` without time).
        row_norms: ``{condition: mean squared gradient norm of a residual row}`` at the
            initial network (conditions the network cannot be differentiated for are absent).
        noise: ``{data condition: its declared noise σ}`` (those that declare one).
        user_weights: whether any condition has a ``weight`` option.
        fourier_trainable: whether the default training's Levenberg–Marquardt phase can train
            the zoo's ``fourier`` network of the default size on this problem.
    """

    inputs: int
    fields: int
    order: int
    data_wavenumber: float
    time_span: float | None
    row_norms: Mapping[str, float] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    noise: Mapping[str, float] = field(default_factory=dict)
    user_weights: bool = False
    fourier_trainable: bool = False

    @property
    def time_dependent(self) -> bool:
        return self.time_span is not None

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
        data_wavenumber=data_wavenumber(compiled, rng), time_span=span,
        row_norms=jacobian_row_norms(compiled, net, rng),
        kinds={c.name: c.kind for c in compiled.conditions},
        noise={c.name: c.noise for c in compiled.conditions if getattr(c, "noise", None)},
        user_weights=any("weight" in c.source.options for c in compiled.conditions),
        fourier_trainable=_second_order_trains(compiled, "fourier"))


def default_choices(t: ProblemTraits, given: frozenset[str] | set[str]) -> DefaultChoices:
    """The settings and weights the defaults choose for a problem of traits ``t``, leaving out
    every setting named in ``given`` (and every weight when the file gives one)."""
    settings: dict[str, Any] = {}
    reasons: list[str] = []
    fast = t.data_wavenumber > FOURIER_WAVENUMBER
    if "model" not in given and fast and not t.fourier_trainable:
        reasons.append(f"no fourier features (data wavenumber {t.data_wavenumber:.0f}): the "
                       f"Levenberg-Marquardt phase cannot train them")
    if "model" not in given and fast and t.fourier_trainable:
        sigma = fourier_sigma(t.data_wavenumber)
        settings["model"] = "fourier"
        if "sigma" not in given:
            settings["sigma"] = sigma
            reasons.append(f"fourier sigma {sigma:.2g} (data wavenumber {t.data_wavenumber:.0f})")
        else:
            reasons.append(f"fourier features (data wavenumber {t.data_wavenumber:.0f})")
    if "width" not in given and settings.get("model", "mlp") == "mlp" and "model" not in given:
        pdes = sum(kind == "pde" for kind in t.kinds.values())
        width = default_width(t.inputs, t.fields, BASE_DEPTH if "depth" not in given else None, pdes)
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
    noisy = noise_weights(t) if chosen else {}
    for name, w in noisy.items():
        reasons.append(f"weight {name} {w:.2g} (1/noise^2)")
    weights.update(noisy)
    return DefaultChoices(settings, weights, tuple(reasons))


def apply_defaults(compiled: Any, settings: Any) -> str | None:
    """Fill in the settings ``settings`` (a :class:`SolveSettings`) does not name and set the
    weights of ``compiled``'s conditions; return the summary's line (``None``: nothing chosen)."""
    choices = default_choices(traits(compiled, seed=settings.seed), settings.given)
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
    at :data:`LM_MAX_PARAMETERS` over the square root of ``pdes``, the Jacobian of one pde
    condition at the cap."""
    width = BASE_WIDTH + WIDTH_PER_FIELD * (fields - 1)
    cap = LM_MAX_PARAMETERS / math.sqrt(max(1, pdes))
    while depth is not None and width > BASE_WIDTH and mlp_parameters(inputs, fields, width, depth) > cap:
        width -= 1
    return width


def mlp_parameters(inputs: int, fields: int, width: int, depth: int) -> int:
    """Weights and biases of a ``depth`` x ``width`` MLP from ``inputs`` to ``fields``."""
    return (inputs + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * fields


def fourier_sigma(wavenumber: float) -> float:
    """The ``sigma`` for data of ``wavenumber`` on the normalised inputs: ``sin(k pi x)`` on a
    unit interval is ``sin(k pi xi / 2 + c)`` on ``xi`` in [-1, 1] (wavenumber ``k pi / 2``),
    and the ``sigma`` setting's documentation asks ``k / 4`` for it."""
    return max(1.0, wavenumber / (2 * math.pi))


def balanced_weights(t: ProblemTraits) -> dict[str, float]:
    """Weights of the initial/boundary/periodic conditions and of the ``data`` conditions
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


def _second_order_trains(compiled: Any, model: str) -> bool:
    """Whether the default training's Levenberg–Marquardt phase would run on the zoo's ``model``
    of the default size for ``compiled`` (the question :func:`pinnlang.solver.plan.make_plan` asks)."""
    from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size

    body = build_body(model, len(compiled.input_names), len(compiled.field_names),
                      {"width": BASE_WIDTH, "depth": BASE_DEPTH})
    probe = _Probe(wrap(body, compiled.lower, compiled.upper).to(compiled.lower.dtype), compiled)
    return lm_phase_fits(levenberg_marquardt_size(probe))


class _Probe(torch.nn.Module):
    """What :func:`levenberg_marquardt_size` reads of a module: its network and problem."""

    def __init__(self, net: torch.nn.Module, compiled: Any):
        super().__init__()
        self.net = net
        self.compiled = compiled


def _order(compiled: Any) -> int:
    order = 0
    for cond in compiled.conditions:
        plan = cond.plan
        order = max([order, *(len(index) for indices in plan.nodes.values() for index in indices)])
        if plan.laplacians:
            order = max(order, 2)
    return order


def data_wavenumber(compiled: Any, rng: np.random.Generator) -> float:
    """The largest ``‖∇g‖ / |g|`` (root mean squares, per unit length of the normalised inputs
    in [-1, 1]) of the data ``g`` of the initial and boundary conditions: the residual of
    ``u = g`` for a network that is zero everywhere is ``-g``."""
    zero = _ZeroNet(len(compiled.field_names))
    span = (compiled.upper - compiled.lower).double().cpu().numpy() / 2
    best = 0.0
    for cond in compiled.conditions:
        if cond.kind not in ("initial", "boundary"):
            continue
        batch = cond.sample(DATA_POINTS, rng)
        try:
            with torch.no_grad():
                values = _data_values(cond, zero, batch, batch.x)
                slopes = []
                for i, half in enumerate(span):  # central differences along each normalised input
                    step = torch.zeros_like(batch.x[0])
                    step[i] = 1e-3 * half
                    ahead = _data_values(cond, zero, batch, batch.x + step)
                    behind = _data_values(cond, zero, batch, batch.x - step)
                    slopes.append((ahead - behind) / 2e-3)
        except (RuntimeError, TypeError, ValueError):
            continue  # data the zero network cannot evaluate alone
        size = _rms(values)
        if size > 0:
            gradient = np.sqrt(sum(np.square(s) for s in slopes))
            best = max(best, _rms(gradient) / size)
    return best


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if values.size else 0.0


def _data_values(cond: Any, zero: Any, batch: Any, x: torch.Tensor) -> np.ndarray:
    moved = type(batch)(x, batch.normals, batch.targets, batch.x_pair)
    with torch.enable_grad():
        residual = cond.residual(zero, moved, {}, create_graph=False)
    return residual.detach().double().cpu().numpy().reshape(len(x), -1)


class _ZeroNet(torch.nn.Module):
    """A network that is zero everywhere (but depends on its input, so derivatives exist)."""

    def __init__(self, fields: int):
        super().__init__()
        self.fields = fields

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.0 * x[:, :1].expand(-1, self.fields)
