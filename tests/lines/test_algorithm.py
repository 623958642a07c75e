"""Hand-made timelines for every line rule and its exceptions, expected lines written out.

Days are offsets from 2020-01-01; the metastatic diagnosis is day 0 unless stated. Each
expected line is (setting, line number, start, end, agents, start rule, end rule).
"""

from __future__ import annotations

import pytest

from lines._support import derive, summary
from linewise.lines.params import LineRules, Phase

M = "metastatic"
D, H, P, PAC = "docetaxel", "trastuzumab", "pertuzumab", "paclitaxel"
FIRST, NEW, GAP, EOD = "first_metastatic", "new_drug", "gap", "end_of_data"


def q21(drug, start, n):
    return [(drug, start + 21 * i) for i in range(n)]


@pytest.mark.parametrize("x", [27, 28])
def test_drug_started_on_day_27_or_28_joins_the_regimen(con, x):
    lines = derive(con, q21(D, 0, 4) + q21(H, 0, 4) + [(P, x), (P, x + 21)])
    assert summary(lines) == [(M, 1, 0, 63, (D, H, P), FIRST, EOD)]


def test_drug_started_on_day_29_advances_the_line(con):
    lines = derive(con, q21(D, 0, 4) + q21(H, 0, 4) + [(P, 29), (P, 50)])
    assert summary(lines) == [
        (M, 1, 0, 21, (D, H), FIRST, NEW),
        # the new line's regimen window [29, 57] takes in the continuing drugs too
        (M, 2, 29, 63, (P, D, H), NEW, EOD),
    ]
    assert list(lines["new_agents"].iloc[1]) == [P]
    assert lines["next_start_date"].iloc[0].day == 30  # 2020-01-30 = day 29


def test_window_is_a_parameter(con):
    lines = derive(con, [(D, 0), (P, 20)], rules=LineRules(regimen_window_days=14))
    assert [r[4] for r in summary(lines)] == [(D,), (P,)]


@pytest.mark.parametrize(("second", "n_lines"), [(180, 1), (181, 2)])
def test_gap_edge(con, second, n_lines):
    lines = derive(con, [(H, 0), (H, second)])
    if n_lines == 1:
        assert summary(lines) == [(M, 1, 0, 180, (H,), FIRST, EOD)]
    else:
        assert summary(lines) == [(M, 1, 0, 0, (H,), FIRST, GAP), (M, 2, 181, 181, (H,), "after_gap", EOD)]
        # restarting the same regimen after the gap is a new line, flagged as a re-challenge
        assert lines["rechallenge"].tolist() == [False, True]


@pytest.mark.parametrize(("restart", "n_lines"), [(269, 1), (270, 2)])
def test_gap_counts_from_the_latest_end_of_overlapping_records(con, restart, n_lines):
    # a 90-day dispensing (day 0-89) and a short record inside it (day 10): the gap runs from day 89
    lines = derive(con, [("letrozole", 0, 89), ("letrozole", 10, 10), ("letrozole", restart, restart + 89)])
    assert len(lines) == n_lines


def test_gap_is_a_parameter(con):
    assert len(derive(con, [(H, 0), (H, 100)], rules=LineRules(discontinuation_gap_days=90))) == 2


def test_substitution_inside_the_taxane_family_does_not_advance(con):
    lines = derive(con, q21(D, 0, 3) + q21(H, 0, 8) + [(PAC, 63 + 7 * i) for i in range(6)])
    assert summary(lines) == [(M, 1, 0, 147, (D, H), FIRST, EOD)]
    assert list(lines["substitutes"].iloc[0]) == [PAC]


def test_platinum_substitution_does_not_advance(con):
    lines = derive(con, [("cisplatin", 0), ("gemcitabine", 0), ("carboplatin", 42), ("gemcitabine", 42)])
    assert len(lines) == 1 and list(lines["substitutes"].iloc[0]) == ["carboplatin"]


def test_change_to_another_family_advances(con):
    lines = derive(con, q21(D, 0, 3) + q21(H, 0, 6) + [("capecitabine", 63, 76)])
    assert summary(lines) == [(M, 1, 0, 42, (D, H), FIRST, NEW), (M, 2, 63, 105, ("capecitabine", H), NEW, EOD)]


def test_substitution_families_are_a_parameter(con):
    rules = LineRules(substitution_families=())
    lines = derive(con, q21(D, 0, 3) + q21(H, 0, 6) + [(PAC, 63)], rules=rules)
    assert [r[4] for r in summary(lines)] == [(D, H), (PAC, H)]


