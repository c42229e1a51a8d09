"""``pinnlang.solve``: train a network on a problem and return a :class:`~pinnlang.results.Result`."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.results import Result
from pinnlang.results.run_folder import last_lightning_checkpoint, latest_run_dir
from pinnlang.solver.defaults import apply_defaults
from pinnlang.solver.diagnosis import diagnose_module
from pinnlang.solver.jump_smoothing import describe_smoothing, smooth_jumps
from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size
from pinnlang.solver.module import PinnModule
from pinnlang.solver.network import build_body, wrap
from pinnlang.solver.network_growth import describe_growth
from pinnlang.solver.plan import LM, PLAN_SETTINGS, TrainingPlan, initial_value_problem, make_plan
from pinnlang.solver.settings import SolveSettings, canonical_name, resolve_settings, split_settings
from pinnlang.solver.trainer import build_trainer, check_trainer_kwargs, quiet_lightning
from pinnlang.solver.tuning import choose_threads, set_steps_per_batch
from pinnlang.solver.wavenumbers import axis_wavenumbers, feature_wavenumbers

DOUBLE_PRECISIONS = ("64", "64-true", "double", 64)


def load_problem(problem_or_path: Any, allow_data: Sequence[str | os.PathLike] = ()) -> Any:
    """A :class:`~pinnlang.problem.Problem` as is, or the one a ``.pinn`` path holds."""
    if isinstance(problem_or_path, (str, os.PathLike)):
        from pinnlang.syntax import load

        return load(os.fspath(problem_or_path), allowed_paths=[os.fspath(p) for p in allow_data])
    if not hasattr(problem_or_path, "conditions"):
        raise PinnUsageError(f"solve() takes a Problem or the path of a .pinn file, "
                             f"got {type(problem_or_path).__name__}")
    return problem_or_path


def dtype_for(precision: Any) -> torch.dtype:
    """float64 for Lightning's double precision, else float32 (mixed precision autocasts)."""
    return torch.float64 if precision in DOUBLE_PRECISIONS else torch.float32


def describe_device(trainer: Any) -> str:
    """``cpu``, ``cuda:0``, or ``cpu x2 (ddp)``."""
    device = str(trainer.strategy.root_device.type)
    world = trainer.world_size
    if world > 1:
        name = type(trainer.strategy).__name__.removesuffix("Strategy").lower() or "distributed"
        return f"{device} x{world} ({name})"
    return device


def resolve_run_dir(problem_name: str, out: str | None, resume: bool) -> tuple[str | None, str | None]:
    """The run folder and the Lightning checkpoint to resume from (``None`` when starting fresh)."""
    if not resume:
        return out, None
    run_dir = out or latest_run_dir(problem_name)
    if run_dir is None:
        raise PinnUsageError(f"nothing to resume: no run of '{problem_name}' with a checkpoint under runs/",
                             hint="give the run folder with --out DIR")
    ckpt_path = last_lightning_checkpoint(run_dir)
    if ckpt_path is None:
        raise PinnUsageError(f"nothing to resume in '{run_dir}': no checkpoints/last.ckpt")
    return run_dir, ckpt_path


def saved_run(ckpt_path: str) -> tuple[dict[str, Any], TrainingPlan | None]:
    """The settings an interrupted run was started with and its training plan (from its
    Lightning checkpoint)."""
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    ours = checkpoint.get("pinnlang", {})
    saved = dict(ours.get("settings", {}))
    for key in ("out", "quiet"):  # where and how this invocation reports is its own business
        saved.pop(key, None)
    plan = TrainingPlan.from_dict(ours["plan"]) if ours.get("plan") else None
    return saved, plan


