"""Import against a known truth: the synthetic registry (clean and ``--messy``)."""

import pandas as pd
import pytest

from linewise.io.importer import import_files
from linewise.store.store import Store
from linewise.synth import generate_registry


@pytest.mark.parametrize("seed", [42, 7])
def test_clean_synthetic_registry_imports_without_rejects(tmp_path, seed):
    generate_registry(tmp_path / "reg", 2000, seed=seed)
    store = Store.open(tmp_path / "r.duckdb")
    reports = import_files(store, [tmp_path / "reg"])
    assert {r.table for r in reports} == {"patients", "metastatic_sites", "therapy_lines", "response_assessments",
                                          "performance_status", "drug_exposures"}
    for r in reports:
        assert r.rows_rejected == 0, r.messages(5)
        assert r.rows_stored == r.rows_read == store.count(r.table)


def test_messy_registry_rejects_exactly_the_planted_rows(tmp_path):
    generate_registry(tmp_path / "reg", 800, seed=3, messy=True)
    planted = pd.read_csv(tmp_path / "reg" / "invalid_rows.csv")
    assert len(planted) > 0
    reports = import_files(Store.open(tmp_path / "r.duckdb"), [tmp_path / "reg"])
    for r in reports:
        expected = planted.loc[planted["table"] == r.table]
        got = r.issues.loc[r.issues["severity"] == "error"]
        assert set(got["row"].astype(int)) == set(expected["row"].astype(int)), r.table
        assert r.rows_rejected == len(expected)
        # the rule reported for each planted row is the one planted
        by_row = got.groupby("row")["rule"].agg(set)
        for row, rule in zip(expected["row"], expected["rule"], strict=True):
            assert rule in by_row[row], (r.table, row, rule, by_row[row])
