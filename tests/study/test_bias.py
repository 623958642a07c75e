"""Immortal-time guard on a registry made by hand, and the remedies worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from linewise.study import run_study, spec_from_data
from linewise.study.bias import remedy_data
from study_registry import make_store

MONTH = 30.4375
TDM1 = "trastuzumab emtansine"


def registry():
    patients, lines = [], []
    # early: T-DM1 in 2nd line one year after metastatic diagnosis; late: in 3rd line after three
    for i in range(12):
        late = i % 2 == 1
        pid = f"I{i:02d}"
        death = f"{2019 + (i % 4)}-0{1 + i % 6}-15"
        patients.append({"patient_id": pid, "metastatic_diagnosis_date": "2015-01-01", "death_date": death,
                         "last_contact_date": death, "her2_ihc": "3+", "birth_date": "1960-01-01",
                         "primary_diagnosis_date": "2014-01-01"})
        lines.append({"patient_id": pid, "line_number": 1, "setting": "metastatic", "start_date": "2015-01-10",
                      "end_date": "2015-12-20", "agents": "trastuzumab + docetaxel", "end_reason": "progression"})
        if late:
            lines.append({"patient_id": pid, "line_number": 2, "setting": "metastatic", "start_date": "2016-01-01",
                          "end_date": "2017-12-20", "agents": "capecitabine + lapatinib", "end_reason": "progression"})
        lines.append({"patient_id": pid, "line_number": 3 if late else 2, "setting": "metastatic",
                      "start_date": "2018-01-01" if late else "2016-01-01", "agents": TDM1})
    return {"patients": patients, "therapy_lines": lines}


def spec(endpoint):
    return spec_from_data({
        "schema_version": 1, "name": "bias", "title": "bias",
        "index": {"label": "T-DM1", "line": "has('T-DM1')"},
        "groups": {"name": "line", "levels": [{"name": "2nd", "when": "index_line_number == 2"},
                                             {"name": "3rd", "when": "index_line_number == 3"}]},
        "endpoints": {"os": {"preset": endpoint}},
        "analyses": [{"id": "km", "kind": "kaplan_meier", "endpoint": "os", "remedies": ["landmark", "delayed_entry"]}],
    })


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("bias"), registry())


def test_warns_when_origin_precedes_the_group_definition(store):
    r = run_study(spec("os_metastatic"), store)
    [w] = [w for w in r.warnings if w["kind"] == "immortal_time"]
    assert w["analysis"] == "km" and w["share_with_gap"] == 1.0
    # the gap is the time from metastatic diagnosis to T-DM1: 1 year (2nd line), 3 years (3rd)
    assert w["by_group"]["2nd"]["median"] == months("2015-01-01", "2016-01-01")
    assert w["by_group"]["3rd"]["median"] == months("2015-01-01", "2018-01-01")
    assert w["message"].count(".") >= 1 and "survive" in w["message"]
    remedies = {b.get("remedy") for b in r.results["survival"]}
    assert remedies == {None, "landmark", "delayed_entry"}


def months(a, b):
    import datetime as dt

    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days / MONTH


def test_no_warning_when_origin_is_the_index(store):
    r = run_study(spec("os_index"), store)
    assert not [w for w in r.warnings if w["kind"] in ("immortal_time", "conditioning_on_future")]
    assert {b.get("remedy") for b in r.results["survival"]} == {None}


def test_landmark_equals_os_from_the_index(store):
    """A landmark at each patient's index date is survival measured from that date."""
    met = run_study(spec("os_metastatic"), store)
    ix = run_study(spec("os_index"), store)
    landmark = next(b for b in met.results["survival"] if b.get("remedy") == "landmark")
    naive_ix = next(b for b in ix.results["survival"] if b.get("remedy") is None)
    for a, b in zip(landmark["curves"], naive_ix["curves"], strict=True):
        assert a["group"] == b["group"] and a["median"] == pytest.approx(b["median"], rel=1e-12)


def test_fixed_time_landmark(store):
    """Landmark 24 months after metastatic diagnosis: the 3rd-line group is not decided yet."""
    s = spec("os_metastatic").model_copy(update={"analyses": []})
    s = spec_from_data({**s.model_dump(mode="json", exclude_none=True), "analyses": [
        {"id": "lm", "kind": "landmark", "endpoint": "os", "at": 24}]})
    r = run_study(s, store)
    [block] = r.results["survival"]
    assert block["landmark"] == 24
    assert block["excluded"]["group_decided_after_landmark"] == 6
    assert block["excluded"]["event_or_censored_before_landmark"] == 0
    groups = {c["group"]: c for c in block["curves"] if c["group"] != "Overall"}
    assert set(groups) == {"2nd"} and groups["2nd"]["n"] == 6
    naive = r.table[r.table["line"] == "2nd"]["os_time"].sort_values().to_numpy()
    assert groups["2nd"]["steps"]["time"][0] == pytest.approx(naive[0] - 24)


def test_remedy_data_by_hand():
    time = np.array([10.0, 20.0, 3.0])
    event = np.array([1.0, 0.0, 1.0])
    gap = np.array([4.0, 0.0, 5.0])  # the third patient's event precedes the anchor
    t, e, en, keep = remedy_data(time, event, gap, "landmark")
    assert t.tolist() == [6.0, 20.0] and e.tolist() == [1.0, 0.0] and en is None and keep.tolist() == [True, True, False]
    t, e, en, _ = remedy_data(time, event, gap, "delayed_entry")
    assert t.tolist() == [10.0, 20.0] and en.tolist() == [4.0, 0.0]
