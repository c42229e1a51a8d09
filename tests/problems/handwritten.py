"""Hand-written SymPy statements of the problem library's exact solutions and equations.

Written independently of the parser: one function per ``problems/*.pinn`` file with a known
solution. Each returns a :class:`Case`: the exact solution of every field and named expressions
that must simplify to zero (the PDE residuals on the exact solution, and initial and boundary
data evaluated on the parts of the boundary where they hold). Symbols are plain
``sympy.Symbol``s named like the files' coordinates, so they compare equal to the parser's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

x, y, z, t, a = sp.symbols("x y z t a")
xs = sp.symbols("x1:6")
pi = sp.pi


@dataclass(frozen=True)
class Case:
    """A problem's exact solution per field, and expressions that must vanish."""

    exact: dict[str, sp.Expr]
    checks: dict[str, sp.Expr]


def lap(u: sp.Expr, coords) -> sp.Expr:
    """The Laplacian of ``u`` over ``coords``."""
    return sum(sp.diff(u, c, 2) for c in coords)


def poisson1d() -> Case:
    """``problems/poisson1d.pinn``."""
    u = sp.sin(pi * x)
    return Case({"u": u}, {
        "pde": -sp.diff(u, x, 2) - pi**2 * sp.sin(pi * x),
        "x=0": u.subs(x, 0),
        "x=1": u.subs(x, 1),
    })


def poisson2d() -> Case:
    """``problems/poisson2d.pinn``."""
    u = sp.sin(pi * x) * sp.sin(pi * y)
    return Case({"u": u}, {
        "pde": -lap(u, (x, y)) - 2 * pi**2 * sp.sin(pi * x) * sp.sin(pi * y),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1), "y=0": u.subs(y, 0), "y=1": u.subs(y, 1),
    })


def poisson_mixed() -> Case:
    """``problems/poisson_mixed.pinn``."""
    u = sp.sin(pi * x / 2) * sp.cos(pi * y / 2) + x * y
    return Case({"u": u}, {
        "pde": -lap(u, (x, y)) - pi**2 / 2 * sp.sin(pi * x / 2) * sp.cos(pi * y / 2),
        "left (x=0)": u.subs(x, 0),
        "bottom (y=0)": u.subs(y, 0) - sp.sin(pi * x / 2),
        "right (x=1, n=+x)": sp.diff(u, x).subs(x, 1) - y,
        "top (y=1, n=+y, Robin)": (sp.diff(u, y) + u).subs(y, 1) - (2 * x - pi / 2 * sp.sin(pi * x / 2)),
    })


def poisson3d() -> Case:
    """``problems/poisson3d.pinn``."""
    u = sp.sin(pi * x) * sp.sin(pi * y) * sp.sin(pi * z)
    checks = {"pde": -lap(u, (x, y, z)) - 3 * pi**2 * u}
    for c in (x, y, z):
        checks[f"{c}=0"] = u.subs(c, 0)
        checks[f"{c}=1"] = u.subs(c, 1)
    return Case({"u": u}, checks)


def poisson5d() -> Case:
    """``problems/poisson5d.pinn``."""
    u = sum(sp.sin(pi * xi / 2) for xi in xs)
    return Case({"u": u}, {"pde": -lap(u, xs) - pi**2 / 4 * sum(sp.sin(pi * xi / 2) for xi in xs)})


def helmholtz2d() -> Case:
    """``problems/helmholtz2d.pinn``."""
    k, a1, a2 = 1, 1, 4
    u = sp.sin(a1 * pi * x) * sp.sin(a2 * pi * y)
    q = (k**2 - (a1 * pi) ** 2 - (a2 * pi) ** 2) * sp.sin(a1 * pi * x) * sp.sin(a2 * pi * y)
    return Case({"u": u}, {
        "pde": lap(u, (x, y)) + k**2 * u - q,
        "x=-1": u.subs(x, -1), "x=1": u.subs(x, 1), "y=-1": u.subs(y, -1), "y=1": u.subs(y, 1),
    })


