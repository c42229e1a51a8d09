"""The outcome of a training run: predictions, errors, unknowns, history, plots, run folder."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.results import checkpoint as ckpt
from pinnlang.results import run_folder, scoring
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
        plan: how a time budget was planned (``time budget 60 s: N Adam + M L-BFGS steps
            planned from a measured X ms/step``), the default training a run without step counts
            got (``default training: 1000 Adam steps, then 200 Levenberg-Marquardt iterations ...``,
            see :mod:`pinnlang.solver.recipe`), or ``None``.
    """

    def __init__(self, problem: Any, compiled: Any, network: nn.Module, *,
                 unknowns: Mapping[str, float] | None = None,
                 history: list[dict[str, Any]] | None = None,
                 settings: Mapping[str, Any] | None = None, train_seconds: float = 0.0,
                 steps: int = 0, losses: Mapping[str, float] | None = None, device: str = "cpu",
                 module: Any = None, trainer: Any = None, run_dir: str | None = None,
                 source_text: str | None = None, source_path: str | None = None,
                 plan: str | None = None):
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
        self._source_text = source_text
        self._source_path = source_path
        self._errors: dict[str, float] | None = None
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
        the training points. Empty if the problem has no exact solution.
        """
        if self.compiled.exact_fn is None:
            return {}
        if self._errors is not None and n == EVALUATION_POINTS:
            return dict(self._errors)
        rng = np.random.default_rng(12345)
        x = self.compiled.evaluation_points(n, rng)
        with torch.no_grad():
            exact = self.compiled.exact_fn(x).reshape(len(x), -1)
        device, dtype = network_device_dtype(self.network)
        predicted = evaluate(self.network, x.to(device=device, dtype=dtype))
        errors = l2_relative_errors(predicted.cpu(), exact.cpu(), self.field_names)
        if n == EVALUATION_POINTS:
            self._errors = dict(errors)
        return errors

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
            "unknowns": dict(self.unknowns),
            "device": self.device,
            "settings": dict(self.settings),
            **({"plan": self.plan} if self.plan else {}),
        }

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
        rows += [(f"loss {name}", f"{value:.3e}") for name, value in self.losses.items()]
        rows += [(f"L2 rel. error {field}", f"{value:.3e}") for field, value in self.errors().items()]
        rows += scoring.summary_rows(self.reference_errors(), self.quantities())
        rows += [(f"unknown {name}", f"{value:.6g}") for name, value in self.unknowns.items()]
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
        from pinnlang.solver.network import body_config, body_of

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
             device: str = "cpu") -> "Result":
        """Rebuild a result from a run folder (or a ``model.pt`` file).

        Args:
            folder: the run folder, or the checkpoint file itself.
            model: the network body, for a run trained with a module the zoo cannot rebuild.
            device: where to put the network.

        Raises:
            PinnUsageError: not a run folder, or a body that cannot be rebuilt.
        """
        folder = os.fspath(folder)
        path = folder if os.path.isfile(folder) else os.path.join(folder, ckpt.CHECKPOINT_FILE)
        run_dir = os.path.dirname(path) if os.path.isfile(folder) else folder
        data = ckpt.load_checkpoint(path)
        return from_checkpoint(cls, data, run_dir=run_dir, model=model, device=device)


def from_checkpoint(cls: type[Result], data: Mapping[str, Any], *, run_dir: str | None,
                    model: nn.Module | None, device: str) -> Result:
    """Build a :class:`Result` from a loaded checkpoint dict."""
    from pinnlang.compile import compile_problem
    from pinnlang.solver.network import rebuild_network
    from pinnlang.syntax import parse

    problem = parse(data["source"], path=data.get("source_path") or "<checkpoint>")
    dtype = next((v.dtype for v in data["model"]["state_dict"].values() if v.is_floating_point()),
                 torch.float32)
    compiled = compile_problem(problem, dtype=dtype, device=device)
    network = rebuild_network(data["model"]["config"], data["model"]["state_dict"],
                              data["lower"], data["upper"], body=model).to(device=device, dtype=dtype)
    metrics: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    if run_dir and os.path.isfile(os.path.join(run_dir, run_folder.METRICS_FILE)):
        metrics = run_folder.read_metrics(run_dir)
        history = run_folder.read_history(run_dir)
    return cls(problem, compiled, network, unknowns=data["unknowns"], history=history,
               settings=data["settings"], train_seconds=metrics.get("train_seconds", 0.0),
               steps=metrics.get("steps", 0), losses=metrics.get("losses", {}),
               device=metrics.get("device", device), run_dir=run_dir, plan=metrics.get("plan"),
               source_text=data["source"], source_path=data.get("source_path"))

