"""The problem library's files: headers, names, training settings and the committed data."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from .handwritten import DEFAULT_TRAINING, TIME_BUDGET

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
PROBLEM_FILES = sorted(PROBLEMS.glob("*.pinn"))
HEADER_KEYS = ("Source:", "Exact solution:", "Expected error:")
TRAIN_KEYS = ("steps", "lr", "model", "width", "depth", "points")


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def _train_settings(path: Path) -> dict[str, str]:
    settings: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("train:"):
            for item in line.removeprefix("train:").split(","):
                key, value = (part.strip() for part in item.split("="))
                settings[key] = value
    return settings


def _load_script():
    script = PROBLEMS / "data" / "make_observations.py"
    spec = importlib.util.spec_from_file_location("make_observations", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_library_has_the_promised_size():
    assert len(PROBLEM_FILES) >= 18
    assert (PROBLEMS / "poisson1d.pinn").exists()


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=lambda p: p.stem)
def test_header_says_what_where_from_and_expected_error(path):
    header = _header(path)
    for key in HEADER_KEYS:
        assert key in header, f"{path.name}: header lacks '{key}'"
    # Numbers in the header are measured, never guessed: until the benchmark runs it says so.
    expected = header.split("Expected error:")[1].splitlines()[0]
    assert "to be measured" in expected or (
        "measured" in expected and re.search(r"\d(\.\d+)?e[-+]\d", expected)
    ), expected


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=lambda p: p.stem)
def test_problem_name_is_the_file_name(path):
    match = re.search(r"^problem\s+([A-Za-z][A-Za-z0-9_]*)", path.read_text(), re.MULTILINE)
    assert match is not None and match.group(1) == path.stem


@pytest.mark.parametrize("path", PROBLEM_FILES, ids=lambda p: p.stem)
def test_training_defaults_suit_a_small_cpu(path):
    settings = _train_settings(path)
    if path.stem in DEFAULT_TRAINING:  # trains the default way: no settings at all
        assert not settings
        return
    if path.stem in TIME_BUDGET:  # the default training in a budget of at most 15 minutes
        assert settings == {k: str(v) for k, v in TIME_BUDGET[path.stem].items()}
        assert TIME_BUDGET[path.stem]["max_time"] <= 900
        return
    assert set(TRAIN_KEYS) <= set(settings), f"{path.name}: train settings {sorted(settings)}"
    from pinnlang.models import available_models

    assert settings["model"] in available_models()
    assert 1000 <= int(settings["steps"]) <= 10_000
    # Adam is followed by a second-order phase: L-BFGS, or Levenberg-Marquardt on a small network
    if "lm_steps" in settings:
        assert 100 <= int(settings["lm_steps"]) <= 1000
        assert int(settings["width"]) * int(settings["depth"]) <= 128  # a few thousand parameters
    else:
        assert 100 <= int(settings["lbfgs_steps"]) <= 3000
        assert 32 <= int(settings["width"])
    assert 16 <= int(settings["width"]) <= 64
    assert 3 <= int(settings["depth"]) <= 4
    assert float(settings["lr"]) == pytest.approx(1e-3)


def test_observations_csv_is_reproduced_by_its_script():
    module = _load_script()
    committed = (PROBLEMS / "data" / "observations.csv").read_text()
    fresh = module.csv_text(module.observations())
    assert module.same_observations(fresh, committed)
    assert module.main(["--check"]) == 0
    # A changed value is noticed.
    changed = committed.replace(committed.splitlines()[5].split(",")[2], "0.5", 1)
    assert not module.same_observations(changed, committed)


def test_observations_follow_the_exact_solution_with_k_one_half():
    rows = np.loadtxt(PROBLEMS / "data" / "observations.csv", delimiter=",", skiprows=1)
    header = (PROBLEMS / "data" / "observations.csv").read_text().splitlines()[0]
    assert header == "x,t,u"
    assert rows.shape == (200, 3)
    x, t, u = rows.T
    assert np.all((0 <= x) & (x <= 1) & (0 <= t) & (t <= 1))
    np.testing.assert_allclose(u, np.exp(-0.5 * np.pi**2 * t) * np.sin(np.pi * x), rtol=0, atol=1e-15)
    # k = 1 (the initial guess) would not fit the data: the inverse problem is informative.
    assert np.max(np.abs(u - np.exp(-np.pi**2 * t) * np.sin(np.pi * x))) > 0.1
