"""The schema of the training settings: one declaration per setting, and its one check.

Each field of :class:`SolveSettings` declares a setting once: its name, type (the annotation),
default, help text, bounds and choices (the field's metadata, written with :func:`setting`). From
these declarations are generated

- the check of a ``train:`` statement (:func:`pinnlang.checks.rules.check`, located at the key or the
  value) and of :meth:`pinnlang.Problem.train` (:func:`check_setting`),
- the merge of defaults < ``train:`` < keyword arguments (:mod:`pinnlang.solver.settings`),
- the flags of ``pinnlang solve`` and their ``--help`` (:mod:`pinnlang.cli.solve_command`),
- the table of settings in ``docs/language.md`` (:func:`settings_table`).

This module imports no torch: ``pinnlang check`` reads it.
"""

from __future__ import annotations

import difflib
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Callable, Mapping

from pinnlang.errors import PinnUsageError
from pinnlang.geometry.samplers import SAMPLERS
from pinnlang.source import Span

WEIGHTINGS = ("fixed", "annealing", "gradnorm")
LR_SCHEDULES = ("constant", "exponential", "cosine")
LOGGERS = ("none", "csv", "tensorboard")
ENGINES = ("auto", "autograd", "forward")
COMPILE_CHOICES = ("false", "true")

#: Other names of a setting (a file, a keyword argument and a flag may use either).
ALIASES = {"nodes": "num_nodes", "lbfgs": "lbfgs_steps", "minibatch": "batch_size", "batch": "batch_size"}

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def setting(default: Any, help: str, *, choices: tuple[str, ...] = (), at_least: float | None = None,
            above: float | None = None, at_most: float | None = None, below: float | None = None,
            needs_time: bool = False) -> Any:
    """Declare a setting: a dataclass field whose metadata holds its help, bounds and choices
    (``needs_time``: it acts on the time axis only, and a problem without one ignores it)."""
    bounds = {"at_least": at_least, "above": above, "at_most": at_most, "below": below}
    return field(default=default, metadata={"help": help, "choices": choices, "needs_time": needs_time, **bounds})


