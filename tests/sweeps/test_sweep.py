"""Sweeps on Optuna: the search space, the objective, the train: line, and several processes
sharing one SQLite study."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.cli import main
from pinnlang.errors import PinnUsageError
from pinnlang.solver.settings import resolve_settings
from pinnlang.sweeps.objective import ERROR, FRESH_LOSS, fresh_loss, objective_kind
from pinnlang.sweeps.result import train_line
from pinnlang.sweeps.space import dimension, search_space

optuna = pytest.importorskip("optuna")
torch.set_num_threads(1)

POISSON1D = Path(__file__).resolve().parents[2] / "problems" / "poisson1d.pinn"
TINY = dict(steps=5, lbfgs_steps=0, lm_steps=0, points=32, depth=2)
SPACE = {"width": "8:24", "lr": "1e-3:1e-2:log", "model": "mlp,siren"}
NO_EXACT = """\
problem bar
space x in [0, 1]
field u
pde:      -d(u, x, x) = 1
boundary: u = 0
"""


def test_two_processes_share_one_sqlite_study_and_the_best_line_checks(tmp_path, capfd):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    result = pinnlang.sweep(POISSON1D, trials=8, jobs=2, params=SPACE, storage=storage,
                            study="p1d", sampler_seed=3, **TINY)
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("trial ")]
    assert len(lines) == 8 and all(" -> L2 relative error " in line for line in lines)
    assert result.objective == ERROR and len(result.trials) == 8
    assert {row.state for row in result.trials} == {"COMPLETE"}
    workers = {row.worker for row in result.trials}
    assert len(workers) == 2 and os.getpid() not in workers  # two spawned processes ran them
    best = min(result.trials, key=lambda row: row.value)
    assert result.best_value == best.value and result.best_number == best.number
    assert result.best_settings == {**TINY, **best.params}
    # the study lives in the database: another process (here a fresh load) sees all eight trials
    assert len(optuna.load_study(study_name="p1d", storage=storage).trials) == 8
    # the train: line, appended to the file, is accepted by `pinnlang check` and gives the settings
    line = result.train_line()
    assert line.startswith("train: steps = 5, lbfgs_steps = 0, lm_steps = 0, points = 32, depth = 2, width = ")
    extended = tmp_path / "poisson1d.pinn"
    extended.write_text(POISSON1D.read_text() + line + "\n")
    assert main(["check", str(extended)]) == 0
    settings = resolve_settings(pinnlang.load(str(extended)).settings)
    for name, value in result.best_settings.items():
        expected = pytest.approx(value, rel=1e-5) if isinstance(value, float) else value
        assert getattr(settings, name) == expected, name


def test_a_second_invocation_joins_the_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    first = pinnlang.sweep(POISSON1D, trials=2, params={"width": "8:16"}, storage=storage,
                           progress=False, **TINY)
    second = pinnlang.sweep(POISSON1D, trials=1, params={"width": "8:16"}, storage=storage,
                            progress=False, **TINY)
    assert [r.number for r in second.trials] == [0, 1, 2]
    assert second.best_value <= first.best_value
    with pytest.raises(PinnUsageError, match="sweeps problem 'poisson1d'"):
        pinnlang.sweep(pinnlang.parse(NO_EXACT), trials=1, params={"width": "8:16"}, storage=storage,
                       study=first.study_name, **TINY)


def test_reference_files_score_a_problem_without_an_exact_solution(tmp_path):
    x = np.linspace(0, 1, 21)
    (tmp_path / "ref.csv").write_text("x,u\n" + "".join(f"{v!r},{v * (1 - v) / 2!r}\n" for v in x.tolist()))
    (tmp_path / "bar.pinn").write_text(NO_EXACT + 'reference "ref.csv": u\n')
    problem = pinnlang.load(str(tmp_path / "bar.pinn"))
    assert objective_kind(problem) == ERROR
    result = pinnlang.sweep(problem, trials=1, params={"width": "8:16"}, progress=False, **TINY)
    trained = pinnlang.solve(problem, quiet=True, **{**TINY, **result.best_settings})
    assert result.best_value == pytest.approx(trained.reference_errors()["u"], rel=1e-6)


def test_without_a_solution_the_objective_is_the_loss_on_fresh_points(tmp_path):
    problem = pinnlang.parse(NO_EXACT)
    assert objective_kind(problem) == FRESH_LOSS
    assert objective_kind(pinnlang.load(str(POISSON1D))) == ERROR
    result = pinnlang.sweep(problem, trials=2, params={"lr": (1e-3, 1e-2, "log")}, progress=False, **TINY)
    assert result.objective == FRESH_LOSS and all(math.isfinite(r.value) for r in result.trials)
    trained = pinnlang.solve(problem, quiet=True, **TINY)
    training_x = trained.module.training_points()["pde"].x.detach().numpy()
    value = fresh_loss(trained)
    assert math.isfinite(value) and value > 0
    # the fresh draw shares no point with the training round
    from pinnlang.solver.points import CollocationPoints
    from pinnlang.sweeps.objective import FRESH_SEED_OFFSET

    fresh = CollocationPoints(trained.compiled.conditions, {"pde": 32, "boundary": 16}, {"pde": "uniform",
                              "boundary": "uniform"}, FRESH_SEED_OFFSET, 0, prefetch=False).draw(0)
    assert not np.isin(fresh["pde"].x.numpy(), training_x).any()


@pytest.mark.parametrize("name, spec, kind, expected", [
    ("width", "16:64", "int", (16, 64, False)),
    ("lr", "1e-4:1e-2:log", "float", (1e-4, 1e-2, True)),
    ("lr", (1e-4, 1e-2, "log"), "float", (1e-4, 1e-2, True)),
    ("sigma", "0.5:2", "float", (0.5, 2.0, False)),
])
def test_ranges_take_their_type_from_the_settings(name, spec, kind, expected):
    dim = dimension(name, spec)
    assert (dim.kind, (dim.low, dim.high, dim.log)) == (kind, expected)


def test_choices_are_checked_by_the_settings_rule():
    assert dimension("model", "mlp,siren").choices == ("mlp", "siren")
    assert dimension("adaptive", "true,false").choices == (True, False)
    assert dimension("minibatch", [32, 64]).name == "batch_size"  # an alias


@pytest.mark.parametrize("params, message", [
    ({"widht": "8:16"}, "'widht' is not a training setting a sweep can vary (did you mean 'width'?)"),
    ({"model": "0:1"}, "'model' takes a name, not a range"),
    ({"width": "64:16"}, "the range needs low < high"),
    ({"width": "0:16"}, "setting 'width' must be > 0"),
    ({"causal": "0:1:log"}, "a log range needs low > 0"),
    ({"lr": "1e-3:1e-2:cubic"}, "the third part of a range is 'log'"),
    ({"sampler": "sobol,halton"}, "must be one of uniform, lhs, sobol, grid, got 'halton'"),
    ({"width": "8.5:16"}, "must be an integer"),
    ({"out": "a,b"}, "'out' is not a training setting a sweep can vary"),
])
def test_bad_search_spaces_are_usage_errors(params, message):
    with pytest.raises(PinnUsageError) as err:
        search_space(params)
    assert message in err.value.message


def test_the_train_line_writes_values_the_parser_reads_back(tmp_path):
    settings = {"steps": 10, "lr": 0.000123456789, "sigma": 2.0, "model": "modified_mlp",
                "adaptive": True, "devices": "0,1"}
    line = train_line(settings)
    assert line == ('train: steps = 10, lr = 0.000123457, sigma = 2.0, model = modified_mlp, '
                    'adaptive = true, devices = "0,1"')
    problem = pinnlang.parse(NO_EXACT + line + "\n")
    resolved = resolve_settings(problem.settings)
    assert (resolved.steps, resolved.model, resolved.adaptive, resolved.sigma) == (10, "modified_mlp", True, 2.0)
    assert resolved.lr == pytest.approx(0.000123457)


def test_cli_sweep_prints_the_table_and_writes_the_line(tmp_path, capsys):
    out = tmp_path / "best.txt"
    code = main(["sweep", str(POISSON1D), "--trials", "2", "--param", "width=8:16", "--param", "lr=1e-3:1e-2:log",
                 "--steps", "3", "--lbfgs-steps", "0", "--points", "32", "--write", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "trial  state     L2 relative error  seconds  width" in text
    line = out.read_text().strip()
    assert line.startswith("train: steps = 3, lbfgs_steps = 0, points = 32, width = ") and line in text


@pytest.mark.parametrize("argv, message", [
    (["--trials", "2"], "a sweep needs at least one parameter to vary"),
    (["--trials", "0", "--param", "width=8:16"], "a sweep needs trials >= 1"),
    (["--trials", "2", "--param", "width"], "--param expects NAME=LOW:HIGH"),
    (["--trials", "2", "--param", "width=8:16", "--width", "12"], "'width' is both swept"),
    (["--trials", "2", "--param", "width=8:16", "--steps", "-1"], "setting 'steps' must be >= 0"),
    (["--trials", "2", "--param", "width=8:16", "--out", "r"], "a sweep writes no run folder"),
    (["--trials", "2", "--param", "width=8:16", "--storage", "nosuchdb://x"], "cannot open the sweep storage"),
])
def test_cli_sweep_usage_errors_exit_2(argv, message, capsys):
    assert main(["sweep", str(POISSON1D), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_diverged_trial_fails_and_the_sweep_goes_on(monkeypatch, capsys):
    from pinnlang.errors import PinnRuntimeError
    from pinnlang.sweeps import study as study_module

    real = study_module.train_trial
    calls = []

    def first_diverges(problem, settings):
        calls.append(settings)
        if len(calls) == 1:
            raise PinnRuntimeError("loss of condition 'pde' is nan at step 3")
        return real(problem, settings)

    monkeypatch.setattr(study_module, "train_trial", first_diverges)
    result = pinnlang.sweep(POISSON1D, trials=3, params={"width": "8:16"}, **TINY)
    assert [row.state for row in result.trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    assert result.trials[0].error == "loss of condition 'pde' is nan at step 3"
    assert result.best_number in (1, 2)
    assert "-> fail: loss of condition 'pde' is nan at step 3" in capsys.readouterr().out
    assert "FAIL" in result.table().splitlines()[-1]  # failed trials come last

    calls.clear()  # the only trial of the next sweep diverges
    with pytest.raises(PinnRuntimeError, match="no trial of the sweep 'pinnlang-poisson1d' finished"):
        pinnlang.sweep(POISSON1D, trials=1, params={"width": "8:16"}, progress=False, **TINY)
