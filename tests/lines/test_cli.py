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


def test_episodes_files(registry, tmp_path):
    """`lines episodes` writes the OMOP episodes (the writer of `omop episodes`) and its id maps."""
    run("lines", "--store", registry / "r.duckdb")
    out = tmp_path / "episodes"
    res = run("lines", "episodes", "--store", registry / "r.duckdb", "--out", out)
    assert res.returncode == 0, res.stderr
    ep, ev, persons, records = (pd.read_csv(out / f"{t}.csv") for t in ("episode", "episode_event", "person_map",
                                                                         "drug_exposure_map"))
    lines = ep[ep["episode_parent_id"].isna()]
    regimens = ep[ep["episode_parent_id"].notna()]
    assert set(lines["episode_concept_id"]) == {32941} and set(regimens["episode_concept_id"]) == {32531}
    assert set(ep["episode_type_concept_id"]) == {32545} and ep["episode_id"].is_unique
    assert sorted(regimens["episode_parent_id"].astype(int)) == sorted(lines["episode_id"])
    store = Store.open(registry / "r.duckdb", create=False)
    derived = store.con.table("derived_lines").execute()
    assert len(lines) == len(derived)
    # registry ids (P0000001) are not integers: person ids 1..n in patient order, mapped back
    assert persons["person_id"].tolist() == list(range(1, len(persons) + 1))
    assert persons["patient_id"].tolist() == sorted(derived["patient_id"].unique())
    # every event is a drug record of the episode's patient, inside the line's dates
    assert set(ev["episode_event_field_concept_id"]) == {1147094}
    linked = ev.merge(ep, on="episode_id").merge(persons, on="person_id").merge(
        records, left_on="event_id", right_on="drug_exposure_id", suffixes=("", "_record"))
    assert len(linked) == len(ev)
    assert (linked["patient_id"] == linked["patient_id_record"]).all()
    assert (linked["start_date"] >= linked["episode_start_date"]).all()
    assert (linked["start_date"] <= linked["episode_end_date"]).all()
    # one import: the ids are the rows of the imported file, each record in one line
    stored = store.table("drug_exposures").execute()
    assert sorted(records["drug_exposure_id"]) == sorted(stored["_source_row"])
    assert len(ev) == 2 * ev["event_id"].nunique() == 2 * latest_run(store)["counts"]["exposures_used"]
    store.close()


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
