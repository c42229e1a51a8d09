"""The flags of `pinnlang solve` come from the settings schema; `pinnlang check` locates a bad
`train:` line; `--allow-data` reaches check, check --exact, solve and predict."""

from __future__ import annotations

import argparse

import pytest

from pinnlang.cli import main
from pinnlang.cli.solve_command import _overrides, add_arguments
from pinnlang.settings_schema import SETTINGS

from .conftest import TINY_FLAGS


def _parse(*flags: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["p.pinn", *flags])


def test_every_setting_has_a_flag_and_help(capsys):
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    text = capsys.readouterr().out
    for spec in SETTINGS.values():
        assert f"--{spec.name.replace('_', '-')}" in text
    assert "moving-average factor of adaptive weights (>= 0, <= 1; default 0.9)" in " ".join(text.split())


@pytest.mark.parametrize("flags, expected", [
    (["--lr-decay", "0.05"], {"lr_decay": 0.05}),
    (["--anneal-alpha", "0.5"], {"anneal_alpha": 0.5}),
    (["--causal-bins", "8"], {"causal_bins": 8}),
    (["--steps-per-epoch", "50"], {"steps_per_epoch": 50}),
    (["--nodes", "2", "--lbfgs", "7"], {"num_nodes": 2, "lbfgs_steps": 7}),
    (["--compile"], {"compile": "true"}),
    (["--adaptive", "--no-quiet"], {"adaptive": True, "quiet": False}),
    (["--devices", "0,1", "--precision", "64"], {"devices": "0,1", "precision": 64}),
    ([], {}),
])
def test_flags_reach_the_settings(flags, expected):
    settings, trainer = _overrides(_parse(*flags))
    assert settings == expected and trainer == {}


@pytest.mark.parametrize("flags, message", [
    (["--anneal-alpha", "1.5"], "setting 'anneal_alpha' must be >= 0, <= 1, got 1.5"),
    (["--lr", "-1"], "setting 'lr' must be > 0, got -1.0"),
])
def test_a_flag_outside_its_bounds_is_a_usage_error(poisson_file, tmp_path, capsys, flags, message):
    code = main(["solve", str(poisson_file), "--out", str(tmp_path / "r"), *flags])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_check_locates_a_misspelt_setting(tmp_path, capsys):
    path = tmp_path / "p.pinn"
    path.write_text("problem p\nspace x in [0, 1]\nfield u\npde: u = 0\nboundary: u = 0\ntrain: stpes = 5\n")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:6:8: error: unknown training setting 'stpes' (did you mean 'steps'?)" in err
    assert "    train: stpes = 5\n           ^~~~~" in err


FIT = """\
problem fit
space x in [0, 1]
field u
pde: d(u, x, 2) = 0
boundary: u = x
data "../outside/obs.csv": u
exact: u = x
"""


@pytest.fixture
def outside_data(tmp_path, monkeypatch):
    """``inside/fit.pinn`` reads ``outside/obs.csv``; the working directory is their parent."""
    (tmp_path / "inside").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "obs.csv").write_text("x,u\n0.25,0.25\n0.5,0.5\n0.75,0.75\n")
    (tmp_path / "inside" / "fit.pinn").write_text(FIT)
    monkeypatch.chdir(tmp_path)
    return "inside/fit.pinn"


@pytest.mark.parametrize("command", [["check"], ["check", "--exact"]])
def test_check_honours_allow_data(outside_data, capsys, command):
    assert main([*command, outside_data]) == 1
    assert "data file '../outside/obs.csv' is outside the folder of the problem file" in capsys.readouterr().err
    assert main([*command, outside_data, "--allow-data", "outside/obs.csv"]) == 0
    out = capsys.readouterr().out
    assert "fit" in out and (command == ["check"] or "data" in out and "ok" in out)


def test_solve_and_predict_honour_allow_data(outside_data, capsys):
    assert main(["solve", outside_data, "--out", "run", *TINY_FLAGS]) == 1
    assert "is outside the folder of the problem file" in capsys.readouterr().err
    assert main(["solve", outside_data, "--out", "run", "--allow-data", "outside", *TINY_FLAGS]) == 0
    capsys.readouterr()
    assert main(["predict", "run", "x=0.5"]) == 1  # the saved problem is read again, by the same policy
    assert "is outside the folder of the problem file" in capsys.readouterr().err
    assert main(["predict", "run", "x=0.5", "--allow-data", "outside"]) == 0
    assert capsys.readouterr().out.startswith("u = ")
