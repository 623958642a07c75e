"""``linewise lines``: derive + store, explain, agreement, episodes; mistakes exit 2 in one line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from linewise.io.importer import import_files
from linewise.lines.storage import latest_run
from linewise.store.store import Store
from linewise.synth import generate_registry

CLI = [sys.executable, "-c", "from linewise.cli import main; main()"]


def run(*args):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    generate_registry(out / "files", 150, seed=5)
    store = Store.open(out / "r.duckdb")
    import_files(store, [out / "files"])
    store.close()
    return out


def test_derive_store_and_summary(registry):
    res = run("lines", "--store", registry / "r.duckdb")
    assert res.returncode == 0, res.stderr
    assert "drug records read" in res.stdout and "regimen window" in res.stdout and "derived_lines" in res.stdout
    store = Store.open(registry / "r.duckdb", create=False)
    lines = store.con.table("derived_lines").execute()
    assert lines["patient_id"].nunique() == 150 and set(lines["run_id"]) == {1}
    log = latest_run(store)
    assert log["rules"]["regimen_window_days"] == 28 and log["counts"]["lines"] == len(lines)
    store.close()


def test_explain_prints_timeline_and_reasons(registry):
    run("lines", "--store", registry / "r.duckdb")
    res = run("lines", "explain", "P0000001", "--store", registry / "r.duckdb")
    assert res.returncode == 0, res.stderr
    assert "starts: first eligible drug" in res.stdout and "ends:" in res.stdout and "line 1 (metastatic)" in res.stdout


def test_agreement_with_truth_and_recorded_lines(registry):
    run("lines", "--store", registry / "r.duckdb")
    res = run("lines", "agreement", "--store", registry / "r.duckdb", "--truth", registry / "files" / "truth_lines.csv",
              "--ignore-setting")
    assert res.returncode == 0, res.stderr
    assert "every line exactly right" in res.stdout and "Metastatic lines by line number" in res.stdout
    res = run("lines", "agreement", "--store", registry / "r.duckdb")
    assert res.returncode == 0 and "recorded therapy_lines" in res.stdout


def test_episodes_file(registry, tmp_path):
    run("lines", "--store", registry / "r.duckdb")
    out = tmp_path / "episodes.csv"
    res = run("lines", "episodes", "--store", registry / "r.duckdb", "--out", out)
    assert res.returncode == 0, res.stderr
    ep = pd.read_csv(out)
    lines = ep[ep["episode_parent_id"].isna()]
    regimens = ep[ep["episode_parent_id"].notna()]
    assert len(lines) == len(regimens) and set(regimens["episode_concept_id"]) == {32531}
    assert set(regimens["episode_parent_id"].astype(int)) == set(lines["episode_id"])


def test_rules_file_changes_the_lines(registry, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("discontinuation_gap_days: 30\n", encoding="utf-8")
    res = run("lines", "--store", registry / "r.duckdb", "--rules", rules)
    assert res.returncode == 0, res.stderr
    store = Store.open(registry / "r.duckdb", create=False)
    assert latest_run(store)["rules"]["discontinuation_gap_days"] == 30
    store.close()


@pytest.mark.parametrize("args", [
    ("lines", "explain", "NOPE"),
    ("lines", "--store", "missing.duckdb"),
    ("lines", "--rules", "missing.yaml"),
    ("lines", "agreement", "--truth", "missing.csv"),
])
def test_mistakes_exit_2_in_one_line(registry, args):
    args = [a if a != "NOPE" else "NOPE" for a in args]
    full = [*args] if "--store" in args else [*args, "--store", registry / "r.duckdb"]
    res = run(*full)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and res.stderr.startswith("error:")
