"""The solver is a normal LightningModule: callbacks, loggers, checkpoints and resume work."""

from __future__ import annotations

import os

import pytest
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, StochasticWeightAveraging

import pinnlang
from pinnlang.results.run_folder import last_lightning_checkpoint

from .conftest import TINY


def test_early_stopping_ends_training_before_the_budget(poisson):
    stop = EarlyStopping(monitor="loss", patience=2, min_delta=1e3, mode="min")
    result = pinnlang.solve(poisson, steps=2000, steps_per_epoch=20, callbacks=[stop], **TINY)
    assert stop.stopped_epoch > 0
    assert result.steps < 2000


def test_stochastic_weight_averaging_averages_the_weights(poisson):
    swa = StochasticWeightAveraging(swa_lrs=1e-3, swa_epoch_start=2)
    result = pinnlang.solve(poisson, steps=120, steps_per_epoch=20, lr=3e-3, callbacks=[swa], **TINY)
    assert int(swa.n_averaged) >= 4  # from epoch 2 of 6 on
    averaged = dict(swa._average_model.named_parameters())
    for name, param in result.module.named_parameters():
        assert torch.equal(param.detach(), averaged[name].detach().to(param.device))


class _Interrupt(Callback):
    """Raises at a given step, as a crash or a kill would stop a run."""

    def __init__(self, step: int):
        self.step = step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step == self.step:
            raise RuntimeError("simulated crash")


def test_resume_continues_an_interrupted_run_exactly(poisson, tmp_path):
    settings = dict(steps=60, lbfgs_steps=10, resample_every=20, checkpoint_every=10, log_every=5,
                    lr=3e-3, **TINY)
    reference = pinnlang.solve(poisson, out=tmp_path / "reference", **settings)

    crashed = tmp_path / "crashed"
    with pytest.raises(RuntimeError, match="simulated crash"):
        pinnlang.solve(poisson, out=crashed, callbacks=[_Interrupt(50)], **settings)
    assert last_lightning_checkpoint(str(crashed)) is not None
    assert not os.path.exists(crashed / "metrics.json")  # the run did not finish

    resumed = pinnlang.solve(poisson, out=crashed, resume=True, **settings)
    assert resumed.steps == 70
    steps = [row["step"] for row in resumed.history]
    assert steps == [row["step"] for row in reference.history]  # history kept across the crash
    assert resumed.history[-1]["loss"] == pytest.approx(reference.history[-1]["loss"], rel=1e-4)
    assert (crashed / "metrics.json").exists()


def test_resume_without_a_checkpoint_is_a_usage_error(poisson, tmp_path):
    with pytest.raises(pinnlang.PinnUsageError, match="nothing to resume"):
        pinnlang.solve(poisson, out=tmp_path / "empty", resume=True, steps=5, **TINY)


def test_trainer_arguments_pass_through(poisson):
    result = pinnlang.solve(poisson, steps=20, gradient_clip_val=1e-3, **TINY)
    assert result.trainer.gradient_clip_val == 1e-3


def test_clip_setting_clips_gradients(poisson):
    seen = []

    class AfterClip(Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            grads = [p.grad.reshape(-1) for p in pl_module.parameters() if p.grad is not None]
            seen.append(float(torch.cat(grads).norm()))

    pinnlang.solve(poisson, steps=5, clip=0.5, callbacks=[AfterClip()], **TINY)
    assert seen and max(seen) <= 0.5 + 1e-5


def test_csv_logger_writes_the_condition_losses(poisson, tmp_path):
    pinnlang.solve(poisson, steps=20, log_every=5, logger="csv", out=tmp_path, **TINY)
    metrics = next((tmp_path / "logs").rglob("metrics.csv")).read_text().splitlines()
    header = metrics[0].split(",")
    assert {"loss", "pde", "boundary", "step"} <= set(header)


def test_backward_hooks_of_callbacks_still_run(poisson):
    # A plain run skips Lightning's manual_backward (nothing would see it); a callback that
    # overrides a backward hook brings it back, and sees every optimiser step.
    calls = []

    class Counter(Callback):
        def on_after_backward(self, trainer, pl_module):
            grads = [p.grad for p in pl_module.parameters() if p.grad is not None]
            calls.append(len(grads))

    plain = pinnlang.solve(poisson, steps=20, **TINY)
    assert plain.module.plain_backward
    hooked = pinnlang.solve(poisson, steps=20, callbacks=[Counter()], **TINY)
    assert not hooked.module.plain_backward
    assert len(calls) == 20 and min(calls) > 0
    # Both paths take the same steps from the same start.
    for a, b in zip(plain.module.net.parameters(), hooked.module.net.parameters()):
        torch.testing.assert_close(a, b)


def test_adam_is_fused_on_cpu():
    from pinnlang.solver.optimizers import adam_optimizer

    net = torch.nn.Linear(2, 3)
    assert adam_optimizer(net.parameters(), 1e-3).defaults["fused"]
    # The same update as the default implementation.
    twin = torch.nn.Linear(2, 3)
    twin.load_state_dict(net.state_dict())
    fused, plain = adam_optimizer(net.parameters(), 1e-2), torch.optim.Adam(twin.parameters(), lr=1e-2)
    for _ in range(5):
        for model, opt in ((net, fused), (twin, plain)):
            opt.zero_grad()
            model(torch.ones(4, 2)).pow(2).sum().backward()
            opt.step()
    torch.testing.assert_close(net.weight, twin.weight)
