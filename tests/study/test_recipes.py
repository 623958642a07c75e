"""The three reference studies as recipes, end to end on a synthetic registry calibrated to
STUDIES.md: the published tables' structure, effects in the published direction."""

from __future__ import annotations

import math

import pytest

from linewise.study import list_recipes

STUDY_A, STUDY_B, STUDY_C = "tdm1_after_pertuzumab_by_line", "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"


def headline_rows(result, table=0) -> dict:
    return {r["label"]: r for r in result.results["headline"][table]["rows"]}


def survival(result, analysis, remedy=None) -> dict:
    return next(b for b in result.results["survival"] if b["analysis"] == analysis and b.get("remedy") == remedy)


def median(block, group) -> float:
    return next(c["median"] for c in block["curves"] if c["group"] == group)


@pytest.mark.parametrize("name", [STUDY_A, STUDY_B, STUDY_C])
def test_attrition_adds_up_to_the_analysis_table(recipe_results, name):
    r = recipe_results[name]
    steps = r.results["attrition"]
    assert steps[0]["step"] == "registry" and steps[1]["step"] == "index"
    for before, after in zip(steps, steps[1:], strict=False):
        assert after["n"] == before["n"] - after["excluded"], after
    assert steps[-1]["n"] == len(r.table) == sum(lv["n"] for lv in r.results["groups"]["levels"])
    assert r.table["patient_id"].is_unique


def test_study_b_structure_and_direction(recipe_results):
    r = recipe_results[STUDY_B]
    steps = [s["step"] for s in r.results["attrition"]]
    assert steps == ["registry", "index", "prior_tdm1", "neither_tmab_nor_pmab", "groups"]
    # both exclusions happen in the synthetic registry, as in the paper (2 and 5 of 49)
    assert all(s["excluded"] > 0 for s in r.results["attrition"][2:4])
    rows = headline_rows(r)
    assert list(rows) == ["n", "median PFS, months (95% CI)", "HR Tmab/Pmab vs Tmab (95% CI)",
                          "HR adjusted for PS, visceral, HR status", "TRR, n (%)", "DCR, n (%)", "PR / SD / PD, n",
                          "follow-up, median (range) months"]
    assert r.results["headline"][0]["columns"] == ["Tmab/Pmab", "Tmab"]
    pmab, tmab = rows["median PFS, months (95% CI)"]["values"]
    assert pmab < tmab and rows["median PFS, months (95% CI)"]["p"] < 0.05
    assert rows["HR Tmab/Pmab vs Tmab (95% CI)"]["values"][0] > 1
    assert rows["HR adjusted for PS, visceral, HR status"]["values"][0] > 1
    trr, dcr = rows["TRR, n (%)"], rows["DCR, n (%)"]
    n_pmab, n_tmab = rows["n"]["values"]
    assert trr["values"][0] / n_pmab < trr["values"][1] / n_tmab
    assert dcr["values"][0] / n_pmab < dcr["values"][1] / n_tmab
    # Pearson chi-square without continuity correction, as the paper
    resp = next(b for b in r.results["responses"] if b["response"] == "trr")
    assert resp["test"]["method"].startswith("Pearson") and "no continuity correction" in resp["test"]["method"]
    t1 = r.results["table_one"]
    assert [v["variable"] for v in t1["variables"]] == ["age", "ecog", "visceral", "hr_status", "prior_chemo",
                                                       "lapatinib_before", "her2_months"]
    assert t1["groups"] == ["Tmab/Pmab", "Tmab"]


def test_study_b_has_no_immortal_time_warning(recipe_results):
    kinds = {w["kind"] for w in recipe_results[STUDY_B].warnings}
    assert "immortal_time" not in kinds and "conditioning_on_future" not in kinds


def test_study_c_structure_and_direction(recipe_results):
    r = recipe_results[STUDY_C]
    levels = r.results["groups"]["levels"]
    assert [lv["name"] for lv in levels] == ["1", "2", "3", "4", "5"]
    n = {lv["name"]: lv["n"] for lv in levels}
    assert min(n, key=n.get) == "4" and n["1"] > n["5"] and n["3"] > n["5"]
    rows = headline_rows(r)
    assert r.results["headline"][0]["columns"] == ["3", "1"]
    g3, g1 = rows["median OS from metastatic diagnosis"]["values"]
    assert g3 < g1 and rows["median OS from metastatic diagnosis"]["p"] < 0.05
    g3, g1 = rows["median PFS2 (T-DM1)"]["values"]
    assert g3 < g1
    g3, g1 = rows["median PFS1 (1st line)"]["values"]
    assert 0.75 < g3 / g1 < 1.33  # published 11 vs 10 months, p = 0.22
    for label in ("univariate HR OS, 1st-line Pmab", "univariate HR PFS2, 1st-line Pmab",
                  "multivariable HR OS, 1st-line Pmab"):
        assert rows[label]["values"][0] > 1, label
    # OS across the five groups differs (published p < 0.0001)
    assert survival(r, "os_met_groups")["tests"]["logrank"]["p"] < 0.01
    # whole-cohort median OS from metastatic diagnosis (published 73 months) is finite and long
    assert 40 < median(survival(r, "os_met_groups"), "Overall") < 110


