"""Accuracy of pinnlang on the problem library: L2 relative error per field, learned unknowns, time.

Usage::

    python benchmarks/accuracy.py                          # every problems/*.pinn, its train: settings
    python benchmarks/accuracy.py --budget 300             # 300 Adam steps each, L-BFGS scaled alike
    python benchmarks/accuracy.py --only burgers,heat1d --lbfgs 50 --max-time 120 --jobs 2
    python benchmarks/accuracy.py --no-settings            # as written the natural way (below)
    python benchmarks/accuracy.py --set hard               # the hard set (benchmarks/hard_set.py)
    python benchmarks/accuracy.py --only cavity --seed 2 --setting importance=0   # one setting more

The default set is every ``problems/*.pinn`` but the hard problems; ``--set hard`` runs those
(``hard_set.HARD_SET``) and adds a table of their quantities, published numbers and targets.

Each problem is solved with its file's ``train:`` settings, or with ``--budget STEPS`` Adam steps
(the file's L-BFGS steps are then scaled by ``STEPS / file steps``, unless ``--lbfgs`` sets them).
With ``--no-settings`` every file's ``train:`` settings and every condition's ``weight`` are
removed and the problem gets pinnlang's default training with no argument (``--max-time`` still
applies): a problem written the natural way. The "converged" column is the run's own verdict
from its residuals on fresh points (:mod:`pinnlang.solver.diagnosis`); what the defaults derived
from the problem (:mod:`pinnlang.solver.defaults`) is in the progress line and the csv.
The error of each field is ``||u_net - u_ref|| / ||u_ref||``, where ``u_ref`` is, in this order,

- the ``exact:`` solution of the file (``Result.errors()``), on the problem's evaluation points (a
  grid over the whole input domain, never the training points); the "reference" column says
  ``exact``;
- the files of the problem's ``reference`` statements (``Result.reference_errors()``), at their
  points; the column says ``reference file``;
- the reference solution registered in :mod:`pinnlang.reference` (the Cole-Hopf solution for
  ``burgers``), on the same evaluation points; the column says ``reference``;
- the tabulated reference registered there (``reference_points``), on its own points and only
  for the fields it tabulates: the lid-driven cavity's ``u`` and ``v`` at the 15 + 15 interior
  centre-line points of Ghia, Ghia & Shin (1982), the values of a converged finite-element
  solution (:mod:`pinnlang.reference.cavity_converged`), no pressure; the column gives its label
  (``converged centrelines``);
- none: the problem is listed with "no reference".

Learned unknowns are compared with the values the data were generated with (``TRUE_UNKNOWNS``).
A problem that fails to load, diverges (a non-finite loss or prediction) or raises is listed with
its failure; nothing is left out. The table is printed and written to
``benchmarks/results/accuracy.csv`` and ``accuracy.md`` (``--out`` picks another folder).

The "PINNacle case" column names the problem of the PINNacle benchmark (Hao et al., arXiv:2306.08827)
that a file reproduces: Heat2d-MS, Wave1d-C, PNd, HNd (5-D) and HInv. The "PINNacle baseline L2"
column gives, where published, the error of PINNacle's vanilla-PINN baseline runs (20,000 Adam
iterations) as its authors committed it to their repository's result files (``PINNACLE_BASELINE``
names file and commit): Heat2d-MS, HNd and PNd; the repository has none for Wave1d-C or HInv. The
paper's own results table (Table 3) could not be read where this benchmark was written, and the
benchmark prints only numbers it measured or read from a source it can cite.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime
import importlib.util
import math
import multiprocessing
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hard_set  # noqa: E402

PROBLEMS = ROOT / "problems"
RESULTS = ROOT / "benchmarks" / "results"
EVALUATION_POINTS = 10_000  # as Result.errors()


def _true_unknowns() -> dict[str, dict[str, float]]:
    """``{problem: {unknown: true value}}``, from the scripts that generated the problems' data."""
    script = PROBLEMS / "data" / "make_observations.py"
    spec = importlib.util.spec_from_file_location("make_observations", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"diffusion_inverse": {"k": float(module.TRUE_K)}}


TRUE_UNKNOWNS = _true_unknowns()

#: Problem file -> the PINNacle benchmark case it reproduces (equation, domain, data, solution).
PINNACLE_CASES = {
    "heat2d_ms": "Heat2d-MS",
    "wave1d": "Wave1d-C",
    "poisson5d": "PNd",
    "heat_nd": "HNd",
    "heat_inverse": "HInv",
}

