"""``pinnlang.sweep``: search training settings with Optuna.

A sweep is an Optuna study (minimise :mod:`~pinnlang.sweeps.objective`) whose trials train the
problem with the sweep's fixed settings and one point of the search space
(:mod:`~pinnlang.sweeps.space`). The study lives in Optuna's storage: with a database URL
(``sqlite:///study.db``, or any database Optuna's RDB storage takes) any number of processes —
the ``jobs`` worker processes of one sweep, other ``pinnlang sweep`` invocations, other machines —
join the same study and share its trials; without one it stays in memory (a temporary SQLite
file when ``jobs > 1``). Each trial stores its full settings in the study, so the best settings
are read back from the storage whoever ran the trial.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Mapping

from pinnlang.errors import PinnRuntimeError, PinnUsageError
from pinnlang.optional import require
from pinnlang.sweeps.objective import objective_kind, score, train_trial
from pinnlang.sweeps.result import SweepResult, TrialRow, setting_text
from pinnlang.solver.settings import canonical_name
from pinnlang.sweeps.space import Dimension, check_value, search_space, setting_kind

#: Seconds a process waits for the SQLite database lock before giving up.
SQLITE_TIMEOUT = 120


@dataclass(frozen=True)
class WorkerJob:
    """What one worker process needs (picklable: sent to spawned processes)."""

    problem: Any
    dims: tuple[Dimension, ...]
    fixed: dict[str, Any]
    storage: str
    study: str
    trials: int
    sampler_seed: int | None
    objective: str
    progress: bool


def _optuna() -> Any:
    optuna = require("optuna", "pinnlang sweep")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def open_storage(url: str | None) -> Any:
    """Optuna's storage for ``url`` (``None``: in memory); SQLite waits for its lock."""
    optuna = _optuna()
    if url is None:
        return optuna.storages.InMemoryStorage()
    engine = {"connect_args": {"timeout": SQLITE_TIMEOUT}} if url.startswith("sqlite") else {}
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=engine)
    except Exception as err:  # sqlalchemy's errors: a bad URL, a missing driver, a locked file
        raise PinnUsageError(f"cannot open the sweep storage '{url}': {str(err).splitlines()[0]}") from None


def progress_line(trial: Any, objective: str) -> str:
    """One line for a finished trial: number, settings, objective (or why it failed), time."""
    params = " ".join(f"{k}={setting_text(v)}" for k, v in trial.params.items())
    seconds = trial.user_attrs.get("seconds")
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    if trial.value is not None:
        return f"trial {trial.number}: {params} -> {objective} {trial.value:.4e}{took}"
    reason = trial.user_attrs.get("error", "failed")
    return f"trial {trial.number}: {params} -> {trial.state.name.lower()}: {reason}{took}"


def run_trials(job: WorkerJob, storage: Any = None) -> None:
    """Run ``job.trials`` trials of the study in this process."""
    optuna = _optuna()
    sampler = optuna.samplers.TPESampler(seed=None if job.sampler_seed is None else job.sampler_seed)
    study = optuna.load_study(study_name=job.study, storage=storage or open_storage(job.storage),
                              sampler=sampler)

    def objective(trial: Any) -> float:
        params = {d.name: d.suggest(trial) for d in job.dims}
        settings = {**job.fixed, **params}
        trial.set_user_attr("settings", settings)
        trial.set_user_attr("worker", os.getpid())
        start = time.perf_counter()
        try:
            value = score(train_trial(job.problem, settings), job.objective)
        except PinnRuntimeError as err:  # a diverged run: the trial fails, the sweep goes on
            trial.set_user_attr("error", err.message)
            raise
        finally:
            trial.set_user_attr("seconds", time.perf_counter() - start)
        return value

    def report(_study: Any, trial: Any) -> None:
        if job.progress:
            print(progress_line(trial, job.objective), flush=True)

    study.optimize(objective, n_trials=job.trials, catch=(PinnRuntimeError,), callbacks=[report])


def _worker_main(job: WorkerJob) -> None:  # the target of a spawned worker process
    run_trials(job)


def split_trials(trials: int, jobs: int) -> list[int]:
    """``trials`` shared out over ``jobs`` processes as evenly as possible."""
    return [trials // jobs + (1 if k < trials % jobs else 0) for k in range(jobs)]


def fixed_settings(settings: Mapping[str, Any], dims: tuple[Dimension, ...]) -> dict[str, Any]:
    """The settings every trial shares (``None``: not given), each checked by the settings' own
    rule; a swept setting cannot also be fixed."""
    fixed: dict[str, Any] = {}
    swept = {d.name for d in dims}
    for name, value in settings.items():
        if value is None:
            continue
        setting_kind(name)  # an unknown name says so here, with a suggestion
        canonical = canonical_name(name)
        check_value(canonical, value, f"sweep setting '{name}'")
        if canonical in swept:
            raise PinnUsageError(f"'{name}' is both swept (a parameter) and fixed; give it once")
        fixed[canonical] = value
    return fixed


def collect(study: Any, storage_url: str | None, objective: str) -> SweepResult:
    """Read the study's trials and its best trial."""
    optuna = _optuna()
    rows = [TrialRow(t.number, t.state.name, t.value if t.state == optuna.trial.TrialState.COMPLETE else None,
                     dict(t.params), t.user_attrs.get("seconds"), t.user_attrs.get("worker"),
                     t.user_attrs.get("error")) for t in study.get_trials(deepcopy=False)]
    complete = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
                if t.value is not None and math.isfinite(t.value)]
    if not complete:
        raise PinnRuntimeError(f"no trial of the sweep '{study.study_name}' finished with a finite "
                               f"{objective}")
    best = min(complete, key=lambda t: (t.value, t.number))
    settings = dict(best.user_attrs.get("settings") or best.params)
    return SweepResult(study.study_name, storage_url, objective, sorted(rows, key=lambda r: r.number),
                       settings, float(best.value), best.number, study)