def test_study_c_univariately_significant_variables_enter(recipe_results):
    r = recipe_results[STUDY_C]
    multi = next(m for m in r.results["cox"] if m["analysis"] == "cox_os_2nd" and m["model"] == "multivariable"
                 and m.get("remedy") is None)
    uni = next(m for m in r.results["cox"] if m["analysis"] == "cox_os_2nd" and m["model"] == "univariable"
               and m.get("remedy") is None)
    p_by_var = {m["variables"][0]: m["lr_test"]["p"] for m in uni["models"]}
    expected = [v for v in ["age", "ihc_subtype", "ki67_high", "de_novo", "multiple_sites", "visceral", "brain",
                            "bone_only", "pfs1_months", "dfi"] if p_by_var[v] < 0.05]
    assert multi["selected"] == expected
    assert multi["variables"] == ["pmab_line1", *expected]


def test_study_c_immortal_time_warning_and_remedies(recipe_results):
    r = recipe_results[STUDY_C]
    immortal = [w for w in r.warnings if w["kind"] == "immortal_time"]
    assert {w["analysis"] for w in immortal} >= {"os_met_groups", "os_met_2nd", "cox_os_2nd"}
    assert all(w["endpoint"] == "os_met" for w in immortal)
    w = next(w for w in immortal if w["analysis"] == "os_met_2nd")
    assert "metastatic diagnosis" in w["message"] and "index line start" in w["message"] and w["median_gap"] > 0
    naive = survival(r, "os_met_2nd")
    landmark = survival(r, "os_met_2nd", "landmark")
    delayed = survival(r, "os_met_2nd", "delayed_entry")
    assert delayed["delayed_entry"] and not landmark["delayed_entry"]
    for g in ("1", "3"):
        # removing the guaranteed survival to T-DM1 shortens the estimates
        assert median(landmark, g) < median(naive, g)
        assert median(delayed, g) <= median(naive, g)
    summary = next(b for b in r.results["bias"] if b["analysis"] == "os_met_2nd")
    assert set(summary) >= {"naive", "landmark", "delayed_entry"}
    # OS from T-DM1 start is not flagged: its origin is the index
    assert not [w for w in r.warnings if w.get("endpoint") == "os_tdm1"]


def test_study_c_subgroups_with_interaction(recipe_results):
    r = recipe_results[STUDY_C]
    sub = next(s for s in r.results["subgroups"] if s["analysis"] == "subtype_os")
    assert [lv["level"] for lv in sub["levels"]] == ["TP", "ER or PgR+", "HR-negative"]
    assert sub["interaction"]["df"] == 2 and 0 <= sub["interaction"]["p"] <= 1
    assert all(lv["hr"] is None or lv["hr"] > 0 for lv in sub["levels"])


def test_study_a_medians_by_line_with_delayed_entry(recipe_results):
    r = recipe_results[STUDY_A]
    table = r.results["headline"][0]
    assert table["kind"] == "medians" and table["columns"] == ["n", "median", "95% CI"]
    assert [row["label"] for row in table["rows"]] == ["all", "2nd line", "3rd line", "4th line or later"]
    block = survival(r, "pfs_by_line")
    assert block["delayed_entry"]
    # patients whose PFS ended before enrolment cannot be observed and are counted out
    assert block["excluded"]["exit_not_after_entry"] >= 0
    rows = {row["label"]: row for row in table["rows"]}
    assert rows["2nd line"]["median"] >= rows["4th line or later"]["median"]
    for row in table["rows"]:
        # a limit the curve never reaches is printed as NR, never invented
        if row["upper"] is None:
            assert row["cells"][2].endswith("NR")
        else:
            assert math.isfinite(row["upper"])


def test_not_reached_limits_are_null_and_printed_nr():
    from linewise.study.results import fmt_ci

    assert fmt_ci(4.2, 2.3, None) == "4.2 (2.3–NR)"
    assert fmt_ci(None, None, None) == "NR (NR–NR)"


def test_every_recipe_ran(recipe_results):
    assert set(recipe_results) == set(list_recipes())
