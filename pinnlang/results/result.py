"""The outcome of a training run: predictions, errors, unknowns, history, plots, run folder."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from pinnlang.models.saved import body_config, body_of
from pinnlang.results import checkpoint as ckpt
from pinnlang.results import run_folder, scoring
from pinnlang.results.gauge import remove_shift, slice_labels
from pinnlang.results.plots import as_numpy, plot_all
from pinnlang.results.predict import evaluate, l2_relative_errors, network_device_dtype, predict_fields

EVALUATION_POINTS = 10_000


class Result:
    """A trained network with its problem, and everything measured about the run.

    Attributes:
        problem: the :class:`~pinnlang.problem.Problem` that was solved.
        compiled: its compiled form (residuals, samplers, exact solution).
        network: ``(N, inputs) -> (N, fields)``, input normalisation included.
        unknowns: learned values of the problem's ``unknown`` scalars.
        history: one dict per logging interval (``step``, ``loss``, one key per condition, ...).
        settings: the resolved training settings, as a plain dict.
        train_seconds: wall time of the optimisation loop alone.
        steps: optimisation steps actually taken.
        losses: the final mean squared residual of each condition.
        device: where the training ran (e.g. ``cpu``, ``cpu x2 (ddp)``).
        module: the Lightning module (``None`` for a loaded result).
        trainer: the Lightning trainer (``None`` for a loaded result).
        run_dir: the run folder, once saved or loaded.
        diagnosis: what the residuals on fresh points said after training
            (:func:`pinnlang.solver.diagnosis.diagnose`: ``converged``, ``summary``, the relative
            residual of every condition, suggestions), or ``None``.
        plan: the training plan in words (``default training: 1000 Adam steps, then 200
            Levenberg-Marquardt iterations ...``, ``time budget 60 s: ...``, see
            :meth:`pinnlang.solver.plan.TrainingPlan.describe`), or ``None``.
        phases: the plan's phases as a list of dicts (``kind``, ``steps``, ``resample_every``,
            ``points``, ...), or ``None``.
        defaults: the settings and weights the defaults derived from the problem, and why
            (``width 32 (3 fields, 2 inputs), ...``, see :mod:`pinnlang.solver.defaults`), or ``None``.
    """

    def __init__(self, problem: Any, compiled: Any, network: nn.Module, *,
                 unknowns: Mapping[str, float] | None = None,
                 history: list[dict[str, Any]] | None = None,
                 settings: Mapping[str, Any] | None = None, train_seconds: float = 0.0,
                 steps: int = 0, losses: Mapping[str, float] | None = None, device: str = "cpu",
                 module: Any = None, trainer: Any = None, run_dir: str | None = None,
                 source_text: str | None = None, source_path: str | None = None,
                 plan: str | None = None, phases: list[dict[str, Any]] | None = None,
                 diagnosis: Mapping[str, Any] | None = None, defaults: str | None = None,
                 tuning: Mapping[str, Any] | None = None):
        self.problem = problem
        self.compiled = compiled
        self.network = network
        self.unknowns = dict(unknowns or {})
        self.history = list(history or [])
        self.settings = dict(settings or {})
        self.train_seconds = float(train_seconds)
        self.steps = int(steps)
        self.losses = dict(losses or {})
        self.device = device
        self.module = module
        self.trainer = trainer
        self.run_dir = run_dir
        self.plan = plan
        self.defaults = defaults
        #: What the run measured to choose its engine and batch size (``metrics.json`` ``tuning``).
        self.tuning = dict(tuning) if tuning else None
        self.diagnosis = dict(diagnosis) if diagnosis else None
        self.phases = phases
        self._source_text = source_text
        self._source_path = source_path
        self._errors: tuple[dict[str, float], dict[str, float]] | None = None
        self._reference_errors: dict[str, float] | None = None
        self._quantities: dict[str, dict[str, float | None]] | None = None

    # ------------------------------------------------------------------ views
    @property
    def name(self) -> str:
        return self.problem.name

    @property
    def input_names(self) -> list[str]:
        return list(self.compiled.input_names)

    @property
    def field_names(self) -> list[str]:
        return list(self.compiled.field_names)

    @property
    def lower(self) -> np.ndarray:
        return as_numpy(torch.as_tensor(self.compiled.lower))

    @property
    def upper(self) -> np.ndarray:
        return as_numpy(torch.as_tensor(self.compiled.upper))

    # ------------------------------------------------------------------ evaluation
    def predict(self, **coords: Any) -> dict[str, Any]:
        """Every field at the given points: ``result.predict(x=xs, t=0.5)``.

        Args:
            **coords: one value per input (coordinates and params); scalars, lists, NumPy arrays
                or torch tensors that broadcast together.

        Returns:
            ``{field: values}`` with the broadcast shape; tensors if any input was a tensor,
            else NumPy arrays.

        Raises:
            PinnUsageError: an input is missing or not an input of the problem.
        """
        return predict_fields(self.network, self.input_names, self.field_names, coords)

    def evaluate(self, points: np.ndarray) -> np.ndarray:
        """Network values at ``points`` (``(N, inputs)``), as ``(N, fields)`` float64."""
        device, dtype = network_device_dtype(self.network)
        points = np.asarray(points)
        if not points.flags.writeable:  # torch would warn: it cannot share a read-only buffer
            points = points.copy()
        x = torch.as_tensor(points, dtype=dtype, device=device)
        return as_numpy(evaluate(self.network, x))

    def exact(self, points: np.ndarray) -> np.ndarray | None:
        """Exact solution at ``points`` (NaN for fields without one), or ``None`` if none."""
        if self.compiled.exact_fn is None:
            return None
        lower = torch.as_tensor(self.compiled.lower)
        x = torch.as_tensor(np.asarray(points), dtype=lower.dtype, device=lower.device)
        with torch.no_grad():
            values = self.compiled.exact_fn(x)
        return as_numpy(values.reshape(len(x), -1))

    def solution(self, points: np.ndarray) -> np.ndarray | None:
        """The known solution at ``points``: the exact one when the problem has an ``exact:``
        statement, else the reference registered under the problem's name
        (:func:`pinnlang.reference.reference_solution`), else ``None``. NaN for fields without one."""
        exact = self.exact(points)
        if exact is not None:
            return exact
        from pinnlang.reference import reference_solution

        reference = reference_solution(self.name)
        if reference is None:
            return None
        return np.asarray(reference(np.asarray(points, dtype=np.float64)), dtype=np.float64).reshape(len(points), -1)

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Mask of the points whose spatial part lies in the domain (all True without one)."""
        domain = self.problem.domain
        n_space = len(self.problem.space_coords)
        if domain is None or n_space < 2:
            return np.ones(len(points), dtype=bool)
        return np.asarray(domain.contains(np.asarray(points)[:, :n_space]), dtype=bool)

    def errors(self, n: int = EVALUATION_POINTS) -> dict[str, float]:
        """L2 relative error per field with an exact solution, on ``n`` evaluation points.

        The points cover the whole input domain (``compiled.evaluation_points``) and are never
        the training points. Empty if the problem has no exact solution. For a field fixed only
        up to a constant or a function of time (:attr:`removed_shifts`), the error after removing
        the best such shift (:meth:`raw_errors` keeps the error as predicted).
        """
        return dict(self._error_tables(n)[0])

    def raw_errors(self, n: int = EVALUATION_POINTS) -> dict[str, float]:
        """L2 relative errors of the network's values as they are, no shift removed."""
        return dict(self._error_tables(n)[1])

    @property
    def removed_shifts(self) -> dict[str, str]:
        """``{field: "constant" | "function of t" ...}`` for the fields with an exact solution
        whose errors are scored with that shift removed (the fields the checker found free)."""
        exact = set(self.problem.exact)
        return {name: freedom.what for name, freedom in self.compiled.free_fields.items()
                if name in exact}

    def remove_shifts(self, points: np.ndarray, predicted: np.ndarray,
                      exact: np.ndarray) -> np.ndarray:
        """``predicted`` (``(N, fields)``) with the best shift of every free field removed against
        ``exact`` (per slice of time and params, see :mod:`pinnlang.results.gauge`)."""
        adjusted = np.array(predicted, dtype=np.float64)
        points = np.asarray(points)
        for name, freedom in self.compiled.free_fields.items():
            i = self.field_names.index(name)
            keep = ~(np.isnan(exact[:, i]) | np.isnan(adjusted[:, i]))
            if not keep.any():
                continue
            columns = [self.input_names.index(c) for c in freedom.depends_on]
            labels = slice_labels(points[keep], columns)
            adjusted[keep, i] = remove_shift(adjusted[keep, i], exact[keep, i], labels)
        return adjusted

    def _error_tables(self, n: int) -> tuple[dict[str, float], dict[str, float]]:
        if self.compiled.exact_fn is None:
            return {}, {}
        if self._errors is not None and n == EVALUATION_POINTS:
            return self._errors
        rng = np.random.default_rng(12345)
        x = self.compiled.evaluation_points(n, rng)
        with torch.no_grad():
            exact = self.compiled.exact_fn(x).reshape(len(x), -1)
        device, dtype = network_device_dtype(self.network)
        predicted = evaluate(self.network, x.to(device=device, dtype=dtype))
        raw = l2_relative_errors(predicted.cpu(), exact.cpu(), self.field_names)
        errors = dict(raw)
        if self.removed_shifts:
            exact_np = as_numpy(exact)
            adjusted = self.remove_shifts(as_numpy(x), as_numpy(predicted), exact_np)
            errors = l2_relative_errors(torch.from_numpy(adjusted), torch.from_numpy(exact_np),
                                        self.field_names)
        tables = (errors, raw)
        if n == EVALUATION_POINTS:
            self._errors = tables
        return tables

    def reference_errors(self) -> dict[str, float]:
        """L2 relative error of each field a ``reference`` file lists, at the file's points
        (empty without ``reference`` statements; see :mod:`pinnlang.results.scoring`)."""
        if self._reference_errors is None:
            self._reference_errors = scoring.reference_errors(self)
        return dict(self._reference_errors)

    def quantities(self) -> dict[str, dict[str, float | None]]:
        """``{name: {"value", "reference", "rel_error"}}`` of each ``quantity`` (the integral by
        quadrature of the trained network; reference and error None without a reference)."""
        if self._quantities is None:
            self._quantities = scoring.quantity_values(self)
        return {name: dict(q) for name, q in self._quantities.items()}

    # ------------------------------------------------------------------ reporting
    def metrics(self) -> dict[str, Any]:
        """The contents of ``metrics.json``."""
        return {
            "problem": self.name,
            "steps": self.steps,
            "train_seconds": self.train_seconds,
            "losses": dict(self.losses),
            "l2re": self.errors(),
            **scoring.metrics_entries(self.reference_errors(), self.quantities()),
            **self._shift_metrics(),
            "unknowns": dict(self.unknowns),
            "device": self.device,
            "settings": dict(self.settings),
            **({"plan": self.plan} if self.plan else {}),
            **({"defaults": self.defaults} if self.defaults else {}),
            **({"tuning": self.tuning} if self.tuning else {}),
            **({"diagnosis": self.diagnosis} if self.diagnosis else {}),
            **({"phases": self.phases} if self.phases else {}),
        }

    def _shift_metrics(self) -> dict[str, Any]:
        """``l2re_raw`` and ``removed`` for the fields whose ``l2re`` has a shift removed."""
        removed = self.removed_shifts
        if not removed or self.compiled.exact_fn is None:
            return {}
        raw = self.raw_errors()
        return {"l2re_raw": {name: raw[name] for name in removed if name in raw},
                "removed": dict(removed)}

    def summary(self) -> str:
        """A table of the run: problem, steps, time, losses, errors, unknowns, device."""
        rows: list[tuple[str, str]] = [
            ("problem", self.name),
            ("steps", str(self.steps)),
            ("train time", f"{self.train_seconds:.1f} s"),
            ("device", self.device),
        ]
        if self.plan:
            rows.append(("plan", self.plan))
        if self.defaults:
            rows.append(("defaults", self.defaults))
        if self.tuning:
            rows.append(("speed", describe_tuning(self.tuning)))
        rows += [(f"loss {name}", f"{value:.3e}") for name, value in self.losses.items()]
        removed = self.removed_shifts
        rows += [(f"L2 rel. error {field}", f"{value:.3e}" + (
            f" ({removed[field]} removed)" if field in removed else ""))
            for field, value in self.errors().items()]
        rows += scoring.summary_rows(self.reference_errors(), self.quantities())
        rows += [(f"unknown {name}", f"{value:.6g}") for name, value in self.unknowns.items()]
        if self.diagnosis:
            rows.append(("convergence", self.diagnosis["summary"]))
        width = max(len(k) for k, _ in rows)
        line = "-" * (width + 2 + max(len(v) for _, v in rows))
        body = [f"{k:<{width}}  {v}" for k, v in rows]
        return "\n".join([line, *body, line])

    def __repr__(self) -> str:
        return f"Result(problem={self.name!r}, steps={self.steps}, unknowns={self.unknowns})"

    def plot(self, path: str | None = None) -> dict[str, str]:
        """Write ``loss.png``, ``solution.png`` and (with an exact solution) ``error.png``.

        Args:
            path: the folder; default the run folder, or a new temporary folder if unsaved.

        Returns:
            ``{"loss": path, "solution": path, "error": path}`` for the files written.
        """
        folder = path or self.run_dir or tempfile.mkdtemp(prefix=f"pinnlang-{self.name}-")
        return plot_all(self, folder)

    def export(self, path: str | os.PathLike | None = None, *, format: str = "vtk",
               resolution: int | None = None, times: int | None = None,
               at: Mapping[str, float] | None = None) -> list[str]:
        """Write the fields for ParaView (``vtk``) or the network as a standalone model (``onnx``,
        ``torchscript``, ``pt2``); return the files written. The same as ``pinnlang export``.

        Args:
            path: the file; default ``RUN_DIR/export/<problem>.vtu`` (``.pvd`` with time,
                ``.onnx``, ``.torchscript.pt``, ``.pt2``).
            format: ``vtk``, ``onnx``, ``torchscript`` or ``pt2``.
            resolution: ``vtk``: grid points along the longest side of the domain.
            times: ``vtk``: time slices of a problem with time.
            at: ``vtk``: param values (default: the middle of each range).

        See :mod:`pinnlang.results.export` for what each format holds.
        """
        from pinnlang.results.export import export_result

        return export_result(self, path, format=format, resolution=resolution, times=times, at=at)

    # ------------------------------------------------------------------ run folder
    def source_text(self) -> str:
        """The problem's ``.pinn`` text: the original text when there is one, else printed."""
        if self._source_text is not None:
            return self._source_text
        if getattr(self.problem, "source", None) is not None:
            return self.problem.source.text
        from pinnlang.problem.printer import to_pinn

        return to_pinn(self.problem)

    def checkpoint(self) -> dict[str, Any]:
        """The self-contained checkpoint dict (see :mod:`pinnlang.results.checkpoint`)."""
        body = body_of(self.network)
        source_path = self._source_path
        if source_path is None and getattr(self.problem, "source", None) is not None:
            source_path = self.problem.source.path
        if source_path is not None and not source_path.startswith("<"):
            source_path = os.path.abspath(source_path)  # data and reference files resolve from it
        return ckpt.make_checkpoint(
            problem=self.name, source=self.source_text(), source_path=source_path,
            model_config=body_config(body), model_state=body.state_dict(),
            lower=self.lower.tolist(), upper=self.upper.tolist(), unknowns=self.unknowns,
            settings=self.settings, input_names=self.input_names, field_names=self.field_names)

    def save(self, folder: str | os.PathLike | None = None, *, plots: bool = True) -> str:
        """Write the run folder: metrics, history, checkpoint, problem text and plots.

        Args:
            folder: where; default the run folder this result came from, or
                ``runs/<problem>/<timestamp>``.
            plots: also write the PNG plots.

        Returns:
            The folder.
        """
        folder = os.fspath(folder) if folder is not None else (
            self.run_dir or run_folder.default_run_dir(self.name))
        os.makedirs(folder, exist_ok=True)
        ckpt.save_checkpoint(self.checkpoint(), os.path.join(folder, ckpt.CHECKPOINT_FILE))
        run_folder.write_metrics(folder, self.metrics())
        run_folder.write_history(folder, self.history)
        with open(os.path.join(folder, run_folder.SOURCE_FILE), "w", encoding="utf-8") as fh:
            fh.write(self.source_text())
        self.run_dir = folder
        if plots:
            plot_all(self, folder)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike, *, model: nn.Module | None = None,
             device: str = "cpu", allow_data: Sequence[str | os.PathLike] = ()) -> "Result":
        """Rebuild a result from a run folder (or a ``model.pt`` file).

        The thin public entry of :func:`pinnlang.runs.load_run`, which re-reads the problem and
        compiles it one layer up: nothing in ``results/`` parses or compiles.

        Args:
            folder: the run folder, or the checkpoint file itself.
            model: the network body, for a run trained with a module the zoo cannot rebuild.
            device: where to put the network.
            allow_data: data files or folders outside the problem's folder that may be read.

        Raises:
            PinnUsageError: not a run folder, or a body that cannot be rebuilt.
        """
        from pinnlang.runs import load_run  # the one rebuild, a layer above results/

        return load_run(folder, model=model, device=device, allow_data=allow_data, result_class=cls)

    @classmethod
    def from_checkpoint(cls, data: Mapping[str, Any], *, problem: Any, compiled: Any, network: nn.Module,
                        run_dir: str | None, device: str = "cpu") -> "Result":
        """A :class:`Result` from a loaded checkpoint dict and the pieces rebuilt from it (the
        problem, its compiled form, the network), with the run folder's metrics and history."""
        metrics: dict[str, Any] = {}
        history: list[dict[str, Any]] = []
        if run_dir and os.path.isfile(os.path.join(run_dir, run_folder.METRICS_FILE)):
            metrics = run_folder.read_metrics(run_dir)
            history = run_folder.read_history(run_dir)
        return cls(problem, compiled, network, unknowns=data["unknowns"], history=history,
                   settings=data["settings"], train_seconds=metrics.get("train_seconds", 0.0),
                   steps=metrics.get("steps", 0), losses=metrics.get("losses", {}),
                   device=metrics.get("device", device), run_dir=run_dir, plan=metrics.get("plan"),
                   phases=metrics.get("phases"), diagnosis=metrics.get("diagnosis"), defaults=metrics.get("defaults"),
                   tuning=metrics.get("tuning"), source_text=data["source"], source_path=data.get("source_path"))


def describe_tuning(tuning: Mapping[str, Any]) -> str:
    """The run's measured speed choices in words (the ``tuning`` entry of ``metrics.json``):
    ``autograd (timed trial: autograd 1.6 ms, forward 1.7 ms); 50 steps a batch (measured: 0.4 ms
    a batch, 2.1 ms a step)``."""
    engine = str(tuning.get("engine", "?"))
    seconds = tuning.get("seconds") or {}
    if seconds:
        times = ", ".join(f"{name} {value * 1e3:.3g} ms" for name, value in seconds.items())
        engine += f" ({tuning.get('reason', 'timed trial')}: {times})"
    elif tuning.get("reason"):
        engine += f" ({tuning['reason']})"
    if tuning.get("compiled"):
        engine += ", compiled"
    batching = tuning.get("batching") or {}
    if "steps_per_batch" not in batching:
        return engine
    text = f"{engine}; {batching['steps_per_batch']} steps a batch"
    if "overhead_ms" in batching:
        text += f" (measured: {batching['overhead_ms']:.2g} ms a batch, {batching['step_ms']:.2g} ms a step)"
    return text
