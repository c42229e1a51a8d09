"""A wider network when the Levenberg-Marquardt phase stalls short of the tolerance: the zoo's
function-preserving ``widen``, the width it grows to, the plan's flag, and a default run that
widens, saves the wider network and resumes after the widening."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import pinnlang
import pinnlang.solver.lm_optimizer as lm_optimizer
import pinnlang.solver.plan as plan_module
from pinnlang.models import build_model
from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size
from pinnlang.solver.network_growth import GROWTH, wider_width, widen_on_stall
from pinnlang.solver.plan import LM, DENSE_PLAN_PARAMETERS, make_plan
from pinnlang.solver.settings import resolve_settings

from .conftest import POISSON
from .test_lm_phase import Interrupted, InterruptAt

#: 3 x 20 cannot hold sin(8 pi x) from 16 points a round: its phase stalls far above the tolerance.
WIGGLE = """\
problem wiggle "a fast sine"
space x in [0, 1]
field u
pde:      d(u, x, x) = -(8*pi)^2*sin(8*pi*x)
boundary: u = 0
exact:    u = sin(8*pi*x)
"""
#: Settings of the tiny default runs (the default plan: no step count given), in plain least squares:
#: with the default Huber steps (``lm_robust``) this run ends at u 0.12 on 3x20 without stalling.
TINY = dict(points=16, seed=0, engine="forward", quiet=True, lm_robust=0)


@pytest.mark.parametrize("name, extra", [("mlp", {}), ("axis_fourier", {"wavenumbers": [6.0, 0.0]})])
def test_widen_keeps_the_function_and_records_the_width(name, extra):
    torch.manual_seed(0)
    model = build_model(name, 2, 3, width=10, depth=3, **extra).double()
    x = torch.rand(64, 2, dtype=torch.float64)
    before = model(x).detach()
    model.widen(14, torch.Generator().manual_seed(1))
    torch.testing.assert_close(model(x).detach(), before, rtol=0, atol=1e-14)
    assert model.config["width"] == 14
    linears = getattr(model, "mlp", model).linears
    assert [layer.out_features for layer in linears] == [14, 14, 14, 3]
    assert torch.count_nonzero(linears[-1].weight[:, 10:]) == 0  # the output reads no new neuron yet
    assert torch.count_nonzero(linears[1].weight[10:]) > 0  # new neurons read the layer below
    rebuilt = build_model(**model.config).double()  # the config rebuilds the wider network
    rebuilt.load_state_dict(model.state_dict())
    torch.testing.assert_close(rebuilt(x), model(x))


def test_widen_refuses_a_width_that_is_not_wider():
    model = build_model("mlp", 1, 1, width=8, depth=2)
    with pytest.raises(ValueError, match="not wider"):
        model.widen(8)


def test_the_width_grows_the_parameters_about_twofold_within_the_limit():
    model = build_model("mlp", 2, 1, width=20, depth=3)
    parameters = sum(p.numel() for p in model.parameters())
    width = wider_width(model, parameters)
    model.widen(width)
    grown = sum(p.numel() for p in model.parameters())
    assert parameters < grown <= GROWTH * parameters
    model.widen(width + 1)
    assert sum(p.numel() for p in model.parameters()) > GROWTH * parameters  # one more is too many
    near_limit = build_model("mlp", 2, 1, width=34, depth=3)
    assert wider_width(near_limit, sum(p.numel() for p in near_limit.parameters())) is None


def test_only_a_phase_until_converged_on_a_network_pinnlang_sized_may_widen():
    default = make_plan(resolve_settings({}, {}), lm_parameters=921)
    assert [p.grow_network for p in default.phases if p.kind == LM] == [True]
    assert "a wider network if the residuals stall above the tolerance" in default.describe()
    sized = make_plan(resolve_settings({"width": 32}, {}), lm_parameters=921)
    assert not any(p.grow_network for p in sized.phases)
    counted = make_plan(resolve_settings({"steps": 10, "lm_steps": 5}, {}), lm_parameters=921)
    assert not any(p.grow_network for p in counted.phases)


@pytest.fixture(scope="module")
def short_default():
    """The default plan, short: 50 Adam steps, the phase judged after 20 iterations, and
    converged once the loss on fresh points fell by less than half over the second half of the
    phase (instead of 10 %: the stall is found after ~100 iterations, not ~1000)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plan_module, "DEFAULT_ADAM_STEPS", 50)
        patch.setattr(plan_module, "DEFAULT_LM_STEPS", 20)
        patch.setattr(lm_optimizer, "CONVERGENCE_FALL", 0.5)
        yield


