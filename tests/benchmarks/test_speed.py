"""benchmarks/speed.py: its columns train the same loss, and the optional DeepXDE column."""

from __future__ import annotations

import importlib.util

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
