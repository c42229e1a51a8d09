"""`pinnlang solve`, `pinnlang predict` and `pinnlang models`."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from pinnlang.cli import main
from pinnlang.results import Result

from .conftest import TINY_FLAGS


def test_solve_writes_the_run_folder(trained_run, capsys):
    for name in ("metrics.json", "history.csv", "model.pt", "problem.pinn", "loss.png",
                 "solution.png", "error.png", "checkpoints/last.ckpt"):
        assert (trained_run / name).exists(), name
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert {"problem", "steps", "train_seconds", "losses", "l2re", "unknowns", "device"} <= set(metrics)
    assert metrics["steps"] == 60 and metrics["settings"]["width"] == 16


def test_solve_prints_the_summary_and_the_folder(poisson_file, tmp_path, capsys):
    flags = [f for f in TINY_FLAGS if f != "--quiet"]
    code = main(["solve", str(poisson_file), "--out", str(tmp_path / "r"), *flags,
                 "--steps", "5", "--trainer.enable_progress_bar", "false"])
    out = capsys.readouterr().out
    assert code == 0
    assert "L2 rel. error u" in out and f"run folder: {tmp_path / 'r'}" in out


def test_trainer_flags_are_parsed_without_eval(poisson_file, tmp_path):
    code = main(["solve", str(poisson_file), "--out", str(tmp_path / "r"), *TINY_FLAGS, "--steps", "3",
                 "--trainer.gradient_clip_val", "0.1", "--trainer.deterministic", "true"])
    assert code == 0
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["steps"] == 3


def test_default_run_folder_is_under_runs(poisson_file, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["solve", str(poisson_file), *TINY_FLAGS, "--steps", "2"]) == 0
    (folder,) = (tmp_path / "runs" / "poisson1d").iterdir()
    assert (folder / "metrics.json").exists()


@pytest.mark.parametrize("flags, message", [
    (["--trainer.no_such_thing", "1"], "unrecognized arguments: --trainer.no_such_thing"),
    (["--weighting", "magic"], "invalid choice: 'magic'"),
    (["--steps", "many"], "invalid int value"),
])
def test_bad_flags_exit_2(poisson_file, flags, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", str(poisson_file), *flags])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_setting_value_is_a_usage_error_without_traceback(poisson_file, tmp_path, capsys):
    code = main(["solve", str(poisson_file), "--out", str(tmp_path / "r"), "--points", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "setting 'points'" in err and "Traceback" not in err


def test_resume_after_a_kill(poisson_file, tmp_path):
    """A run killed with SIGKILL midway continues from its last checkpoint."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    command = [sys.executable, "-m", "pinnlang", "solve", str(poisson_file), "--out", str(out),
               "--steps", "100000", "--points", "32", "--width", "8", "--depth", "1",
               "--checkpoint-every", "5", "--quiet"]
    with subprocess.Popen(command, env=dict(os.environ, OMP_NUM_THREADS="1"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        deadline = time.monotonic() + 120
        while not (out / "checkpoints" / "last.ckpt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert (out / "checkpoints" / "last.ckpt").exists()
    assert not (out / "metrics.json").exists()
    import torch

    killed_at = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    assert killed_at >= 5
    code = main(["solve", str(poisson_file), "--out", str(out), "--resume", "--steps", str(killed_at + 10),
                 "--points", "32", "--width", "8", "--depth", "1", "--quiet"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == killed_at + 10


def test_predict_from_a_csv(trained_run, tmp_path, capsys):
    points = tmp_path / "points.csv"
    points.write_text("x\n0.0\n0.25\n0.5\n1.0\n")
    values = tmp_path / "values.csv"
    assert main(["predict", str(trained_run), "--points", str(points), "--out", str(values)]) == 0
    with values.open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["x"]) for r in rows] == [0.0, 0.25, 0.5, 1.0]
    expected = Result.load(trained_run).predict(x=np.array([0.0, 0.25, 0.5, 1.0]))["u"]
    np.testing.assert_allclose([float(r["u"]) for r in rows], expected, rtol=1e-6)


def test_predict_at_one_point(trained_run, capsys):
    assert main(["predict", str(trained_run), "x=0.5"]) == 0
    line = capsys.readouterr().out.strip()
    value = float(line.removeprefix("u = "))
    assert value == pytest.approx(float(Result.load(trained_run).predict(x=0.5)["u"]), rel=1e-6)


@pytest.mark.parametrize("args, message", [
    (["y=0.5"], "'y' is not an input"),
    (["x=half"], "is not a number"),
    ([], "give either --points"),
])
def test_predict_usage_errors(trained_run, args, message, capsys):
    assert main(["predict", str(trained_run), *args]) == 2
    assert message in capsys.readouterr().err


def test_predict_reports_a_bad_csv_line(trained_run, tmp_path, capsys):
    points = tmp_path / "bad.csv"
    points.write_text("x\n0.1\noops\n")
    assert main(["predict", str(trained_run), "--points", str(points)]) == 2
    assert f"{points}:3: 'oops' in column 'x' is not a number" in capsys.readouterr().err


def test_models_lists_the_zoo(capsys):
    assert main(["models", "--arguments"]) == 0
    out = capsys.readouterr().out
    for name in ("mlp", "fourier", "modified_mlp", "siren", "resnet"):
        assert name in out
    assert "width: default" in out


def test_solve_with_lm_steps_saves_the_levenberg_marquardt_result(poisson_file, tmp_path, capsys):
    flags = [f for f in TINY_FLAGS if f != "--quiet"]
    out = tmp_path / "lm"
    code = main(["solve", str(poisson_file), "--out", str(out), *flags, "--steps", "30", "--lm-steps", "20",
                 "--trainer.enable_progress_bar", "false"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Levenberg-Marquardt 20/20: loss" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 50 and metrics["settings"]["lm_steps"] == 20
    assert metrics["l2re"]["u"] < 1e-3
    # the saved network is the one after the Levenberg-Marquardt phase
    loaded = Result.load(str(out))
    x = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(loaded.predict(x=x)["u"], np.sin(np.pi * x), atol=5e-2)
    assert loaded.errors()["u"] == pytest.approx(metrics["l2re"]["u"], rel=1e-6)


def test_lm_steps_on_a_network_the_forward_engine_cannot_read_train_matrix_free(poisson_file, tmp_path):
    out = tmp_path / "x"
    code = main(["solve", str(poisson_file), "--out", str(out), *TINY_FLAGS, "--steps", "3",
                 "--lm-steps", "2", "--model", "fourier"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 5 and "Gauss-Newton matrix-free" in metrics["plan"]


def test_resuming_a_finished_run_with_lm_steps_ends_where_it_ended(poisson_file, tmp_path):
    out = tmp_path / "lm_resume"
    args = ["solve", str(poisson_file), "--out", str(out), *TINY_FLAGS, "--steps", "30", "--lm-steps", "5"]
    assert main(args) == 0
    first = json.loads((out / "metrics.json").read_text())
    # Lightning's checkpoints cover the Levenberg-Marquardt phase: a resume continues from the last
    assert main(["solve", str(poisson_file), "--resume", "--out", str(out), "--quiet"]) == 0
    again = json.loads((out / "metrics.json").read_text())
    assert again["steps"] == first["steps"] == 35
    assert again["l2re"]["u"] == pytest.approx(first["l2re"]["u"], rel=1e-9)


def test_solve_warns_about_a_field_fixed_only_up_to_a_constant(tmp_path, capsys):
    path = tmp_path / "neumann.pinn"
    path.write_text("problem neumann\nspace x in [0, 1]\nfield u\n"
                    "pde: -d(u, x, x) = pi^2*cos(pi*x)\nboundary: dn(u) = 0\nexact: u = cos(pi*x)\n")
    assert main(["solve", str(path), "--out", str(tmp_path / "r"), *TINY_FLAGS, "--steps", "3"]) == 0
    err = capsys.readouterr().err
    assert f"{path}:3:7: warning: field 'u' is fixed only up to a constant" in err
    assert "'point at 0.5: u = 0'" in err
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["removed"] == {"u": "constant"} and set(metrics["l2re_raw"]) == {"u"}