#: Settings of the runs that are interrupted and resumed (and of the one they are compared with).
RESUMABLE = dict(TINY, steps_per_batch=1, checkpoint_every=2)


@pytest.fixture(scope="module")
def widened(short_default, tmp_path_factory):
    """A stalled default run that widened its network, saved to a run folder."""
    out = tmp_path_factory.mktemp("widened") / "run"
    return pinnlang.solve(pinnlang.parse(WIGGLE), out=str(out), **RESUMABLE), out


def test_a_stalled_default_run_widens_its_network_and_saves_the_wider_one(widened):
    result, out = widened
    growth = result.module.growth
    assert growth and growth[0]["width"] > 20
    assert result.network.net.config["width"] == growth[-1]["width"]
    assert levenberg_marquardt_size(result.module) == growth[-1]["parameters"] <= DENSE_PLAN_PARAMETERS
    assert f"network widened to width {growth[0]['width']}" in result.plan
    loaded = pinnlang.Result.load(out)
    x = np.linspace(0, 1, 9)
    assert loaded.predict(x=x)["u"] == pytest.approx(result.predict(x=x)["u"], rel=1e-6, abs=1e-9)


def test_a_run_within_the_tolerance_does_not_widen():
    result = pinnlang.solve(pinnlang.parse(POISSON), steps=300, lm_steps=40, points=64, quiet=True, seed=0)
    module = result.module
    assert not widen_on_stall(module, module.trainer.optimizers[0])
    assert module.growth == [] and module.net.net.config["width"] == 20


def test_a_run_killed_after_widening_resumes_to_the_uninterrupted_loss(widened, tmp_path):
    problem = pinnlang.parse(WIGGLE)
    whole = widened[0]
    grown_at = whole.module.growth[0]["step"]
    assert whole.steps > grown_at + 4
    with pytest.raises(Interrupted):  # the checkpoint every 2 steps before it is after the widening
        pinnlang.solve(problem, out=str(tmp_path / "cut"), callbacks=[InterruptAt(grown_at + 3)], **RESUMABLE)
    saved = torch.load(tmp_path / "cut" / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["pinnlang"]["growth"] == whole.module.growth[:1]
    resumed = pinnlang.solve(problem, out=str(tmp_path / "cut"), resume=True, quiet=True)
    assert resumed.steps == whole.steps and resumed.module.growth == whole.module.growth
    for name, value in whole.losses.items():
        assert resumed.losses[name] == pytest.approx(value, rel=1e-5)


def test_a_fresh_round_no_damping_can_move_widens_the_network_instead_of_ending(short_default, capsys):
    # with the damping capped low, the tiny run's fresh rounds soon refuse every step: the phase
    # would stop there; one that may widen its network widens it and goes on
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lm_optimizer, "MAX_DAMPING", 1e3)
        result = pinnlang.solve(pinnlang.parse(WIGGLE), **dict(TINY, quiet=False))
    printed = "".join(capsys.readouterr())  # the progress bar writes the phase's lines to either stream
    assert "Levenberg-Marquardt: no damping lowered the loss with '" in printed
    assert result.module.growth and result.module.growth[0]["width"] > 20
    assert result.steps > result.module.growth[0]["step"]