def heat1d() -> Case:
    """``problems/heat1d.pinn``."""
    alpha = sp.Rational(1, 10)
    u = sp.exp(-alpha * pi**2 * t) * sp.sin(pi * x) + sp.Rational(1, 2) * sp.exp(-9 * alpha * pi**2 * t) * sp.sin(3 * pi * x)
    return Case({"u": u}, {
        "pde": sp.diff(u, t) - alpha * sp.diff(u, x, 2),
        "initial": u.subs(t, 0) - (sp.sin(pi * x) + sp.Rational(1, 2) * sp.sin(3 * pi * x)),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1),
    })


def heat2d_ms() -> Case:
    """``problems/heat2d_ms.pinn``."""
    kx, ky = 1 / (500 * pi) ** 2, 1 / pi**2
    u = sp.sin(20 * pi * x) * sp.sin(pi * y) * sp.exp(-(kx * (20 * pi) ** 2 + ky * pi**2) * t)
    return Case({"u": u}, {
        "pde": sp.diff(u, t) - kx * sp.diff(u, x, 2) - ky * sp.diff(u, y, 2),
        "decay rate is 1.0016": kx * (20 * pi) ** 2 + ky * pi**2 - sp.Rational(10016, 10000),
        "initial": u.subs(t, 0) - sp.sin(20 * pi * x) * sp.sin(pi * y),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1), "y=0": u.subs(y, 0), "y=1": u.subs(y, 1),
    })


def heat_inverse() -> Case:
    """``problems/heat_inverse.pinn`` (PINNacle HInv): the source of PINNacle's ``HeatInv``."""
    u = sp.exp(-t) * sp.sin(pi * x) * sp.sin(pi * y)
    conductivity = 2 + sp.sin(pi * x) * sp.sin(pi * y)
    s, c = sp.sin, sp.cos
    source = sp.exp(-t) * ((4 * pi**2 - 1) * s(pi * x) * s(pi * y) + pi**2 * (
        2 * s(pi * x) ** 2 * s(pi * y) ** 2 - c(pi * x) ** 2 * s(pi * y) ** 2
        - s(pi * x) ** 2 * c(pi * y) ** 2))
    flux = [conductivity * sp.diff(u, xi) for xi in (x, y)]
    return Case({"u": u, "a": conductivity}, {
        "pde": sp.diff(u, t) - sp.diff(flux[0], x) - sp.diff(flux[1], y) - source,
        "steady": sp.diff(conductivity, t),
        "a = 2 on x = +-1": conductivity.subs(x, 1) - 2 + conductivity.subs(x, -1) - 2,
        "a = 2 on y = +-1": conductivity.subs(y, 1) - 2 + conductivity.subs(y, -1) - 2,
    })


def heat_nd() -> Case:
    """``problems/heat_nd.pinn``."""
    dim = 5
    r2 = sum(xi**2 for xi in xs)
    u = sp.exp(r2 / 2 + t)
    normal_derivative = sum(xi * sp.diff(u, xi) for xi in xs)  # n = x on the unit sphere
    on_sphere = {xs[4]: sp.sqrt(1 - sum(xi**2 for xi in xs[:4]))}
    return Case({"u": u}, {
        "pde": sp.diff(u, t) - lap(u, xs) / dim + r2 / dim * sp.exp(r2 / 2 + t),
        "initial": u.subs(t, 0) - sp.exp(r2 / 2),
        "sphere (Neumann)": (normal_derivative - r2 * sp.exp(r2 / 2 + t)).subs(on_sphere),
    })


def wave1d() -> Case:
    """``problems/wave1d.pinn``."""
    c = 2
    u = sp.sin(pi * x) * sp.cos(2 * pi * t) + sp.Rational(1, 2) * sp.sin(4 * pi * x) * sp.cos(8 * pi * t)
    return Case({"u": u}, {
        "pde": sp.diff(u, t, 2) - c**2 * sp.diff(u, x, 2),
        "initial position": u.subs(t, 0) - (sp.sin(pi * x) + sp.Rational(1, 2) * sp.sin(4 * pi * x)),
        "initial velocity": sp.diff(u, t).subs(t, 0),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1),
    })


