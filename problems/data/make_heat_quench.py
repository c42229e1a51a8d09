"""Reference solution of the quenched bar (``problems/heat_quench.pinn``).

Equation: ``u_t = 0.1 u_xx`` on ``x in [0, 1]``, ``t in [0, 1]``, ``u(x, 0) = 1``, ``u(0, t) =
u(1, t) = 0``: a bar at a uniform temperature whose ends are held at zero from the start. The
initial and boundary data disagree at the two corners of space-time, so no closed form holds
there; separation of variables (Carslaw & Jaeger, "Conduction of Heat in Solids", 2nd ed., 1959,
section 3.3) gives the series

    u(x, t) = sum over odd n of 4 / (n pi) sin(n pi x) exp(-0.1 n^2 pi^2 t),

which converges for ``t > 0`` faster than any power of ``1/n``; at ``t = 0`` the stored row is the
initial data itself (1 inside, the ends' 0 at ``x = 0`` and ``x = 1``).

Stored: ``heat_quench.npz`` with the points ``x``, ``t`` and the values ``u`` there, float32, in
the points form of a reference file: the grid of ``x`` (201 points, step 0.005) by ``t`` (101
points, step 0.01) less its two corners ``(0, 0)`` and ``(1, 0)``, where the initial data (1)
and the ends' (0) meet and the solution has no value (the L2 norm the error approximates does not
see two points; a grid that holds them gives them the weight of a grid cell each, which alone
was 1.6e-2 of relative error for a network that follows either datum there). Run the script to
print the difference to the sum with twice the terms and rewrite the file; ``--check`` compares
a fresh sum with the stored file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grid_reference import compare_with_file, differences, save  # noqa: E402

PATH = Path(__file__).with_name("heat_quench.npz")
DIFFUSIVITY = 0.1
#: Odd terms of the stored sum: the first left out, n = 401, weighs exp(-0.1 (401 pi)^2 0.01), about
#: 1e-689, at the first stored time after 0.
TERMS = 200


def solve(terms: int = TERMS) -> dict[str, np.ndarray]:
    """``{"x", "t", "u"}`` at the stored points (the grid less its two bottom corners) from
    ``terms`` odd terms of the series."""
    x, t = np.linspace(0.0, 1.0, 201), np.linspace(0.0, 1.0, 101)
    u = np.zeros((len(x), len(t)))
    for n in 2 * np.arange(terms) + 1:
        u += 4 / (n * np.pi) * np.outer(np.sin(n * np.pi * x), np.exp(-DIFFUSIVITY * (n * np.pi) ** 2 * t))
    u[:, 0] = 1.0  # the initial data, where the series converges slowly (Gibbs)
    u[[0, -1], :] = 0.0  # the ends' data (the sine terms vanish there up to rounding)
    X, T = np.meshgrid(x, t, indexing="ij")
    keep = ~((T == 0) & ((X == 0) | (X == 1)))  # no value where the two data meet
    return {"x": X[keep], "t": T[keep], "u": u[keep]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh sum with the stored file")
    args = parser.parse_args(argv)
    arrays = solve()
    if args.check:
        problems = compare_with_file(arrays, PATH, ("x", "t"))
        for problem in problems:
            print(f"{PATH.name}: {problem}", file=sys.stderr)
        if not problems:
            print(f"{PATH.name}: matches a fresh sum ({TERMS} terms)")
        return 1 if problems else 0
    for name, (largest, relative) in differences(arrays, solve(2 * TERMS), ("x", "t")).items():
        print(f"twice the terms: {name} {largest:.2e}, {relative:.2e} (max |difference|, relative L2)")
    save(PATH, arrays)
    print(f"wrote {PATH} ({PATH.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
