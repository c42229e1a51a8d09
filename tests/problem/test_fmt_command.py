"""``pinnlang fmt FILE [--latex] [--check]`` (pinnlang/cli/fmt_command.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pinnlang.cli import fmt_command
from pinnlang.errors import PinnError, PinnUsageError
from pinnlang.syntax import parse

from .examples import BURGERS


def fmt(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pinnlang fmt")
    fmt_command.add_arguments(parser)
    return fmt_command.run(parser.parse_args(list(argv)))


@pytest.fixture
def burgers_file(tmp_path: Path) -> Path:
    path = tmp_path / "burgers.pinn"
    path.write_text(BURGERS)
    return path


def test_prints_canonical_text(burgers_file, capsys):
    assert fmt(str(burgers_file)) == 0
    out = capsys.readouterr().out
    assert out == "# Viscous Burgers equation: a sine wave steepens into a shock.\n\n" + parse(BURGERS).to_pinn()
    assert "pde: u*d(u, x) + d(u, t) = nu*d(u, x, 2)\n" in out


def test_check_fails_on_non_canonical_file_and_shows_a_diff(burgers_file, capsys):
    assert fmt("--check", str(burgers_file)) == 1
    captured = capsys.readouterr()
    assert "-time  t in [0, 1]" in captured.out and "+time t in [0, 1]" in captured.out
    assert "not in canonical form" in captured.err


def test_check_passes_on_canonical_file(burgers_file, capsys):
    burgers_file.write_text(parse(BURGERS).to_pinn())
    assert fmt("--check", str(burgers_file)) == 0
    assert capsys.readouterr().out == ""


def test_check_passes_on_a_canonical_file_with_a_header(burgers_file, capsys):
    burgers_file.write_text("# A header\n#   over two lines\n\n" + parse(BURGERS).to_pinn())
    assert fmt("--check", str(burgers_file)) == 0
    assert capsys.readouterr().out == ""


def test_latex_output(burgers_file, capsys):
    assert fmt("--latex", str(burgers_file)) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\begin{aligned}") and r"\frac{\partial u}{\partial t}" in out


def test_bad_arguments_and_bad_files_raise_pinn_errors(tmp_path, burgers_file):
    with pytest.raises(PinnUsageError, match="no such file"):
        fmt(str(tmp_path / "missing.pinn"))
    with pytest.raises(PinnUsageError, match="drop --latex"):
        fmt("--check", "--latex", str(burgers_file))
    bad = tmp_path / "bad.pinn"
    bad.write_text("problem bad\nspace x in [0, 1]\nfield u\npde: d(u, x) = nuu\n")
    with pytest.raises(PinnError) as info:
        fmt(str(bad))
    assert "bad.pinn:4:" in info.value.render()



def test_comments_below_the_header_are_counted_in_a_note(tmp_path, capsys):
    path = tmp_path / "p.pinn"
    path.write_text('# header\n\nproblem p "a # in a string"\nspace x in [0, 1]  # the domain\n'
                    'field u\n# the equation:\npde: d(u, x, x) = 0\nboundary: u = 0\n')
    assert fmt(str(path)) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# header\n\nproblem p")
    assert "2 comment line(s) below the header are not kept" in captured.err


def test_comment_lines_skip_hashes_inside_strings():
    from pinnlang.syntax.lines import comment_lines, header_comment

    text = 'problem p "x # y"  # real\n# own line\ndata "a#b.csv": u\n'
    assert comment_lines(text) == [1, 2]
    assert header_comment(text) == ""
    assert header_comment("\n# a\n\n# b\n\nproblem p\n") == "\n# a\n\n# b\n"