#: The errors PINNacle's authors published for its vanilla-PINN ``baseline`` runs (20,000 Adam
#: iterations; mean and standard deviation of the L2 relative error) in the result files of their
#: repository, github.com/i207M/PINNacle: problem file -> (mean, std, file at commit (case name)).
#: These are not the paper's Table 3, which could not be read where this benchmark was written.
PINNACLE_BASELINE = {
    "heat2d_ms": (0.08778, 0.02822, "results/heat/heat-baseline.csv at 86bb922 (Heat2D_Multiscale)"),
    "heat_nd": (0.005420, 0.003590, "results/heat/heat-baseline.csv at 86bb922 (HeatND)"),
    "poisson5d": (0.000860, 0.0, "results/baseline.csv at 8ad815b (PoissonND, one run)"),
}


def pinnacle_baseline_text(problem: str) -> str:
    """``8.78e-02 ± 2.8e-02`` (PINNacle's published baseline error of ``problem``) or ``-``."""
    if problem not in PINNACLE_BASELINE:
        return "-"
    mean, std, _ = PINNACLE_BASELINE[problem]
    return f"{mean:.2e} ± {std:.1e}" if std else f"{mean:.2e}"


@dataclass
class Row:
    """One problem's line of the table (also one row of the CSV file)."""

    problem: str
    status: str = "ok"
    reference: str = ""
    l2re: dict[str, float] = field(default_factory=dict)
    unknowns: dict[str, float] = field(default_factory=dict)
    quantities: dict[str, dict[str, Any]] = field(default_factory=dict)
    adam_steps: int = 0
    lbfgs_steps: int = 0
    lm_steps: int = 0
    steps: int = 0
    final_loss: float | None = None
    wall_seconds: float = 0.0
    train_seconds: float = 0.0
    device: str = ""
    engine: str = ""
    converged: str = ""
    defaults: str = ""

    # ------------------------------------------------------------------ cells of the table
    def l2re_text(self) -> str:
        if self.l2re:
            return ", ".join(f"{f} {v:.2e}" for f, v in self.l2re.items())
        return "no reference" if self.reference == "none" else "-"

    def unknowns_text(self) -> str:
        truth = TRUE_UNKNOWNS.get(self.problem, {})
        parts = []
        for name, value in self.unknowns.items():
            if name in truth and truth[name] != 0:
                rel = abs(value - truth[name]) / abs(truth[name])
                parts.append(f"{name} = {value:.4g} (true {truth[name]:g}, rel. err. {rel:.1e})")
            else:
                parts.append(f"{name} = {value:.4g}")
        return "; ".join(parts) or "-"

    def csv_row(self) -> dict[str, Any]:
        return {
            "problem": self.problem, "status": self.status, "reference": self.reference,
            "l2re": "; ".join(f"{f}={v:.6e}" for f, v in self.l2re.items()),
            "max_l2re": f"{max(self.l2re.values()):.6e}" if self.l2re else "",
            "unknowns": "; ".join(f"{k}={v:.8g}" for k, v in self.unknowns.items()),
            "quantities": "; ".join(f"{k}={q['value']:.10g}" for k, q in self.quantities.items()),
            "true_unknowns": "; ".join(f"{k}={v:g}" for k, v in TRUE_UNKNOWNS.get(self.problem, {}).items()),
            "adam_steps": self.adam_steps, "lbfgs_steps": self.lbfgs_steps, "lm_steps": self.lm_steps,
            "steps_taken": self.steps,
            "final_loss": "" if self.final_loss is None else f"{self.final_loss:.6e}", "wall_seconds": f"{self.wall_seconds:.1f}",
            "train_seconds": f"{self.train_seconds:.1f}", "device": self.device, "engine": self.engine,
            "converged": self.converged, "defaults": self.defaults,
            "pinnacle_case": PINNACLE_CASES.get(self.problem, ""),
            "pinnacle_baseline_l2re": f"{PINNACLE_BASELINE[self.problem][0]:.6e}" if self.problem in PINNACLE_BASELINE else "",
        }


# ------------------------------------------------------------------ planning and solving
def planned_steps(settings: dict[str, Any], budget: int | None, lbfgs: int | None) -> tuple[int, int, int]:
    """Adam, L-BFGS and Levenberg-Marquardt steps for a problem whose ``train:`` settings are
    ``settings``: the file's, the later phases scaled like Adam's under a ``budget`` (an
    ``lbfgs`` given wins)."""
    from pinnlang.solver.settings import resolve_settings

    resolved = resolve_settings(settings)

    def scaled(count: int) -> int:
        if budget is None or resolved.steps == 0:
            return count
        return round(count * budget / resolved.steps)

    adam = resolved.steps if budget is None else budget
    return adam, scaled(resolved.lbfgs_steps) if lbfgs is None else lbfgs, scaled(resolved.lm_steps)


