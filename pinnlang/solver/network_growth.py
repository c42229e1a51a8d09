"""A wider network when the Levenberg–Marquardt phase stalls short of the tolerance.

A phase pinnlang plans with ``Phase.grow_network`` (the default training and a time budget,
when neither the file nor the caller sized the network) that has converged — the loss on fresh
points stopped falling (:meth:`~pinnlang.solver.lm_optimizer.LevenbergMarquardtOptimizer.converged`)
— or whose fresh round no damping could move, is judged the way a finished run is
(:func:`~pinnlang.solver.diagnosis.diagnose`: every ``pde``, initial, boundary and periodic
residual on fresh points against the size of its terms).
If one is still above :data:`~pinnlang.solver.diagnosis.RELATIVE_TOLERANCE`, the network is what
stalled, not the optimiser: :func:`widen_on_stall` widens every hidden layer so that the trained
parameters about double (:data:`GROWTH`), within :data:`~pinnlang.solver.plan.DENSE_PLAN_PARAMETERS`
(the largest network a dense phase is planned for), and the phase goes on from the same function
(``widen`` of the zoo's ``mlp`` and ``axis_fourier``, :meth:`pinnlang.models.mlp.MLP.widen`) with
a new optimiser and as many more points per round as parameters. A run whose residuals are within
the tolerance stops as before; so does a network no zoo ``widen`` can grow (the caller's own), a
run on several processes, and one already at the size limit.

The widths a run grew to are kept by the module (``PinnModule.growth``), in its checkpoint (a
resumed run widens its network before the weights are loaded), in the plan's description and in
the saved network's config (``Result.load`` and ``pinnlang predict`` rebuild the grown network).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from pinnlang.models.saved import body_of
from pinnlang.solver.budget import iterations_left
from pinnlang.solver.defaults import mlp_parameters
from pinnlang.solver.diagnosis import diagnose_module
from pinnlang.solver.gauss_newton import dense_fits
from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size
from pinnlang.solver.plan import DENSE_PLAN_PARAMETERS

#: Trained parameters multiply by about this much per widening: enough to change what the
#: network can represent (a width ~1.4x), few enough that the Gauss–Newton phase, whose
#: iteration costs ~P³, stays affordable.
GROWTH = 2.0
#: Fewest neurons a widening adds per layer: fewer is not worth a new phase.
MIN_NEW_NEURONS = 2


def wider_width(body: Any, parameters: int, cap: int = DENSE_PLAN_PARAMETERS) -> int | None:
    """The width of ``body``'s hidden layers at which the run's ``parameters`` (the body's and
    the unknowns') grow to about :data:`GROWTH` times as many, at most ``cap``; ``None`` if that
    adds fewer than :data:`MIN_NEW_NEURONS` neurons per layer."""
    width = int(body.config["width"])
    others = parameters - sum(p.numel() for p in body.parameters())
    target = min(GROWTH * parameters, cap)
    new = width
    while others + _mlp_size(body, new + 1) <= target:
        new += 1
    return new if new - width >= MIN_NEW_NEURONS else None


def widen_on_stall(module: Any, optimizer: Any,
                   why: str = "the loss on fresh points stopped falling") -> bool:
    """Widen ``module``'s network and go on with a new Levenberg–Marquardt optimiser if the phase
    that ``optimizer`` ran stalled short of the tolerance (see the module docstring); whether it
    did. ``why`` says how it stalled (the phase converged, or no damping lowered a fresh round's
    loss)."""
    trainer = module.trainer
    body = body_of(module.net)
    if trainer.world_size > 1 or not callable(getattr(body, "widen", None)):
        return False
    parameters = levenberg_marquardt_size(module)
    width, old_width = wider_width(body, parameters), int(body.config["width"])
    if width is None:
        return False
    ratio = _mlp_size(body, width) / _mlp_size(body, old_width)
    # a dense iteration costs ~ rows x parameters², and the rows grow with the parameters
    affordable = iterations_left(trainer, optimizer.record.get("seconds", 0.0) * ratio ** 2 * math.ceil(ratio))
    phase = module.plan.phase_at(module.global_step - 1)
    if affordable is not None and affordable < (phase.min_steps or 1):
        return False
    diagnosis = diagnose_module(module)
    worst = diagnosis.worst
    if diagnosis.converged or worst is None:
        return False
    generator = torch.Generator().manual_seed(int(module.settings.seed) * 7919 + len(module.growth) + 1)
    body.widen(width, generator)
    module.use_engine(module.compiled.engine.name)  # a flat forward function reads the old layers
    now = levenberg_marquardt_size(module)
    factor = _points_factor(module, optimizer, now / parameters)
    fresh = module.phase_optimizer(module.plan.index_at(module.global_step - 1))
    fresh.record["points_factor"] = factor
    if optimizer.record["fresh"]:  # the wider network starts from the same function: the one to beat
        fresh.remember_best(fresh.judge() if fresh.judge is not None else optimizer.record["fresh"][-1])
    trainer.strategy.optimizers = [fresh]
    module._lm_system = None
    depth = len(getattr(body, "mlp", body).linears) - 1
    module.growth.append({"step": int(module.global_step), "width": int(width), "parameters": int(now)})
    if module.report_lm and trainer.is_global_zero:
        module.print(f"Levenberg-Marquardt: {why} with '{worst.name}' at "
                     f"{worst.relative:.1e} of its terms: the network widened from {depth}x{old_width} "
                     f"to {depth}x{width} ({now} parameters), {factor}x the points per round")
    return True


def restore_growth(module: Any, growth: list[dict[str, Any]]) -> None:
    """Take a checkpoint's widenings back (``module.growth``) and widen ``module``'s network to
    the last one's width, so that the checkpoint's weights fit it when they are loaded."""
    module.growth = [dict(g) for g in growth]
    body = body_of(module.net)
    if module.growth and int(module.growth[-1]["width"]) > int(body.config["width"]):
        body.widen(int(module.growth[-1]["width"]))
        module.use_engine(module.compiled.engine.name)


def _mlp_size(body: Any, width: int) -> int:
    mlp = getattr(body, "mlp", body)
    return mlp_parameters(mlp.linears[0].in_features, mlp.linears[-1].out_features, width, len(mlp.linears) - 1)


def _points_factor(module: Any, optimizer: Any, ratio: float) -> int:
    """The new phase's points per round, as a multiple of the planned count: the old multiple
    times the parameters' growth (rows per parameter kept), unless that dense system would not
    fit in memory."""
    old = int(optimizer.record.get("points_factor", 1))
    grown = old * max(1, math.ceil(ratio - 1e-9))
    system = module._lm_system[1] if module._lm_system else None
    if system is None or grown == old:
        return old
    rows = system.local_rows * grown // old
    size = levenberg_marquardt_size(module)
    fits = dense_fits(rows, size, min(rows, size), system.parameters[0].device)[1]
    return grown if fits else old


def describe_growth(growth: list[dict[str, Any]]) -> str:
    """``widened to width 29 (1921 parameters) at step 1450`` for each widening, or ``""``."""
    return ", ".join(f"widened to width {g['width']} ({g['parameters']} parameters) at step {g['step']}"
                     for g in growth)
