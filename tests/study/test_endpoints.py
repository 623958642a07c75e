"""Endpoints worked out by hand, patient by patient: origin, event, censoring, delayed entry."""

from __future__ import annotations

import datetime as dt

import pytest

from linewise.study import SpecError, run_study, spec_from_data
from linewise.study.endpoints import PRESETS
from linewise.study.spec import EndpointPreset, EndpointSpec
from study_registry import make_store

MONTH = 30.4375
TDM1 = "trastuzumab emtansine"


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def days(a: str, b: str) -> int:
    return (d(b) - d(a)).days


def patient(pid, met="2015-01-01", **kw):
    row = {"patient_id": pid, "birth_date": "1960-05-01", "sex": "female", "primary_diagnosis_date": "2014-01-01",
           "surgery_date": "2014-02-01", "metastatic_diagnosis_date": met, "er_status": "positive",
           "pgr_status": "negative", "her2_ihc": "3+", "last_contact_date": "2017-01-01", "death_date": None,
           "lost_to_follow_up": "no", "enrolment_date": met}
    row.update(kw)
    return row


def line(pid, k, start, agents, end=None, reason=None, prog=None, kind=None, bor=None, bor_date=None):
    return {"patient_id": pid, "line_number": k, "setting": "metastatic", "start_date": start, "end_date": end,
            "agents": agents, "end_reason": reason, "progression_date": prog, "progression_kind": kind,
            "best_response": bor, "best_response_date": bor_date}


REGISTRY = {
    "patients": [
        patient("P1", enrolment_date="2015-09-01"),
        patient("P2", death_date="2016-06-01", last_contact_date="2016-05-20"),
        patient("P3", death_date="2016-12-01", last_contact_date="2016-11-20"),
        patient("P4", lost_to_follow_up="yes", last_contact_date="2017-05-01"),
        patient("P5", death_date="2016-04-01", last_contact_date="2016-03-20"),
        patient("P7", death_date="2017-01-01", last_contact_date="2016-12-01"),
    ],
    "therapy_lines": [
        # P1: radiological PD on T-DM1 (line 2); enrolled after T-DM1 start
        line("P1", 1, "2015-01-15", "trastuzumab + pertuzumab + docetaxel", "2015-07-01", "progression",
             "2015-06-20", "radiological"),
        line("P1", 2, "2015-07-15", TDM1, "2016-01-10", "progression", "2016-01-01", "radiological", "SD", "2015-10-01"),
        # P2: clinical PD on T-DM1, then a 3rd line; dies later
        line("P2", 1, "2015-02-01", "trastuzumab + docetaxel", "2015-07-01", "progression", "2015-07-01", "clinical"),
        line("P2", 2, "2015-08-01", TDM1, "2016-03-10", "progression", "2016-03-01", "clinical", "SD", "2015-11-01"),
        line("P2", 3, "2016-03-15", "capecitabine + lapatinib", None, "death"),
        # P3: T-DM1 in 1st line stopped for toxicity; no assessment
        line("P3", 1, "2016-01-01", TDM1, "2016-02-15", "toxicity"),
        # P4: T-DM1 ongoing, lost to follow-up
        line("P4", 1, "2015-02-01", "trastuzumab + pertuzumab + paclitaxel", "2015-12-01", "progression",
             "2015-11-20", "radiological"),
        line("P4", 2, "2016-01-01", TDM1, None, "ongoing"),
        # P5: death 31 days after the last assessment (rwPFS death window)
        line("P5", 1, "2016-01-01", TDM1, "2016-04-01", "death"),
        # P7: line 2 completed without progression; line 3 starts; death later
        line("P7", 1, "2015-02-01", "trastuzumab + docetaxel", "2015-12-01", "progression", "2015-12-01", "radiological"),
        line("P7", 2, "2016-01-01", TDM1, "2016-06-01", "completed"),
        line("P7", 3, "2016-07-01", "capecitabine"),
    ],
    "response_assessments": [
        {"patient_id": "P1", "assessment_date": "2015-10-01", "response": "SD", "line_number": 2},
        {"patient_id": "P1", "assessment_date": "2016-01-01", "response": "PD", "line_number": 2},
        {"patient_id": "P2", "assessment_date": "2015-11-01", "response": "SD", "line_number": 2},
        {"patient_id": "P2", "assessment_date": "2016-02-01", "response": "SD", "line_number": 2},
        {"patient_id": "P2", "assessment_date": "2016-05-01", "response": "PD", "line_number": 3},
        {"patient_id": "P5", "assessment_date": "2016-03-01", "response": "SD", "line_number": 1},
    ],
    "metastatic_sites": [
        {"patient_id": "P1", "site": "liver", "date_detected": "2015-01-01"},
        {"patient_id": "P1", "site": "brain", "date_detected": "2016-01-01"},
        {"patient_id": "P2", "site": "bone", "date_detected": "2015-01-01"},
    ],
    "performance_status": [
        {"patient_id": "P1", "assessment_date": "2015-03-01", "ecog": 0},
        {"patient_id": "P1", "assessment_date": "2015-07-01", "ecog": 1},
        {"patient_id": "P2", "assessment_date": "2015-08-05", "ecog": 2},
        {"patient_id": "P2", "assessment_date": "2015-07-28", "ecog": 1},
    ],
}

