"""Links between the project's pages resolve: files exist, anchors name headings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .blocks import PAGES, ROOT, anchors, links

# repository paths written as inline code (`benchmarks/accuracy.py`) must exist too
CODE_PATH = re.compile(r"`((?:benchmarks|problems|pinnlang|tests|notebooks|docs|grammars)/[\w./-]*\w)`")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_link_of_a_page_resolves(page: Path):
    broken = []
    for line, target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        goal = (page.parent / path).resolve() if path else page
        if not goal.exists():
            broken.append(f"{line}: {target} (no such file)")
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
            broken.append(f"{line}: {target} (no heading with that anchor)")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_repository_path_a_page_names_exists(page: Path):
    text = page.read_text(encoding="utf-8")
    missing = sorted({p for p in CODE_PATH.findall(text) if not (ROOT / p).exists()})
    assert not missing, f"{page.relative_to(ROOT)} names missing paths: {missing}"


def test_the_anchor_rule_follows_github():
    page = ROOT / "docs" / "language.md"
    assert "training-settings-extension" in anchors(page)
