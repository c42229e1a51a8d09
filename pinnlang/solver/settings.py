"""Training settings: their defaults, their checks, and how the three sources are merged.

Settings come from three places, later ones winning::

    SolveSettings defaults  <  the file's ``train:`` statement (``Problem.settings``)
                            <  keyword arguments of :func:`pinnlang.solve` / command-line flags

Every name is checked: an unknown one raises :class:`~pinnlang.errors.PinnUsageError` with a
"did you mean" suggestion, and a value of the wrong type or outside its choices says which were
expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from pinnlang.errors import PinnUsageError
from pinnlang.source import Span

WEIGHTINGS = ("fixed", "annealing", "gradnorm")
LR_SCHEDULES = ("constant", "exponential", "cosine")
SAMPLERS = ("uniform", "lhs", "sobol", "grid")
LOGGERS = ("none", "csv", "tensorboard")
ENGINES = ("auto", "autograd", "forward")
COMPILE_CHOICES = ("auto", "true", "false")

#: Names accepted as aliases of a setting (the file and the CLI may use either).
ALIASES = {"nodes": "num_nodes", "lbfgs": "lbfgs_steps", "minibatch": "batch_size", "batch": "batch_size"}


@dataclass
class SolveSettings:
    """Every setting of a training run, with its default.

    Attributes:
        steps: Adam steps.
        lbfgs_steps: L-BFGS iterations run after Adam in the same run (0: none).
        lm_steps: Levenberg-Marquardt iterations after Adam and L-BFGS, on the last points
            (0: none; zoo MLPs, one process; see :mod:`pinnlang.solver.levenberg_marquardt`).
        lm_resample_every: draw fresh points every this many Levenberg-Marquardt iterations (0:
            never, the phase keeps the last round's points).
        lm_points: points of each ``pde`` condition in the Levenberg-Marquardt phase (0: the
            training rounds' count; a condition's ``points`` option wins).
        lr: Adam learning rate.
        lr_schedule: ``constant``, ``exponential`` or ``cosine`` (per step, over the Adam phase).
        lr_decay: for ``exponential``/``cosine``: the final learning rate is ``lr * lr_decay``.
        model: a zoo model name (see ``pinnlang models``).
        width: hidden width of the model.
        depth: number of hidden layers of the model.
        activation: activation function name passed to the model.
        sigma: spread of the random Fourier frequencies (models that take one, e.g. ``fourier``);
            inputs are normalised to ``[-1, 1]``, so ``sin(k pi x)`` over a unit interval needs
            about ``sigma = k / 4``.
        features: number of random Fourier frequencies (models that take them).
        points: collocation points per ``pde`` condition (a condition's ``points`` option wins).
        boundary_points: points for every other condition (default ``points // 4``, at least 16).
        sampler: ``uniform``, ``lhs``, ``sobol`` or ``grid`` (a condition's ``sampler`` option wins).
        seed: seed of the network initialisation and of every sampler (per rank).
        resample_every: draw fresh collocation points every this many Adam steps (0: never).
        lbfgs_resample_every: draw fresh collocation points every this many L-BFGS iterations
            (0: never; L-BFGS keeps the points of Adam's last steps), restarting L-BFGS's memory.
        batch_size: if set, each step uses a random minibatch of this many points per condition.
        weighting: ``fixed`` (the conditions' ``weight`` options), ``annealing``
            (learning-rate annealing by gradient statistics) or ``gradnorm`` (gradient-norm
            balancing of every condition).
        anneal_every: steps between two updates of the annealed weights.
        anneal_alpha: moving-average factor of the annealed weights.
        causal: causal weighting of time-dependent ``pde`` residuals (0: off; else epsilon).
        causal_bins: number of time bins of the causal weighting.
        time_windows: a curriculum in time: Adam trains on the first 1/K, 2/K, ..., K/K of the
            time interval in K equal stages (0: off; L-BFGS always sees all of it).
        adaptive: residual-based adaptive resampling (RAD) of ``pde`` points at each resample.
        clip: gradient clipping value (0: none).
        accelerator, devices, strategy, num_nodes, precision: passed to the Lightning ``Trainer``.
        max_time: stop training after this many seconds (0: no limit, else a hard stop). With a
            time limit and no ``steps`` given (in the file or as an argument) the budget is planned
            (see :mod:`pinnlang.solver.plan` and :mod:`pinnlang.solver.budget`): after a short
            measured warm-up, Adam gets a share of the remaining time with an exponential
            learning-rate decay, and Levenberg-Marquardt (or L-BFGS) the rest; an
            ``lbfgs_steps`` or ``lr_schedule`` given is kept.
        logger: ``none``, ``csv`` or ``tensorboard`` (written inside the run folder).
        log_every: steps between two logged rows of the history (and progress-bar refreshes).
        checkpoint_every: steps between two checkpoints of the run (for ``--resume``).
        steps_per_epoch: steps in one Lightning epoch (epoch-based callbacks count these).
        val_every: run a validation pass every this many steps (0: never).
        out: the run folder (``None``: not written unless asked).
        engine: how input derivatives are computed: ``autograd`` (nested ``torch.autograd.grad``),
            ``forward`` (value and derivatives propagated forward through a zoo MLP, one ordinary
            backward; other networks fall back to autograd) or ``auto`` (a short timed trial of
            both at start-up when the forward engine can take the network, see
            :mod:`pinnlang.solver.tuning`).
        compile: ``torch.compile`` the loss of the forward engine: ``true``, ``false`` or ``auto``
            (off: measured not to pay on CPU, see :mod:`pinnlang.solver.tuning`).
        threads: torch threads while training (0: torch's own default).
        steps_per_batch: optimiser steps per Lightning batch (0: chosen so every logging,
            checkpoint, resampling and epoch interval falls on a batch end). Callbacks' batch hooks
            run once per batch.
        quiet: no progress bar and no summary table.
        given: the names set by the file or the caller rather than by default (not a setting:
            neither accepted by :func:`resolve_settings` nor in :meth:`to_dict`).
    """

    steps: int = 2000
    lbfgs_steps: int = 0
    lm_steps: int = 0
    lm_resample_every: int = 0
    lm_points: int = 0
    lr: float = 1e-3
    lr_schedule: str = "constant"
    lr_decay: float = 0.1
    model: str = "mlp"
    width: int = 20
    depth: int = 3
    activation: str = "tanh"
    sigma: float = 1.0
    features: int = 64
    points: int = 1000
    boundary_points: int = 0
    sampler: str = "uniform"
    seed: int = 0
    resample_every: int = 0
    lbfgs_resample_every: int = 0
    batch_size: int = 0
    weighting: str = "fixed"
    anneal_every: int = 100
    anneal_alpha: float = 0.9
    causal: float = 0.0
    causal_bins: int = 16
    time_windows: int = 0
    adaptive: bool = False
    clip: float = 0.0
    accelerator: str = "cpu"
    devices: Any = 1
    strategy: str = "auto"
    num_nodes: int = 1
    precision: Any = "32-true"
    max_time: float = 0.0
    logger: str = "none"
    log_every: int = 10
    checkpoint_every: int = 0
    steps_per_epoch: int = 100
    val_every: int = 0
    out: str | None = None
    engine: str = "auto"
    compile: str = "auto"
    threads: int = 0
    steps_per_batch: int = 0
    quiet: bool = False
    given: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (numbers, strings, bools, None): safe in a checkpoint."""
        return {k: v for k, v in asdict(self).items() if k not in _NOT_SETTINGS}

    @property
    def total_steps(self) -> int:
        return self.steps + self.lbfgs_steps

    def points_for(self, kind: str) -> int:
        """Default number of points of a condition of ``kind``."""
        if kind == "pde":
            return self.points
        return self.boundary_points or max(16, self.points // 4)


_NOT_SETTINGS = ("given",)
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SolveSettings) if f.name not in _NOT_SETTINGS)
_TYPES: dict[str, Any] = {f.name: f.type for f in fields(SolveSettings) if f.name not in _NOT_SETTINGS}
_CHOICES = {"weighting": WEIGHTINGS, "lr_schedule": LR_SCHEDULES, "sampler": SAMPLERS, "logger": LOGGERS,
            "engine": ENGINES, "compile": COMPILE_CHOICES}
_NON_NEGATIVE = ("lbfgs_steps", "lm_steps", "lm_resample_every", "lm_points", "resample_every", "lbfgs_resample_every", "batch_size", "clip", "max_time", "causal", "time_windows",
                 "checkpoint_every", "val_every", "steps", "threads", "steps_per_batch")
_POSITIVE = ("lr", "width", "depth", "sigma", "features", "points", "log_every", "steps_per_epoch", "anneal_every",
             "causal_bins", "num_nodes")


def canonical_name(name: str) -> str:
    """The setting ``name`` refers to (resolving aliases and ``-`` for ``_``)."""
    name = name.replace("-", "_")
    return ALIASES.get(name, name)


def suggest(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _coerce(name: str, value: Any, origin: str, span: Span | None) -> Any:
    kind = _TYPES[name]
    if value is None and name == "out":
        return None
    if name == "compile" and isinstance(value, (bool, int, str)):  # --compile, compile = true
        value = _switch(value)
    try:
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            value = int(value)
        elif kind == "float":
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        elif kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
                value = value.lower() in ("true", "yes", "on", "1")
            elif isinstance(value, (bool, int)) and value in (0, 1):
                value = bool(value)
            else:
                raise ValueError
        elif kind in ("str", "str | None"):
            if not isinstance(value, str):
                raise ValueError
    except (TypeError, ValueError):
        expected = {"int": "an integer", "float": "a number", "bool": "true or false"}.get(kind, "a name")
        raise PinnUsageError(f"setting '{name}' ({origin}) must be {expected}, got {value!r}", span) from None
    if name in _CHOICES and value not in _CHOICES[name]:
        raise PinnUsageError(
            f"setting '{name}' ({origin}) must be one of {', '.join(_CHOICES[name])}, got {value!r}"
            + suggest(str(value), _CHOICES[name]), span)
    if name in _NON_NEGATIVE and value < 0:
        raise PinnUsageError(f"setting '{name}' ({origin}) must be >= 0, got {value!r}", span)
    if name in _POSITIVE and value <= 0:
        raise PinnUsageError(f"setting '{name}' ({origin}) must be > 0, got {value!r}", span)
    return value


def _switch(value: bool | int | str) -> Any:
    """``auto``/``true``/``false`` from a bool, 0/1 or a yes/no word (anything else is left to the
    check, which names the choices)."""
    if isinstance(value, (bool, int)):
        return {True: "true", False: "false"}.get(value, value)
    lowered = value.lower()
    if lowered in ("true", "yes", "on", "1"):
        return "true"
    if lowered in ("false", "no", "off", "0"):
        return "false"
    return lowered


def _apply(values: dict[str, Any], overrides: Mapping[str, Any], origin: str,
           spans: Mapping[str, Span] | None = None) -> None:
    for raw_name, value in overrides.items():
        name = canonical_name(raw_name)
        span = (spans or {}).get(raw_name)
        if name not in _TYPES:
            raise PinnUsageError(f"unknown training setting '{raw_name}' ({origin})"
                                 + suggest(name, SETTING_NAMES + tuple(ALIASES)), span)
        values[name] = _coerce(name, value, origin, span)


def resolve_settings(file_settings: Mapping[str, Any] | None = None,
                     overrides: Mapping[str, Any] | None = None,
                     *, spans: Mapping[str, Span] | None = None) -> SolveSettings:
    """Merge defaults < ``file_settings`` (the ``train:`` statement) < ``overrides``.

    Args:
        file_settings: ``Problem.settings``.
        overrides: keyword arguments or command-line flags; ``None`` values are ignored
            (a flag that was not given).
        spans: spans of the file settings, used in error messages when present.

    Raises:
        PinnUsageError: an unknown setting name or a bad value.
    """
    values = SolveSettings().to_dict()
    passed = {k: v for k, v in (overrides or {}).items() if v is not None}
    _apply(values, dict(file_settings or {}), "in the train: statement", spans)
    _apply(values, passed, "given to solve")
    named = frozenset(canonical_name(k) for k in [*(file_settings or {}), *passed])
    return SolveSettings(**values, given=named)


def split_settings(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split keyword arguments into pinnlang settings and the rest (Lightning ``Trainer`` kwargs)."""
    ours, rest = {}, {}
    for key, value in kwargs.items():
        (ours if canonical_name(key) in _TYPES else rest)[key] = value
    return ours, rest


_INT_TEXT = re.compile(r"[+-]?\d+\Z")
_FLOAT_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")


def parse_scalar(text: str) -> bool | int | float | str | None:
    """A command-line value: ``"3"`` -> 3, ``"0.1"``/``"1e-3"`` -> float, ``true``/``false`` ->
    bool, ``none`` -> None; anything else stays a string. Nothing is evaluated."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered in ("none", "null"):
        return None
    if _INT_TEXT.match(stripped):
        return int(stripped)
    if _FLOAT_TEXT.match(stripped) or lowered in ("inf", "+inf", "-inf"):
        return float(stripped)
    return text


def parse_devices(text: str) -> int | str:
    """``--devices``: a count (``2``), ``auto``, or a list such as ``0,1`` (kept as text)."""
    value = parse_scalar(text)
    return value if isinstance(value, int) and not isinstance(value, bool) else text