def test_dropping_a_drug_is_maintenance_not_a_new_line(con):
    # THP: docetaxel 6 cycles (last day 105), trastuzumab + pertuzumab go on to day 399
    lines = derive(con, q21(D, 0, 6) + q21(H, 0, 20) + q21(P, 0, 20))
    # agents in order of first exposure, then by name
    assert summary(lines) == [(M, 1, 0, 399, (D, P, H), FIRST, EOD)]
    assert lines["maintenance"].tolist() == [True]
    assert lines["maintenance_start"].iloc[0].date().isoformat() == "2020-04-16"  # day 106


@pytest.mark.parametrize(("last_h", "maintenance"), [(105, False), (147, False), (168, True)])
def test_maintenance_needs_more_than_42_days_beyond_the_dropped_drug(con, last_h, maintenance):
    lines = derive(con, q21(D, 0, 6) + [(H, d) for d in range(0, last_h + 1, 21)])
    assert len(lines) == 1 and lines["maintenance"].tolist() == [maintenance]


def test_rechallenge_after_another_line(con):
    lines = derive(con, q21("trastuzumab emtansine", 0, 4) + [("capecitabine", 84, 97), ("lapatinib", 84, 111)]
                   + q21("trastuzumab emtansine", 140, 3))
    tdm1 = ("trastuzumab emtansine",)
    assert summary(lines) == [
        (M, 1, 0, 63, tdm1, FIRST, NEW),
        (M, 2, 84, 111, ("capecitabine", "lapatinib"), NEW, NEW),
        (M, 3, 140, 182, tdm1, NEW, EOD),
    ]
    assert lines["rechallenge"].tolist() == [False, False, True]


def test_neoadjuvant_adjuvant_and_metastatic_settings(con):
    records = (q21("epirubicin", 0, 4) + q21("cyclophosphamide", 0, 4)      # neoadjuvant EC
               + q21(D, 84, 4) + q21(H, 84, 13)                                # then docetaxel + H
               + [("letrozole", 380, 469)]                                     # endocrine after surgery
               + q21(D, 410, 6) + q21(H, 410, 6) + q21(P, 410, 6))             # metastatic THP
    lines = derive(con, records, met=400, surgery=170)
    assert summary(lines) == [
        ("neoadjuvant", None, 0, 63, ("cyclophosphamide", "epirubicin"), "first_early", NEW),
        ("neoadjuvant", None, 84, 336, (D, H), NEW, NEW),
        # ends the day before the metastatic line (lines never overlap)
        ("adjuvant", None, 380, 409, ("letrozole",), NEW, "metastatic_diagnosis"),
        (M, 1, 410, 515, (D, P, H), FIRST, EOD),
    ]
    assert lines["phase"].tolist() == [Phase.EARLY.value] * 3 + [M]


def test_first_metastatic_line_starts_on_or_after_the_diagnosis(con):
    # docetaxel 5 days before the metastatic diagnosis is an early (adjuvant) record
    lines = derive(con, [(D, -5), (H, 0), (P, 0)])
    assert [(r[0], r[2], r[4]) for r in summary(lines)] == [("adjuvant", -5, (D,)), (M, 0, (P, H))]
    lines = derive(con, [(D, -5), (H, 0), (P, 0)], rules=LineRules(metastatic_tolerance_days=7))
    assert [(r[0], r[2], r[4]) for r in summary(lines)] == [(M, -5, (D, P, H))]


def test_undated_metastatic_diagnosis_uses_the_undated_phase(con):
    lines = derive(con, [(D, 0)], met=None)
    assert lines["setting"].tolist() == [M]
    lines = derive(con, [(D, 0)], met=None, rules=LineRules(undated_phase=Phase.EARLY))
    assert lines["setting"].tolist() == ["adjuvant"]


def test_duplicate_and_overlapping_records_make_one_exposure(con):
    records = [(H, 0), (H, 0), ("capecitabine", 0, 13), ("capecitabine", 7, 20), (H, 21)]
    lines = derive(con, records)
    assert summary(lines) == [(M, 1, 0, 21, ("capecitabine", H), FIRST, EOD)]
    assert lines["n_exposures"].tolist() == [5]


def test_unknown_drug_is_ignored_and_counted(con):
    lines = derive(con, q21(D, 0, 3) + [(None, 40)] + [("paracetamol", 41)])
    assert summary(lines) == [(M, 1, 0, 42, (D,), FIRST, EOD)]
    assert lines.attrs["counts"]["unknown_drug"] == 2


