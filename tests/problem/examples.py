"""Six problems, each three ways: ``.pinn`` text, the SymPy builder API, and IR built by hand.

The hand-built IR uses only the dataclass constructors (no builder method), written from the
contracts in docs/internals.md, so it checks the builder independently of the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from pinnlang.geometry import Disk, Interval, Polygon, Rectangle
from pinnlang.problem import (
    Condition,
    Constant,
    DataSource,
    OnPlane,
    OnRegion,
    Param,
    Problem,
    TimeAxis,
    Unknown,
    dn,
    laplacian,
)

x, y, t, a, k, nu, omega, eps = sp.symbols("x y t a k nu omega eps")
u, v, T = sp.Function("u"), sp.Function("v"), sp.Function("T")
pi = sp.pi


@dataclass(frozen=True)
class Example:
    name: str
    text: str
    build: Callable[[], Problem]
    hand: Callable[[], Problem] | None = None


# ---------------------------------------------------------------------------- Burgers
BURGERS = '''\
# Viscous Burgers equation: a sine wave steepens into a shock.
problem burgers "Viscous Burgers, Raissi et al. 2019"

const nu = 0.01/pi

space x in [-1, 1]
time  t in [0, 1]

field u

pde:       d(u, t) + u*d(u, x) = nu*d(u, x, x)
initial:   u = -sin(pi*x)
boundary:  u = 0
'''


def burgers_built() -> Problem:
    return (Problem("burgers", title="Viscous Burgers, Raissi et al. 2019")
            .const(nu, 0.01 / pi)
            .space(x, -1, 1)
            .time(t, 0, 1)
            .field(u)
            .pde(sp.Eq(u(x, t).diff(t) + u(x, t) * u(x, t).diff(x), nu * u(x, t).diff(x, 2)))
            .initial(sp.Eq(u(x), -sp.sin(pi * x)))   # applied to a subset: normalised
            .boundary(u(x, t)))                        # an expression means "= 0"


def burgers_hand() -> Problem:
    U = u(x, t)
    return Problem(
        name="burgers", title="Viscous Burgers, Raissi et al. 2019",
        space_coords=(x,), domain=Interval(-1.0, 1.0), time_axis=TimeAxis(t, 0.0, 1.0),
        constants=(Constant(nu, sp.Float(0.01) / pi),), fields=(u,),
        conditions=[
            Condition("pde", "pde", sp.Eq(sp.Derivative(U, t) + U * sp.Derivative(U, x),
                                          nu * sp.Derivative(U, (x, 2)), evaluate=False)),
            Condition("initial", "initial", sp.Eq(U, -sp.sin(pi * x), evaluate=False)),
            Condition("boundary", "boundary", sp.Eq(U, 0, evaluate=False)),
        ],
    )


# ---------------------------------------------------------------------------- plate with a hole
PLATE = '''\
problem plate "Steady heat in a plate with an insulated hole"

let hole = disk((0, 0), 0.3)
space (x, y) in rectangle([-1, 1], [-1, 1]) - hole

field T

pde:                   laplacian(T) = 0
boundary on x = -1:    T = 1
boundary on x = 1:     T = 0
boundary on hole:      dn(T) = 0
boundary where abs(y) = 1:  dn(T) = 0
'''


def plate_built() -> Problem:
    hole = Disk((0, 0), 0.3)
    return (Problem("plate", "Steady heat in a plate with an insulated hole")
            .region("hole", hole)
            .space((x, y), Rectangle((-1, 1), (-1, 1)) - hole)
            .field("T")
            .pde(sp.Eq(laplacian(T), 0))
            .boundary(sp.Eq(T(x, y), 1), on=sp.Eq(x, -1))
            .boundary(sp.Eq(T(x, y), 0), on=sp.Eq(x, 1))
            .boundary(dn(T), on="hole")
            .boundary(sp.Eq(dn(T), 0), where=sp.Eq(sp.Abs(y), 1)))


def plate_hand() -> Problem:
    W = T(x, y)
    hole = Disk((0.0, 0.0), 0.3)
    zero = sp.Integer(0)
    return Problem(
        name="plate", title="Steady heat in a plate with an insulated hole",
        space_coords=(x, y), domain=Rectangle((-1.0, 1.0), (-1.0, 1.0)) - hole,
        fields=(T,), regions={"hole": hole},
        conditions=[
            Condition("pde", "pde", sp.Eq(sp.diff(W, x, 2) + sp.diff(W, y, 2), zero, evaluate=False)),
            Condition("boundary", "boundary", sp.Eq(W, 1, evaluate=False), on=OnPlane(x, -1.0)),
            Condition("boundary", "boundary_2", sp.Eq(W, 0, evaluate=False), on=OnPlane(x, 1.0)),
            Condition("boundary", "boundary_3", sp.Eq(dn(W), zero, evaluate=False), on=OnRegion("hole")),
            Condition("boundary", "boundary_4", sp.Eq(dn(W), zero, evaluate=False),
                      where=sp.Eq(sp.Abs(y), 1, evaluate=False)),
        ],
    )


# ---------------------------------------------------------------------------- inverse problem
INVERSE = '''\
problem diffusion_inverse

unknown k = 1.0                 # learned together with the network; 1.0 is the initial guess
space x in [0, 1]
time  t in [0, 1]
field u

pde:       d(u, t) = k*d(u, x, x)
initial:   u = sin(pi*x)
boundary:  u = 0
data "observations.csv": u      # columns x, t, u; path relative to the .pinn file
exact:     u = exp(-0.5*pi^2*t)*sin(pi*x)    # so k should come out as 0.5
'''


def inverse_built() -> Problem:
    return (Problem("diffusion_inverse")
            .unknown(k, 1.0)
            .space(x, (0, 1))
            .time(t, (0, 1))
            .field(u)
            .pde(sp.Eq(u(x, t).diff(t), k * u(x, t).diff(x, x)))
            .initial(sp.Eq(u(x, t), sp.sin(pi * x)))
            .boundary(sp.Eq(u(), 0))
            .data("observations.csv", u)
            .exact(u, sp.exp(-0.5 * pi**2 * t) * sp.sin(pi * x)))


def inverse_hand() -> Problem:
    U = u(x, t)
    return Problem(
        name="diffusion_inverse", space_coords=(x,), domain=Interval(0.0, 1.0),
        time_axis=TimeAxis(t, 0.0, 1.0), unknowns=(Unknown(k, 1.0),), fields=(u,),
        conditions=[
            Condition("pde", "pde", sp.Eq(sp.Derivative(U, t), k * sp.Derivative(U, (x, 2)), evaluate=False)),
            Condition("initial", "initial", sp.Eq(U, sp.sin(pi * x), evaluate=False)),
            Condition("boundary", "boundary", sp.Eq(U, 0, evaluate=False)),
            Condition("data", "data", data=DataSource("observations.csv", ("u",))),
        ],
        exact={"u": sp.exp(sp.Float(-0.5) * pi**2 * t) * sp.sin(pi * x)},
    )


# ---------------------------------------------------------------------------- parametric family
POISSON_FAMILY = '''\
problem poisson_family
param a in [1, 3]               # an extra network input, sampled like a coordinate
space (x, y) in rectangle([0, 1], [0, 1])
field u
pde:       -laplacian(u) = a*2*pi^2*sin(pi*x)*sin(pi*y)
boundary:  u = 0
exact:     u = a*sin(pi*x)*sin(pi*y)
'''


def poisson_family_built() -> Problem:
    return (Problem("poisson_family")
            .space((x, y), Rectangle((0, 1), (0, 1)))
            .field(u)
            .param(a, 1, 3)                # after field: fields are applied to all inputs anyway
            .pde(sp.Eq(-laplacian(u), a * 2 * pi**2 * sp.sin(pi * x) * sp.sin(pi * y)))
            .boundary(sp.Eq(u(x, y), 0), name="boundary")
            .exact(u, a * sp.sin(pi * x) * sp.sin(pi * y)))


def poisson_family_hand() -> Problem:
    U = u(x, y, a)
    return Problem(
        name="poisson_family", space_coords=(x, y), domain=Rectangle((0.0, 1.0), (0.0, 1.0)),
        params=(Param(a, 1.0, 3.0),), fields=(u,),
        conditions=[
            Condition("pde", "pde", sp.Eq(-(sp.Derivative(U, (x, 2)) + sp.Derivative(U, (y, 2))),
                                          2 * a * pi**2 * sp.sin(pi * x) * sp.sin(pi * y), evaluate=False)),
            Condition("boundary", "boundary", sp.Eq(U, 0, evaluate=False)),
        ],
        exact={"u": a * sp.sin(pi * x) * sp.sin(pi * y)},
    )


# ---------------------------------------------------------------------------- ODE system, two fields
OSCILLATOR = '''\
problem oscillator "Harmonic oscillator as a first-order system"
const omega = 2
time t in [0, 3]
field x, v
pde position: d(x, t) = v
pde velocity: d(v, t) + omega^2*x = 0
initial: x = 1
initial: v = 0
exact: x = cos(omega*t)
exact: v = -omega*sin(omega*t)
'''

X = sp.Function("x")  # a field named x: there is no space here


def oscillator_built() -> Problem:
    return (Problem("oscillator", "Harmonic oscillator as a first-order system")
            .const(omega, 2)
            .time(t, 0, 3)
            .field("x", v)
            .pde(sp.Eq(X(t).diff(t), v(t)), name="position")
            .pde(v(t).diff(t) + omega**2 * X(t), name="velocity")
            .initial(sp.Eq(X(t), 1))
            .initial(sp.Eq(v(t), 0))
            .exact("x", sp.cos(omega * t))
            .exact(v, -omega * sp.sin(omega * t)))


def oscillator_hand() -> Problem:
    return Problem(
        name="oscillator", title="Harmonic oscillator as a first-order system",
        time_axis=TimeAxis(t, 0.0, 3.0), constants=(Constant(omega, sp.Integer(2)),), fields=(X, v),
        conditions=[
            Condition("pde", "position", sp.Eq(sp.Derivative(X(t), t), v(t), evaluate=False)),
            Condition("pde", "velocity", sp.Eq(sp.Derivative(v(t), t) + omega**2 * X(t), 0, evaluate=False)),
            Condition("initial", "initial", sp.Eq(X(t), 1, evaluate=False)),
            Condition("initial", "initial_2", sp.Eq(v(t), 0, evaluate=False)),
        ],
        exact={"x": sp.cos(omega * t), "v": -omega * sp.sin(omega * t)},
    )



# ---------------------------------------------------------------------------- options, CSG, predicates
KITCHEN = '''\
problem kitchen "Options, \\"quotes\\" and CSG"
const eps = 1e-4
const L = 2*eps + 1
param a in [0.5, 1.5]
let notch = polygon((0, 0), (0.5, 0), (0.25, 0.5))
let cut = (rectangle([0, 1], [0, 1]) + disk((1, 0.5), 0.25)) & rectangle([0, 1.2], [0, 1])
space (x, y) in cut - notch
time t in [0, 1]
field u, v
pde flow: d(u, t) - eps*laplacian(u) + a*u^3 = v [weight = 2.5, points = 2000, sampler = sobol]
pde: d(v, x, y) = abs(u)*heaviside(x - 0.5) + min(x, y)/max(1, L)
initial: u = x^2*cos(pi*x) + e
initial: v = 0
boundary inlet on x = 0 where y > 0.25 and (y < 0.75 or not (x < 0)): u = 1 [weight = 100]
boundary on notch: dn(u) + u = 0
data walls "data/obs 1.csv": u, v [weight = 10]
train: steps = 100, lr = 0.001, model = mlp, width = 32
'''


def kitchen_built() -> Problem:
    L = sp.Symbol("L")
    notch = Polygon(((0, 0), (0.5, 0), (0.25, 0.5)))
    cut = (Rectangle((0, 1), (0, 1)) + Disk((1, 0.5), 0.25)) & Rectangle((0, 1.2), (0, 1))
    return (Problem("kitchen", 'Options, "quotes" and CSG')
            .const(eps, 1e-4).const(L, 2 * eps + 1)
            .param(a, 0.5, 1.5)
            .region("notch", notch).region("cut", cut)
            .space((x, y), cut - notch)
            .time(t, 0, 1)
            .field(u, v)
            .pde(sp.Eq(u(x, y, t).diff(t) - eps * laplacian(u) + a * u() ** 3, v()), name="flow",
                 weight=2.5, points=2000, sampler="sobol")
            .pde(sp.Eq(sp.Derivative(v(x, y), x, y),
                       sp.Abs(u()) * sp.Heaviside(x - 0.5) + sp.Min(x, y) / sp.Max(1, L)))
            .initial(sp.Eq(u(x, y), x**2 * sp.cos(pi * x) + sp.E))
            .initial(sp.Eq(v(x, y), 0))
            .boundary(sp.Eq(u(), 1), name="inlet", on=sp.Eq(x, 0),
                      where=sp.And(y > 0.25, sp.Or(y < 0.75, sp.Not(x < 0))), weight=100)
            .boundary(dn(u) + u(), on="notch")
            .data("data/obs 1.csv", u, "v", name="walls", weight=10)
            .train(steps=100, lr=1e-3, model="mlp", width=32))


def allen_cahn_built() -> Problem:
    return (Problem("allen_cahn")
            .const(eps, sp.Rational(1, 10000))
            .space(x, -1, 1).time(t, 0, 1).field(u)
            .pde(sp.Eq(u(x, t).diff(t) - eps * u(x, t).diff(x, 2) + 5 * u() ** 3 - 5 * u(), 0),
                 name="residual", sampler="lhs", points=1000)
            .initial(sp.Eq(u(x, t), x**2 * sp.cos(pi * x)))
            .periodic(x, weight=1.5)
            .boundary(sp.Eq(u(), -1), where=sp.Or(x < -0.99, x > 0.99) & (t > 0.5))
            .train(steps=5, lbfgs_steps=0, lr=2.5e-3, sampler="sobol", seed=7))


EXAMPLES: dict[str, Example] = {
    "burgers": Example("burgers", BURGERS, burgers_built, burgers_hand),
    "plate": Example("plate", PLATE, plate_built, plate_hand),
    "diffusion_inverse": Example("diffusion_inverse", INVERSE, inverse_built, inverse_hand),
    "poisson_family": Example("poisson_family", POISSON_FAMILY, poisson_family_built, poisson_family_hand),
    "oscillator": Example("oscillator", OSCILLATOR, oscillator_built, oscillator_hand),
    "kitchen": Example("kitchen", KITCHEN, kitchen_built),
}

ROUND_TRIP: dict[str, Callable[[], Problem]] = {
    **{name: ex.build for name, ex in EXAMPLES.items()},
    "kitchen": kitchen_built,
    "allen_cahn": allen_cahn_built,
}

# Data files the problems name, relative to the folder of the .pinn file.
DATA_FILES: dict[str, str] = {
    "observations.csv": "x,t,u\n0.5,0.0,1.0\n",
    "data/obs 1.csv": "x,y,t,a,u,v\n0.5,0.5,0.0,1.0,1.0,0.0\n",
}
