"""One process against two: the default training of a problem file under DDP on the CPU (gloo).

Usage::

    python benchmarks/ddp.py                           # problems/poisson1d.pinn, seed 0
    python benchmarks/ddp.py problems/heat1d.pinn --seed 1 --file-training

Each run is ``pinnlang solve FILE --seed S --out DIR --quiet`` with ``--devices 1`` and then
``--devices 2 --strategy ddp`` (a subprocess: Lightning's DDP launcher re-runs the command for
every rank), with the default training: the file is copied without its ``train:`` line (unless
``--file-training``), so the run takes the default plan, Adam then Levenberg-Marquardt, whose
products and losses are summed over the ranks. Every rank draws its own points, so two processes train on twice the points per step.
The table gives the error (``metrics.json``'s ``l2re``), the training time, the steps, and the
points per second: the collocation points of one round of every condition (its ``pde``
conditions at the count of each phase of the plan) times the processes, summed over the plan's
steps that ran, divided by the training time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]


def run(path: str, devices: int, seed: int, device: str, folder: Path) -> dict[str, Any]:
    """Solve ``path`` on ``devices`` processes; its ``metrics.json``."""
    out = folder / f"devices{devices}"
    command = [sys.executable, "-m", "pinnlang", "solve", path, "--seed", str(seed), "--out", str(out),
               "--quiet", "--accelerator", device, "--devices", str(devices)]
    if devices > 1:
        command += ["--strategy", "ddp"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        raise SystemExit(f"ddp.py: {' '.join(command)} failed:\n{completed.stderr[-3000:]}")
    return json.loads((out / "metrics.json").read_text())


def points_per_step(path: str, metrics: dict[str, Any]) -> list[int]:
    """Points one process evaluates in one step of each phase of the run's plan (``data``
    conditions left out)."""
    import pinnlang
    from pinnlang.compile import compile_problem
    from pinnlang.solver.settings import resolve_settings

    conditions = compile_problem(pinnlang.load(path)).conditions
    settings = resolve_settings(metrics["settings"])
    counts = []
    for phase in metrics.get("phases") or [{"points": 0}]:
        pde = phase["points"] or settings.points
        counts.append(sum(c.n_points or (pde if c.kind == "pde" else settings.points_for(c.kind))
                          for c in conditions if c.kind != "data"))
    return counts


def points_per_second(path: str, metrics: dict[str, Any], processes: int) -> float:
    phases = metrics.get("phases") or [{"steps": metrics["steps"], "points": 0}]
    counts = points_per_step(path, metrics)
    left, total = metrics["steps"], 0
    for phase, count in zip(phases, counts):
        steps = left if phase.get("steps") is None else min(left, phase["steps"])
        total += steps * count * processes
        left -= steps
    return total / max(metrics["train_seconds"], 1e-9)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problem", nargs="?", default=str(ROOT / "problems" / "poisson1d.pinn"))
    parser.add_argument("--file-training", action="store_true", help="keep the file's train: line")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="Lightning's accelerator (gpu: one or two GPUs; cpu: gloo)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if not args.file_training:  # the same problem, trained by the default plan
            lines = Path(args.problem).read_text().splitlines(keepends=True)
            copy = Path(folder) / Path(args.problem).name
            copy.write_text("".join(line for line in lines if not line.lstrip().startswith("train:")))
            args.problem = str(copy)
        rows = []
        for devices in (1, 2):
            metrics = run(args.problem, devices, args.seed, args.device, Path(folder))
            errors = ", ".join(f"{k} {v:.2e}" for k, v in metrics["l2re"].items())
            rows.append((f"{devices} ({metrics['device']})", errors, f"{metrics['train_seconds']:.1f} s",
                         str(metrics["steps"]), f"{points_per_second(args.problem, metrics, devices):,.0f}"))
    header = ("processes", "L2 rel. error", "train time", "steps", "points/s")
    print(f"{Path(args.problem).name}, seed {args.seed}, plan: {metrics.get('plan', '')}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