def solve(problem_or_path: Any, *, steps: int | None = None,
          callbacks: Sequence[Callback] | None = None, logger: Any = None,
          model: str | nn.Module | None = None, out: str | os.PathLike | None = None,
          quiet: bool | None = None, resume: bool = False,
          allow_data: Sequence[str | os.PathLike] = (), **kwargs: Any) -> Result:
    """Train a physics-informed network on a problem.

    Args:
        problem_or_path: a :class:`~pinnlang.problem.Problem` or the path of a ``.pinn`` file.
        steps: Adam steps (see :class:`~pinnlang.solver.settings.SolveSettings` for every setting).
        callbacks: Lightning callbacks, added to pinnlang's own.
        logger: a Lightning logger, or ``"csv"``/``"tensorboard"``/``"none"``.
        model: a zoo model name, or any ``nn.Module`` mapping ``(N, inputs) -> (N, fields)``
            (inputs are normalised to ``[-1, 1]`` before it).
        out: the run folder to write (metrics, history, checkpoint, plots); ``None``: none.
        quiet: no progress bar and no summary table.
        resume: continue the run in ``out`` (or the newest run of the problem) from its last
            checkpoint.
        allow_data: data files or folders outside the problem's folder that may be read
            (``--allow-data``; see :func:`pinnlang.problem.data_path.resolve_data_path`).
        **kwargs: further settings (``lbfgs_steps``, ``lr``, ``points``, ``devices``, ...) and any
            Lightning ``Trainer`` argument (``gradient_clip_val``, ``profiler``, ...). Settings
            given here win over the file's ``train:`` statement.

    Returns:
        The :class:`~pinnlang.results.Result`, with the ``LightningModule`` and ``Trainer``.

    Raises:
        PinnUsageError: an unknown setting or Trainer argument, a bad value.
        PinnRuntimeError: a loss became NaN/inf (naming the condition and the step).
    """
    problem = load_problem(problem_or_path, allow_data)
    ours, trainer_kwargs = split_settings(kwargs)
    check_trainer_kwargs(trainer_kwargs)
    overrides: dict[str, Any] = dict(ours, steps=steps, quiet=quiet,
                                     out=os.fspath(out) if out is not None else None)
    if isinstance(logger, str):
        overrides["logger"], logger = logger, None
    if isinstance(model, str):
        overrides["model"] = model
    spans = getattr(problem, "spans", None) or {}
    file_settings = dict(problem.settings)
    run_dir, ckpt_path = resolve_run_dir(problem.name, overrides["out"], resume)
    saved_plan = None
    if ckpt_path is not None:  # the interrupted run's settings and plan, unless given again
        saved, saved_plan = saved_run(ckpt_path)
        file_settings.update(saved)
    settings = resolve_settings(file_settings, overrides, spans=spans)
    settings.out = run_dir
    manual = manual_optimization(trainer_kwargs)
    body = model if isinstance(model, nn.Module) else None
    compiled = compile_for(problem, settings, allow_data)
    # Jumps of the boundary data, smoothed over a short distance (a resumed run finds the same).
    problem, smoothed = smooth_jumps(problem, compiled, settings.smooth_jumps)
    if smoothed:
        compiled = compile_for(problem, settings, allow_data)
    # Settings neither the file nor the caller gave, derived from the problem (none for a
    # network of the caller's, which the defaults cannot size).
    defaults = apply_defaults(compiled, settings) if body is None and ckpt_path is None else None
    if smoothed:
        defaults = "; ".join(filter(None, [defaults, describe_smoothing(smoothed)]))
    module = build_module(problem, settings, body, manual=manual, compiled=compiled)
    module.smoothed_jumps = smoothed
    # Under several processes the phase's products and losses are summed over them (lm_phase);
    # its optimizer steps itself, which Lightning's automatic optimisation does not allow.
    lm_parameters = levenberg_marquardt_size(module) if manual else 0
    replanned = PLAN_SETTINGS & {canonical_name(k) for k, v in overrides.items() if v is not None}
    if saved_plan is not None and not replanned:  # a resume continues the interrupted run's plan
        module.plan = saved_plan
    else:
        module.plan = make_plan(settings, lm_parameters=lm_parameters,
                                initial_value=initial_value_problem(problem))
    trainer = build_trainer(settings, module.plan, run_dir=run_dir, callbacks=list(callbacks or []),
                            logger=logger, trainer_kwargs=trainer_kwargs, manual=manual,
                            lm_parameters=lm_parameters)
    set_steps_per_batch(module, trainer)
    # Lightning's self.log costs ~0.1 ms a call: metrics go through it only when a logger, a
    # validation loop or the caller's callbacks may read them.
    module.publish_metrics = bool(trainer.loggers) or bool(callbacks) or bool(settings.val_every)
    module.report_lm = not settings.quiet
    if any(phase.kind == LM for phase in module.plan.phases):
        if not manual:
            raise PinnUsageError("lm_steps: Levenberg-Marquardt iterations need pinnlang's own optimisation "
                                 "loop, which a Trainer gradient_clip_val or accumulate_grad_batches turns off",
                                 hint="use the clip setting instead of gradient_clip_val, or drop lm_steps")
    previous_threads = torch.get_num_threads()
    threads = choose_threads(settings)
    if threads:
        torch.set_num_threads(threads)
    try:
        with quiet_lightning():
            trainer.fit(module, ckpt_path=ckpt_path)
    finally:
        torch.set_num_threads(previous_threads)
    diagnosis = judge(module, settings) if trainer.is_global_zero else None
    result = Result(problem, module.compiled, module.net, unknowns=module.unknown_values(),
                    history=module.history, settings=settings.to_dict(),
                    train_seconds=module.train_seconds, steps=trainer.global_step,
                    losses=module.final_losses(), device=describe_device(trainer),
                    module=module, trainer=trainer, run_dir=run_dir,
                    plan=describe_plan(module), phases=module.plan.to_list(),
                    diagnosis=diagnosis, defaults=defaults, tuning=describe_tuning(module))
    if trainer.is_global_zero:
        if run_dir:
            result.save(run_dir)
        if not settings.quiet:
            print(result.summary(), flush=True)
    return result