def advection_periodic() -> Case:
    """``problems/advection_periodic.pinn``."""
    beta = 5
    u = sp.sin(x - beta * t)
    return Case({"u": u}, {
        "pde": sp.diff(u, t) + beta * sp.diff(u, x),
        "initial": u.subs(t, 0) - sp.sin(x),
        "periodic u": u.subs(x, 2 * pi) - u.subs(x, 0),
        "periodic u_x": sp.diff(u, x).subs(x, 2 * pi) - sp.diff(u, x).subs(x, 0),
    })


def allen_cahn() -> Case:
    """``problems/allen_cahn.pinn``."""
    eps = sp.Rational(1, 10)
    u = sp.Rational(1, 2) - sp.Rational(1, 2) * sp.tanh(x / (2 * sp.sqrt(2) * eps) - 3 * t / 4)
    return Case({"u": u}, {"pde": sp.diff(u, t) - (eps**2 * sp.diff(u, x, 2) + u - u**3)})


def klein_gordon() -> Case:
    """``problems/klein_gordon.pinn``."""
    u = x * sp.cos(5 * pi * t) + (x * t) ** 3
    f = -25 * pi**2 * x * sp.cos(5 * pi * t) + 6 * x**3 * t - 6 * x * t**3 + (x * sp.cos(5 * pi * t) + x**3 * t**3) ** 3
    return Case({"u": u}, {
        "pde": sp.diff(u, t, 2) - sp.diff(u, x, 2) + u**3 - f,
        "initial position": u.subs(t, 0) - x,
        "initial velocity": sp.diff(u, t).subs(t, 0),
        "x=0": u.subs(x, 0),
        "x=1": u.subs(x, 1) - (sp.cos(5 * pi * t) + t**3),
    })


def diffusion_reaction() -> Case:
    """``problems/diffusion_reaction.pinn``."""
    ks = (1, 2, 3, 4, 8)
    u = sp.exp(-t) * sum(sp.sin(k * x) / k for k in ks)
    f = sp.exp(-t) * sum(k * sp.sin(k * x) for k in ks)
    return Case({"u": u}, {
        "pde": sp.diff(u, t) - (sp.diff(u, x, 2) - u + f),
        "initial": u.subs(t, 0) - sum(sp.sin(k * x) / k for k in ks),
        "x=-pi": u.subs(x, -pi), "x=pi": u.subs(x, pi),
    })


def oscillator() -> Case:
    """``problems/oscillator.pinn``."""
    delta, omega = sp.Rational(1, 2), 2 * pi
    omega0sq = delta**2 + omega**2
    yy = sp.exp(-delta * t) * sp.cos(omega * t)
    vv = -sp.exp(-delta * t) * (delta * sp.cos(omega * t) + omega * sp.sin(omega * t))
    return Case({"y": yy, "v": vv}, {
        "position": sp.diff(yy, t) - vv,
        "velocity": sp.diff(vv, t) - (-2 * delta * vv - omega0sq * yy),
        "y(0)": yy.subs(t, 0) - 1,
        "v(0)": vv.subs(t, 0) + delta,
    })


def kovasznay() -> Case:
    """``problems/kovasznay.pinn``."""
    re = 20
    lam = sp.Rational(re, 2) - sp.sqrt(sp.Rational(re**2, 4) + 4 * pi**2)
    u = 1 - sp.exp(lam * x) * sp.cos(2 * pi * y)
    v = lam / (2 * pi) * sp.exp(lam * x) * sp.sin(2 * pi * y)
    p = (1 - sp.exp(2 * lam * x)) / 2
    return Case({"u": u, "v": v, "p": p}, {
        "momentum_x": u * sp.diff(u, x) + v * sp.diff(u, y) + sp.diff(p, x) - lap(u, (x, y)) / re,
        "momentum_y": u * sp.diff(v, x) + v * sp.diff(v, y) + sp.diff(p, y) - lap(v, (x, y)) / re,
        "continuity": sp.diff(u, x) + sp.diff(v, y),
    })


