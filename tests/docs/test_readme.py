"""The README stays a user's page: short, the two commands first, CI running exactly the second."""

from __future__ import annotations

from .blocks import ROOT, blocks

README = ROOT / "README.md"


def test_the_readme_is_short():
    assert len(README.read_text(encoding="utf-8").splitlines()) < 160


def test_the_two_commands_come_first_and_ci_runs_the_second():
    text = README.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Two commands"
    install, suite = (b.text.strip() for b in blocks(README)[:2])
    assert install.startswith("pip install") and "pinnlang solve problems/" in install
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == "python -m " + suite, "`.ci/run` runs exactly the README's test command"