def judge(module: PinnModule, settings: SolveSettings) -> dict[str, Any]:
    """The run's :class:`~pinnlang.solver.diagnosis.Diagnosis` as plain data."""
    return diagnose_module(module).to_dict()


def print_flush(line: str) -> None:
    print(line, flush=True)


def describe_tuning(module: PinnModule) -> dict[str, Any]:
    """What the run measured to choose its engine (``engine``, ``reason``, the trial's
    ``seconds``, ``compiled``) and its steps per Lightning batch (``batching``)."""
    batching = module.batching
    measured = batching.measured or {"steps_per_batch": batching.size}
    return {**module.engine_choice, "batching": dict(measured)}


def describe_plan(module: PinnModule) -> str:
    """The plan in words, and the Gauss-Newton system its Levenberg-Marquardt phase chose."""
    choice = module.gauss_newton_choice
    grown = describe_growth(module.growth)
    return (module.plan.describe() + (f"; Gauss-Newton {choice}" if choice else "")
            + (f"; network {grown}" if grown else ""))


def manual_optimization(trainer_kwargs: dict[str, Any]) -> bool:
    """Manual optimisation (several steps per batch) unless a Trainer argument that Lightning
    applies only to automatic optimisation is given."""
    clip = trainer_kwargs.get("gradient_clip_val")
    accumulate = trainer_kwargs.get("accumulate_grad_batches")
    return not ((clip is not None and clip > 0) or (accumulate is not None and accumulate != 1))


def compile_for(problem: Any, settings: SolveSettings, allow_data: Sequence[str | os.PathLike] = ()) -> Any:
    """``problem`` compiled in the run's precision (``allow_data``: data files or folders
    outside the problem's folder that may be read)."""
    import pinnlang.compile.forward_engine  # noqa: F401  (registers the "forward" engine)
    from pinnlang.compile import compile_problem

    return compile_problem(problem, dtype=dtype_for(settings.precision), device="cpu", allowed_paths=allow_data)


def build_module(problem: Any, settings: SolveSettings, body: nn.Module | None = None, *,
                 manual: bool = True, allow_data: Sequence[str | os.PathLike] = (),
                 compiled: Any = None) -> PinnModule:
    """Compile ``problem`` (unless ``compiled`` is given), build the network (seeded) and wrap
    both in a :class:`PinnModule` (``allow_data``: see :func:`compile_for`)."""
    dtype = dtype_for(settings.precision)
    if compiled is None:
        compiled = compile_for(problem, settings, allow_data)
    torch.manual_seed(settings.seed)
    body = build_body(body if body is not None else settings.model, len(compiled.input_names),
                      len(compiled.field_names), settings.to_dict(),
                      measured={"wavenumbers": lambda: feature_wavenumbers(
                          axis_wavenumbers(compiled, np.random.default_rng(settings.seed)))})
    network = wrap(body, compiled.lower, compiled.upper).to(dtype)
    return PinnModule(compiled, network, settings, manual=manual)