def step_overrides(settings: dict[str, Any], budget: int | None, lbfgs: int | None) -> dict[str, int] | None:
    """The step counts a file-settings run is given (:func:`planned_steps`), or ``None`` when
    the file names none (no ``train:`` line, or a time budget alone) and no ``budget`` or
    ``lbfgs`` is asked: such a file trains by the default plan, which any step count turns off."""
    if budget is None and lbfgs is None and not {"steps", "lbfgs_steps", "lm_steps"} & set(settings):
        return None
    adam, lbfgs_steps, lm_steps = planned_steps(settings, budget, lbfgs)
    return {"steps": adam, "lbfgs_steps": lbfgs_steps, "lm_steps": lm_steps}


def reference_errors(result: Any) -> tuple[str, dict[str, float]]:
    """``(kind, {field: L2RE})``: against ``exact:``, else the ``reference`` files, else a
    registered reference, else none.

    ``kind`` is ``"exact"``, ``"reference file"``, ``"reference"`` (a callable reference on the
    evaluation grid), the label of a tabulated reference (scored on its own points, its fields
    only) or ``"none"``.
    """
    import numpy as np

    from pinnlang.reference import reference_points, reference_solution, relative_l2_error

    if result.compiled.exact_fn is not None:
        return "exact", result.errors(EVALUATION_POINTS)
    if getattr(result.problem, "references", ()):
        return "reference file", result.reference_errors()
    reference = reference_solution(result.problem.name)
    if reference is not None:
        points = result.compiled.evaluation_points(EVALUATION_POINTS, np.random.default_rng(12345))
        points = points.detach().cpu().double().numpy()
        truth = np.asarray(reference(points), dtype=np.float64)
        predicted = result.evaluate(points)
        errors = {name: relative_l2_error(predicted[:, i], truth[:, i])
                  for i, name in enumerate(result.field_names)}
        return "reference", errors
    tabulated = reference_points(result.problem.name)
    if tabulated is not None:
        return tabulated.label, tabulated.relative_errors(result.evaluate, result.input_names,
                                                          result.field_names)
    return "none", {}


def without_settings(problem: Any) -> Any:
    """``problem`` as written the natural way: no ``train:`` settings, every weight 1."""
    import dataclasses

    conditions = [dataclasses.replace(c, options={k: v for k, v in c.options.items() if k != "weight"})
                  for c in problem.conditions]
    return dataclasses.replace(problem, settings={}, conditions=conditions)


def solve_one(path: str, budget: int | None, lbfgs: int | None, max_time: float | None,
              threads: int | None, no_settings: bool = False, device: str | None = None,
              seed: int | None = None, settings: dict[str, Any] | None = None) -> Row:
    """Load, solve and score one problem; every failure becomes the row's status."""
    import torch

    import pinnlang
    from pinnlang.errors import PinnError, PinnRuntimeError

    if threads:
        torch.set_num_threads(threads)
    row = Row(problem=Path(path).stem)
    started = time.perf_counter()
    try:
        problem = pinnlang.load(path)
        row.problem = problem.name
        extra: dict[str, Any] = {"max_time": max_time} if max_time else {}
        if device:
            extra["accelerator"] = device
        if seed is not None:
            extra["seed"] = seed
        extra.update(settings or {})
        steps = None if no_settings else step_overrides(problem.settings, budget, lbfgs)
        if steps is None:  # the default training's own plan (a time budget's, with max_time)
            result = pinnlang.solve(without_settings(problem) if no_settings else problem,
                                    quiet=True, **extra)
            row.adam_steps = result.steps
        else:
            row.adam_steps, row.lbfgs_steps, row.lm_steps = (
                steps["steps"], steps["lbfgs_steps"], steps["lm_steps"])
            result = pinnlang.solve(problem, quiet=True, **steps, **extra)
        if result.diagnosis:
            row.converged = "yes" if result.diagnosis["converged"] else "no"
        row.defaults = result.defaults or ""
        row.steps, row.device = result.steps, result.device
        row.engine = str(result.module.engine_choice.get("engine", ""))
        row.train_seconds = result.train_seconds
        row.final_loss = float(sum(result.losses.values())) if result.losses else None
        row.unknowns = dict(result.unknowns)
        row.reference, row.l2re = reference_errors(result)
        row.quantities = hard_set.quantities(result)
        row.status = status_of(row)
    except PinnRuntimeError as error:
        row.status = f"diverged: {error.message}"
    except PinnError as error:
        row.status = f"failed: {error.message}"
    except Exception as error:  # a bug: listed in the table, traceback on stderr
        traceback.print_exc(file=sys.stderr)
        row.status = f"failed: {type(error).__name__}: {error}"
    row.wall_seconds = time.perf_counter() - started
    return row