def plate_with_holes() -> Case:
    """``problems/plate_with_holes.pinn``."""
    r2, cx, cy = sp.Rational(3, 10), sp.Rational(2, 5), sp.Rational(-3, 10)
    u = sp.sin(pi * x) * sp.cos(pi * y / 2) + x * y / 2
    theta = sp.Symbol("theta")
    rim = {x: cx + r2 * sp.cos(theta), y: cy + r2 * sp.sin(theta)}
    outward = (-sp.cos(theta), -sp.sin(theta))  # the domain's outward normal points into the hole
    true_flux = (outward[0] * sp.diff(u, x) + outward[1] * sp.diff(u, y)).subs(rim)
    file_flux = (-((x - cx) * sp.diff(u, x) + (y - cy) * sp.diff(u, y)) / r2).subs(rim)
    return Case({"u": u}, {
        "pde": -lap(u, (x, y)) - 5 * pi**2 / 4 * sp.sin(pi * x) * sp.cos(pi * y / 2),
        "flux_rim is n . grad(u)": true_flux - file_flux,
    })


def laplace_lshape() -> Case:
    """``problems/laplace_lshape.pinn``."""
    radius = sp.sqrt(x**2 + y**2)
    phi = sp.atan2(y, x) + pi / 2
    u = radius ** sp.Rational(2, 3) * sp.sin(2 * phi / 3)
    s = sp.Symbol("s", positive=True)
    # In polar form the solution is r^(2/3) sin(2 phi/3); check its Laplacian there (atan2's
    # derivatives are rational, so also check the Cartesian residual at a point of each quadrant).
    rr, ph = sp.symbols("r phi", positive=True)
    polar = rr ** sp.Rational(2, 3) * sp.sin(2 * ph / 3)
    polar_laplacian = sp.diff(polar, rr, 2) + sp.diff(polar, rr) / rr + sp.diff(polar, ph, 2) / rr**2
    cartesian = lap(u, (x, y))
    return Case({"u": u}, {
        "pde (polar)": polar_laplacian,
        "pde at (0.3, 0.4)": cartesian.subs({x: sp.Rational(3, 10), y: sp.Rational(2, 5)}),
        "pde at (-0.5, 0.2)": cartesian.subs({x: sp.Rational(-1, 2), y: sp.Rational(1, 5)}),
        "pde at (0.7, -0.6)": cartesian.subs({x: sp.Rational(7, 10), y: sp.Rational(-3, 5)}),
        "corner_x (x=0, y<0)": u.subs({x: 0, y: -s}),
        "corner_y (y=0, x<0)": u.subs({y: 0, x: -s}),
    })


def diffusion_inverse() -> Case:
    """``problems/diffusion_inverse.pinn``."""
    k = sp.Rational(1, 2)
    u = sp.exp(-k * pi**2 * t) * sp.sin(pi * x)
    return Case({"u": u}, {
        "pde (k = 0.5)": sp.diff(u, t) - k * sp.diff(u, x, 2),
        "initial": u.subs(t, 0) - sp.sin(pi * x),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1),
    })


def poisson_family() -> Case:
    """``problems/poisson_family.pinn``."""
    u = a * sp.sin(pi * x) * sp.sin(pi * y)
    return Case({"u": u}, {
        "pde": -lap(u, (x, y)) - a * 2 * pi**2 * sp.sin(pi * x) * sp.sin(pi * y),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1), "y=0": u.subs(y, 0), "y=1": u.subs(y, 1),
    })


def heat_family() -> Case:
    """``problems/heat_family.pinn``."""
    alpha = sp.Symbol("alpha")
    u = sp.exp(-alpha * pi**2 * t) * sp.sin(pi * x)
    return Case({"u": u}, {
        "pde": sp.diff(u, t) - alpha * sp.diff(u, x, 2),
        "initial": u.subs(t, 0) - sp.sin(pi * x),
        "x=0": u.subs(x, 0), "x=1": u.subs(x, 1),
    })


