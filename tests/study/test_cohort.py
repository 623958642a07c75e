"""Cohort: index event, ordered inclusion/exclusion steps, attrition that adds up, groups."""

from __future__ import annotations

import datetime as dt

import pytest

from linewise.study import run_study, spec_from_data
from study_registry import make_store

TDM1 = "trastuzumab emtansine"


def patient(pid, **kw):
    row = {"patient_id": pid, "birth_date": "1960-01-01", "primary_diagnosis_date": "2013-01-01",
           "metastatic_diagnosis_date": "2014-01-01", "her2_ihc": "3+", "er_status": "negative",
           "pgr_status": "negative", "last_contact_date": "2019-01-01"}
    row.update(kw)
    return row


def line(pid, k, start, agents, setting="metastatic", end=None):
    return {"patient_id": pid, "line_number": k, "setting": setting, "start_date": start, "agents": agents,
            "end_date": end, "end_reason": "progression" if end else None}


REGISTRY = {
    "patients": [patient(f"Q{i}") for i in range(1, 9) if i != 7] + [patient("Q7", her2_ihc=None)],
    "therapy_lines": [
        line("Q1", 1, "2014-02-01", "trastuzumab + pertuzumab + docetaxel", end="2014-12-01"),
        line("Q1", 2, "2015-01-01", TDM1),
        line("Q2", 1, "2014-02-01", "trastuzumab + docetaxel", end="2014-12-01"),
        line("Q2", 2, "2015-01-01", TDM1),
        line("Q3", 1, "2014-02-01", TDM1, end="2014-12-01"),
        line("Q3", 2, "2015-01-01", "trastuzumab + capecitabine", end="2015-12-01"),
        line("Q3", 3, "2016-01-01", TDM1),
        line("Q4", 1, "2014-02-01", "capecitabine", end="2014-12-01"),
        line("Q4", 2, "2015-01-01", TDM1),
        line("Q5", 1, "2014-02-01", "trastuzumab + docetaxel"),
        line("Q6", None, "2013-03-01", "trastuzumab + paclitaxel", setting="adjuvant", end="2013-09-01"),
        line("Q6", 1, "2014-02-01", "lapatinib + capecitabine", end="2014-12-01"),
        line("Q6", 2, "2015-01-01", TDM1),
        line("Q7", 1, "2014-02-01", "trastuzumab + docetaxel", end="2014-12-01"),
        line("Q7", 2, "2015-01-01", TDM1),
        line("Q8", 1, "2014-02-01", "trastuzumab + pertuzumab + paclitaxel", end="2014-12-01"),
        line("Q8", 2, "2015-01-01", "capecitabine", end="2015-12-01"),
        line("Q8", 3, "2016-01-01", TDM1),
    ],
}


def spec(occurrence="last", groups=None, **index):
    return spec_from_data({
        "schema_version": 1, "name": "cohort_test", "title": "t",
        "index": {"label": "T-DM1 line", "line": "setting == 'metastatic' and has('T-DM1')", "occurrence": occurrence,
                  **index},
        "cohort": [
            {"id": "prior_tdm1", "label": "Prior T-DM1", "exclude": "prior('T-DM1')"},
            {"id": "neither", "label": "Neither Tmab nor Pmab", "exclude": "not prior('Herceptin') and not prior('Pmab')"},
            {"id": "her2", "label": "HER2-positive", "include": "her2_positive"},
        ],
        "groups": groups or {"name": "pre", "levels": [{"name": "Pmab", "when": "prior('pertuzumab')"},
                                                      {"name": "Tmab", "when": "prior('trastuzumab')"}]},
        "endpoints": {"os": {"preset": "os_index"}},
    })


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("cohort"), REGISTRY)


def counts(result):
    return [(s["step"], s["n"], s["excluded"], s["unknown"]) for s in result.results["attrition"]]


def test_attrition_by_hand(store):
    r = run_study(spec(), store)
    assert counts(r) == [("registry", 8, 0, 0), ("index", 7, 1, 0), ("prior_tdm1", 6, 1, 0), ("neither", 5, 1, 0),
                         ("her2", 4, 1, 1), ("groups", 4, 0, 0)]
    groups = r.table.set_index("patient_id")["pre"].to_dict()
    # adjuvant trastuzumab counts as prior trastuzumab (setting 'any')
    assert groups == {"Q1": "Pmab", "Q2": "Tmab", "Q6": "Tmab", "Q8": "Pmab"}
    assert [lv["n"] for lv in r.results["groups"]["levels"]] == [2, 2]


def test_attrition_adds_up(store):
    steps = run_study(spec(), store).results["attrition"]
    for before, after in zip(steps, steps[1:], strict=False):
        assert after["n"] == before["n"] - after["excluded"]
        assert after["unknown"] <= after["excluded"] or after["kind"] == "exclude"


