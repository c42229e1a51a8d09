"""``pinnlang check``: exit codes 0/1/2, summary on stdout, diagnostics on stderr, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pinnlang.cli as cli

EXAMPLES = Path(__file__).parent / "examples"
BAD = Path(__file__).resolve().parents[1] / "bad"


@pytest.fixture(autouse=True)
def only_check_subcommand(monkeypatch: pytest.MonkeyPatch):
    """Build the command line with the check subcommand alone (others load their own deps)."""
    monkeypatch.setattr(cli, "SUBCOMMANDS", {"check": cli.SUBCOMMANDS["check"]})


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_valid_files_print_a_summary_and_exit_0(capsys):
    code, out, err = run(capsys, "check", str(EXAMPLES / "plate.pinn"),
                         str(EXAMPLES / "diffusion_inverse.pinn"))
    assert code == 0 and err == ""
    assert f"{EXAMPLES / 'plate.pinn'}: ok" in out
    assert "boundary_3  boundary on hole: dn(T) = 0" in out
    assert "boundary    boundary on x = -1: T = 1" in out
    assert "unknowns:    k (initial 1)" in out
    assert "data      points of observations.csv: u" in out


def test_invalid_file_exits_1_with_rendered_diagnostics(capsys):
    path = BAD / "unknown_name.pinn"
    code, out, err = run(capsys, "check", str(EXAMPLES / "burgers.pinn"), str(path))
    assert code == 1
    assert f"{EXAMPLES / 'burgers.pinn'}: ok" in out
    assert err.splitlines()[:3] == [
        f"{path}:6:28: error: unknown name 'nuu' (did you mean 'nu'?)",
        "    pde: d(u, t) + u*d(u, x) = nuu*d(u, x, x)",
        "                               ^~~",
    ]
    assert "Traceback" not in err


def test_warnings_go_to_stderr_and_still_exit_0(capsys, tmp_path: Path):
    path = tmp_path / "w.pinn"
    path.write_text("problem w\nconst c = 1\nspace x in [0, 1]\nfield u\n"
                    "pde: d(u, x, 2) = 0\nboundary: u = 0\n")
    code, _out, err = run(capsys, "check", str(path))
    assert code == 0
    assert f"{path}:2:7: warning: constant 'c' is declared but never used" in err


def test_usage_errors_exit_2(capsys, tmp_path: Path):
    assert run(capsys, "check")[0] == 2
    code, _out, err = run(capsys, "check", str(tmp_path / "missing.pinn"))
    assert code == 2 and "no such file" in err and "Traceback" not in err
    code, _out, err = run(capsys, "check", "--tol", "-1", str(EXAMPLES / "burgers.pinn"))
    assert code == 2 and "--tol must be positive" in err


def test_exact_reports_residuals(capsys, tmp_path: Path):
    code, out, _err = run(capsys, "check", "--exact", str(EXAMPLES / "poisson_family.pinn"))
    assert code == 0, out
    assert "pde" in out and "max |residual|" in out
    wrong = tmp_path / "wrong.pinn"
    wrong.write_text((EXAMPLES / "poisson_family.pinn").read_text().replace(
        "exact:     u = a*sin(pi*x)*sin(pi*y)", "exact:     u = a*sin(pi*x)*sin(pi*y) + 1"))
    code, out, _err = run(capsys, "check", "--exact", str(wrong))
    assert code == 1 and "FAILS" in out
    code, _out, err = run(capsys, "check", "--exact", str(EXAMPLES / "burgers.pinn"))
    assert code == 1 and "has no 'exact:' solution" in err


def test_subprocess_has_no_traceback():
    script = ("import sys, pinnlang.cli as c; "
              "c.SUBCOMMANDS = {'check': c.SUBCOMMANDS['check']}; "
              "sys.exit(c.main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", script, "check", str(BAD / "missing_colon.pinn")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "error: expected ':' after 'pde u_t', found '='" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_reader_that_goes_away_is_not_an_internal_error(tmp_path):
    # `pinnlang check f.pinn | head -1`: stdout closes before the summary is written.
    path = tmp_path / "p.pinn"
    path.write_text("problem p\nspace x in [0, 1]\nfield u\npde: d(u, x, x) = 1\nboundary: u = 0\n")
    read, write = os.pipe()
    os.close(read)  # nobody will read
    with subprocess.Popen([sys.executable, "-m", "pinnlang", "check", str(path)], stdout=write,
                          stderr=subprocess.PIPE) as process:
        os.close(write)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 141
    assert b"internal error" not in err and b"Traceback" not in err


def test_exact_reports_the_quantities_of_the_exact_solution(capsys, tmp_path: Path):
    path = tmp_path / "disk.pinn"
    path.write_text(
        "problem disk\nlet rim = disk((0, 0), 1)\nspace (x, y) in rim\nfield u, v\n"
        "pde: -laplacian(u) = 4\npde: v = 0\nboundary: u = 0\nexact: u = 1 - x^2 - y^2\n"
        "quantity flux = integral(-dn(u), on rim) [reference = 12.566370614359172]\n"
        "quantity mass = integral(u)\nquantity other = integral(v)\n")
    code, out, err = run(capsys, "check", "--exact", str(path))
    assert code == 0, err
    assert "quantity:    flux = integral over boundary on rim of -dn(u)" in out
    assert "flux             12.56637061  (reference 12.56637061, rel. error" in out
    assert "mass             1.570796327" in out
    assert "other            (uses a field without an exact solution)" in out