def schrodinger_soliton() -> Case:
    """``problems/schrodinger_soliton.pinn``."""
    u = sp.cos(t / 2) / sp.cosh(x)
    v = sp.sin(t / 2) / sp.cosh(x)
    return Case({"u": u, "v": v}, {
        "real_part": sp.diff(u, t) + sp.diff(v, x, 2) / 2 + (u**2 + v**2) * v,
        "imag_part": sp.diff(v, t) - sp.diff(u, x, 2) / 2 - (u**2 + v**2) * u,
        "initial u": u.subs(t, 0) - 1 / sp.cosh(x),
        "initial v": v.subs(t, 0),
    })


def beltrami() -> Case:
    """``problems/beltrami.pinn``: Ethier & Steinman's Beltrami flow, a = d = 1, nu = 1."""
    e, s, c = sp.exp, sp.sin, sp.cos
    decay = e(-t)
    u = -(e(x) * s(y + z) + e(z) * c(x + y)) * decay
    v = -(e(y) * s(z + x) + e(x) * c(y + z)) * decay
    w = -(e(z) * s(x + y) + e(y) * c(z + x)) * decay
    p = -sp.Rational(1, 2) * (e(2 * x) + e(2 * y) + e(2 * z) + 2 * s(x + y) * c(z + x) * e(y + z)
                               + 2 * s(y + z) * c(x + y) * e(z + x)
                               + 2 * s(z + x) * c(y + z) * e(x + y)) * decay**2
    velocity, coords = (u, v, w), (x, y, z)

    def momentum(q, grad_p):
        convection = sum(vel * sp.diff(q, xi) for vel, xi in zip(velocity, coords))
        return sp.diff(q, t) + convection + grad_p - lap(q, coords)

    return Case({"u": u, "v": v, "w": w, "p": p}, {
        "momentum_x": momentum(u, sp.diff(p, x)),
        "momentum_y": momentum(v, sp.diff(p, y)),
        "momentum_z": momentum(w, sp.diff(p, z)),
        "continuity": sp.diff(u, x) + sp.diff(v, y) + sp.diff(w, z),
    })


CASES: dict[str, Callable[[], Case]] = {
    f.__name__: f
    for f in (
        poisson1d, poisson2d, poisson_mixed, poisson3d, poisson5d, helmholtz2d, heat1d, heat2d_ms,
        heat_inverse, heat_nd, wave1d, advection_periodic, allen_cahn, klein_gordon, diffusion_reaction,
        oscillator, kovasznay, plate_with_holes, laplace_lshape, diffusion_inverse,
        poisson_family, heat_family, schrodinger_soliton, beltrami,
    )
}
"""Problem name (= file stem) → its hand-written case."""
NO_EXACT = frozenset({
    "burgers", "cavity", "allen_cahn_sharp", "kdv", "ginzburg_landau", "cylinder_channel", "cavity_re1000",
    "heat_quench",
})
"""Problems without a closed-form solution."""
DEFAULT_TRAINING = frozenset({
    "advection_periodic", "allen_cahn", "allen_cahn_sharp", "beltrami", "burgers", "diffusion_inverse",
    "diffusion_reaction", "ginzburg_landau", "heat1d", "heat2d_ms", "heat_family", "heat_nd", "heat_quench", "kdv",
    "klein_gordon", "kovasznay", "laplace_lshape", "oscillator", "plate_with_holes", "poisson2d",
    "poisson3d", "poisson5d", "poisson_family", "poisson_mixed", "schrodinger_soliton", "wave1d",
})
"""Problems with no ``train:`` line: written as a new user would, they train the default way."""
TIME_BUDGET = {"cavity": {"max_time": 600, "lm_robust": 0}}
"""Problems whose ``train:`` line is a time budget (``max_time``, at most 15 minutes) and options
of the default training: the default training, longer (the cavity's in plain least squares, which
serves its corners better than Huber steps over 10 minutes)."""
TRUE_UNKNOWNS = {"diffusion_inverse": {"k": 0.5}}
"""Values of the unknowns for which the exact solutions hold (inverse problems)."""


def is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` simplifies to 0 (also after rewriting hyperbolic functions as exp)."""
    expr = sp.sympify(expr)
    if expr == 0 or sp.simplify(expr) == 0:
        return True
    return sp.simplify(expr.rewrite(sp.exp)) == 0
