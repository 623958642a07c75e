"""Analyses run linewise.stats on the analysis table: the engine's numbers equal direct calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from linewise.stats import chi_square, kaplan_meier_by, logrank, median_follow_up, table_one
from linewise.stats.cox import cox

STUDY_B, STUDY_C = "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"


def block(result, key, analysis, **match):
    return next(b for b in result.results[key] if b["analysis"] == analysis
                and all(b.get(k) == v for k, v in match.items()))


def test_kaplan_meier_and_logrank_equal_direct_calls(recipe_results):
    r = recipe_results[STUDY_B]
    t = r.table.dropna(subset=["pfs_time"])
    group = pd.Categorical(t["pretreatment"], categories=["Tmab/Pmab", "Tmab"])
    fits = kaplan_meier_by(t["pfs_time"], t["pfs_event"], group)
    b = block(r, "survival", "pfs_km", remedy=None)
    for g in ("Tmab/Pmab", "Tmab"):
        curve = next(c for c in b["curves"] if c["group"] == g)
        assert curve["median"] == fits[g].median and curve["n"] == fits[g].n
        assert curve["steps"]["survival"] == fits[g].table["survival"].tolist()
    assert b["tests"]["logrank"]["p"] == logrank(t["pfs_time"], t["pfs_event"], group).pvalue


def test_cox_equals_a_direct_fit(recipe_results):
    r = recipe_results[STUDY_B]
    t = r.table.dropna(subset=["pfs_time"]).copy()
    t["g"] = t["pretreatment"]
    fit = cox(t, "pfs_time", "pfs_event", "C(g, contr.treatment('Tmab'))")
    m = block(r, "cox", "pfs_cox", model="univariable")
    term = next(x for x in m["terms"] if x["variable"] == "pretreatment")
    assert term["hr"] == pytest.approx(float(fit.coefficients["hr"].iloc[0]), rel=1e-12)
    assert term["level"] == "Tmab/Pmab" and term["reference"] == "Tmab"
    multi = block(r, "cox", "pfs_cox", model="multivariable")
    assert multi["variables"] == ["pretreatment", "ecog_1plus", "visceral", "hr_status"]
    assert multi["n"] + multi["n_dropped"] == len(t)


def test_response_rates_and_chi_square(recipe_results):
    r = recipe_results[STUDY_B]
    t = r.table
    resp = block(r, "responses", "response", response="dcr")
    counts = []
    for g in ("Tmab/Pmab", "Tmab"):
        x = int(t.loc[t["pretreatment"] == g, "dcr"].astype(bool).sum())
        n = int((t["pretreatment"] == g).sum())
        row = next(x for x in resp["groups"] if x["group"] == g)
        assert (row["x"], row["n"]) == (x, n)
        counts.append([x, n - x])
    assert resp["test"]["p"] == chi_square(counts, correction=False).pvalue
    bor = block(r, "responses", "response", response="bor")
    assert sum(g["n"] for g in bor["groups"]) == len(t)
    assert all(sum(g["counts"].values()) == g["n"] for g in bor["groups"])


def test_follow_up_and_table_one(recipe_results):
    r = recipe_results[STUDY_B]
    t = r.table.dropna(subset=["pfs_time"])
    rows = {x["group"]: x for x in r.results["follow_up"]["rows"]}
    sub = t[t["pretreatment"] == "Tmab"]
    direct = median_follow_up(sub["pfs_time"], sub["pfs_event"], method="observed")
    assert rows["Tmab"]["median"] == direct.median and rows["Tmab"]["max"] == direct.maximum
    t1 = r.results["table_one"]
    age = next(v for v in t1["variables"] if v["variable"] == "age")
    frame = pd.DataFrame({"age": r.table["age"], "g": pd.Categorical(r.table["pretreatment"], ["Tmab/Pmab", "Tmab"])})
    direct = table_one(frame, by="g", variables=["age"], continuous_stat="median_range")
    assert age["p"] == pytest.approx(float(direct.tests["pvalue"].iloc[0]), rel=1e-12)


def test_interaction_is_the_likelihood_ratio_of_nested_models(recipe_results):
    r = recipe_results[STUDY_C]
    t = r.table[r.table["sequence"].isin(["1", "3"])].dropna(subset=["os_met_time", "ihc_subtype"]).copy()
    t["x"] = t["pmab_line1"].astype(float)
    sub = "C(ihc_subtype, contr.treatment('HR-negative'))"
    reduced = cox(t, "os_met_time", "os_met_event", f"x + {sub}")
    full = cox(t, "os_met_time", "os_met_event", f"x * {sub}")
    stat = 2 * (full.loglik[1] - reduced.loglik[1])
    res = block(r, "subgroups", "subtype_os")["interaction"]
    assert res["statistic"] == pytest.approx(stat, rel=1e-9)
    assert res["p"] == pytest.approx(chi2.sf(stat, 2), rel=1e-9)


def test_subgroup_levels_equal_fits_within_each_level(recipe_results):
    r = recipe_results[STUDY_C]
    t = r.table[r.table["sequence"].isin(["1", "3"])].dropna(subset=["os_met_time"])
    res = block(r, "subgroups", "subtype_os")
    for level in res["levels"]:
        sub = t[t["ihc_subtype"] == level["level"]].copy()
        sub["x"] = sub["pmab_line1"].astype(float)
        fit = cox(sub, "os_met_time", "os_met_event", "x")
        assert level["n"] == len(sub)
        assert level["hr"] == pytest.approx(float(fit.coefficients["hr"].iloc[0]), rel=1e-12)
        assert np.isfinite(level["logrank_p"])


def test_limits_not_reached_print_as_nr():
    """Study A's 3rd-line CI (2.3 - NA): a limit the curve never reaches is NR, never a number."""
    from linewise.study.analyses import km_block
    from linewise.study.results import _medians, to_jsonable
    from linewise.study.spec import HeadlineTable

    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    event = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    block = to_jsonable({"analysis": "km", **km_block(time, event, None, None, "log", [])})
    curve = block["curves"][0]
    assert curve["median"] is not None and curve["upper"] is None
    table = _medians(HeadlineTable(title="t", kind="medians", analysis="km"), {"survival": [block]})
    assert table["rows"][0]["cells"][2].endswith("NR")
