"""Result: predictions, errors, the run folder, the checkpoint and loading it back."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.errors import PinnUsageError
from pinnlang.models import build_model
from pinnlang.results import Result
from pinnlang.results.checkpoint import CHECKPOINT_FILE


def test_predict_keeps_the_kind_and_shape_of_its_inputs(heat_result):
    x = np.linspace(0, 1, 7)
    out = heat_result.predict(x=x[:, None], t=np.array([0.0, 0.5, 1.0]))
    assert out["u"].shape == (7, 3) and isinstance(out["u"], np.ndarray)
    tensor = heat_result.predict(x=torch.linspace(0, 1, 5), t=0.5)["u"]
    assert isinstance(tensor, torch.Tensor) and tensor.shape == (5,)
    scalar = heat_result.predict(x=0.5, t=0.0)["u"]
    assert scalar.shape == ()


def test_predict_names_missing_and_unknown_inputs(heat_result):
    with pytest.raises(PinnUsageError, match="missing t"):
        heat_result.predict(x=0.5)
    with pytest.raises(PinnUsageError, match="did you mean 't'"):
        heat_result.predict(x=0.5, tt=0.1)


def test_errors_use_dense_points_never_the_training_points(heat_result):
    errors = heat_result.errors()
    assert set(errors) == {"u"} and 0 < errors["u"] < 1
    points = heat_result.compiled.evaluation_points(10_000)
    assert points.shape[0] >= 10_000
    u = heat_result.predict(x=points[:, 0].numpy(), t=points[:, 1].numpy())["u"]
    exact = np.exp(-0.1 * np.pi**2 * points[:, 1].numpy()) * np.sin(np.pi * points[:, 0].numpy())
    assert errors["u"] == pytest.approx(np.linalg.norm(u - exact) / np.linalg.norm(exact), rel=1e-4)


def test_run_folder_holds_every_file(heat_result):
    folder = Path(heat_result.run_dir)
    for name in ("metrics.json", "history.csv", CHECKPOINT_FILE, "problem.pinn", "loss.png",
                 "solution.png", "error.png", "checkpoints/last.ckpt"):
        assert (folder / name).exists(), name
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["problem"] == "heat" and metrics["steps"] == 80
    assert metrics["train_seconds"] > 0 and metrics["device"] == "cpu"
    assert set(metrics["losses"]) == {"pde", "initial", "boundary"}
    assert metrics["l2re"]["u"] == pytest.approx(heat_result.errors()["u"])
    assert metrics["unknowns"] == {}
    header = (folder / "history.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["step", "loss"] and {"pde", "initial", "boundary"} <= set(header)


def test_checkpoint_is_plain_and_rebuilds_the_model_through_the_registry(heat_result):
    data = torch.load(f"{heat_result.run_dir}/{CHECKPOINT_FILE}", weights_only=True)
    assert data["source"].startswith("problem heat")
    assert data["model"]["config"]["name"] == "mlp"
    body = build_model(**data["model"]["config"])
    body.load_state_dict(data["model"]["state_dict"])
    x = torch.tensor([[0.3, 0.2]])
    normalised = 2 * (x - torch.tensor(data["lower"])) / (torch.tensor(data["upper"]) - torch.tensor(data["lower"])) - 1
    expected = heat_result.predict(x=0.3, t=0.2)["u"]
    with torch.no_grad():
        rebuilt = float(body(normalised))
    assert rebuilt == pytest.approx(float(expected), abs=1e-6)


def test_load_gives_the_same_predictions_history_and_metrics(heat_result):
    loaded = Result.load(heat_result.run_dir)
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(loaded.predict(x=x, t=0.3)["u"], heat_result.predict(x=x, t=0.3)["u"], atol=1e-6)
    assert loaded.steps == heat_result.steps
    assert [r["step"] for r in loaded.history] == [r["step"] for r in heat_result.history]
    assert loaded.errors()["u"] == pytest.approx(heat_result.errors()["u"], rel=1e-5)
    assert loaded.module is None and loaded.trainer is None


def test_problem_built_in_python_is_saved_as_printed_text(tmp_path):
    import sympy as sp

    x = sp.Symbol("x")
    u = sp.Function("u")
    problem = (pinnlang.Problem("line").space(x, 0, 1).field(u)
               .pde(sp.Eq(u(x).diff(x), 1)).boundary(sp.Eq(u(x), x), on=None))
    result = pinnlang.solve(problem, steps=5, width=8, depth=1, points=16, quiet=True)
    result.save(tmp_path / "run", plots=False)
    loaded = Result.load(tmp_path / "run")
    assert loaded.problem == problem
    assert loaded.errors() == {}


def test_loading_something_else_is_a_usage_error(tmp_path):
    (tmp_path / CHECKPOINT_FILE).write_bytes(b"not a checkpoint")
    with pytest.raises(PinnUsageError, match="not a readable pinnlang checkpoint"):
        Result.load(tmp_path)
    with pytest.raises(PinnUsageError, match="no checkpoint"):
        Result.load(tmp_path / "missing")


def test_plot_writes_pngs_into_a_folder(heat_result, tmp_path):
    written = heat_result.plot(tmp_path)
    assert set(written) == {"loss", "solution", "error"}
    for path in written.values():
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_lists_losses_errors_and_device(heat_result):
    table = heat_result.summary()
    for text in ("heat", "loss pde", "loss initial", "L2 rel. error u", "cpu", "train time"):
        assert text in table
    assert not math.isnan(heat_result.train_seconds)


def test_evaluate_accepts_a_read_only_array_without_a_warning(heat_result):
    points = np.array([[0.5, 0.25], [0.1, 0.9]])
    expected = heat_result.evaluate(points.copy())
    points.flags.writeable = False  # e.g. a reference table (pinnlang.reference.ghia)
    np.testing.assert_array_equal(heat_result.evaluate(points), expected)  # warnings are errors