def status_of(row: Row) -> str:
    """``ok``, or what went wrong with a run that finished."""
    values = [*row.l2re.values(), *row.unknowns.values()]
    if row.final_loss is not None:
        values.append(row.final_loss)
    if not all(math.isfinite(v) for v in values):
        return "diverged: non-finite prediction or loss"
    planned = row.adam_steps + row.lbfgs_steps + row.lm_steps
    if row.steps < planned:
        why = ("--max-time" if row.steps < row.adam_steps + row.lbfgs_steps
               else "--max-time, or Levenberg-Marquardt could not lower the loss further")
        return f"stopped after {row.steps} of {planned} steps ({why})"
    return "ok"


def run_all(paths: Sequence[str], budget: int | None, lbfgs: int | None, max_time: float | None,
            jobs: int, no_settings: bool = False, device: str | None = None,
            seed: int | None = None, settings: dict[str, Any] | None = None) -> list[Row]:
    """Solve every problem (``jobs`` at a time in separate processes); rows in input order."""
    if jobs <= 1:
        rows = []
        for path in paths:
            rows.append(solve_one(path, budget, lbfgs, max_time, None, no_settings, device, seed, settings))
            print(f"  {progress_line(rows[-1])}", file=sys.stderr, flush=True)
        return rows
    threads = max(1, (os.cpu_count() or 1) // jobs)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(solve_one, p, budget, lbfgs, max_time, threads, no_settings, device, seed, settings)
                   for p in paths]
        for future in concurrent.futures.as_completed(futures):
            print(f"  {progress_line(future.result())}", file=sys.stderr, flush=True)
        return [future.result() for future in futures]


def progress_line(row: Row) -> str:
    chosen = f" (defaults: {row.defaults})" if row.defaults else ""
    return f"{row.problem}: {row.status}, {row.l2re_text()}, {row.wall_seconds:.1f} s{chosen}"


# ------------------------------------------------------------------ the table
HEADERS = ("problem", "L2 relative error", "reference", "unknowns (learned vs true)", "steps",
           "wall s", "train s", "device", "engine", "converged", "status", "PINNacle case",
           "PINNacle baseline L2")


def table_cells(row: Row) -> tuple[str, ...]:
    planned = f"{row.adam_steps}+{row.lbfgs_steps}" + (f"+{row.lm_steps} LM" if row.lm_steps else "")
    total = row.adam_steps + row.lbfgs_steps + row.lm_steps
    steps = planned if row.steps == total else f"{row.steps} of {planned}"
    return (row.problem, row.l2re_text(), row.reference or "-", row.unknowns_text(), steps,
            f"{row.wall_seconds:.1f}", f"{row.train_seconds:.1f}", row.device or "-", row.engine or "-", row.converged or "-", row.status,
            PINNACLE_CASES.get(row.problem, "-"), pinnacle_baseline_text(row.problem))


