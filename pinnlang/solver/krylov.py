"""Damped solves ``(A + μI) x = b`` for many ``μ`` from one Krylov space (Lanczos).

A Levenberg–Marquardt iteration asks for the step at one damping, and when that step does not
lower the loss, at a larger one, at the same linearisation. Conjugate gradients would start again
for every damping, paying the products with ``A = JᵀJ`` each time. But the Krylov space
``span{b, Ab, A²b, …}`` is the same for every shift ``A + μI``, so :class:`ShiftedLanczos`
builds its orthonormal basis ``V`` and the tridiagonal ``T = VᵀAV`` once, extends it only when a
damping needs more, and answers every damping with ``x = V (T + μI)⁻¹ ‖b‖e₁`` — the iterate
conjugate gradients would reach after as many products (in exact arithmetic). The residual of
that iterate is ``β_{k+1} |e_kᵀ (T + μI)⁻¹ ‖b‖e₁|`` without a product; a solve stops when it is
below ``tolerance · ‖b‖`` (an inexact Newton step) or the basis has ``max_iterations`` vectors.

The basis is kept and fully reorthogonalised (the products may be float32; a three-term
recurrence alone loses orthogonality): memory ``max_iterations × P`` float64 on the vectors'
device, 33 MB for 100 vectors of a 41k-parameter network.

Measured on the way (``benchmarks/gauss_newton.py`` and the project's log): a Jacobi
preconditioner (exact ``diag JᵀJ`` or a Hutchinson estimate) made conjugate gradients need 4–6
times more products on heat1d and poisson2d (3×20), and a warm start from the previous step saved
none; neither is used.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor


class ShiftedLanczos:
    """The Lanczos basis of ``A`` from ``b``, for solving ``(A + μI) x = b`` at any ``μ ≥ 0``
    with ``A`` symmetric positive semi-definite.

    Args:
        apply: ``v ↦ A v`` (float64 vectors in and out).
        b: The right-hand side.
        max_iterations: Products with ``A`` at most (the basis size).

    Attributes:
        products: Products with ``A`` so far.
    """

    def __init__(self, apply: Callable[[Tensor], Tensor], b: Tensor, max_iterations: int):
        self.apply = apply
        self.max_iterations = max(1, int(max_iterations))
        self.norm = float(b.norm())
        self.basis = torch.zeros(self.max_iterations + 1, len(b), dtype=torch.float64, device=b.device)
        if self.norm > 0:
            self.basis[0] = b / self.norm
        self.alphas: list[float] = []
        self.betas: list[float] = []  # betas[k]: the coupling of vector k + 1 to vector k
        self.products = 0
        self.exhausted = self.norm == 0  # the space is invariant: every solve is exact

    def extend(self) -> None:
        """One more basis vector (one product with ``A``)."""
        k = len(self.alphas)
        w = self.apply(self.basis[k]).double()
        self.products += 1
        self.alphas.append(float(torch.dot(self.basis[k], w)))
        used = self.basis[:k + 1]
        for _ in range(2):  # full reorthogonalisation, twice is enough
            w = w - used.T @ (used @ w)
        beta = float(w.norm())
        self.betas.append(beta)
        scale = max(abs(a) for a in self.alphas)
        if not beta > 1e-12 * scale:  # A maps the space into itself
            self.exhausted = True
            return
        self.basis[k + 1] = w / beta

    def solve(self, damping: float, tolerance: float) -> Tensor:
        """``x`` with ``‖b − (A + μI) x‖ ≤ tolerance · ‖b‖``, or the best in the largest basis."""
        while True:
            k = len(self.alphas)
            if k:
                y = self._coefficients(damping)
                residual = self.betas[-1] * abs(float(y[-1]))
                if self.exhausted or residual <= tolerance * self.norm or k >= self.max_iterations:
                    return self.basis[:k].T @ y
            elif self.exhausted:
                return torch.zeros_like(self.basis[0])
            self.extend()

    def _coefficients(self, damping: float) -> Tensor:
        k = len(self.alphas)
        device = self.basis.device
        tri = torch.diag(torch.tensor(self.alphas, dtype=torch.float64, device=device) + damping)
        if k > 1:
            off = torch.tensor(self.betas[:k - 1], dtype=torch.float64, device=device)
            tri = tri + torch.diag(off, 1) + torch.diag(off, -1)
        right = torch.zeros(k, dtype=torch.float64, device=device)
        right[0] = self.norm
        return torch.linalg.solve(tri, right)
