"""The run folder: the files a training run leaves behind, and how to read them back.

::

    runs/<problem>/<timestamp>/
        metrics.json      problem, steps, train_seconds, losses, l2re, unknowns, device, settings
        history.csv       one row per logging interval: step, loss, one column per condition, ...
        model.pt          the self-contained checkpoint (see pinnlang.results.checkpoint)
        problem.pinn      the problem's text
        loss.png solution.png error.png
        checkpoints/last.ckpt   Lightning's checkpoint, for --resume
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from typing import Any, Mapping, Sequence

from pinnlang.errors import PinnUsageError

METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
SOURCE_FILE = "problem.pinn"
LIGHTNING_CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"


def default_run_dir(problem_name: str, root: str = "runs") -> str:
    """``runs/<problem>/<YYYYmmdd-HHMMSS>`` (with a suffix if that folder already exists)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.join(root, problem_name, stamp)
    path, n = base, 2
    while os.path.exists(path):
        path, n = f"{base}-{n}", n + 1
    return path


def last_lightning_checkpoint(run_dir: str) -> str | None:
    """``run_dir/checkpoints/last.ckpt`` if it exists."""
    path = os.path.join(run_dir, LIGHTNING_CHECKPOINT_DIR, LAST_CHECKPOINT)
    return path if os.path.isfile(path) else None


def latest_run_dir(problem_name: str, root: str = "runs") -> str | None:
    """The newest run folder of ``problem_name`` that holds a Lightning checkpoint."""
    folder = os.path.join(root, problem_name)
    if not os.path.isdir(folder):
        return None
    candidates = sorted((os.path.join(folder, d) for d in os.listdir(folder)), reverse=True)
    return next((d for d in candidates if last_lightning_checkpoint(d)), None)


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/inf; keep them readable
    if isinstance(value, Mapping):
        return {k: _json_number(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_number(v) for v in value]
    return value


def write_metrics(run_dir: str, metrics: Mapping[str, Any]) -> str:
    """Write ``metrics.json`` (sorted keys, NaN/inf as strings); return its path."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, METRICS_FILE)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(_json_number(dict(metrics)), fh, indent=2, sort_keys=True)
        fh.write("\n")
    return path


def read_metrics(run_dir: str) -> dict[str, Any]:
    """Read ``metrics.json`` of a run folder."""
    path = os.path.join(run_dir, METRICS_FILE)
    if not os.path.isfile(path):
        raise PinnUsageError(f"'{run_dir}' is not a run folder (no {METRICS_FILE})")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def write_history(run_dir: str, history: Sequence[Mapping[str, Any]]) -> str:
    """Write ``history.csv``: the union of the rows' keys as columns, ``step`` first."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, HISTORY_FILE)
    columns: list[str] = ["step"] if any("step" in row for row in history) else []
    for row in history:
        columns += [k for k in row if k not in columns]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in history:
            writer.writerow({k: row.get(k, "") for k in columns})
    return path


def read_history(run_dir: str) -> list[dict[str, Any]]:
    """Read ``history.csv`` back into rows of numbers (``step`` as int)."""
    path = os.path.join(run_dir, HISTORY_FILE)
    if not os.path.isfile(path):
        return []
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            row: dict[str, Any] = {}
            for key, value in raw.items():
                if value == "" or value is None:
                    continue
                try:
                    row[key] = int(value) if key == "step" else float(value)
                except ValueError:
                    row[key] = value
            rows.append(row)
    return rows