def text_table(rows: Sequence[Row]) -> str:
    """An aligned plain-text table."""
    cells = [HEADERS] + [table_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(HEADERS))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row], header: str) -> str:
    """The Markdown file: what was run, then the table."""
    lines = [header, "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in table_cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def run_description(args: argparse.Namespace, argv: Sequence[str]) -> str:
    import torch

    budget = "the files' train: settings" if args.budget is None else f"--budget {args.budget}"
    if args.no_settings:
        budget = "none: every file's train: settings and weights removed, the default training"
    threads = torch.get_num_threads() if args.jobs == 1 else max(1, (os.cpu_count() or 1) // args.jobs)
    lbfgs = f"--lbfgs {args.lbfgs}" if args.lbfgs is not None else "the files' (scaled with --budget)"
    return "\n".join([
        "# Accuracy benchmark",
        "",
        f"- command: `python benchmarks/accuracy.py {' '.join(argv)}`",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- budget: {budget}; L-BFGS steps: {lbfgs}",
        f"- max time per problem: {args.max_time or 'none'}; jobs: {args.jobs}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"torch {torch.__version__}, {threads} torch threads per problem",
        "- L2 relative error on the problem's evaluation grid (10,000+ points, not the training points) "
        "against \"exact\" = the file's exact solution or \"reference\" = the registered reference "
        "solution (Cole-Hopf for burgers); \"converged centrelines\" = instead u and v of the cavity "
        "at the 15 + 15 interior centre-line points of Ghia, Ghia & Shin, J. Comput. Phys. 48 (1982), "
        "Tables I-II, valued by a converged finite-element solution (benchmarks/cavity_reference.py; "
        "pressure not scored)",
        "- steps: Adam+L-BFGS planned, +N LM for a file's Levenberg-Marquardt iterations "
        "(\"N of ...\" when a run stopped early)",
    ])


def write_outputs(rows: Sequence[Row], folder: Path, header: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = folder / "accuracy.csv", folder / "accuracy.md"
    with open(csv_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Row("x").csv_row()))
        writer.writeheader()
        writer.writerows(r.csv_row() for r in rows)
    md_path.write_text(markdown_table(rows, header), encoding="utf-8")
    return csv_path, md_path


# ------------------------------------------------------------------ command line
def select_problems(only: str | None, problem_set: str = "default") -> list[str]:
    """Paths of the set's problems (the default set: ``problems/*.pinn`` sorted, the hard ones
    left out; the hard set in its table order), or of the ``--only`` names (in the order given)."""
    available = {p.stem: p for p in sorted(PROBLEMS.glob("*.pinn"))}
    if not only and problem_set == "hard":
        return [str(available[n]) for n in hard_set.HARD_SET if n in available]
    if not only:
        return [str(p) for n, p in available.items() if n not in hard_set.HARD_ONLY]
    names = [n.strip().removesuffix(".pinn") for n in only.split(",") if n.strip()]
    missing = [n for n in names if n not in available]
    if missing:
        raise SystemExit(f"accuracy.py: no problems/{missing[0]}.pinn; "
                         f"the problems are {', '.join(available)}")
    return [str(available[n]) for n in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, metavar="STEPS",
                        help="Adam steps per problem (default: the file's train: steps)")
    parser.add_argument("--lbfgs", type=int, metavar="STEPS",
                        help="L-BFGS steps per problem (default: the file's, scaled with --budget)")
    parser.add_argument("--max-time", type=float, metavar="SECONDS",
                        help="stop each problem's training after this many seconds")
    parser.add_argument("--no-settings", action="store_true",
                        help="remove every file's train: settings and weights (the default training)")
    parser.add_argument("--only", metavar="NAMES", help="comma-separated problem names, e.g. burgers,heat1d")
    parser.add_argument("--set", dest="problem_set", choices=("default", "hard"), default="default",
                        help="the problems run without --only; 'hard' also prints the hard-set table")
    parser.add_argument("--jobs", type=int, default=1, help="problems solved at once (default 1)")
    parser.add_argument("--device", choices=("cpu", "gpu"), help="where to train (Lightning's accelerator; "
                        "default cpu)")
    parser.add_argument("--seed", type=int, help="the seed of every run (default: each file's, else 0)")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                        help="a training setting for every run, after the file's (repeatable; e.g. importance=0)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"output folder (default {RESULTS})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    for name in ("budget", "lbfgs", "max_time"):
        value = getattr(args, name)
        if value is not None and value < 0:
            raise SystemExit(f"accuracy.py: --{name.replace('_', '-')} must be >= 0, got {value}")
    if args.jobs < 1:
        raise SystemExit(f"accuracy.py: --jobs must be >= 1, got {args.jobs}")
    paths = select_problems(args.only, args.problem_set)
    print(f"solving {len(paths)} problem(s)...", file=sys.stderr, flush=True)
    if args.no_settings and (args.budget is not None or args.lbfgs is not None):
        raise SystemExit("accuracy.py: --no-settings takes no --budget or --lbfgs")
    from pinnlang.solver.settings import parse_scalar

    settings = {}
    for item in args.setting:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"accuracy.py: --setting takes KEY=VALUE, got {item!r}")
        settings[key.strip()] = parse_scalar(value)
    rows = run_all(paths, args.budget, args.lbfgs, args.max_time, args.jobs, args.no_settings, args.device,
                   args.seed, settings)
    print(text_table(rows))
    csv_path, md_path = write_outputs(rows, args.out, run_description(args, argv))
    print(f"\nwrote {csv_path} and {md_path}")
    if args.problem_set == "hard":
        table = hard_set.markdown(rows, lambda row: table_cells(row)[HEADERS.index("steps")])
        hard_path = args.out / "hard.md"
        hard_path.write_text(run_description(args, argv) + "\n\n" + table, encoding="utf-8")
        print(f"\n{table}\nwrote {hard_path}")
    return 1 if any(r.status.startswith("failed") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