@dataclass
class SolveSettings:
    """Every setting of a training run, with its default (see each field's help)."""

    steps: int = setting(2000, "Adam steps (with no step count anywhere: 1000, then Levenberg-Marquardt on fresh "
                         "points until converged, or 2000 when a Trainer argument turns pinnlang's own loop off)", at_least=0)
    lbfgs_steps: int = setting(0, "L-BFGS iterations after Adam, in the same run", at_least=0)
    lm_steps: int = setting(0, "Levenberg-Marquardt iterations after Adam and L-BFGS (any network: a dense "
                            "or matrix-free Gauss-Newton step, chosen by measuring both)", at_least=0)
    lm_resample_every: int = setting(0, "draw fresh points every N Levenberg-Marquardt iterations (0: never)",
                                     at_least=0)
    lm_points: int = setting(0, "points per pde condition in the Levenberg-Marquardt phase (0: the training "
                             "rounds' count)", at_least=0)
    lm_robust: float = setting(100.0, "Huber threshold of the Levenberg-Marquardt phase: a point whose residual is "
                               "more than this many times its condition's median counts linearly, not "
                               "quadratically (0: plain least squares)", at_least=0)
    lm_memory: float = setting(0.25, "every Levenberg-Marquardt step on fresh points also fits the last round's "
                               "Gauss-Newton model and, this many times less per round back, the earlier "
                               "ones' (0: each round on its own points only)", at_least=0, below=1)
    lr: float = setting(1e-3, "Adam learning rate", above=0)
    lr_schedule: str = setting("constant", "learning-rate schedule over the Adam phase", choices=LR_SCHEDULES)
    lr_decay: float = setting(0.1, "exponential/cosine schedules end at lr * lr_decay", above=0)
    model: str = setting("mlp", "a network of the zoo (see `pinnlang models`)")
    width: int = setting(20, "hidden width of the network", above=0)
    depth: int = setting(3, "hidden layers of the network", above=0)
    activation: str = setting("tanh", "activation function of the network")
    sigma: float = setting(1.0, "spread of the random Fourier frequencies (fourier model; inputs are "
                           "normalised to [-1, 1], so sin(k pi x) on a unit interval needs about k / 4)", above=0)
    features: int = setting(64, "number of random Fourier frequencies (fourier model)", above=0)
    points: int = setting(1000, "collocation points per pde condition (a condition's points option wins)",
                          above=0)
    boundary_points: int = setting(0, "points per other condition (0: points // 4, at least 16)", at_least=0)
    sampler: str = setting("uniform", "point sampler (a condition's sampler option wins)", choices=SAMPLERS)
    seed: int = setting(0, "seed of the network initialisation and of every sampler (per rank)", at_least=0)
    resample_every: int = setting(0, "draw fresh collocation points every N Adam steps (0: never)", at_least=0)
    lbfgs_resample_every: int = setting(0, "draw fresh points every N L-BFGS iterations, restarting its "
                                        "memory (0: never)", at_least=0)
    batch_size: int = setting(0, "a random minibatch of N points per condition and step (0: all)", at_least=0)
    weighting: str = setting("fixed", "loss weighting: the conditions' weight options, learning-rate "
                             "annealing or gradient-norm balancing", choices=WEIGHTINGS)
    anneal_every: int = setting(100, "steps between two updates of adaptive weights", above=0)
    anneal_alpha: float = setting(0.9, "moving-average factor of adaptive weights", at_least=0, at_most=1)
    causal: float = setting(0.0, "causal weighting of time-dependent pde residuals (epsilon; 0: off)", at_least=0,
                            needs_time=True)
    causal_bins: int = setting(16, "time bins of the causal weighting", above=0, needs_time=True)
    time_windows: int = setting(0, "curriculum in time: Adam trains on 1/K, 2/K, ..., K/K of the interval, "
                                "a Levenberg-Marquardt phase that runs until converged marches through "
                                "the same windows (0: off; not given: Adam on all of it, that phase "
                                "through the default training's windows on an initial-value problem)", at_least=0,
                                needs_time=True)
    smooth_jumps: float = setting(0.035, "where two boundary conditions ask one quantity for different values at a "
                                  "point, blend one's data to the other's within this fraction of the domain's "
                                  "diagonal (0: the data as written; problems in two dimensions of space alone)", at_least=0, at_most=0.5)
    importance: int = setting(4, "fresh points by importance: draw this many candidates per point, keep each with "
                              "a probability growing with its squared residual and weight it back "
                              "(0: uniform points)", at_least=0)
    adaptive: bool = setting(False, "residual-based adaptive resampling (RAD) of pde points at each resample")
    clip: float = setting(0.0, "gradient clipping value (0: none)", at_least=0)
    accelerator: str = setting("cpu", "Lightning accelerator: cpu, gpu, auto, ...")
    devices: int | str | list[int] = setting(1, "device count, auto, or a list like 0,1")
    strategy: str = setting("auto", "Lightning strategy: auto, ddp, ddp_spawn, ...")
    num_nodes: int = setting(1, "number of nodes", above=0)
    precision: int | str = setting("32-true", "Lightning precision: 32-true, 64-true, bf16-mixed, ...")
    max_time: float = setting(0.0, "stop after this many seconds (0: no limit; without steps the time is "
                              "planned into Adam steps, then Levenberg-Marquardt or L-BFGS)", at_least=0)
    logger: str = setting("none", "also log with Lightning's csv or tensorboard logger", choices=LOGGERS)
    log_every: int = setting(10, "steps between two rows of the history", above=0)
    checkpoint_every: int = setting(0, "steps between two checkpoints, for --resume (0: none)", at_least=0)
    steps_per_epoch: int = setting(100, "steps in one Lightning epoch", above=0)
    val_every: int = setting(0, "steps between two validation passes (0: none)", at_least=0)
    out: str | None = setting(None, "the run folder (pinnlang solve: runs/<problem>/<timestamp>)")
    engine: str = setting("auto", "derivative engine (auto: a timed trial of both)", choices=ENGINES)
    compile: str = setting("false", "torch.compile the forward engine's loss (opt-in: compiling takes minutes "
                           "and pays only in long runs)", choices=COMPILE_CHOICES)
    threads: int = setting(0, "torch CPU threads while training (0: torch's own default)", at_least=0)
    steps_per_batch: int = setting(0, "optimiser steps per Lightning batch (0: measured in the first batches; a "
                                   "Levenberg-Marquardt phase runs one iteration a batch)", at_least=0)
    quiet: bool = setting(False, "no progress bar and no summary table")
    given: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    """The names set by the file or the caller rather than by default (not a setting)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (numbers, strings, bools, None): safe in a checkpoint."""
        return {k: v for k, v in asdict(self).items() if k in SETTINGS}

    @property
    def total_steps(self) -> int:
        return self.steps + self.lbfgs_steps

    def points_for(self, kind: str) -> int:
        """Default number of points of a condition of ``kind``."""
        if kind == "pde":
            return self.points
        return self.boundary_points or max(16, self.points // 4)


@dataclass(frozen=True)
class Setting:
    """One setting as the schema declares it: ``kind`` is its annotation, ``choices`` the names it
    may take (empty: any), ``at_least``/``above`` and ``at_most``/``below`` its inclusive/exclusive
    bounds (None: unbounded)."""

    name: str
    kind: str  # the annotation: int, float, bool, str, str | None, int | str, ...
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None
    needs_time: bool = False

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(alias for alias, name in ALIASES.items() if name == self.name)

    def bounds_text(self) -> str:
        """``>= 0``, ``> 0``, ``>= 0, <= 1``... or ``""`` for a setting without bounds."""
        low = f">= {self.at_least:g}" if self.at_least is not None else (
            f"> {self.above:g}" if self.above is not None else "")
        high = f"<= {self.at_most:g}" if self.at_most is not None else (
            f"< {self.below:g}" if self.below is not None else "")
        return ", ".join(part for part in (low, high) if part)


#: Every setting, by name, in declaration order.
SETTINGS: dict[str, Setting] = {
    f.name: Setting(f.name, str(f.type), f.default, **f.metadata)
    for f in fields(SolveSettings) if f.metadata and f.default is not MISSING
}
SETTING_NAMES: tuple[str, ...] = tuple(SETTINGS)


def canonical_name(name: str) -> str:
    """The setting ``name`` refers to (resolving aliases and ``-`` for ``_``)."""
    name = name.replace("-", "_")
    return ALIASES.get(name, name)


def suggest(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def switch(value: bool | int | str) -> Any:
    """``true``/``false`` from a bool, 0/1 or a yes/no word (anything else is left to the
    check, which names the choices)."""
    if isinstance(value, (bool, int)):
        return {True: "true", False: "false"}.get(value, value)
    lowered = value.lower()
    return "true" if lowered in _TRUE else "false" if lowered in _FALSE else lowered


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
        raise ValueError
    return int(value)


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError
    return float(value)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    raise ValueError


def _as_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError
    return value


def _as_count_or_name(value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError
    return value


def _as_devices(value: Any) -> int | str | list[int]:
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value)
    return _as_count_or_name(value)


_CONVERT: dict[str, tuple[Callable[[Any], Any], str]] = {
    "int": (_as_int, "an integer"), "float": (_as_float, "a number"), "bool": (_as_bool, "true or false"),
    "str": (_as_name, "a name"), "str | None": (_as_name, "a name"),
    "int | str": (_as_count_or_name, "a number or a name"),
    "int | str | list[int]": (_as_devices, "a count, a name or a list of device indices"),
}


def check_value(spec: Setting, value: Any, span: Span | None = None) -> Any:
    """``value`` converted to the setting's type, else :class:`PinnUsageError` (at ``span``).

    Raises:
        PinnUsageError: a value of the wrong type, outside the bounds or not one of the choices.
    """
    if value is None and spec.kind == "str | None":
        return None
    if spec.name == "compile" and isinstance(value, (bool, int, str)):  # --compile, compile = true
        value = switch(value)
    convert, expected = _CONVERT[spec.kind]
    given = value
    try:
        value = convert(value)
    except (TypeError, ValueError):
        raise PinnUsageError(f"setting '{spec.name}' must be {expected}, got {value!r}", span) from None
    if spec.choices and value not in spec.choices:
        raise PinnUsageError(f"setting '{spec.name}' must be one of {', '.join(spec.choices)}, got {value!r}"
                             + suggest(str(value), spec.choices), span)
    outside = ((spec.at_least is not None and value < spec.at_least)
               or (spec.above is not None and value <= spec.above)
               or (spec.at_most is not None and value > spec.at_most)
               or (spec.below is not None and value >= spec.below))
    if outside:
        raise PinnUsageError(f"setting '{spec.name}' must be {spec.bounds_text()}, got {given!r}", span)
    return value


def setting_named(name: str, span: Span | None = None) -> Setting:
    """The declaration of ``name`` (an alias or a dashed spelling allowed), else
    :class:`PinnUsageError` with the closest name (at ``span``)."""
    spec = SETTINGS.get(canonical_name(name)) if isinstance(name, str) else None
    if spec is None:
        raise PinnUsageError(f"unknown training setting '{name}'"
                             + suggest(canonical_name(str(name)), SETTING_NAMES + tuple(ALIASES)), span)
    return spec


def check_setting(name: str, value: Any, *, key_span: Span | None = None,
                  value_span: Span | None = None) -> tuple[str, Any]:
    """``(canonical name, checked value)`` of one setting; errors are located at the key (an
    unknown name) or at the value (a bad type, bound or choice)."""
    spec = setting_named(name, key_span)
    return spec.name, check_value(spec, value, value_span)


def check_settings(settings: Mapping[str, Any], spans: Mapping[str, Span] | None = None
                   ) -> dict[str, Any]:
    """Check every setting of a ``train:`` statement (``spans``: ``problem.spans``, whose
    ``train:KEY`` and ``train-value:KEY`` locate the key and the value); return them checked,
    under their canonical names."""
    spans = spans or {}
    checked = {}
    for name, value in settings.items():
        key, value = check_setting(name, value, key_span=spans.get(f"train:{name}"),
                                   value_span=spans.get(f"train-value:{name}") or spans.get(f"train:{name}"))
        checked[key] = value
    return checked


def settings_table() -> str:
    """The Markdown table of every setting (``docs/language.md`` holds a copy a test compares)."""
    rows = ["| setting | flag | type | default | allowed | meaning |", "|---|---|---|---|---|---|"]
    for spec in SETTINGS.values():
        kind = {"int | str": "number or name", "int | str | list[int]": "count, name or list",
                "str | None": "path", "str": "name"}.get(spec.kind, spec.kind)
        allowed = ", ".join(spec.choices) or spec.bounds_text()
        name = f"`{spec.name}`" + "".join(f" (`{alias}`)" for alias in spec.aliases)
        default = "none" if spec.default is None else f"`{str(spec.default).lower() if isinstance(spec.default, bool) else spec.default}`"
        flag = f"`--{spec.name.replace('_', '-')}`"
        rows.append(f"| {name} | {flag} | {kind} | {default} | {allowed} | {spec.help.replace('|', '/')} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m pinnlang.settings_schema: the table of docs/language.md
    print(settings_table())
