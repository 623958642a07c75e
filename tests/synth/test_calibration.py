"""The synthetic registry reproduces Study C (STUDIES.md) when analysed like the paper.

Everything is computed from the written files, as a recipe would: the T-DM1 cohort is every
patient with T-DM1 in a metastatic line, the sequence group comes from first-line pertuzumab
and the T-DM1 line. Tolerances reflect sampling error at 20,000 patients (~17,000 in the
cohort): shares within 2 percentage points, medians within 15%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linewise.stats import kaplan_meier

MONTH = 30.4375
TARGET_GROUPS = {1: 194, 2: 148, 3: 177, 4: 11, 5: 25}


def _d(s):
    return pd.to_datetime(s)


@pytest.fixture(scope="module")
def cohort(clean_large):
    _, t = clean_large
    pat = t["patients"].set_index("patient_id")
    lines = t["therapy_lines"]
    met = lines[lines["setting"] == "metastatic"].copy()
    met["line_number"] = met["line_number"].astype(int)
    tdm1 = met[met["agents"].str.contains("trastuzumab emtansine")].sort_values("line_number")
    first = tdm1.drop_duplicates("patient_id").set_index("patient_id")
    l1 = met[met["line_number"] == 1].set_index("patient_id")
    c = pd.DataFrame(index=first.index)
    c["tdm1_line"] = first["line_number"]
    c["pmab1"] = l1["agents"].reindex(c.index).fillna("").str.contains("pertuzumab")
    c["group"] = np.select(
        [c.tdm1_line == 1, ~c.pmab1 & (c.tdm1_line == 2), ~c.pmab1, c.tdm1_line == 2], [5, 1, 2, 3], 4)
    return c, pat, met, first, l1, t


def _km_median(time_days, event):
    fit = kaplan_meier(np.asarray(time_days, float) / MONTH, np.asarray(event, int))
    return fit.median


def _os(pat, idx, origin):
    p = pat.loc[idx]
    end = _d(p["death_date"]).fillna(_d(p["last_contact_date"]))
    return (end - origin).dt.days.to_numpy(), p["death_date"].notna().to_numpy()


def _pfs(lines, pat):
    """Study C's PFS of a line: progression, stop for toxicity or death (censored at last contact)."""
    start = _d(lines["start_date"])
    prog = _d(lines["progression_date"])
    tox = _d(lines["end_date"]).where(lines["end_reason"] == "toxicity")
    death = _d(pat.loc[lines.index, "death_date"])
    event_date = pd.concat([prog, tox, death], axis=1).min(axis=1)
    last = _d(pat.loc[lines.index, "last_contact_date"])
    end = event_date.fillna(last)
    return (end - start).dt.days.to_numpy(), event_date.notna().to_numpy()


def test_group_shares(cohort):
    c = cohort[0]
    share = c["group"].value_counts(normalize=True)
    for g, n in TARGET_GROUPS.items():
        assert share.get(g, 0) == pytest.approx(n / 555, abs=0.02), g


def test_tdm1_line_distribution(cohort):
    c = cohort[0]
    line = np.minimum(c["tdm1_line"], 4).value_counts(normalize=True)
    for k, target in {1: 0.045, 2: 0.668, 3: 0.173, 4: 0.114}.items():
        assert line.get(k, 0) == pytest.approx(target, abs=0.02), k


def test_characteristics(cohort):
    c, pat, *_ , t = cohort
    p = pat.loc[c.index]
    n = len(p)
    er = p["er_status"] == "positive"
    pgr = p["pgr_status"] == "positive"
    checks = {
        "ER+": (er.mean(), 353 / 555),
        "PgR+": (pgr.mean(), 258 / 555),
        "TP": ((er & pgr).mean(), 244 / 555),
        "HR-negative": ((~er & ~pgr).mean(), 202 / 555),
        "de novo": ((p["de_novo_metastatic"] == "yes").mean(), 157 / 555),
        "Ki-67 > 20": ((p["ki67_percent"].astype(float) > 20).mean(), 389 / 555),
        "Ki-67 unknown": (p["ki67_percent"].isna().mean(), 63 / 555),
        "G3": ((p["grade"] == "G3").mean(), 339 / 555),
        "G2": ((p["grade"] == "G2").mean(), 148 / 555),
        "grade unknown": (p["grade"].isna().mean(), 62 / 555),
    }
    sites = t["metastatic_sites"]
    sites = sites[sites["patient_id"].isin(c.index)]
    per = sites.groupby("patient_id")["site"].agg(set)
    checks["visceral"] = (per.map(lambda s: bool(s & {"liver", "lung", "pleura"})).sum() / n, 397 / 555)
    checks["brain"] = (per.map(lambda s: "brain" in s).sum() / n, 155 / 555)
    checks["bone only"] = (per.map(lambda s: s == {"bone"}).sum() / n, 25 / 555)
    checks["1 site"] = ((per.map(len) == 1).sum() / n, 397 / 555)
    checks["2 sites"] = ((per.map(len) == 2).sum() / n, 85 / 555)
    early = t["therapy_lines"][t["therapy_lines"]["setting"] != "metastatic"]
    early = early[early["patient_id"].isin(c.index)]
    n_early = (p["de_novo_metastatic"] == "no").sum()
    checks["neo/adjuvant therapy"] = (early["patient_id"].nunique() / n_early, 363 / 398)
    tmab = early[early["agents"].str.contains(r"trastuzumab(?! emtansine)")]
    checks["neo/adjuvant Tmab"] = (tmab["patient_id"].nunique() / n_early, 212 / 398)
    bad = {k: v for k, v in checks.items() if abs(v[0] - v[1]) > 0.02}
    assert not bad, bad
    age = (_d(p["metastatic_diagnosis_date"]) - _d(p["birth_date"])).dt.days / 365.25
    assert age.median() == pytest.approx(54, abs=1.5)


