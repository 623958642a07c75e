"""The generated SQL of every step, checked into tests/lines/snapshots/ (DuckDB and PostgreSQL).

A change in the SQL shows up as a diff of the snapshot. To accept a change on purpose:

    LINEWISE_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/lines/test_sql_snapshots.py

then review and commit the changed files. The PostgreSQL rendering shows the same steps
compile for that engine (they are not run there).
"""

from __future__ import annotations

import os
from pathlib import Path

import ibis
import pytest

from linewise.lines.algorithm import (
    EXPOSURE_COLUMNS,
    PATIENT_COLUMNS,
    assign_lines,
    drug_info_schema,
    first_starts,
    next_starts,
    patient_keys,
    prepare_exposures,
    resolve_drugs,
)
from linewise.lines.params import LineRules
from linewise.lines.summarize import summarize_lines

SNAPSHOTS = Path(__file__).parent / "snapshots"
RULES = LineRules()


def _tables():
    ex = ibis.table(EXPOSURE_COLUMNS, name="drug_exposures")
    pt = ibis.table(PATIENT_COLUMNS, name="patients")
    drugs = ibis.table(drug_info_schema(RULES), name="lw_drugs")
    keys = ibis.table({"patient_id": "string", "pid": "int64"}, name="lw_keys")
    syn = ibis.table({"key": "string", "drug": "string"}, name="lw_synonyms")
    prepared = prepare_exposures(ex, pt, keys, drugs, RULES)
    prep_t = ibis.table(prepared.schema(), name="lw_prepared")
    current = ibis.table({"kid": "int64", "L": "int32"}, name="lw_current")
    starts = ibis.table({"kid": "int64", "L": "int32", "k": "int32"}, name="lw_starts")
    assigned = assign_lines(prep_t, starts, RULES)
    return {
        "1_patient_keys": patient_keys(ex),
        "1_resolve_drugs": resolve_drugs(ex, syn),
        "1_prepare_exposures": prepared,
        "2_first_starts": first_starts(prep_t),
        "2_next_starts": next_starts(prep_t, current, drugs, RULES),
        "2_next_starts_progressions": next_starts(prep_t, current, drugs, RULES, ibis.table({"pid": "int64", "p": "int32"}, name="lw_progressions")),
        "3_assign_lines": assigned,
        "4_summarize_lines": summarize_lines(ibis.table(assigned.schema(), name="lw_assigned"), keys, pt, drugs, RULES),
    }


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
@pytest.mark.parametrize("step", sorted(_tables()))
def test_sql_snapshot(step, dialect):
    sql = ibis.to_sql(_tables()[step], dialect=dialect).strip() + "\n"
    path = SNAPSHOTS / f"{step}.{dialect}.sql"
    if os.environ.get("LINEWISE_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:  # keep the SQL's own line breaks (TRIM's '\r')
            fh.write(sql)
    assert path.exists(), f"no snapshot {path.name}: run with LINEWISE_UPDATE_SNAPSHOTS=1 to create it"
    with open(path, encoding="utf-8", newline="") as fh:
        expected = fh.read()
    assert sql == expected, f"SQL of {step} ({dialect}) changed; see the module docstring"


def test_sql_is_deterministic():
    a, b = _tables(), _tables()
    assert all(ibis.to_sql(a[k]) == ibis.to_sql(b[k]) for k in a)
