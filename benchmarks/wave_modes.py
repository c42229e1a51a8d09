"""Where the error of ``problems/wave1d.pinn`` comes from: the standing-wave content of a solution.

The exact solution ``u = sin(πx) cos(2πt) + ½ sin(4πx) cos(8πt)`` has the sine coefficients

    b_n(t) = 2 ∫₀¹ u(x, t) sin(nπx) dx:   b_1 = cos(2πt),  b_4 = ½ cos(8πt),  every other b_n = 0.

This script trains the problem (its file's settings, or those given) and prints ``b_1 … b_5`` of
the trained network at a few times beside the exact ones, with the final loss of every condition.
A wave that is learned shows both modes oscillating at full amplitude; the failures seen so far
show the fast mode ``b_4`` fading in time (its waves leave through the boundaries, whose loss
stays high) or missing from the start (the initial position loss stays near ``½ · ½² = 0.125``,
the energy of ``½ sin(4πx)``)::

    python benchmarks/wave_modes.py                       # the file's own training (minutes)
    python benchmarks/wave_modes.py --steps 2000 --lbfgs-steps 0 model=fourier sigma=2
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pinnlang  # noqa: E402

WAVE_FILE = Path(__file__).resolve().parents[1] / "problems" / "wave1d.pinn"
TIMES = (0.0, 0.125, 0.25, 0.5, 0.75, 1.0)
MODES = 5


def sine_coefficients(u_of_x: Callable[[np.ndarray], np.ndarray], modes: int = MODES,
                      points: int = 401) -> np.ndarray:
    """``b_n = 2 ∫₀¹ u(x) sin(nπx) dx`` for ``n = 1 … modes`` (trapezoidal rule on ``points``)."""
    x = np.linspace(0.0, 1.0, points)
    u = np.asarray(u_of_x(x), dtype=float).reshape(-1)
    return np.array([2.0 * np.trapezoid(u * np.sin(n * math.pi * x), x) for n in range(1, modes + 1)])


def exact_coefficients(t: float, modes: int = MODES) -> np.ndarray:
    """The sine coefficients of wave1d's exact solution at time ``t``."""
    b = np.zeros(modes)
    b[0] = math.cos(2 * math.pi * t)
    if modes >= 4:
        b[3] = 0.5 * math.cos(8 * math.pi * t)
    return b


def mode_table(result: Any, times: tuple[float, ...] = TIMES, modes: int = MODES) -> list[str]:
    """Rows ``t: b_1 (exact) … b_modes (exact)`` for a trained wave1d ``result``."""
    rows = []
    for t in times:
        def u_at(x: np.ndarray, t: float = t) -> np.ndarray:
            return result.predict(x=x, t=np.full_like(x, t))["u"]
        got, want = sine_coefficients(u_at, modes), exact_coefficients(t, modes)
        cells = "  ".join(f"{g:+.3f} ({w:+.3f})" for g, w in zip(got, want))
        rows.append(f"t = {t:5.3f}:  {cells}")
    return rows


def _setting(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, {"true": True, "false": False}.get(value, value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("settings", nargs="*", type=_setting, help="train settings as key=value")
    parser.add_argument("--steps", type=int, default=None, help="Adam steps (default: the file's)")
    parser.add_argument("--lbfgs-steps", type=int, default=None, help="L-BFGS steps (default: the file's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    overrides = dict(args.settings)
    if args.steps is not None:
        overrides["steps"] = args.steps
    if args.lbfgs_steps is not None:
        overrides["lbfgs_steps"] = args.lbfgs_steps
    result = pinnlang.solve(pinnlang.load(str(WAVE_FILE)), seed=args.seed, threads=args.threads,
                            quiet=True, **overrides)
    print(f"wave1d, {result.steps} steps in {result.train_seconds:.0f} s; settings changed: {overrides or 'none'}")
    print("final loss of each condition: " + ", ".join(f"{k} {v:.2e}" for k, v in result.losses.items()))
    print(f"relative L2 error of u: {result.errors()['u']:.3e}")
    print(f"sine coefficients b_1 ... b_{MODES} of u(., t), exact in brackets:")
    for row in mode_table(result):
        print("  " + row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
