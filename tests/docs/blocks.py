"""The fenced code blocks and links of the project's Markdown pages, for the documentation tests.

A block's language tag says how the tests use it:

- ``pinn``: parsed and checked as a file in ``problems/`` (its ``data`` paths read from there), no
  error allowed;
- ``pinn-error``: a bad example, it must fail with a located error; when the next block is a
  ``text`` block starting ``NAME.pinn:LINE:COL:``, the error must print exactly as that block;
- ``python``: run as a script in a temporary folder holding a copy of ``problems/``; a block that
  calls ``.errors()`` prints them on its last line, and they must be those of a converged run
  (below 5e-2);
- ``sh``, ``bash``, ``console``, ``shell``: ``pinnlang ...`` commands run through the CLI in that
  folder; install and test-suite commands (``pip``, ``python -m pytest``) are skipped (the suite
  itself proves them) and ``python SCRIPT ...`` only has its script and ``--flags`` looked up;
- anything else (``text``, ``ebnf``, no tag: grammar excerpts, outputs) is left alone.

An HTML comment ``<!-- doc-test: no-run REASON -->`` on the line before a block (for commands that
need GPUs or several machines) makes the tests only parse its commands' arguments with the CLI's
own parser (and only compile a Python block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "problems" / "README.md")
SHELLS = ("sh", "bash", "console", "shell")
NO_RUN = re.compile(r"<!--\s*doc-test:\s*no-run\b(.*?)-->")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w-]*)")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # the line of the opening fence, 1-based
    lang: str
    text: str
    no_run: str | None  # the reason given by a no-run comment, None without one

    @property
    def label(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}:{self.lang}"


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, lang = opening.group(1), opening.group(2)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence)
                    and not lines[j].strip()[len(fence):].strip()), len(lines))
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = NO_RUN.search(before)
        found.append(Block(page, i + 1, lang, "\n".join(lines[i + 1:end]) + "\n",
                           marker.group(1).strip() if marker else None))
        i = end + 1
    return found


def all_blocks(lang: str | tuple[str, ...]) -> list[Block]:
    langs = (lang,) if isinstance(lang, str) else lang
    return [b for page in PAGES for b in blocks(page) if b.lang in langs]


def following(block: Block) -> Block | None:
    """The block right after ``block`` on its page, if any."""
    page_blocks = blocks(block.page)
    index = page_blocks.index(block)
    return page_blocks[index + 1] if index + 1 < len(page_blocks) else None


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def links(page: Path) -> list[tuple[int, str]]:
    """The Markdown links of ``page`` outside code blocks: (line, target)."""
    found: list[tuple[int, str]] = []
    in_code = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            found.extend((number, target) for target in LINK.findall(line))
    return found


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of the headings of ``page``."""
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
            continue
        heading = HEADING.match(line)
        if heading and not in_code:
            text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1)).strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return found
