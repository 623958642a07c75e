"""``explain``: the timeline and the start / end rule of each line, from the same code path."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from linewise.errors import LinewiseError
from linewise.lines.explain import explain_patient
from linewise.model.registry import get_table
from linewise.store.store import Store, arrow_schema


def _insert(store, name, rows):
    schema = arrow_schema(get_table(name))
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    store.insert(name, pa.table(cols, schema=schema))


@pytest.fixture
def store(tmp_path):
    st = Store.open(tmp_path / "r.duckdb")
    d = lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=n)  # noqa: E731
    _insert(st, "patients", [{"patient_id": "X", "metastatic_diagnosis_date": d(0), "surgery_date": d(-300)}])
    recs = [("docetaxel", n) for n in (0, 21, 42)] + [("trastuzumab", n) for n in range(0, 400, 21)]
    recs += [("ondansetron", 0), ("paracetamol", 5), ("trastuzumab emtansine", 420), ("trastuzumab emtansine", 700)]
    _insert(st, "drug_exposures", [{"patient_id": "X", "drug_source_value": s, "drug": s if s != "paracetamol" else None,
                                    "start_date": d(n), "end_date": d(n)} for s, n in recs])
    return st


def test_explanation_lists_lines_reasons_and_ignored_records(store):
    exp = explain_patient(store, "X")
    assert [ln["line_number"] for ln in exp.lines] == [1, 2, 3]
    assert exp.lines[0]["maintenance"] and exp.lines[2]["start_rule"] == "after_gap"
    text = "\n".join(exp.text())
    assert "first eligible drug on or after the metastatic diagnosis (2020-01-01)" in text
    assert "trastuzumab emtansine started" in text and "beyond its 28-day regimen window" in text
    assert "without exposure (gap > 180 days)" in text
    assert "paracetamol" in text and "not in the drug vocabulary" in text
    assert "ondansetron" in text and "supportive drug" in text
    roles = exp.timeline.set_index(["line_seq", "drug"])["role"]
    assert roles[(1, "docetaxel")] == "regimen"


def test_unknown_patient(store):
    with pytest.raises(LinewiseError, match="not in"):
        explain_patient(store, "nobody")
