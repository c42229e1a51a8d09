"""Every tagged code block of README.md and docs/*.md runs as the page says (see blocks.py)."""

from __future__ import annotations

import ast
import re
import runpy
import shlex
import shutil
from pathlib import Path

import pytest
import torch

import pinnlang
from pinnlang.checks.rules import check
from pinnlang.cli import build_parser, main

from .blocks import ROOT, SHELLS, Block, all_blocks, following

torch.set_num_threads(1)

DIAGNOSTIC = re.compile(r"^(\S+\.pinn):\d+:\d+: ")
CONVERGED = 5e-2  # the README's meaning of "converged": a relative L2 error below this


def _ids(found: list[Block]) -> list[str]:
    return [b.label for b in found]


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A temporary working folder with a copy of the problem library."""
    shutil.copytree(ROOT / "problems", tmp_path / "problems")
    monkeypatch.chdir(tmp_path)
    return tmp_path


PINN = all_blocks("pinn")
PINN_ERRORS = all_blocks("pinn-error")
PYTHON = all_blocks("python")
SHELL = all_blocks(SHELLS)


@pytest.mark.parametrize("block", PINN, ids=_ids(PINN))
def test_a_pinn_block_parses_and_checks(block):
    problem = pinnlang.parse(block.text, str(ROOT / "problems" / "doc_example.pinn"))
    errors = [d for d in check(problem) if d.severity == "error"]
    assert not errors, "\n".join(d.render() for d in errors)


@pytest.mark.parametrize("block", PINN_ERRORS, ids=_ids(PINN_ERRORS))
def test_a_bad_pinn_example_fails_as_its_page_shows(block):
    shown = following(block)
    printed = DIAGNOSTIC.match(shown.text) if shown is not None and shown.lang == "text" else None
    with pytest.raises(pinnlang.PinnError) as raised:
        pinnlang.parse(block.text, printed.group(1) if printed else "example.pinn")
    if printed:
        assert raised.value.render().strip() == shown.text.strip()


@pytest.mark.slow
@pytest.mark.parametrize("block", PYTHON, ids=_ids(PYTHON))
def test_a_python_block_runs(block, sandbox, capsys):
    if block.no_run is not None:
        ast.parse(block.text, block.label)
        return
    script = sandbox / "doc_block.py"
    script.write_text(block.text, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")
    printed = capsys.readouterr().out
    if ".errors()" in block.text:  # an example that trains prints errors of a converged run
        last = printed.strip().splitlines()[-1] if printed.strip() else ""
        errors = re.findall(r"'\w+': ([0-9.eE+-]+)", last)
        assert errors and all(float(e) < CONVERGED for e in errors), printed[-2000:]


def commands(block: Block) -> list[list[str]]:
    """The block's commands as argument lists, split at ``&&``; comments and prompts dropped."""
    text = block.text.replace("\\\n", " ")
    found: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if block.lang == "console":
            if not line.startswith("$ "):
                continue  # output
        line = line.removeprefix("$ ")
        words = shlex.split(line, comments=True)
        while words:
            cut = words.index("&&") if "&&" in words else len(words)
            found.append(words[:cut])
            words = words[cut + 1:]
    return found


def _resolve(arg: str, folder: Path) -> str:
    """A ``<placeholder>`` in a path (``runs/burgers/<stamp>``) stands for the newest match."""
    if "<" not in arg:
        return arg
    matches = sorted(folder.glob(re.sub(r"<[^>]*>", "*", arg)))
    assert matches, f"nothing matches {arg}"
    return str(matches[-1].relative_to(folder))


def _run(words: list[str], block: Block, folder: Path) -> None:
    while re.match(r"^[A-Z_]+=", words[0]):
        words = words[1:]  # environment settings (OMP_NUM_THREADS=1 ...)
    if words[:3] == ["python", "-m", "pinnlang"]:
        words = ["pinnlang", *words[3:]]
    program, args = words[0], words[1:]
    if program == "pip" or args[:2] == ["-m", "pytest"]:
        return  # installing and the whole suite: the suite itself proves them
    if program == "python":
        script = ROOT / args[0]
        assert script.is_file(), f"{block.label}: no {args[0]}"
        source = script.read_text(encoding="utf-8")
        for flag in (a.split("=")[0] for a in args[1:] if a.startswith("--")):
            assert re.search(f"[\"']{flag}[\"']", source), f"{block.label}: {args[0]} has no {flag}"
        return
    assert program == "pinnlang", f"{block.label}: run only pinnlang, pip and python in doc blocks"
    if block.no_run is not None:
        command = next((a for a in args if not a.startswith("-")), None)
        build_parser(command).parse_args(args)  # the flags exist (argparse exits otherwise)
        return
    args = [_resolve(a, folder) for a in args]
    assert main(args) == 0, f"{block.label}: pinnlang {shlex.join(args)} failed"


@pytest.mark.slow
@pytest.mark.parametrize("block", SHELL, ids=_ids(SHELL))
def test_the_commands_of_a_shell_block_run(block, sandbox):
    found = commands(block)
    assert found, f"{block.label}: no command"
    for words in found:
        _run(words, block, sandbox)


def test_the_pages_show_every_kind_of_block():
    assert PINN and PINN_ERRORS and PYTHON and SHELL
