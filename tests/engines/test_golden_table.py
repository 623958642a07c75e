"""One golden table, three engines: DuckDB (reference), PostgreSQL and Spark must agree.

See ``_golden.py`` for the rows. Counts agree exactly, statistics to 1e-9 relative.
"""

from __future__ import annotations

import numpy as np
import pytest

from engines._golden import (
    MONTH,
    differences,
    lines_rows,
    pushdown_rows,
    store_rows,
    study_rows,
    tdm1_cohort,
)
from linewise.stats import kaplan_meier_by, logrank
from linewise.store.store import Store
from linewise.synth import generate_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden_registry")
    generate_registry(out, 200, seed=2024)
    return out


@pytest.fixture(scope="module")
def reference(registry, tmp_path_factory):
    root = tmp_path_factory.mktemp("golden_duckdb")
    store = Store.open(root / "reg.duckdb")
    table = store_rows(store, registry)
    table.update(pushdown_rows(store))
    table.update(lines_rows(store))
    study = study_rows(store, root / "study")
    return store, table, study


def test_reference_is_meaningful(reference):
    store, table, study = reference
    assert table["import.patients.stored"] == 200 and table["import.drug_exposures.stored"] > 10_000
    assert sum(v for k, v in table.items() if k.startswith("cohort.line")) > 100
    assert table["lines.counts.lines"] > 1000 and table["lines.by_number.2"] > 100
    groups = [k for k in table if k.startswith("cohort.line")]
    assert {"cohort.line2", "cohort.line3", "cohort.line4"} <= set(groups)
    assert table["logrank_pfs.df"] == len(groups) - 1 and 0 < table["logrank_pfs.pvalue"] <= 1
    assert any(k.startswith("study.cox") for k in study) and any("attrition" in k for k in study)
    assert len(study["study.provenance.analysis_table_hash"]) == 64  # compared across engines too


def test_pushdown_equals_patient_level_statistics(reference):
    """The in-engine risk-set counts give exactly what numpy gives on the fetched patients."""
    store, table, _ = reference
    c = tdm1_cohort(store).execute()
    fits = kaplan_meier_by(c["days"] / MONTH, c["event"], c["grp"])
    for g in fits:
        assert table[f"km_pfs.{g}.n"] == fits[g].n
        np.testing.assert_allclose([table[f"km_pfs.{g}.median"], table[f"km_pfs.{g}.lower"], table[f"km_pfs.{g}.upper"]],
                                   [fits[g].median, *fits[g].median_ci], rtol=1e-12, equal_nan=True)
    lr = logrank(c["days"] / MONTH, c["event"], c["grp"])
    np.testing.assert_allclose(table["logrank_pfs.statistic"], lr.statistic, rtol=1e-12)
    late = c[c.entry_days < c.days]
    lre = logrank(late["days"] / MONTH, late["event"], late["grp"], entry=late["entry_days"] / MONTH)
    np.testing.assert_allclose(table["logrank_pfs_entry.statistic"], lre.statistic, rtol=1e-12)


def test_postgres_agrees(reference, registry, pg_url, tmp_path):
    _, ref_table, ref_study = reference
    store = Store.open(pg_url)
    table = store_rows(store, registry)
    table.update(pushdown_rows(store))
    table.update(lines_rows(store))
    assert differences(ref_table, table) == []
    study = study_rows(store, tmp_path / "study")
    assert differences(ref_study, study) == []


def test_spark_agrees(reference, registry, spark, spark_db, tmp_path):
    _, ref_table, ref_study = reference
    store = Store.open(spark)
    table = store_rows(store, registry)
    table.update(pushdown_rows(store))
    table.update(lines_rows(store))
    assert differences(ref_table, table) == []
    study = study_rows(store, tmp_path / "study")
    assert differences(ref_study, study) == []
    # the line algorithm's and the study's scratch tables are gone
    assert not [t for t in store.con.list_tables() if t.startswith(("_lw_", "_linewise_"))]