def sweep(problem: Any, *, trials: int, params: Mapping[str, Any], storage: str | None = None,
          study: str | None = None, jobs: int = 1, sampler_seed: int | None = None,
          progress: bool = True, **settings: Any) -> SweepResult:
    """Search training settings of ``problem`` with Optuna.

    Args:
        problem: a :class:`~pinnlang.problem.Problem` or the path of a ``.pinn`` file.
        trials: trials this call runs (shared out over its ``jobs`` processes).
        params: the search space, ``{"width": "16:64", "lr": (1e-4, 1e-2, "log"),
            "model": ["mlp", "siren"]}`` (see :mod:`pinnlang.sweeps.space`).
        storage: an Optuna storage URL (``sqlite:///study.db``); several processes or machines
            given the same URL and study name share one study. ``None``: in memory.
        study: the study name (default ``pinnlang-<problem>``).
        jobs: worker processes this call starts on the storage.
        sampler_seed: seed of the TPE sampler (worker ``k`` uses ``seed + k``; default random).
        progress: print one line per finished trial.
        **settings: training settings every trial shares (``steps=200``, ``lm_steps=0``, ...).

    Returns:
        The :class:`~pinnlang.sweeps.result.SweepResult` over all the study's trials.

    Raises:
        PinnUsageError: a bad search space, setting, storage or count; Optuna missing.
        PinnRuntimeError: no trial finished.
    """
    from pinnlang.solver.api import load_problem

    problem = load_problem(problem)
    if trials < 1 or jobs < 1:
        raise PinnUsageError(f"a sweep needs trials >= 1 and jobs >= 1, got trials={trials}, jobs={jobs}")
    dims = search_space(params)
    if not dims:
        raise PinnUsageError("a sweep needs at least one parameter to vary (--param NAME=...)")
    fixed = fixed_settings(settings, dims)
    objective = objective_kind(problem)
    optuna = _optuna()
    name = study or f"pinnlang-{problem.name}"
    temporary = None
    if storage is None and jobs > 1:  # worker processes need a shared storage
        temporary = tempfile.TemporaryDirectory(prefix="pinnlang-sweep-")
        storage = f"sqlite:///{os.path.join(temporary.name, 'study.db')}"
    try:
        backend = open_storage(storage)
        created = optuna.create_study(study_name=name, storage=backend, direction="minimize",
                                      load_if_exists=True)
        _same_objective(created, problem.name, objective)
        counts = split_trials(trials, jobs)
        job_of = [WorkerJob(problem, dims, fixed, storage, name, n,
                            None if sampler_seed is None else sampler_seed + k, objective, progress)
                  for k, n in enumerate(counts) if n]
        if len(job_of) == 1:
            run_trials(job_of[0], backend)
        else:
            _run_processes(job_of)
        result = collect(created if storage is None else optuna.load_study(study_name=name, storage=backend),
                         storage if temporary is None else None, objective)
        if temporary is not None:  # its database goes with the temporary folder
            result.study = None
        return result
    finally:
        if temporary is not None:
            temporary.cleanup()


def _same_objective(study: Any, problem_name: str, objective: str) -> None:
    """Mark a new study with its problem and objective; refuse to mix another one into it."""
    attrs = study.user_attrs
    if not attrs:
        study.set_user_attr("problem", problem_name)
        study.set_user_attr("objective", objective)
        return
    if attrs.get("problem") != problem_name or attrs.get("objective") != objective:
        raise PinnUsageError(f"the study '{study.study_name}' sweeps problem '{attrs.get('problem')}' "
                             f"({attrs.get('objective')}), not '{problem_name}' ({objective}); "
                             "give another --study name")


def _run_processes(jobs: list[WorkerJob]) -> None:
    """Run each job in its own spawned process and wait for all of them."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding torch threads
    processes = [context.Process(target=_worker_main, args=(job,), name=f"pinnlang-sweep-{k}")
                 for k, job in enumerate(jobs)]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        for process in processes:
            process.terminate()
        raise
    failed = [p for p in processes if p.exitcode != 0]
    if failed:
        raise PinnRuntimeError(f"{len(failed)} of {len(processes)} sweep worker processes failed "
                               f"(exit code {failed[0].exitcode}); see their messages above")