def test_first_occurrence_has_no_prior_tdm1(store):
    r = run_study(spec(occurrence="first"), store)
    assert counts(r)[2] == ("prior_tdm1", 7, 0, 0)
    # Q3's first T-DM1 is its 1st line, with no HER2 antibody before it
    assert counts(r)[3] == ("neither", 5, 2, 0)


def test_index_window(store):
    r = run_study(spec(start_from=dt.date(2015, 6, 1)), store)
    # only the 3rd-line T-DM1 courses (Q3, Q8) start after June 2015
    assert counts(r)[1] == ("index", 2, 6, 0)


def test_patients_in_no_group_leave_in_a_named_step(store):
    groups = {"name": "pre", "levels": [{"name": "Pmab", "when": "prior('pertuzumab')"},
                                        {"name": "Tmab only", "when": "prior('trastuzumab') and not prior('lapatinib')"}]}
    r = run_study(spec(groups=groups), store)
    assert counts(r)[-1] == ("groups", 3, 1, 0)
    assert "Q6" not in set(r.table["patient_id"])


def test_first_matching_level_wins(store):
    groups = {"name": "pre", "levels": [{"name": "any HER2", "when": "prior('her2_targeted')"},
                                        {"name": "Pmab", "when": "prior('pertuzumab')"}]}
    r = run_study(spec(groups=groups), store)
    assert set(r.table["pre"]) == {"any HER2"}


def test_exclusion_with_unknown_condition_keeps_the_patient(store):
    s = spec_from_data({
        "schema_version": 1, "name": "t", "title": "t",
        "index": {"label": "T-DM1", "line": "has('T-DM1')"},
        "cohort": [{"id": "not_her2", "label": "HER2-negative", "exclude": "not her2_positive"}],
    })
    r = run_study(s, store)
    step = r.results["attrition"][-1]
    assert (step["n"], step["excluded"], step["unknown"]) == (7, 0, 1)


def test_duplicated_line_numbers_keep_the_earliest_and_warn(tmp_path):
    """The importer rejects a repeated line number; other sources (a database) may hold one."""
    import pyarrow as pa

    from linewise.model.registry import THERAPY_LINES
    from linewise.store.store import arrow_schema

    registry = {"patients": [patient("D1")], "therapy_lines": [
        line("D1", 1, "2014-02-01", "trastuzumab + pertuzumab + docetaxel", end="2014-12-01"),
        line("D1", 2, "2015-01-01", TDM1, end="2015-06-01"),
    ]}
    store = make_store(tmp_path, registry)
    schema = arrow_schema(THERAPY_LINES)
    extra = {f.name: [None] for f in schema}
    extra.update(patient_id=["D1"], line_number=[2], setting=["metastatic"], start_date=[dt.date(2015, 7, 1)],
                 agents=[["capecitabine", "lapatinib"]])
    store.insert("therapy_lines", pa.table(extra, schema=schema))
    r = run_study(spec(occurrence="last"), store)
    [w] = [w for w in r.warnings if w["kind"] == "duplicate_line_numbers"]
    assert w["count"] == 1
    assert r.table.set_index("patient_id").loc["D1", "index_start"].date() == dt.date(2015, 1, 1)


def test_derived_lines_as_the_source(store, tmp_path):
    """lines: {source: derived} reads the store's derived_lines (drugs given count as agents)."""
    import pyarrow as pa

    rows = [("Q1", 1, "2014-02-01", ["trastuzumab", "pertuzumab", "docetaxel"]), ("Q1", 2, "2015-01-01", [TDM1]),
            ("Q2", 1, "2014-02-01", ["trastuzumab", "paclitaxel"]), ("Q2", 2, "2015-01-01", [TDM1])]
    data = pa.table({"patient_id": [r[0] for r in rows], "line_number": pa.array([r[1] for r in rows], pa.int32()),
                     "setting": ["metastatic"] * 4,
                     "start_date": pa.array([dt.date.fromisoformat(r[2]) for r in rows], pa.date32()),
                     "end_date": pa.nulls(4, pa.date32()), "agents": [r[3] for r in rows],
                     "drugs_given": [r[3] for r in rows]})
    from linewise.lines import _sql

    _sql.create_from_arrow(store.con, "derived_lines", data, temp=True)
    try:
        r = run_study(derived_spec(), store)
        assert r.table.set_index("patient_id")["pre"].to_dict() == {"Q1": "Pmab", "Q2": "Tmab"}
    finally:
        _sql.drop(store.con, "derived_lines")


def test_derived_lines_missing_is_a_clear_error(store):
    from linewise.errors import LinewiseError

    with pytest.raises(LinewiseError, match="no derived lines"):
        run_study(derived_spec(), store)


def derived_spec():
    return spec_from_data({**spec().model_dump(mode="json", exclude_none=True), "lines": {"source": "derived"}})
