"""Regenerate the observation files of the inverse problems in ``problems/``.

- ``observations.csv`` (for ``problems/diffusion_inverse.pinn``): the exact solution
  ``u = exp(-k pi^2 t) sin(pi x)`` with the true diffusivity ``k = 0.5`` at 200 points drawn from
  a fixed-seed generator over ``[0, 1] x [0, 1]``, without noise.
- ``heat_inverse_observations.csv`` (for ``problems/heat_inverse.pinn``, PINNacle's HInv): the
  exact solution ``u = exp(-t) sin(pi x) sin(pi y)`` at 2500 points drawn from a fixed-seed
  generator over ``[-1, 1]^2 x [0, 1]``, plus Gaussian noise of standard deviation 0.1 (as in
  PINNacle, whose own point set is not reproduced here).

Values are written with 17 significant digits. The points and the noise are reproduced exactly;
the values agree to the last bit or two (NumPy's ``exp`` and ``sin`` may round differently from
one release or CPU to the next), which is what ``--check`` compares::

    python problems/data/make_observations.py            # rewrites the CSVs next to this script
    python problems/data/make_observations.py --check    # exits 1 if a committed CSV differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import numpy as np

TRUE_K = 0.5
N_OBSERVATIONS = 200
SEED = 20240611
CSV_PATH = Path(__file__).with_name("observations.csv")

HEAT_INVERSE_N = 2500
HEAT_INVERSE_NOISE = 0.1
HEAT_INVERSE_SEED = 20230614
HEAT_INVERSE_PATH = Path(__file__).with_name("heat_inverse_observations.csv")


def observations(n: int = N_OBSERVATIONS, seed: int = SEED, k: float = TRUE_K) -> np.ndarray:
    """Rows ``(x, t, u)`` of exact observations at ``n`` seeded random points."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, n)
    t = rng.uniform(0.0, 1.0, n)
    u = np.exp(-k * np.pi**2 * t) * np.sin(np.pi * x)
    return np.column_stack([x, t, u])


def heat_inverse_observations(n: int = HEAT_INVERSE_N, seed: int = HEAT_INVERSE_SEED,
                              noise: float = HEAT_INVERSE_NOISE) -> np.ndarray:
    """Rows ``(x, y, t, u)``: ``exp(-t) sin(pi x) sin(pi y)`` plus N(0, noise^2) at ``n`` points."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    y = rng.uniform(-1.0, 1.0, n)
    t = rng.uniform(0.0, 1.0, n)
    u = np.exp(-t) * np.sin(np.pi * x) * np.sin(np.pi * y) + rng.normal(0.0, noise, n)
    return np.column_stack([x, y, t, u])


#: Every generated file: its path, its header and the function making its rows.
DATASETS: dict[Path, tuple[str, Callable[[], np.ndarray]]] = {
    CSV_PATH: ("x,t,u", observations),
    HEAT_INVERSE_PATH: ("x,y,t,u", heat_inverse_observations),
}


def csv_text(rows: np.ndarray, header: str = "x,t,u") -> str:
    """The CSV file's text: ``header`` and one row per observation."""
    lines = [header]
    lines += [",".join(f"{value:.17g}" for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def same_observations(text: str, reference: str, rtol: float = 1e-14, atol: float = 1e-15) -> bool:
    """Whether two CSV texts hold the same points exactly and the same values (last column) to
    ``rtol`` (and ``atol``, for values near zero)."""
    a = np.loadtxt(text.splitlines(), delimiter=",", skiprows=1, ndmin=2)
    b = np.loadtxt(reference.splitlines(), delimiter=",", skiprows=1, ndmin=2)
    if text.splitlines()[:1] != reference.splitlines()[:1] or a.shape != b.shape:
        return False
    return bool(np.array_equal(a[:, :-1], b[:, :-1])
                and np.allclose(a[:, -1], b[:, -1], rtol=rtol, atol=atol))


def main(argv: list[str] | None = None) -> int:
    """Write the CSVs, or with ``--check`` compare each with a fresh copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    status = 0
    for path, (header, make_rows) in DATASETS.items():
        rows = make_rows()
        text = csv_text(rows, header)
        if args.check:
            same = path.exists() and same_observations(path.read_text(), text)
            print(f"{path.name}: {'up to date' if same else 'differs from a fresh copy'}")
            status = status or (0 if same else 1)
        else:
            path.write_text(text)
            print(f"wrote {len(rows)} observations to {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
