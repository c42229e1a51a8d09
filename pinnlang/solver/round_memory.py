"""What a Levenberg–Marquardt phase on fresh points remembers of its past rounds: their
Gauss–Newton models.

A round's points are a random sample of every condition's loss, and the Gauss–Newton steps fit
the sample: the next round's points show how much of that fit was the problem's and how much the
sample's. Each round's last iteration has the round's Gauss–Newton model of its loss,

    ‖ρ_j + J_j (θ − θ_j)‖²  =  2 b_jᵀ(θ − θ_j) + (θ − θ_j)ᵀ A_j (θ − θ_j) + const,

with ``A_j = J_jᵀJ_j`` and ``b_j = J_jᵀρ_j`` at that iteration's parameters ``θ_j`` (both already
formed for its step). The memory is the sum of these models, the last round's counting as much
as the round's own points and each earlier one ``factor`` times the one after it (exponential
forgetting: older models were linearised farther from where the parameters are now), and every
iteration minimises its round's loss plus the memory:

    (JᵀJ + A + μI) δ = −(Jᵀρ + b + A (θ − θ_A)).

It is recursive least squares on the rounds' linearisations (the extended Kalman filter's way
of training a network, Singhal & Wu 1989, with a forgetting factor): the steps see about
more rounds of points at the cost of one, as ``P × P`` matrices. On the 5-D heat problem (3x20,
180 s) the error of ``u`` fell from 3.8e-5 to 3.8e-6 at factor 0.25; a longer memory (0.8) took
Burgers from 3.9e-5 to 1.7e-4: early in the phase the parameters move far between rounds, and a
model taken a few rounds back predicted a loss 200 times the one its points had.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True)
class GaussNewtonModel:
    """The quadratic ``2 bᵀ(θ − θ_A) + (θ − θ_A)ᵀ A (θ − θ_A)`` (up to a constant), float64.

    Args:
        gram: ``A`` (``P × P``, symmetric, positive semi-definite).
        gradient: ``b``, half the model's gradient at ``at``.
        at: ``θ_A``, the flat parameters the model is centred on.
    """

    gram: Tensor
    gradient: Tensor
    at: Tensor

    def gradient_at(self, theta: Tensor) -> Tensor:
        """Half the model's gradient at ``theta``: ``b + A (θ − θ_A)``."""
        return self.gradient + self.gram @ (theta - self.at)

    def change(self, theta: Tensor, delta: Tensor) -> float:
        """The model at ``theta + delta`` minus the model at ``theta``."""
        return float(2 * self.gradient_at(theta) @ delta + delta @ (self.gram @ delta))

    def folded(self, newer: GaussNewtonModel, factor: float) -> GaussNewtonModel:
        """``factor`` times this model plus ``newer``, centred on ``newer``'s parameters."""
        return GaussNewtonModel(factor * self.gram + newer.gram,
                                factor * self.gradient_at(newer.at) + newer.gradient, newer.at)
