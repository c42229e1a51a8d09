"""The README's Python example runs as written and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_readme_has_a_python_example_and_it_runs(tmp_path):
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README shows the Python API"
    for i, block in enumerate(blocks):
        script = tmp_path / f"readme_{i}.py"
        script.write_text("import torch\ntorch.set_num_threads(1)\n" + block, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        if "result.errors()" in block:
            match = re.search(r"\{'u': ([0-9.eE+-]+)\}", done.stdout)
            assert match, done.stdout[-2000:]
            assert float(match.group(1)) < 5e-2  # the example's heat problem trains to a small error
