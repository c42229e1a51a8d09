"""``pinnlang fmt FILE [--latex] [--check]``: print a problem as canonical ``.pinn`` text or LaTeX.

The canonical text is what :func:`pinnlang.problem.printer.to_pinn` writes: statements in a fixed
order, one per line, default condition names left out, numbers in their shortest exact form. The
file's leading comment block (its header: what the problem is, where it comes from) is kept on
top; comments further down are not, and a note on stderr says how many were left out.
``--check`` prints nothing but a diff and exits 1 if the file is not already canonical.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from pinnlang.errors import PinnUsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``pinnlang fmt``."""
    parser.add_argument("file", metavar="FILE", help="a .pinn file")
    parser.add_argument("--latex", action="store_true",
                        help="print the equations as a LaTeX aligned block instead")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 (and show a diff) if FILE is not in canonical form")


def run(args: argparse.Namespace) -> int:
    """Print the canonical form of ``args.file``; with ``--check`` compare instead."""
    from pinnlang.problem.latex import to_latex
    from pinnlang.problem.printer import to_pinn
    from pinnlang.syntax import load
    from pinnlang.syntax.lines import comment_lines, header_comment

    path = Path(args.file)
    if args.check and args.latex:
        raise PinnUsageError("--check compares a file with its canonical .pinn text; drop --latex")
    if not path.is_file():
        raise PinnUsageError(f"no such file: {args.file}")
    problem = load(str(path))
    if args.latex:
        sys.stdout.write(to_latex(problem) + "\n")
        return 0
    original = path.read_text(encoding="utf-8")
    header = header_comment(original)
    canonical = (header + "\n" if header else "") + to_pinn(problem)
    dropped = len(comment_lines(original)) - len(comment_lines(header))
    if dropped:
        print(f"{path}: note: {dropped} comment line(s) below the header are not kept",
              file=sys.stderr)
    if not args.check:
        sys.stdout.write(canonical)
        return 0
    if original == canonical:
        return 0
    diff = difflib.unified_diff(original.splitlines(keepends=True), canonical.splitlines(keepends=True),
                                fromfile=str(path), tofile=f"{path} (canonical)")
    sys.stdout.writelines(diff)
    print(f"{path}: not in canonical form (run 'pinnlang fmt {path}' to see it)", file=sys.stderr)
    return 1
