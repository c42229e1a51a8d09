"""Regenerate ``problems/data/observations.csv`` for ``problems/diffusion_inverse.pinn``.

The observations are the exact solution ``u = exp(-k pi^2 t) sin(pi x)`` with the true
diffusivity ``k = 0.5``, at 200 points drawn from a fixed-seed generator over
``[0, 1] x [0, 1]``, written with 17 significant digits. The points are reproduced exactly; the
values agree to the last bit or two (NumPy's ``exp`` and ``sin`` may round differently from one
release or CPU to the next), which is what ``--check`` compares::

    python problems/data/make_observations.py            # rewrites the CSV next to this script
    python problems/data/make_observations.py --check    # exits 1 if the committed CSV differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TRUE_K = 0.5
N_OBSERVATIONS = 200
SEED = 20240611
CSV_PATH = Path(__file__).with_name("observations.csv")


def observations(n: int = N_OBSERVATIONS, seed: int = SEED, k: float = TRUE_K) -> np.ndarray:
    """Rows ``(x, t, u)`` of exact observations at ``n`` seeded random points."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, n)
    t = rng.uniform(0.0, 1.0, n)
    u = np.exp(-k * np.pi**2 * t) * np.sin(np.pi * x)
    return np.column_stack([x, t, u])


def csv_text(rows: np.ndarray) -> str:
    """The CSV file's text: a header ``x,t,u`` and one row per observation."""
    lines = ["x,t,u"]
    lines += [",".join(f"{value:.17g}" for value in row) for row in rows]
    return "\n".join(lines) + "\n"


def same_observations(text: str, reference: str, rtol: float = 1e-14) -> bool:
    """Whether two CSV texts hold the same points exactly and the same values to ``rtol``."""
    a = np.loadtxt(text.splitlines(), delimiter=",", skiprows=1, ndmin=2)
    b = np.loadtxt(reference.splitlines(), delimiter=",", skiprows=1, ndmin=2)
    if text.splitlines()[:1] != reference.splitlines()[:1] or a.shape != b.shape:
        return False
    return bool(np.array_equal(a[:, :2], b[:, :2]) and np.allclose(a[:, 2], b[:, 2], rtol=rtol, atol=0))


def main(argv: list[str] | None = None) -> int:
    """Write the CSV, or with ``--check`` compare it with a fresh copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = csv_text(observations())
    if args.check:
        same = CSV_PATH.exists() and same_observations(CSV_PATH.read_text(), text)
        print(f"{CSV_PATH.name}: {'up to date' if same else 'differs from a fresh copy'}")
        return 0 if same else 1
    CSV_PATH.write_text(text)
    print(f"wrote {N_OBSERVATIONS} observations to {CSV_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
