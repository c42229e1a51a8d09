"""docs/export.md: every shell and Python block runs as written, in order, in a scratch folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "export.md"

pytest.importorskip("meshio")
pytest.importorskip("onnxruntime")
pytest.importorskip("optuna")


def blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(sh|python)\n(.*?)```", text, re.S)


@pytest.mark.slow
def test_every_block_of_the_export_doc_runs(tmp_path):
    found = blocks(DOC.read_text(encoding="utf-8"))
    assert [kind for kind, _ in found] == ["sh", "python", "sh", "sh", "python"]
    (tmp_path / "problems").symlink_to(ROOT / "problems")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    # `pinnlang` is this checkout's command, whatever is installed
    shell_prelude = f'set -e\npinnlang() {{ {shlex.quote(sys.executable)} -m pinnlang "$@"; }}\n'
    for i, (kind, code) in enumerate(found):
        if kind == "sh":
            command = ["bash", "-c", shell_prelude + code]
        else:
            script = tmp_path / f"block_{i}.py"
            script.write_text("import torch\ntorch.set_num_threads(1)\n" + code, encoding="utf-8")
            command = [sys.executable, str(script)]
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"block {i}:\n{code}\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
    assert (tmp_path / "runs/plate/export/plate_with_holes.vtu").is_file()
    assert (tmp_path / "runs/plate/export/plate_with_holes.onnx").is_file()
    assert len(list((tmp_path / "runs/heat/export").glob("heat1d_*.vtu"))) == 11
    assert (tmp_path / "best.txt").read_text().startswith("train: steps = 100, lbfgs_steps = 0, width = ")
