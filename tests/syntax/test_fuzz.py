"""Only pinnlang's own errors escape parse/load/check, whatever the text; nothing in a file runs."""

from __future__ import annotations

import builtins
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinnlang.checks.rules import check
from pinnlang.errors import PinnError
from pinnlang.syntax import load, parse

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.pinn"))
TEXTS = [p.read_text() for p in EXAMPLES]
TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def parse_and_check(text: str) -> None:
    try:
        problem = parse(text, path=str(EXAMPLES[0]))
    except PinnError as err:
        assert err.render()  # renders without failing
        return
    check(problem)


@FUZZ
@given(st.lists(st.sampled_from(list("abdeuxyt_()[],:=+-*/^&<>#\"\\.0123456789 \n")
                                + ["pde", "space", "field", "problem", "boundary", "time",
                                   " in ", "d(", "disk", "let", "on", "where"]),
                max_size=80).map("".join))
def test_random_text_only_raises_pinn_errors(text: str):
    parse_and_check(text)


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_unicode_only_raises_pinn_errors(text: str):
    parse_and_check(text)


@settings(FUZZ, max_examples=60)
@given(st.sampled_from(TEXTS), st.data())
def test_mutated_examples_only_raise_pinn_errors(text: str, data: st.DataObject):
    tokens = TOKEN.findall(text)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(tokens) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "truncate"]))
        if action == "delete":
            del tokens[i]
        elif action == "duplicate":
            tokens.insert(i, tokens[i])
        elif action == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif action == "truncate":
            tokens = tokens[:i]
        if not tokens:
            tokens = [" "]
    parse_and_check("".join(tokens))


HEAD = "problem p\nspace x in [0, 1]\ntime t in [0, 1]\nfield u\n"


PATHOLOGICAL = [
    "pde: u = " + "(" * 500 + "x" + ")" * 500,
    "pde: u = " + "(" * 500,
    "pde: u = " + "sin(" * 500 + "x" + ")" * 500,
    "pde: u = " + "-" * 3000 + "x",
    "pde: u = " + "2^" * 3000 + "2",
    "pde: u = " + "+".join(["x"] * 600) + ")",
    "boundary where " + "not " * 2000 + "x < 1: u = 0",
    "pde: u = 9^9^9",
    "pde: u = " + "9" * 6000,
    "pde: d(u, x, 100000000) = 0",
    "const c = 1/0\npde: u = c",
    "const c = sqrt(-1)\npde: u = c",
]


@pytest.mark.parametrize("body", PATHOLOGICAL, ids=[f"case{i}" for i in range(len(PATHOLOGICAL))])
def test_pathological_input_gives_a_clean_error(body: str):
    with pytest.raises(PinnError) as caught:
        parse(HEAD + body + "\n")
    assert caught.value.render()


INJECTIONS = [
    "pde: u = __import__('os').system('touch PWNED')",
    "pde: u = `touch PWNED`",
    "problem `rm -rf /`",
    "pde: u = exec(\"open('PWNED', 'w')\")",
    "pde: u = eval(\"1\")",
    "const a = lambda: 0",
    "pde: u = x.__class__",
    "pde: u = $(touch PWNED)",
    'data "../../etc/passwd": u',
    'data "/etc/passwd": u',
    'data "../outside.csv": u',
    'data "link.csv": u',
    'problem p "\\" ; import os"',
]


@pytest.mark.parametrize("line", INJECTIONS)
def test_injection_payloads_run_nothing_and_read_nothing_outside(
        line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "outside.csv").write_text("x,t,u\n0,0,0\n")
    os.symlink(tmp_path / "outside.csv", inner / "link.csv")
    pinn = inner / "p.pinn"
    pinn.write_text(HEAD + "pde: d(u, t) = d(u, x, 2)\ninitial: u = 0\nboundary: u = 0\n"
                    + line + "\n")
    opened: list[str] = []
    real_open = builtins.open

    def spying_open(file, *args, **kwargs):
        opened.append(os.path.realpath(os.fspath(file)) if not isinstance(file, int) else "")
        return real_open(file, *args, **kwargs)

    monkeypatch.chdir(inner)
    monkeypatch.setattr(builtins, "open", spying_open)
    for forbidden in ("eval", "exec"):
        monkeypatch.setattr(builtins, forbidden, _forbidden(forbidden))
    with pytest.raises(PinnError):
        load(pinn)
    assert not (inner / "PWNED").exists() and not Path("PWNED").exists()
    allowed_root = os.path.realpath(inner)
    assert all(p == "" or p.startswith(allowed_root) for p in opened), opened


def _forbidden(name: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} was called")

    return refuse


def test_data_outside_the_folder_is_read_when_allowed(tmp_path: Path):
    inner = tmp_path / "inner"
    inner.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text("x,t,u\n0,0,0\n")
    pinn = inner / "p.pinn"
    pinn.write_text(HEAD + "pde: d(u, t) = d(u, x, 2)\ninitial: u = 0\nboundary: u = 0\n"
                    'data "../outside.csv": u\n')
    with pytest.raises(PinnError, match="outside the folder"):
        load(pinn)
    problem = load(pinn, allowed_paths=[str(outside)])
    assert problem.condition("data").data.path == "../outside.csv"
