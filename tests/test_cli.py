"""CLI: exit codes (0 stored, 1 rejected, 2 usage) and one-line errors, never a traceback."""

import subprocess
import sys

import pytest

CLI = [sys.executable, "-c", "from linewise.cli import main; main()"]


def run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_import_exit_codes_and_summary(tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id,sex\nP1,F\nP2,M\n")
    ok = run("import", str(tmp_path / "patients.csv"), "--store", str(tmp_path / "r.duckdb"))
    assert ok.returncode == 0, ok.stderr
    assert "rows read" in ok.stdout
    (tmp_path / "patients.csv").write_text("patient_id,sex\nP1,F\nP2,X\n")
    bad = run("import", str(tmp_path / "patients.csv"), "--store", str(tmp_path / "r.duckdb"))
    assert bad.returncode == 1
    assert "row 3" in bad.stdout and "[code]" in bad.stdout


@pytest.mark.parametrize("args", [("import", "missing.csv"), ("import", "x.csv", "--bogus"), ("info", "--store", "nope.duckdb"),
                                  ("import", "x.doc")])
def test_user_mistakes_are_one_line_and_exit_2(tmp_path, args):
    res = run(*args, cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout


def test_schema_check(tmp_path):
    out = tmp_path / "model.md"
    assert run("schema", "--out", str(out), "--check").returncode == 1
    assert run("schema", "--out", str(out)).returncode == 0
    assert run("schema", "--out", str(out), "--check").returncode == 0
