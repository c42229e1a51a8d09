"""The progress bar: one bar over the optimiser steps, phase and losses beside it."""

from __future__ import annotations

import pinnlang
from pinnlang.solver.progress import StepProgressBar

from .conftest import TINY


def test_one_bar_counts_every_step_and_names_the_phase(poisson, capsys):
    result = pinnlang.solve(poisson, steps=40, lbfgs_steps=20, log_every=10, **{**TINY, "quiet": False})
    err = capsys.readouterr().err
    bars = [b for b in result.trainer.callbacks if isinstance(b, StepProgressBar)]
    assert len(bars) == 1
    assert "60/60" in err                       # a single bar over all 60 steps ...
    assert "Epoch" not in err                   # ... not one per Lightning epoch
    assert "adam" in err and "l-bfgs" in err    # the phase is shown
    assert "pde=" in err and "boundary=" in err  # with the losses


def test_quiet_runs_have_no_bar(poisson, capsys):
    result = pinnlang.solve(poisson, steps=20, **TINY)  # TINY is quiet
    assert not any(isinstance(b, StepProgressBar) for b in result.trainer.callbacks)
    assert "adam" not in capsys.readouterr().err


def test_a_time_budget_placeholder_is_not_shown_as_a_total():
    class Limit:
        def __init__(self, max_steps):
            self.max_steps = max_steps

    assert StepProgressBar.total_steps(Limit(-1)) is None
    assert StepProgressBar.total_steps(Limit(300)) == 300
