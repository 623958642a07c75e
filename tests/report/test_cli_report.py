"""``linewise report RESULTS [--out] [--min-cell-count N]``: files written, one-line errors, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

CLI = [sys.executable, "-c", "from linewise.cli import main; main()"]


def run(*args):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def test_report_command_writes_the_report(tmp_path, small_with_ids):
    (tmp_path / "results.json").write_text(json.dumps(small_with_ids), encoding="utf-8")
    res = run("report", str(tmp_path), "--min-cell-count", "5")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "report"
    assert (out / "report.html").exists() and (out / "report.json").exists()
    assert sorted(p.suffix for p in (out / "figures").glob("km_pfs.*")) == [".pdf", ".png", ".svg"]
    assert json.loads((out / "report.json").read_text())["suppression"]["min_cell_count"] == 5
    assert "report.html" in res.stdout


def test_report_command_user_mistakes_exit_2_in_one_line(tmp_path):
    for args in (("report", str(tmp_path / "missing")), ("report", str(tmp_path), "--min-cell-count", "0")):
        res = run(*args)
        assert res.returncode == 2, args
        assert "Traceback" not in res.stdout + res.stderr
    (tmp_path / "results.json").write_text("[1, 2]", encoding="utf-8")
    res = run("report", str(tmp_path))
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0 and "JSON object" in res.stderr
