"""benchmarks/speed.py: its columns train the same loss, and the optional DeepXDE and PINA columns."""

from __future__ import annotations

import importlib.util
import math

import pytest

from .conftest import script_module


@pytest.fixture(scope="module")
def speed():
    """The benchmark script as a module."""
    yield from script_module("speed")


@pytest.mark.parametrize("problem, size", [("burgers", "tiny"), ("poisson2d", "default")])
def test_every_column_builds_a_step_on_the_hand_written_loss(speed, problem, size):
    # the forward and pinnlang columns check their first loss against the hand-written one
    steps = {name: speed.COLUMNS[name](problem, size, 0)
             for name in ("handwritten", "forward", "pinnlang")}
    times = speed.time_columns(steps, warmup=1, rounds=1, per_round=1, clock="cpu")
    assert set(times) == set(steps) and all(t >= 0 for t in times.values())
    assert speed.peak_step_memory(steps["forward"]) > 0


def test_the_deepxde_column_is_there_exactly_when_deepxde_is(speed):
    installed = importlib.util.find_spec("deepxde") is not None
    assert ("deepxde" in speed.COLUMNS) == (installed and speed.deepxde_cases.available())


def test_a_deepxde_step_trains_when_deepxde_is_installed(speed):
    pytest.importorskip("deepxde")
    step = speed.COLUMNS["deepxde"]("burgers", "tiny", 0)
    step()
    step()


def test_the_pina_column_is_there_exactly_when_pina_is(speed):
    installed = importlib.util.find_spec("pina") is not None
    assert ("pina" in speed.COLUMNS) == (installed and speed.pina_cases.available())


@pytest.fixture
def pina_cases(speed):
    """``benchmarks/pina_cases.py`` when PINA is installed (``speed`` has imported it already, with
    its import warnings kept local)."""
    pytest.importorskip("pina")
    if not speed.pina_cases.available():
        pytest.skip("PINA is installed but not with the API of benchmarks/pina_cases.py")
    return speed.pina_cases


def test_a_pina_step_trains_when_pina_is_installed(speed, pina_cases):
    step = speed.COLUMNS["pina"]("burgers", "tiny", 0)
    losses = [float(step()) for _ in range(5)]  # each the loss before that step's update
    assert all(math.isfinite(loss) for loss in losses)
    # the points are fixed, so a changed loss means changed parameters
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("problem, size", [("burgers", "tiny"), ("heat1d", "default"), ("poisson3d", "default")])
def test_the_pina_loss_on_the_hand_written_points_is_the_hand_written_loss(speed, pina_cases, problem, size):
    want = float(speed.build_case(problem, size, 0).loss().detach())
    got = float(pina_cases.pina_step(problem, size, 0, handwritten_points=True)())
    assert got == pytest.approx(want, rel=1e-5)