ENDPOINTS = {
    "pfs_b": {"preset": "pfs_radiological"},
    "pfs_c": {"preset": "pfs_composite"},
    "pfs1": {"preset": "pfs_composite", "line": 1},
    "os_met": {"preset": "os_metastatic"},
    "os_ix": {"preset": "os_index"},
    "ttnt": {"preset": "ttnt"},
    "ttd": {"preset": "ttd"},
    "dot": {"preset": "dot"},
    "rwpfs": {"preset": "rwpfs"},
    "pfs_next": {"preset": "pfs_composite", "censor_at_next_line": True},
    "pfs_entry": {"preset": "pfs_radiological", "entry": "enrolment"},
}


def spec(**over):
    data = {"schema_version": 1, "name": "micro", "title": "micro",
            "index": {"label": "first T-DM1 line", "line": "has('T-DM1')"},
            "endpoints": ENDPOINTS,
            "responses": {"bor": {"kind": "best_response"}, "dcr6": {"kind": "dcr", "min_sd_months": 6},
                          "trr": {"kind": "trr"}, "cbr": {"kind": "cbr"}},
            "covariates": {"pmab_before": "prior('pertuzumab')", "visceral": "visceral", "brain": "brain",
                           "n_sites": "n_metastatic_sites", "ecog": "ecog_at_index",
                           "her2_months": "her2_therapy_months", "prior_lines": "n_prior_lines",
                           "pmab_line1": "in_line(1, 'Perjeta')"}}
    data.update(over)
    return spec_from_data(data)


@pytest.fixture(scope="module")
def micro(tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("micro"), REGISTRY)
    table = run_study(spec(), store).table.set_index("patient_id")
    return store, table


