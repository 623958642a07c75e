"""`linewise run`: outputs written, headline printed, spec mistakes as one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from linewise.io.importer import import_files
from linewise.store.store import Store

CLI = [sys.executable, "-c", "from linewise.cli import main; main()"]


def run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def registry(synth_dir, tmp_path_factory) -> str:
    """A store of its own, closed, so the command (another process) can open it."""
    path = tmp_path_factory.mktemp("cli") / "registry.duckdb"
    store = Store.open(path)
    import_files(store, [synth_dir])
    store.close()
    return str(path)


def test_run_recipe_writes_outputs(registry, tmp_path):
    out = tmp_path / "study-b"
    res = run("run", "tdm1_tmab_vs_tmab_pmab", "--registry", registry, "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "median PFS, months (95% CI)" in res.stdout and "Prior T-DM1" in res.stdout
    assert json.loads((out / "results.json").read_text())["study"]["name"] == "tdm1_tmab_vs_tmab_pmab"
    assert (out / "analysis_table.parquet").exists() and (out / "analysis_table.csv").exists()


def test_spec_mistake_is_one_line_with_its_yaml_line(registry, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("schema_version: 1\nname: bad\ntitle: Bad\nindex:\n  label: x\n  line: \"has('T-DM1')\"\n"
                    "endpoints:\n  os: {preset: os_indx}\n")
    res = run("run", str(spec), "--registry", registry, "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    assert f"{spec}:8:" in res.stderr and "endpoints.os.preset" in res.stderr


def test_unknown_recipe_and_missing_store(tmp_path):
    res = run("run", "no_such_recipe", "--registry", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
