"""results.json carries numbers, not only printed text: Table 1's tidy numbers, the KM block's
unadjusted HR, structured response definitions, labelled covariates and headline row types."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from linewise.stats import cox, table_one
from linewise.study import run_study, spec_from_data
from study_registry import make_store

TDM1 = "trastuzumab emtansine"


def registry():
    patients, lines = [], []
    for i in range(16):
        late = i % 2 == 1
        pid = f"P{i:02d}"
        death = f"{2017 + (i % 5)}-0{1 + i % 7}-15"
        patients.append({"patient_id": pid, "metastatic_diagnosis_date": "2015-01-01" if i % 3 else "2014-01-01",
                         "death_date": death, "last_contact_date": death, "her2_ihc": "3+",
                         "birth_date": f"{1940 + 2 * i}-0{1 + i % 9}-01", "primary_diagnosis_date": "2014-01-01"})
        lines.append({"patient_id": pid, "line_number": 1, "setting": "metastatic", "start_date": "2015-01-10",
                      "end_date": "2015-12-20", "agents": "trastuzumab + docetaxel", "end_reason": "progression"})
        if late:
            lines.append({"patient_id": pid, "line_number": 2, "setting": "metastatic", "start_date": "2016-01-01",
                          "end_date": "2016-06-20", "agents": "capecitabine + lapatinib", "end_reason": "progression"})
        lines.append({"patient_id": pid, "line_number": 3 if late else 2, "setting": "metastatic",
                      "start_date": "2016-07-01" if late else "2016-01-01", "agents": TDM1})
    return {"patients": patients, "therapy_lines": lines}


SPEC = {
    "schema_version": 1, "name": "numbers", "title": "numbers",
    "index": {"label": "T-DM1", "line": "has('T-DM1')"},
    "groups": {"name": "line", "levels": [{"name": "2nd", "when": "index_line_number == 2"},
                                         {"name": "3rd", "when": "index_line_number == 3"}]},
    "endpoints": {"os": {"preset": "os_index"}},
    "covariates": {"age": {"expr": "age_at_index", "label": "Age at T-DM1, years"},
                   "older": {"expr": "age_at_index >= 65", "label": "Aged 65 or more"}},
    "analyses": [
        {"id": "t1", "kind": "table_one", "variables": ["age", "older"]},
        {"id": "km", "kind": "kaplan_meier", "endpoint": "os", "hazard_ratios": True},
        {"id": "cox", "kind": "cox", "endpoint": "os", "exposure": "group", "adjust_for": ["age"]},
    ],
    "headline": [{"title": "OS", "columns": ["2nd", "3rd"], "rows": [
        {"label": "n", "analysis": "km", "show": "n"},
        {"label": "Median OS", "analysis": "km", "show": "median"},
        {"label": "HR", "analysis": "cox", "show": "hr"}]}],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("numbers"), registry())
    out = tmp_path_factory.mktemp("out")
    r = run_study(spec_from_data(SPEC), store, out)
    return r, json.loads((out / "results.json").read_text())


def test_table_one_numbers_equal_table_one(run):
    r, res = run
    t1 = res["table_one"]
    got = pd.DataFrame(t1["numbers"])
    levels = [lv for lv in dict.fromkeys(got.loc[got.variable == "older", "level"]) if lv != "Unknown"]
    assert set(levels) == {"yes", "no"}
    frame = pd.DataFrame({"age": r.table["age"].astype(float),
                          "older": pd.Categorical(r.table["older"].map({True: "yes", False: "no"}), levels),
                          "g": pd.Categorical(r.table["line"], ["2nd", "3rd"])})
    direct = table_one(frame, by="g", variables=["age", "older"],
                       types={"age": "continuous", "older": "categorical"}, labels={"age": "Age at T-DM1, years",
                                                                                   "older": "Aged 65 or more"})
    assert t1["overall"] is False and t1["variables"][0]["rows"]  # the printed table stays
    assert got[["variable", "level", "group"]].equals(direct.data[["variable", "level", "group"]])
    for col in ("n", "N", "percent", "median", "q1", "q3", "min", "max", "n_missing"):
        pd.testing.assert_series_equal(got[col].astype(float), direct.data[col].astype(float), check_names=False)
    assert got.loc[(got.variable == "older") & (got.group == "Overall") & (got.level != "Unknown"), "n"].sum() == 16


def test_km_block_has_the_unadjusted_hr(run):
    r, res = run
    [km] = [b for b in res["survival"] if b["analysis"] == "km"]
    [h] = km["hazard_ratios"]
    t = r.table.dropna(subset=["os_time"]).copy()
    t["line"] = t["line"].astype(str)
    fit = cox(t, "os_time", "os_event", "C(line, contr.treatment('2nd'))").coefficients.iloc[0]
    assert (h["level"], h["reference"]) == ("3rd", "2nd")
    assert h["hr"] == pytest.approx(fit["hr"], rel=1e-9) and h["p"] == pytest.approx(fit["p"], rel=1e-9)


def test_covariate_labels_and_headline_row_types(run):
    _, res = run
    assert res["methods"]["analyses"]["multivariable_covariates"] == {"cox": ["age"]}
    assert res["methods"]["analyses"]["multivariable_covariate_labels"] == {
        "cox": [{"name": "age", "label": "Age at T-DM1, years"}]}
    rows = res["headline"][0]["rows"]
    assert [x["row_type"] for x in rows] == ["count", "estimate", "estimate"]


def test_response_definition_fields():
    from linewise.study.analyses import response_fields
    from linewise.study.spec import ResponseKind, ResponseSpec

    dcr6 = response_fields(ResponseSpec(kind=ResponseKind.DCR, min_sd_months=6))
    assert dcr6 == {"responders": ["CR", "PR", "SD"], "min_sd_duration": {"value": 6, "unit": "months"}}
    assert response_fields(ResponseSpec(kind=ResponseKind.TRR))["responders"] == ["CR", "PR"]
