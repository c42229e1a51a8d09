"""The default training of a run that names no step counts: Adam, then Levenberg–Marquardt on
fresh points.

A run whose file and caller give none of ``steps``, ``lbfgs_steps``, ``lm_steps`` and
``max_time`` trains :data:`DEFAULT_ADAM_STEPS` Adam steps, then :data:`DEFAULT_LM_STEPS`
Levenberg–Marquardt iterations on the points a time budget's phase uses
(:func:`~pinnlang.solver.budget.lm_phase_points`: fresh every 5 iterations, each ``pde``
condition drawing max(``points``, 2 × parameters) points). It does so when that
phase can run: a zoo MLP the forward engine reads, of at most
:data:`~pinnlang.solver.budget.LM_MAX_PARAMETERS` parameters, in one process. Otherwise the
run keeps ``steps`` Adam steps (default 2000). What the caller gives (``lm_resample_every``,
``lm_points``, ``points``) is kept.

Why: with no training named, 2000 Adam steps on the default 3 x 20 network left 1-D heat at
3.5e-3 (4 s) and Burgers at 0.46 (6 s); this recipe reached 1.3e-6 (33 s) and 4.0e-3 (29 s)
(``benchmarks/time_to_accuracy.py``'s problems, seed 0, 2026-12-01).
"""

from __future__ import annotations

from typing import Any

from pinnlang.solver.budget import describe_lm_points, lm_phase_fits, lm_phase_points
from pinnlang.solver.settings import SolveSettings

#: Adam steps before the Levenberg–Marquardt phase of the default training.
DEFAULT_ADAM_STEPS = 1000
#: Levenberg–Marquardt iterations of the default training.
DEFAULT_LM_STEPS = 200
#: Settings that, when given, mean the caller chose the training (no default recipe).
_CHOSEN = frozenset({"steps", "lbfgs_steps", "lm_steps", "max_time"})


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


def apply_default_recipe(settings: SolveSettings, lm_parameters: int) -> str | None:
    """Give ``settings`` the default training if no step count was chosen and a
    Levenberg–Marquardt phase of ``lm_parameters`` parameters can run (0: it cannot); return
    its description for the run's summary, or ``None`` (settings unchanged)."""
    if _CHOSEN & settings.given or not lm_phase_fits(lm_parameters):
        return None
    settings.steps, settings.lm_steps = DEFAULT_ADAM_STEPS, DEFAULT_LM_STEPS
    settings.lm_resample_every, settings.lm_points = lm_phase_points(settings, lm_parameters)
    return (f"default training: {settings.steps} Adam steps, then {settings.lm_steps} "
            f"Levenberg-Marquardt iterations"
            f"{describe_lm_points(settings.lm_resample_every, settings.lm_points)}")


def default_recipe_for(module: Any, settings: SolveSettings) -> str | None:
    """:func:`apply_default_recipe` for ``module``'s network and the run's processes."""
    from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size

    processes = 1 if single_process(settings) else 2
    return apply_default_recipe(settings, levenberg_marquardt_size(module, processes))