# (patient, endpoint) -> (origin, exit date, event, status), all worked out by hand from REGISTRY
EXPECTED = {
    ("P1", "pfs_b"): ("2015-07-15", "2016-01-01", 1, "radiological_progression"),
    ("P1", "pfs_c"): ("2015-07-15", "2016-01-01", 1, "progression"),
    ("P1", "pfs1"): ("2015-01-15", "2015-06-20", 1, "progression"),
    ("P1", "os_met"): ("2015-01-01", "2017-01-01", 0, "censored"),
    ("P1", "os_ix"): ("2015-07-15", "2017-01-01", 0, "censored"),
    ("P1", "ttnt"): ("2015-07-15", "2017-01-01", 0, "censored"),
    ("P1", "ttd"): ("2015-07-15", "2016-01-10", 1, "line_end"),
    # clinical progression is not an event of Study B's PFS: censored at the last assessment
    # before the next line (2016-02-01; the 2016-05-01 scan belongs to line 3)
    ("P2", "pfs_b"): ("2015-08-01", "2016-02-01", 0, "censored"),
    ("P2", "pfs_c"): ("2015-08-01", "2016-03-01", 1, "progression"),
    ("P2", "os_ix"): ("2015-08-01", "2016-06-01", 1, "death"),
    ("P2", "ttnt"): ("2015-08-01", "2016-03-15", 1, "next_line_start"),
    ("P2", "rwpfs"): ("2015-08-01", "2016-03-01", 1, "progression"),
    # no tumour assessment at all: censored at the origin
    ("P3", "pfs_b"): ("2016-01-01", "2016-01-01", 0, "censored"),
    ("P3", "pfs_c"): ("2016-01-01", "2016-02-15", 1, "toxicity_stop"),
    ("P3", "ttd"): ("2016-01-01", "2016-02-15", 1, "line_end"),
    ("P3", "dot"): ("2016-01-01", "2016-02-15", 1, "line_end"),
    ("P3", "os_ix"): ("2016-01-01", "2016-12-01", 1, "death"),
    # rwPFS: death ten months after the last (absent) assessment is not an event
    ("P3", "rwpfs"): ("2016-01-01", "2016-01-01", 0, "censored"),
    # lost to follow-up: an event of Study C's PFS, a censoring for OS; ongoing line not ended
    ("P4", "pfs_c"): ("2016-01-01", "2017-05-01", 1, "lost_to_follow_up"),
    ("P4", "os_ix"): ("2016-01-01", "2017-05-01", 0, "censored"),
    ("P4", "ttd"): ("2016-01-01", "2017-05-01", 0, "censored"),
    ("P4", "dot"): ("2016-01-01", "2017-05-01", 0, "censored"),
    # rwPFS: death 31 days after the last assessment counts
    ("P5", "rwpfs"): ("2016-01-01", "2016-04-01", 1, "death"),
    ("P5", "pfs_b"): ("2016-01-01", "2016-03-01", 0, "censored"),
    # a death after the next line started: an event, unless follow-up stops at the next line
    ("P7", "pfs_c"): ("2016-01-01", "2017-01-01", 1, "death"),
    ("P7", "pfs_next"): ("2016-01-01", "2016-07-01", 0, "censored"),
    ("P7", "dot"): ("2016-01-01", "2016-06-01", 1, "line_end"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_endpoint_worked_by_hand(micro, key):
    _, table = micro
    pid, ep = key
    origin, exit_date, event, status = EXPECTED[key]
    row = table.loc[pid]
    assert str(row[f"{ep}_origin"])[:10] == origin
    assert row[f"{ep}_time"] == pytest.approx(days(origin, exit_date) / MONTH, abs=1e-12)
    assert int(row[f"{ep}_event"]) == event
    assert row[f"{ep}_status"] == status


def test_delayed_entry_at_enrolment(micro):
    _, table = micro
    # P1 enrolled 48 days after T-DM1 start; everyone else at metastatic diagnosis (entry 0)
    assert table.loc["P1", "pfs_entry_entry"] == pytest.approx(days("2015-07-15", "2015-09-01") / MONTH)
    assert table.loc["P2", "pfs_entry_entry"] == 0.0


def test_data_cutoff_caps_follow_up(tmp_path):
    store = make_store(tmp_path, REGISTRY)
    t = run_study(spec(data_cutoff=dt.date(2016, 3, 31)), store).table.set_index("patient_id")
    # P2 died 2016-06-01, after the cut-off: censored at the cut-off
    assert t.loc["P2", "os_ix_event"] == 0
    assert t.loc["P2", "os_ix_time"] == pytest.approx(days("2015-08-01", "2016-03-31") / MONTH)
    # P3's toxicity stop (2016-02-15) is before the cut-off and stays an event
    assert t.loc["P3", "pfs_c_status"] == "toxicity_stop"


def test_responses_by_hand(micro):
    _, table = micro
    # P1: recorded SD, progression 5.6 months after start: SD but not for 6 months
    assert table.loc["P1", "bor"] == "SD"
    assert not table.loc["P1", "dcr6"] and not table.loc["P1", "trr"]
    assert table.loc["P1", "dcr6_sd_months"] == pytest.approx(days("2015-07-15", "2016-01-01") / MONTH)
    # P2: SD lasting to progression on 2016-03-01 (7 months): disease control
    assert table.loc["P2", "dcr6"] and table.loc["P2", "cbr"]
    # P5: no recorded response: the best assessment (SD) is used
    assert table.loc["P5", "bor"] == "SD"
    # P3: nothing assessed: not evaluable, a non-responder
    assert table.loc["P3", "bor"] == "NE" and not table.loc["P3", "trr"]


def test_features_by_hand(micro):
    _, t = micro
    assert bool(t.loc["P1", "pmab_before"]) and not bool(t.loc["P2", "pmab_before"])
    assert bool(t.loc["P1", "pmab_line1"]) is True and bool(t.loc["P2", "pmab_line1"]) is False
    # T-DM1 in 1st line: line 1 exists, it has no pertuzumab
    assert bool(t.loc["P3", "pmab_line1"]) is False
    # sites known by the index date: P1's liver (brain came later); P2 bone only; P3 none
    assert bool(t.loc["P1", "visceral"]) and not bool(t.loc["P1", "brain"]) and t.loc["P1", "n_sites"] == 1
    assert not bool(t.loc["P2", "visceral"])
    assert t.loc["P3", "visceral"] is None or t.loc["P3", "visceral"] != t.loc["P3", "visceral"]
    # ECOG closest to the index date within -90/+14 days; an earlier one wins a tie (P2: -4 vs +4)
    assert t.loc["P1", "ecog"] == 1
    assert t.loc["P2", "ecog"] == 1
    # HER2 therapy before T-DM1: P1's 1st line, 2015-01-15 to 2015-07-01
    assert t.loc["P1", "her2_months"] == pytest.approx(days("2015-01-15", "2015-07-01") / MONTH)
    assert t.loc["P3", "her2_months"] == 0.0
    assert t.loc["P1", "prior_lines"] == 1 and t.loc["P3", "prior_lines"] == 0


def test_every_preset_is_documented_and_complete():
    from linewise.study.endpoints import PRESET_DOCS

    assert set(PRESETS) == set(EndpointPreset) == set(PRESET_DOCS)
    for preset in EndpointPreset:
        ep = EndpointSpec(preset=preset).resolved()
        assert ep.events and ep.origin and ep.censor


def test_override_of_a_preset():
    ep = EndpointSpec(preset="pfs_radiological", events=["progression", "death"], line=2).resolved()
    assert [e.value for e in ep.events] == ["progression", "death"]
    assert ep.line == 2 and ep.censor.value == "last_tumour_assessment"


def test_data_cutoff_censoring_needs_a_cutoff(tmp_path):
    store = make_store(tmp_path, REGISTRY)
    with pytest.raises(SpecError, match="data_cutoff"):
        run_study(spec(endpoints={"os": {"preset": "os_index", "censor": "data_cutoff"}}), store)