def test_source_value_resolves_a_missing_drug(con):
    from lines._support import frames
    from linewise.lines.algorithm import derive_lines

    ex, pt = frames([(D, 0), (H, 0)], {"P1": {"met": 0}})
    ex.loc[1, "drug"] = None
    ex.loc[1, "drug_source_value"] = "Herceptin SC"
    run = derive_lines(con, exposures=ex, patients=pt)
    assert [list(a) for a in run.lines()["agents"]] == [[D, H]]
    run.drop()


def test_supportive_and_bone_targeted_drugs_never_form_or_advance_a_line(con):
    lines = derive(con, q21(D, 0, 4) + [("ondansetron", 42), ("denosumab", 60), ("zoledronic acid", 300)])
    assert summary(lines) == [(M, 1, 0, 63, (D,), FIRST, EOD)]
    only = derive(con, [("denosumab", 0), ("denosumab", 28)])
    assert only.empty and only.attrs["counts"]["never_a_line"] == 2


def test_endocrine_added_to_her2_maintenance_is_an_exempt_add_on(con):
    records = q21(D, 0, 6) + q21(H, 0, 20) + q21(P, 0, 20) + [("letrozole", 200 + 28 * i, 227 + 28 * i) for i in range(5)]
    lines = derive(con, records)
    assert summary(lines) == [(M, 1, 0, 399, (D, P, H), FIRST, EOD)]
    assert list(lines["add_ons"].iloc[0]) == ["letrozole"]
    # without the exemption the addition is a new line
    lines = derive(con, records, rules=LineRules(add_on_exemptions=()))
    assert [r[4] for r in summary(lines)] == [(D, P, H), ("letrozole", P, H)]


def test_endocrine_with_trastuzumab_after_a_switch_is_a_new_line(con):
    # vinorelbine + H until progression (day 147), then letrozole + H restarted together on day 180:
    # no trastuzumab was given alone after vinorelbine stopped, so this is no maintenance add-on
    records = [("vinorelbine", d, d + 20) for d in range(0, 147, 21)] + q21(H, 0, 7) + [("letrozole", 180, 263)] + q21(H, 180, 4)
    lines = derive(con, records)
    assert [r[4] for r in summary(lines)] == [(H, "vinorelbine"), ("letrozole", H)]


def test_ovarian_suppression_added_to_endocrine_therapy(con):
    lines = derive(con, [("letrozole", 0, 89), ("goserelin", 40, 67), ("goserelin", 68, 95), ("letrozole", 90, 179)])
    assert summary(lines) == [(M, 1, 0, 179, ("letrozole",), FIRST, EOD)]
    assert list(lines["add_ons"].iloc[0]) == ["goserelin"]


@pytest.mark.parametrize(("days", "end"), [(1, 0), (28, 27)])
def test_missing_end_date_lasts_default_exposure_days(con, days, end):
    lines = derive(con, [(D, 0)], rules=LineRules(default_exposure_days=days))
    assert lines["e"].tolist() == [end]


@pytest.mark.parametrize(("patient", "rule"), [
    ({"death": 100}, "death"), ({"last_contact": 400}, "gap"), ({"last_contact": 100}, "end_of_data"), ({}, "end_of_data"),
])
def test_end_rule_of_the_last_line(con, patient, rule):
    assert derive(con, [(D, 0), (D, 21)], **patient)["end_rule"].tolist() == [rule]


def test_several_patients_in_one_run(con):
    records = [("A", D, 0, None), ("A", "trastuzumab emtansine", 100, None), ("B", H, 5, None)]
    lines = derive(con, records, patients={"A": {"met": 0}, "B": {"met": 0}})
    assert lines.groupby("patient_id")["line_number"].max().to_dict() == {"A": 2, "B": 1}


def test_no_add_on_exemption_after_a_recorded_progression(con):
    import datetime as dt

    import pandas as pd

    from lines._support import BASE, frames
    from linewise.lines.algorithm import derive_lines

    records = q21(D, 0, 6) + q21(H, 0, 20) + q21(P, 0, 20) + [("letrozole", 200, 283)]
    ex, pt = frames(records, {"P1": {"met": 0}})
    pd_at = pd.DataFrame({"patient_id": ["P1"], "date": [BASE + dt.timedelta(days=190)]})
    for prog, n_lines in ((None, 1), (pd_at, 2)):
        run = derive_lines(con, exposures=ex, patients=pt, progressions=prog)
        assert len(run.lines()) == n_lines
        run.drop()
    run = derive_lines(con, LineRules(progression_ends_add_on=False), exposures=ex, patients=pt, progressions=pd_at)
    assert len(run.lines()) == 1
    run.drop()
