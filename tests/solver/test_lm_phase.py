"""The Levenberg-Marquardt phase inside Lightning's fit: an optimizer whose state (damping,
iteration, the best parameters on fresh points) is checkpointed, so a run interrupted during the
phase resumes to the loss of an uninterrupted one."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch
from lightning.pytorch.callbacks import Callback

import pinnlang
from pinnlang.errors import PinnUsageError
from pinnlang.solver.lm_optimizer import GAP_ROUNDS, GROW_GAP, LevenbergMarquardtOptimizer, growth_gap
from pinnlang.solver.lm_phase import grow_points, march_on
from pinnlang.solver import lm_phase
from pinnlang.solver.plan import Phase

from .conftest import POISSON
from .test_levenberg_marquardt import _module as residual_module
from .test_levenberg_marquardt import _system as residual_system


def _module(**settings):
    return residual_module(pinnlang.parse(POISSON), **settings)


def _system(module):
    return residual_system(module)


def test_an_iteration_lowers_the_loss_and_keeps_the_parameters_consistent():
    module = _module(precision="64-true")
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters())
    before = system.loss()
    after = float(optimizer.step(lambda: (system, 0)))
    assert after < before and optimizer.record["moved"] and optimizer.record["iteration"] == 1
    assert after == pytest.approx(float(system.residual().pow(2).sum()), rel=1e-12)
    assert optimizer.damping < 1e-2  # a taken step lowers the damping


def test_the_best_parameters_on_fresh_points_come_back_when_the_end_is_much_worse():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    good = [p.detach().clone() for p in module.parameters()]
    fresh = system.loss()
    optimizer.step(lambda: (system, 7))  # a new round: its loss before the iteration is kept
    assert optimizer.record["best_loss"] == pytest.approx(fresh) and optimizer.record["best_iteration"] == 0
    assert not optimizer.restore_best(fresh * 1.5)  # within the estimates' noise: kept
    assert any(not torch.equal(p, g) for p, g in zip(module.parameters(), good))
    assert optimizer.restore_best(fresh * 3)
    for p, g in zip(module.parameters(), good):
        torch.testing.assert_close(p.detach(), g)
    assert optimizer.restore_best(math.nan)  # a non-finite end always goes back


def test_a_phase_cut_mid_round_goes_back_to_where_the_round_started():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    start = [p.detach().clone() for p in module.parameters()]
    optimizer.step(lambda: (system, 0))
    optimizer.step(lambda: (system, 0))
    assert optimizer.record["round_iterations"] == 2
    assert not optimizer.back_to_round_start(2)  # a round of 2 iterations is done
    assert any(not torch.equal(p, s) for p, s in zip(module.parameters(), start))
    assert optimizer.back_to_round_start(5)  # 2 of 5: cut short
    for p, s in zip(module.parameters(), start):
        assert torch.equal(p.detach(), s)
    middle = [p.detach().clone() for p in module.parameters()]
    optimizer.step(lambda: (system, 1))  # the next round starts from here
    assert optimizer.record["round_iterations"] == 1 and optimizer.back_to_round_start(5)
    for p, s in zip(module.parameters(), middle):
        assert torch.equal(p.detach(), s)


def test_a_round_cut_short_at_the_end_of_the_phase_is_undone():
    class Keep(Callback):
        def __init__(self):
            self.params = {}

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            self.params[module.global_step] = [p.detach().clone() for p in module.net.parameters()]

    keep = Keep()
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=7, lm_resample_every=5, width=8,
                            depth=2, points=32, quiet=True, callbacks=[keep])
    assert result.steps == 27
    assert not all(torch.equal(a, b) for a, b in zip(keep.params[25], keep.params[27]))
    for p, s in zip(result.module.net.parameters(), keep.params[25]):  # the second round's end
        assert torch.equal(p.detach(), s)


def _rounds_around(target, offsets):
    """An optimiser over one parameter whose rounds started at ``target + offset`` for each
    offset in turn, ending at the last; and a judge: the squared distance to ``target``."""
    param = torch.nn.Parameter(target.clone())
    optimizer = LevenbergMarquardtOptimizer([param], keep_best=True)
    for offset in offsets:
        with torch.no_grad():
            param.copy_(target + offset)
        optimizer._mark_round_start()
    return param, optimizer, lambda: float((param.detach() - target).pow(2).sum())


def test_the_final_parameters_are_averaged_with_the_last_rounds_starts_when_that_judges_lower():
    target = torch.zeros(3)
    # rounds scattered around the target (+-1 alternately), the last one's start the final parameters
    param, optimizer, judge = _rounds_around(target, [torch.full((3,), (-1.0) ** k) for k in range(9)])
    sets, loss = optimizer.average_back(judge, judge())
    assert sets == 4 and loss == 0.0  # 2 and 4 sets both land on the target: the wider average is kept
    torch.testing.assert_close(param.detach(), target)


def test_the_widest_average_judged_within_the_restore_factor_of_the_lowest_is_kept():
    target = torch.zeros(1)
    # the final parameters 1 from the target; averages of 2 and 4 sets 0.5 and 1.3 from it
    walk = [torch.tensor([4.2]), torch.tensor([0.0]), torch.tensor([0.0]), torch.tensor([1.0])]  # 4 kept
    param, optimizer, judge = _rounds_around(target, walk)
    assert optimizer.average_back(judge, judge()) == (2, pytest.approx(0.25))
    # within twice the lowest judgement: judged alike, the wider average is kept
    walk[0] = torch.tensor([1.6])  # 4 sets 0.65 from the target: 0.42 against 0.25
    param, optimizer, judge = _rounds_around(target, walk)
    assert optimizer.average_back(judge, judge()) == (4, pytest.approx(0.4225))
    torch.testing.assert_close(param.detach(), torch.tensor([0.65]))
    # where every average judges worse by more than the factor, the final parameters stay
    param, optimizer, judge = _rounds_around(target, [torch.tensor([float(k)]) for k in (9, 8, 7, 0)])
    assert optimizer.average_back(judge, 1e-3) == (1, 1e-3)
    torch.testing.assert_close(param.detach(), target)


def test_no_round_starts_are_averaged_after_a_new_time_window_or_without_rounds():
    target = torch.zeros(2)
    param, optimizer, judge = _rounds_around(target, [torch.ones(2), -torch.ones(2)])
    optimizer.forget_rounds()  # a longer window: the rounds fitted another loss
    before = param.detach().clone()
    assert optimizer.average_back(judge, judge()) == (1, judge())
    assert torch.equal(param.detach(), before)
    fresh = LevenbergMarquardtOptimizer([torch.nn.Parameter(torch.ones(2))], keep_best=True)
    assert fresh.average_back(lambda: 1.0, 1.0) == (1, 1.0)


def test_nothing_to_go_back_to_without_fresh_rounds():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=False)
    optimizer.step(lambda: (system, 0))
    assert not optimizer.restore_best(10.0)


def test_the_state_dict_holds_everything_the_iterations_depend_on():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    for _ in range(3):
        optimizer.step(lambda: (system, 0))
    state = optimizer.state_dict()
    again = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    again.load_state_dict(state)
    for key in ("damping", "iteration", "round", "loss", "best_loss", "best_iteration", "fresh"):
        assert again.record[key] == optimizer.record[key]
    assert again.record["iteration"] == 3
    first = next(iter(module.parameters()))
    torch.testing.assert_close(again.state[first]["best"], optimizer.state[first]["best"])


@pytest.mark.parametrize("losses, converged", [
    ([1.0] * 19, False),  # fewer than two windows of rounds: not judged
    ([1.0] * 20, True),  # flat
    ([2.0 ** -k for k in range(20)], False),  # halving every round
    ([1.0] * 10 + [0.95] * 10, True),  # a twentieth in ten rounds: stopped falling
    ([1.0] * 10 + [0.8] * 10, False),  # a fifth in ten rounds: still falling
    ([1.0] * 10 + [0.5, 5.0] * 5, True),  # the odd bad round does not hide a stall (median)
    ([1.0] * 10 + [0.5] * 6 + [9.0] * 4, False),  # ... nor a good majority
    # later, the rounds that ended halfway through: a plateau of 10 rounds after 30 falling ones
    # is not yet a stall (the last 10 against rounds 10-19), one as long as the fall before is
    ([1.0] * 10 + [0.5] * 10 + [0.1] * 20, False),
    ([1.0] * 10 + [0.1] * 30, True),
])
def test_the_phase_has_converged_when_the_median_loss_on_fresh_rounds_stops_falling(losses, converged):
    optimizer = LevenbergMarquardtOptimizer(_module().parameters(), keep_best=True)
    optimizer.record["fresh"] = list(losses)
    assert optimizer.converged() is converged


def test_each_fresh_round_s_loss_is_recorded_and_on_fixed_points_every_iteration_s():
    module = _module()
    system = _system(module)
    fresh = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    for round_index in (0, 0, 1, 1, 1, 2):
        fresh.step(lambda: (system, round_index))
    assert len(fresh.record["fresh"]) == 3
    fixed = LevenbergMarquardtOptimizer(module.parameters(), keep_best=False)
    for _ in range(4):
        fixed.step(lambda: (system, 0))
    assert len(fixed.record["fresh"]) == 4


def test_a_fresh_round_far_above_the_fitted_loss_doubles_the_points_of_the_next_rounds():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    for _ in range(3):
        optimizer.step(lambda: (system, 0))
    assert optimizer.record["gap"] == 0.0  # no round before the first
    fitted = optimizer.record["loss"]
    with torch.no_grad():  # the next round's points: far worse for these parameters
        for p in module.parameters():
            p.add_(0.3 * torch.randn_like(p))
    optimizer.step(lambda: (system, 1))
    gap = optimizer.record["gap"]
    assert gap == pytest.approx(optimizer.record["fresh"][-1] / fitted) and gap > GROW_GAP
    assert optimizer.record["gaps"] == [gap]
    optimizer.record["matrix_free"] = False
    owner = SimpleNamespace(_lm_system=(1, system), report_lm=False, gauss_newton_mode="dense")
    assert grow_points(owner, optimizer) and optimizer.record["points_factor"] == 2
    # fewer rows than parameters: dense or matrix-free is chosen again on the larger rounds (and
    # not taken for a resume's); with more rows the choice stands
    assert system.local_rows < system.size
    assert owner.gauss_newton_mode is None and "matrix_free" not in optimizer.record
    assert grow_points(owner, optimizer) and optimizer.record["points_factor"] == 4
    tall = _system(_module(points=200))
    owner = SimpleNamespace(_lm_system=(1, tall), report_lm=False, gauss_newton_mode="dense")
    assert tall.local_rows > tall.size and grow_points(owner, optimizer) and owner.gauss_newton_mode == "dense"
    again = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    again.load_state_dict(optimizer.state_dict())  # a resumed run draws as many
    assert again.record["points_factor"] == 8
    assert optimizer.record["gaps"] == []  # the rounds at the new size decide the next growth


def test_the_points_grow_on_the_median_gap_of_several_rounds_or_on_one_far_gap():
    below, above, far = GROW_GAP / 2, 2 * GROW_GAP, 2 * GROW_GAP**2
    assert growth_gap({"gaps": [above] * (GAP_ROUNDS - 1)}) is None  # too few rounds
    odd_rounds = [below] * 5 + [above] * (GAP_ROUNDS // 2) + [below] * (GAP_ROUNDS - GAP_ROUNDS // 2)
    assert growth_gap({"gaps": odd_rounds}) is None
    assert growth_gap({"gaps": [below] * 5 + [above] * GAP_ROUNDS}) == above  # the last rounds decide
    assert growth_gap({"gaps": [far]}) == far  # beyond any odd round: at once
    assert growth_gap({"gaps": [far, below]}) is None
    assert growth_gap({}) is None


def test_the_default_training_ends_its_lm_phase_on_convergence(tmp_path):
    result = pinnlang.solve(pinnlang.parse(POISSON), width=8, depth=2, points=64, seed=0, quiet=True)
    lm = result.steps - 1000
    # converged, not capped: well within the default's 180 s, after the 200 it is judged from
    assert lm >= 200 and result.trainer.optimizers[0].converged() and result.diagnosis["converged"]


class BatchEnds(Callback):
    """The global step and phase at every batch end."""

    def __init__(self):
        self.seen = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.seen.append((trainer.global_step, module.phase_kind))


def test_every_iteration_is_a_lightning_step_seen_by_callbacks():
    ends = BatchEnds()
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=6, width=8, depth=2, points=32,
                            steps_per_batch=1, quiet=True, callbacks=[ends])
    seen = ends.seen
    assert result.steps == 26 and [s for s, _ in seen] == list(range(1, 27))
    assert [k for _, k in seen[:19]] == ["adam"] * 19 and [k for _, k in seen[20:]] == ["lm"] * 6
    assert isinstance(result.trainer.optimizers[0], LevenbergMarquardtOptimizer)
    assert result.history[-1]["step"] == 26 and math.isnan(result.history[-1]["lr"])


def test_a_callback_s_batch_end_comes_once_per_lm_iteration_after_larger_adam_batches():
    ends = BatchEnds()
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=40, lm_steps=7, width=8, depth=2, points=32,
                            steps_per_batch=25, quiet=True, callbacks=[ends])
    assert result.steps == 47 and result.module.steps_per_batch == 25
    assert [s for s, _ in ends.seen] == [25, 40, *range(41, 48)]  # one batch per LM iteration


def test_fresh_points_every_k_iterations_and_the_phase_s_own_point_count():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=5, lm_resample_every=2,
                            lm_points=48, width=8, depth=2, points=32, quiet=True)
    module = result.module
    # Adam on round 0; the phase on fresh rounds 1, 1, 2, 2, 3 (its own count), one more judges the end
    assert [module.plan.round_at(s) for s in range(20, 25)] == [1, 1, 2, 2, 3]
    assert module.points_round() == 4
    points = module.training_points()
    assert len(points["pde"].x) == 48


def test_without_resampling_the_phase_keeps_the_last_round():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=4, width=8, depth=2, points=32,
                            quiet=True)
    module = result.module
    assert module.points_round() == 0 and len(module.training_points()["pde"].x) == 32


class Interrupted(Exception):
    pass


class InterruptAt(Callback):
    """Kills the run (an exception, as a crash would) once ``step`` optimiser steps are done."""

    def __init__(self, step: int):
        self.step = step

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if trainer.global_step >= self.step:
            raise Interrupted


def test_a_run_killed_during_its_lm_phase_resumes_to_the_uninterrupted_loss(tmp_path):
    problem = pinnlang.parse(POISSON)
    # 120 points: more rows than the 97 parameters, so the phase steps with a memory of its rounds
    common = dict(steps=40, lm_steps=16, lm_resample_every=3, lm_points=120, width=8, depth=2,
                  points=32, steps_per_batch=1, checkpoint_every=2, quiet=True, seed=3,
                  engine="forward")  # both runs on one engine: a timed choice may differ between them
    whole = pinnlang.solve(problem, out=str(tmp_path / "whole"), **common)
    with pytest.raises(Interrupted):
        pinnlang.solve(problem, out=str(tmp_path / "cut"), callbacks=[InterruptAt(49)], **common)
    saved = torch.load(tmp_path / "cut" / "checkpoints" / "last.ckpt", weights_only=True)
    assert 40 < saved["global_step"] < 56  # the checkpoint is inside the LM phase
    state = saved["optimizer_states"][0]["state"][0]
    assert state["iteration"] == saved["global_step"] - 40 and "damping" in state and state["matrix_free"] is False
    assert state["memory_gram"].dtype == torch.float64  # the past rounds' models, at full precision
    resumed = pinnlang.solve(problem, out=str(tmp_path / "cut"), resume=True, quiet=True)
    assert resumed.steps == whole.steps == 56
    for name, value in whole.losses.items():
        assert resumed.losses[name] == pytest.approx(value, rel=1e-6, abs=1e-12)
    for a, b in zip(whole.module.parameters(), resumed.module.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_lightning_s_automatic_optimisation_takes_no_lm_phase():
    problem = pinnlang.parse(POISSON)
    with pytest.raises(PinnUsageError, match="lm_steps: Levenberg-Marquardt iterations need"):
        pinnlang.solve(problem, steps=5, lm_steps=3, gradient_clip_val=1.0, quiet=True)
    result = pinnlang.solve(problem, gradient_clip_val=1.0, width=8, depth=2, points=16, quiet=True)
    assert result.plan == "2000 Adam steps"  # no default Levenberg-Marquardt phase then


def test_max_time_ends_the_phase_after_any_iteration():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=10**6, max_time=3, width=8, depth=2,
                            points=32, quiet=True)
    assert 20 < result.steps < 20 + 10**6  # the time, not the count, ended the phase
    assert result.trainer.should_stop and result.history[-1]["step"] == result.steps


class FittedRound:
    """A residual system no damped step improves (a round fitted as far as it goes)."""

    def __init__(self, parameter):
        self.parameter, self.prepared = parameter, 0

    def prepare(self):
        self.prepared += 1
        return torch.ones(3)

    def loss(self, params=None):
        return 1.0

    def current(self):
        return {"w": self.parameter}

    def damped_step(self, damping):
        return torch.zeros(self.parameter.numel(), dtype=torch.float64)

    def unflatten(self, theta):
        return {"w": theta.reshape(self.parameter.shape)}

    def assign(self, params):
        raise AssertionError("no step lowers the loss: nothing is assigned")


class SteepRound(FittedRound):
    """A badly scaled round: the loss ``-w + 1e6 w²`` falls only for steps ``0 < δ < 1e-6``, and
    the damped step is ``1e4 / (1 + μ)``: a damping past 1e10 is needed, beyond what doubling
    from the first damping reaches in MAX_RETRIES solves (1e-2 x 2^20 ~ 1e4)."""

    def loss(self, params=None):
        w = float((self.parameter if params is None else params["w"]).sum())
        return -w + 1e6 * w * w

    def damped_step(self, damping):
        self.largest = damping
        return torch.full((self.parameter.numel(),), 1e4 / (1 + damping), dtype=torch.float64)

    def assign(self, params):
        with torch.no_grad():
            self.parameter.copy_(params["w"])


def test_a_refused_step_is_retried_with_a_damping_that_grows_until_a_short_step_lowers_the_loss():
    from pinnlang.solver.levenberg_marquardt import MAX_DAMPING, MAX_RETRIES

    parameter = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = LevenbergMarquardtOptimizer([parameter])
    system = SteepRound(parameter)
    after = float(optimizer.step(lambda: (system, 0)))
    assert optimizer.record["moved"] and after < 0.0  # the loss at w = 0 was 0
    assert 0 < float(parameter.detach()) < 1e-6
    assert 1e10 < system.largest < MAX_DAMPING and system.largest > 1e-2 * 2**MAX_RETRIES


def test_a_round_fitted_as_far_as_it_goes_waits_for_the_next_round_s_points():
    parameter = torch.nn.Parameter(torch.zeros(2))
    optimizer = LevenbergMarquardtOptimizer([parameter], keep_best=True)
    system = FittedRound(parameter)
    optimizer.step(lambda: (system, 0))
    record = optimizer.record
    assert not record["moved"] and record["stuck_fresh"]  # the phase's first round: a fresh one
    optimizer.step(lambda: (system, 1))
    start = optimizer.damping
    assert record["stuck_fresh"] and system.prepared == 2
    record.update(moved=False, stuck_fresh=False)  # as after an iteration that stopped moving mid-round
    optimizer.step(lambda: (system, 1))
    assert system.prepared == 2 and record["iteration"] == 3  # nothing changed: no work on the same points
    assert optimizer.damping == start  # the failed retries do not carry over to the next round



class PdeTimes(Callback):
    """The latest time among the pde's training points and the phase's window at each LM step."""

    def __init__(self):
        self.seen = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if isinstance(trainer.optimizers[0], LevenbergMarquardtOptimizer):
            times = module.current_batches(trainer.global_step - 1)["pde"].x[:, module._time_column]
            self.seen.append((float(times.max()), trainer.optimizers[0].record.get("window", 1)))


def test_a_marching_phase_trains_on_the_first_window_until_converged_then_on_the_whole_interval(monkeypatch):
    from .conftest import HEAT

    # converged after four fresh rounds (of the window), so the test is short; and never resolved
    monkeypatch.setattr(LevenbergMarquardtOptimizer, "converged", lambda self, rounds=0: len(self.record["fresh"]) >= 4)
    monkeypatch.setattr(lm_phase, "resolved", lambda healths: False)
    times = PdeTimes()
    result = pinnlang.solve(pinnlang.parse(HEAT), time_windows=2, width=8, depth=2, points=64, seed=0,
                            quiet=True, callbacks=[times])
    phase = result.module.plan.phases[-1]
    assert phase.kind == "lm" and phase.time_windows == 2
    assert "marching through 2 time windows" in result.module.plan.describe()
    first = [t for t, window in times.seen if window == 1]
    later = [t for t, window in times.seen if window == 2]
    # rounds 1-4 of the first window (t <= 0.5); the iteration that opens round 4 marches on, so
    # its batch end sees the next window already
    assert len(first) == 15 and max(first) <= 0.5
    assert max(later) > 0.9 and len(first) + len(later) == 200  # then all of it, until converged
    assert result.errors()["u"] < 1e-2


def test_a_window_whose_fresh_round_is_resolved_is_left_at_once(monkeypatch):
    from .conftest import HEAT

    seen = []
    original = lm_phase.relative_residuals

    def judged(compiled, net, unknowns, batches):  # the window's fresh round, before its first iteration
        healths = original(compiled, net, unknowns, batches)
        seen.append((float(batches["pde"].x[:, 1].max()), lm_phase.resolved(healths)))
        return healths

    monkeypatch.setattr(lm_phase, "relative_residuals", judged)
    monkeypatch.setattr(LevenbergMarquardtOptimizer, "converged", lambda self, rounds=0: False)  # never
    result = pinnlang.solve(pinnlang.parse(HEAT), time_windows=2, width=8, depth=2, points=64, seed=0,
                            max_time=8, quiet=True)  # a time budget: Adam, then the phase until the time is up
    assert result.trainer.optimizers[0].record["window"] == 2
    # judged on every fresh round of the first window (t <= 0.5) until one was resolved, then no more
    assert seen[-1][1] and not any(ok for _, ok in seen[:-1]) and max(t for t, _ in seen) <= 0.5


def test_a_window_never_resolved_is_left_once_it_has_spent_its_share_of_the_time_left(monkeypatch):
    from .conftest import HEAT

    clock = iter(range(100, -10_000, -10))  # seconds left, 10 fewer at every fresh round of a window
    monkeypatch.setattr(lm_phase, "time_left", lambda trainer: next(clock))
    monkeypatch.setattr(lm_phase, "resolved", lambda healths: False)  # never resolved
    monkeypatch.setattr(LevenbergMarquardtOptimizer, "converged",  # converged only on the whole interval
                        lambda self, rounds=0: self.record.get("window", 1) == 3 and len(self.record["fresh"]) >= 2)
    times = PdeTimes()
    result = pinnlang.solve(pinnlang.parse(HEAT), time_windows=3, width=8, depth=2, points=64, seed=0,
                            quiet=True, callbacks=[times])
    windows = [window for _, window in times.seen]
    # window 1 opens with 100 s left, its share a third (33 s): left after 40 s, at the fifth look
    # (its rounds 0-3 trained); window 2 opens at the next look, 50 s left, its share a half (25 s):
    # left after 30 s, at its fourth look (a share of a third of 50 s would have been spent at its third)
    rounds = [(windows.index(w + 1) - windows.index(w)) / 5 for w in (1, 2)]
    assert rounds == [4, 4]
    assert windows[-1] == 3 and "window_opened_left" not in result.trainer.optimizers[0].record


def test_a_march_restarts_the_convergence_test_and_the_kept_parameters():
    module = _module()
    system = _system(module)
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True)
    for round_index in (0, 1, 2):
        optimizer.step(lambda: (system, round_index))
    owner = SimpleNamespace(_lm_system=(2, system), report_lm=False, _time_column=1, _time_range=(0.0, 2.0))
    marching, whole = Phase("lm", None, resample_every=5, time_windows=3), Phase("lm", None, resample_every=5)
    assert not march_on(owner, optimizer, whole, "test")
    assert march_on(owner, optimizer, marching, "test") and optimizer.record["window"] == 2
    record = optimizer.record
    assert record["fresh"] == [] and record["gaps"] == []
    assert record["best_loss"] == math.inf and record["loss"] == math.inf
    assert record["damping"] >= optimizer.defaults["damping"]  # the new part of the window: large again
    assert owner._lm_system is None  # rebuilt on the longer window's points
    optimizer.step(lambda: (system, 3))
    assert record["gap"] == 0.0  # a new window's first round is not an over-fitted one
    assert march_on(owner, optimizer, marching, "test") and not march_on(owner, optimizer, marching, "test")
    assert optimizer.record["window"] == 3
    owner._time_column = None
    assert not march_on(owner, LevenbergMarquardtOptimizer(module.parameters()), marching, "test")  # no time
