"""Value normalisation per column kind: synonyms, spellings, codes, ranges, suggestions."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.io.normalize import ImportOptions, normalize_column, normalize_table
from linewise.model.registry import DRUG_EXPOSURES, PATIENTS, THERAPY_LINES


def _norm(table, column, values):
    return normalize_column(table.column(column), pd.Series(values, dtype=object), ImportOptions())


@pytest.mark.parametrize(
    ("raw", "status"),
    [("pos", "positive"), ("+", "positive"), ("Positive", "positive"), ("90%", "positive"), ("1%", "positive"),
     ("neg", "negative"), ("-", "negative"), ("0%", "negative"), ("0.5 %", "negative"), ("positive (80%)", "positive")],
)
def test_receptor_spellings(raw, status):
    res = _norm(PATIENTS, "er_status", [raw])
    assert res.values.tolist() == [status]
    assert res.issues.empty


def test_receptor_percentage_fills_percent_column():
    frame = pd.DataFrame({"patient_id": ["a", "b"], "er_status": ["90%", "pos"], "er_percent": [None, "40"]}, dtype=object)
    typed, issues, _ = normalize_table(PATIENTS, frame, ImportOptions())
    assert typed["er_percent"].tolist() == [90.0, 40.0]
    assert issues.empty


def test_contradictory_receptor_is_an_error():
    res = _norm(PATIENTS, "er_status", ["negative (80%)"])
    assert res.issues["rule"].tolist() == ["code"]


@pytest.mark.parametrize(
    ("raw", "agents"),
    [
        ("Herceptin + Perjeta + Taxotere", ["trastuzumab", "pertuzumab", "docetaxel"]),
        ("Tmab/Pmab", ["trastuzumab", "pertuzumab"]),
        ("T-DM1", ["trastuzumab emtansine"]),
        ("Kadcyla", ["trastuzumab emtansine"]),
        ("ado-trastuzumab emtansine", ["trastuzumab emtansine"]),
        ("Enhertu", ["trastuzumab deruxtecan"]),
        ("TCHP", ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"]),
        ("P+H+docetaxel", ["pertuzumab", "trastuzumab", "docetaxel"]),
        ("capecitabine and lapatinib", ["capecitabine", "lapatinib"]),
        ("letrozole + palbociclib", ["letrozole", "palbociclib"]),
    ],
)
def test_drug_lists(raw, agents):
    res = _norm(THERAPY_LINES, "agents", [raw])
    assert res.values.tolist() == [agents]
    assert res.issues.empty


def test_unknown_drug_is_rejected_with_suggestion():
    res = _norm(THERAPY_LINES, "agents", ["pertuzamab + trastuzumab"])
    [issue] = res.issues.to_dict("records")
    assert issue["rule"] == "drug_unknown"
    assert "pertuzumab" in issue["message"]


def test_raw_drug_record_outside_vocabulary_is_kept_with_warning():
    res = _norm(DRUG_EXPOSURES, "drug", ["Herceptin SC", "paracetamol"])
    assert res.values.tolist() == ["trastuzumab", None]
    assert res.issues["rule"].tolist() == ["drug_unrecognised"]
    assert res.issues["severity"].tolist() == ["warning"]


@pytest.mark.parametrize(("column", "raw", "value"), [
    ("grade", "III", "G3"), ("grade", "2", "G2"), ("sex", "w", "female"), ("sex", "M", "male"),
    ("her2_ihc", "3", "3+"), ("her2_ish", "amplified", "amplified"), ("her2_ish", "not amplified", "not_amplified"),
])
def test_code_aliases(column, raw, value):
    assert _norm(PATIENTS, column, [raw]).values.tolist() == [value]


def test_unknown_code_suggests_closest():
    res = _norm(PATIENTS, "sex", ["femal"])
    assert res.issues["rule"].tolist() == ["code"]
    assert "female" in res.issues["message"].iloc[0]


def test_numbers_ranges_and_missing_tokens():
    res = _norm(PATIENTS, "ki67_percent", ["25", "25,5", "150", "abc", "NA", None, "30%"])
    assert res.values.tolist()[:2] == [25.0, 25.5]
    assert res.values.tolist()[6] == 30.0
    assert sorted(res.issues["rule"].tolist()) == ["range", "type"]
    assert res.values.isna().tolist() == [False, False, True, True, True, True, False]


def test_required_missing_is_reported_once_per_row():
    res = _norm(PATIENTS, "patient_id", ["P1", None, "unknown"])
    assert res.issues["pos"].tolist() == [1, 2]
    assert set(res.issues["rule"]) == {"required"}


def test_user_code_map():
    col = PATIENTS.column("sex")
    res = normalize_column(col, pd.Series(["9"], dtype=object), ImportOptions(code_map={"sex": {"9": "female"}}))
    assert res.values.tolist() == ["female"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=20))
def test_arbitrary_cells_never_crash_and_every_row_has_a_value_or_an_issue(cells):
    raw = pd.Series(cells, dtype=object)
    for table in (PATIENTS, THERAPY_LINES):
        for column in table.columns:
            res = normalize_column(column, raw, ImportOptions())
            assert len(res.values) == len(cells)
            bad = set(res.issues.loc[res.issues["severity"] == "error", "pos"])
            for i, v in enumerate(res.values.tolist()):
                assert i in bad or v is not None or pd.isna(v)  # a value, or missing, or an error


def test_drug_filled_from_source_value_where_empty():
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "drug_source_value": ["Kadcyla", "Herceptin", "paracetamol"],
                          "drug": [None, "pertuzumab", None], "start_date": ["2017-01-01"] * 3}, dtype=object)
    typed, issues, _ = normalize_table(DRUG_EXPOSURES, frame, ImportOptions())
    assert typed["drug"].tolist() == ["trastuzumab emtansine", "pertuzumab", None]
    assert issues[["pos", "column", "rule"]].values.tolist() == [[2, "drug_source_value", "drug_unrecognised"]]
    frame = frame.drop(columns="drug")
    typed, _, _ = normalize_table(DRUG_EXPOSURES, frame, ImportOptions())
    assert typed["drug"].tolist() == ["trastuzumab emtansine", "trastuzumab", None]