def test_disease_free_interval_by_group(cohort):
    c, pat, *_ = cohort
    p = pat.loc[c.index]
    dfi = (_d(p["metastatic_diagnosis_date"]) - _d(p["surgery_date"])).dt.days / MONTH
    med = dfi.groupby(c["group"]).median()
    for g, target in {1: 40, 2: 53, 3: 47, 4: 28, 5: 17}.items():
        assert med[g] == pytest.approx(target, rel=0.15), (g, med[g])


def test_survival_medians(cohort):
    c, pat, met, first, l1, _ = cohort
    got = {}
    for g in (1, 3):
        idx = c.index[c["group"] == g]
        t, e = _os(pat, idx, _d(pat.loc[idx, "metastatic_diagnosis_date"]))
        got[f"OS group {g}"] = _km_median(t, e)
        t, e = _pfs(first.loc[idx], pat)
        got[f"PFS T-DM1 group {g}"] = _km_median(t, e)
        t, e = _pfs(l1.loc[idx], pat)
        got[f"PFS1 group {g}"] = _km_median(t, e)
    t, e = _os(pat, c.index, _d(pat.loc[c.index, "metastatic_diagnosis_date"]))
    got["OS whole cohort"] = _km_median(t, e)
    targets = {"OS group 1": 74, "OS group 3": 52, "PFS T-DM1 group 1": 10, "PFS T-DM1 group 3": 6,
               "PFS1 group 1": 10, "PFS1 group 3": 11, "OS whole cohort": 73}
    bad = {k: (round(got[k], 1), v) for k, v in targets.items() if abs(got[k] / v - 1) > 0.15}
    assert not bad, bad


def test_study_a_and_b_cases_exist(cohort):
    """Re-challenge and no prior trastuzumab/pertuzumab (Study B's exclusions) and enrolment
    after T-DM1 start (Study A's delayed entry) occur, each in a few percent of the cohort."""
    c, pat, met, first, l1, t = cohort
    tdm1 = met[met["agents"].str.contains("trastuzumab emtansine")]
    twice = tdm1.groupby("patient_id").size() > 1
    assert 0.01 < twice.mean() < 0.06
    lines = t["therapy_lines"]
    start = _d(first["start_date"])
    before = lines.merge(start.rename("t").reset_index(), on="patient_id")
    before = before[_d(before["start_date"]) < before["t"]]
    her2 = before["agents"].str.contains(r"trastuzumab(?! emtansine)|pertuzumab")
    with_her2 = before[her2]["patient_id"].unique()
    no_her2 = ~c.index.isin(with_her2)
    assert 0.03 < no_her2.mean() < 0.12
    enrol = _d(pat.loc[c.index, "enrolment_date"])
    late = (enrol > start.loc[c.index]).mean()
    assert 0.05 < late < 0.15


def test_calendar_drug_availability_and_waiting_for_tdm1(cohort):
    """No pertuzumab before 2013-03 nor T-DM1 before 2013-11-15 (params); a line before T-DM1
    goes on beyond its progression only while T-DM1 was not yet in use, which makes the
    Pmab-naive 2nd-line group reach T-DM1 ~40 months after metastatic diagnosis (Study C:
    OS from diagnosis 74 = time to T-DM1 + OS from T-DM1 34, PFS1 10)."""
    from linewise.synth import params as p

    c, pat, met, first, l1, t = cohort
    lines = t["therapy_lines"]
    start = _d(lines["start_date"])
    pmab = lines["agents"].str.contains("pertuzumab")
    assert (start[pmab] >= pd.Timestamp("2013-03-01")).all()
    assert (_d(first["start_date"]) >= pd.Timestamp("2013-11-15")).all()
    # line 1 of group 1 ends well after its progression only when waiting: T-DM1 then starts
    # as soon as it reached the centre
    g1 = c.index[c["group"] == 1]
    one = l1.loc[g1]
    beyond = (_d(one["end_date"]) - _d(one["progression_date"])).dt.days > 60
    tdm1_start = _d(first.loc[g1, "start_date"])
    latest = pd.Timestamp("2013-11-15") + pd.Timedelta(days=p.TDM1_UPTAKE_DAYS)
    assert beyond.mean() > 0.3
    assert (tdm1_start[beyond] <= latest).all()
    months = (tdm1_start - _d(pat.loc[g1, "metastatic_diagnosis_date"])).dt.days / MONTH
    assert months.median() == pytest.approx(40, rel=0.2)
