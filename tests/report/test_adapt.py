"""The study engine's results.json read into the report's sub-schema (no statistic recomputed)."""

from __future__ import annotations

import json

from linewise.report import write_report
from linewise.report.adapt import from_study_results, is_study_results
from linewise.report.example import example_analysis_table
from linewise.stats import cox, kaplan_meier, kaplan_meier_by, logrank, table_one


def _engine_curve(fit, group):
    tab = fit.table
    return {"group": group, "n": int(fit.n), "events": float(fit.events), "median": fit.median,
            "lower": fit.median_ci[0], "upper": fit.median_ci[1],
            "steps": {c: tab[c].tolist() for c in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper")}}


def engine_results(n: int = 160, seed: int = 4) -> dict:
    """Results shaped as linewise.study writes them (analyses.py / regression.py / run.py)."""
    df = example_analysis_table(n, seed).rename(columns={"group": "pretreatment"})
    df["pretreatment"] = df["pretreatment"].astype(str)
    fits = kaplan_meier_by(df["pfs_time"], df["pfs_event"], df["pretreatment"])
    lr = logrank(df["pfs_time"], df["pfs_event"], df["pretreatment"])
    term = "C(pretreatment, contr.treatment('Tmab'))"
    uni = cox(df, "pfs_time", "pfs_event", term).coefficients.iloc[0]
    multi_fit = cox(df, "pfs_time", "pfs_event", f"{term} + visceral")
    zph = multi_fit.proportional_hazards_test().summary()
    t1 = table_one(df, by="pretreatment", variables=["age", "ecog"], types={"ecog": "categorical"},
                   continuous_stat="median_range")
    rows = lambda v: [{"row_type": r["row_type"], "level": r["level"], "cells": {c: r[c] for c in sorted(t1.group_columns)}}  # noqa: E731
                      for _, r in t1.table[t1.table["variable"] == v].iterrows()]
    tests = t1.tests.set_index("variable")
    label = "Pre-treatment: Tmab/Pmab vs Tmab"
    return {
        "schema": "linewise.results/1",
        "study": {"name": "engine_like", "title": "Engine-shaped results", "description": "test"},
        "provenance": {"spec_hash": "ab" * 32, "data_hash": "cd" * 32, "linewise_version": "0.1.0", "seed": 0,
                       "software": {"python": "3.11.7", "linewise": "0.1.0", "numpy": "2.4.0", "duckdb": None}},
        "attrition": [
            {"step": "registry", "label": "Patients in the registry", "kind": "start", "n": n + 60, "excluded": 0, "unknown": 0},
            {"step": "index", "label": "Metastatic line with T-DM1", "kind": "index", "n": n + 10, "excluded": 50, "unknown": 0},
            {"step": "prior_tdm1", "label": "Prior T-DM1", "kind": "exclude", "n": n, "excluded": 10, "unknown": 2},
            {"step": "groups", "label": "Assigned to a group", "kind": "groups", "n": n, "excluded": 0, "unknown": 0},
        ],
        "groups": {"variable": "pretreatment", "label": "Pre-treatment", "reference": "Tmab",
                   "levels": [{"name": "Tmab/Pmab", "label": "Trastuzumab and pertuzumab", "definition": "prior('pertuzumab')",
                               "n": int((df.pretreatment == "Tmab/Pmab").sum())},
                              {"name": "Tmab", "label": "Tmab", "definition": "not prior('pertuzumab')",
                               "n": int((df.pretreatment == "Tmab").sum())}]},
        "endpoints": [{"name": "pfs", "label": "PFS on T-DM1", "preset": "pfs_radiological", "origin": "line_start",
                       "line": "index", "events": ["radiological_progression", "death"], "censor": "last_tumour_assessment",
                       "entry": None, "n_with_time": n, "n_events": int(df.pfs_event.sum())}],
        "survival": [{"analysis": "pfs_km", "endpoint": "pfs", "label": "PFS on T-DM1", "title": "PFS by pre-treatment",
                      "time_unit": "months", "by": "pretreatment", "delayed_entry": False, "start_time": 0.0,
                      "curves": [_engine_curve(kaplan_meier(df["pfs_time"], df["pfs_event"]), "Overall")]
                      + [_engine_curve(f, str(g)) for g, f in fits.items()],
                      "tests": {"logrank": {"method": "log-rank test", "statistic": lr.statistic, "df": lr.df, "p": lr.pvalue}}}],
        "cox": [
            {"analysis": "pfs_cox", "endpoint": "pfs", "model": "univariable", "exposure": "pretreatment", "remedy": None,
             "ties": "efron", "terms": [{"variable": "pretreatment", "term": uni["term"], "level": "Tmab/Pmab",
                                         "reference": "Tmab", "label": label, "hr": uni["hr"], "lower": uni["hr_lower"],
                                         "upper": uni["hr_upper"], "p": uni["p"], "n": n, "events": int(df.pfs_event.sum())}],
             "models": [{"warnings": []}]},
            {"analysis": "pfs_cox", "endpoint": "pfs", "model": "multivariable", "exposure": "pretreatment", "remedy": None,
             "ties": "efron", "n": n, "events": int(df.pfs_event.sum()), "selection": "prespecified",
             "terms": [{"variable": "pretreatment", "label": label, "hr": float(r.hr), "lower": float(r.hr_lower),
                        "upper": float(r.hr_upper), "p": float(r.p)} for r in multi_fit.coefficients.itertuples()],
             "ph_test": zph.to_dict("records"), "warnings": []},
        ],
        "subgroups": [],
        "responses": [
            {"analysis": "response", "response": "bor", "kind": "best_response", "label": "Best overall response",
             "by": "pretreatment", "groups": [{"group": g, "n": int((df.pretreatment == g).sum()),
                                               "counts": {c: int(((df.pretreatment == g) & (df.best_response == c)).sum())
                                                          for c in ("CR", "PR", "SD", "PD", "NE")}} for g in ("Tmab/Pmab", "Tmab")]},
            {"analysis": "response", "response": "trr", "kind": "trr", "label": "Tumour response rate", "by": "pretreatment",
             "groups": [{"group": "Tmab/Pmab", "n": 60, "x": 7, "percent": 100 * 7 / 60, "lower": 0.05, "upper": 0.23},
                        {"group": "Tmab", "n": 100, "x": 25, "percent": 25.0, "lower": 0.17, "upper": 0.35}],
             "conf_method": "clopper-pearson", "test": {"method": "Pearson's chi-square test (no continuity correction)", "p": 0.04}},
        ],
        "follow_up": {"time_unit": "months", "rows": [
            {"analysis": "fu", "endpoint": "pfs", "group": "Overall", "method": "observed", "n": n, "median": 5.5,
             "lower": None, "upper": None, "min": 0.1, "max": 40.2}]},
        "table_one": {"analysis": "table1", "title": "Baseline", "by": "pretreatment", "groups": ["Tmab/Pmab", "Tmab"],
                      "group_n": list(t1.group_n), "n_total": t1.n_total, "continuous_stat": "median_range",
                      "tests_used": list(t1.tests_used), "overall": False,
                      "numbers": t1.data.to_dict("records"),
                      "variables": [{"variable": v, "label": v, "type": tests.loc[v, "type"], "test": tests.loc[v, "test"],
                                     "p": float(tests.loc[v, "pvalue"]), "rows": rows(v)} for v in ("age", "ecog")]},
        "bias": [], "headline": [], "covariates": [{"name": "age", "missing": 3}],
        "methods": {"analyses": {"alpha": 0.05, "conf_level": 0.95, "km_conf_type": "log", "cox_ties": "efron",
                                 "multivariable_selection": ["prespecified"], "selection_alpha": None,
                                 "multivariable_covariates": {"pfs_cox": ["visceral"]},
                                 "subgroup_interaction_test": "likelihood-ratio test of exposure x subgroup",
                                 "table_one_categorical_test": "chi-square"}},
        "warnings": [{"kind": "small_group", "analysis": "pfs_km", "message": "group X is small"}],
    }, df, t1


def test_engine_format_is_detected_and_mapped():
    res, df, t1 = engine_results()
    assert is_study_results(res)
    r = from_study_results(res)
    assert [s["step"] for s in r["attrition"]] == ["Patients in the registry", "Metastatic line with T-DM1", "Remaining",
                                                   "Analysed"]
    assert r["attrition"][2] == {"step": "Remaining", "n": 160, "excluded": 10, "reason": "Prior T-DM1", "unknown": 2}
    b = r["survival"][0]
    assert b["logrank"]["p"] == res["survival"][0]["tests"]["logrank"]["p"]
    # the KM panel HR is the unadjusted Cox HR of the same endpoint and exposure
    assert b["hazard_ratios"][0]["hr"] == res["cox"][0]["terms"][0]["hr"]
    assert r["cox"][1]["ph_test"]["global_p"] == [x for x in res["cox"][1]["ph_test"] if x["term"] == "GLOBAL"][0]["p"]
    assert r["endpoints"][0]["origin"] == "start of the index line"
    assert r["endpoints"][0]["events"] == ["radiological progression (RECIST 1.1)", "death from any cause"]
    # Table 1 cells are the engine's tidy numbers (table_one's data), not text read back
    data = t1.data
    ecog = r["table_one"]["variables"][1]
    for lev in ecog["levels"]:
        for g in ("Tmab/Pmab", "Tmab"):
            row = data[(data.variable == "ecog") & (data.level == lev["level"]) & (data.group == g)].iloc[0]
            assert lev["cells"][g]["n"] == int(row["n"])
            assert lev["cells"][g]["percent"] == float(row["percent"])
            assert lev["cells"][g]["N"] == int(row["N"])
    assert r["table_one"]["groups"] == ["Tmab/Pmab", "Tmab"]  # group order, not the JSON's sorted keys
    age = r["table_one"]["variables"][0]["cells"]["Tmab"]
    row = data[(data.variable == "age") & (data.group == "Tmab")].iloc[0]
    assert (age["n"], age["median"], age["min"], age["max"]) == (row["n"], row["median"], row["min"], row["max"])
    assert "covariates" not in r  # what the report does not show does not leave with it
    rates = r["response_tables"][0]["rates"][0]
    assert rates["by_group"]["Tmab"]["estimate"] == 0.25 and rates["test"] == "Pearson's Chi-squared test"


def test_km_block_hr_and_labelled_covariates_are_read_from_the_engine():
    res, _, _ = engine_results()
    res["cox"] = []  # no Cox analysis: the KM block's own HR is shown
    own = {"comparison": "Tmab/Pmab vs Tmab", "level": "Tmab/Pmab", "reference": "Tmab", "hr": 1.5, "lower": 1.1,
           "upper": 2.0, "p": 0.01}
    res["survival"][0]["hazard_ratios"] = [own]
    res["methods"]["analyses"]["multivariable_covariate_labels"] = {
        "pfs_cox": [{"name": "visceral", "label": "Visceral metastases"}]}
    res["responses"][1].update(definition="CR + PR", responders=["CR", "PR"], min_sd_duration=None)
    r = from_study_results(res)
    h = r["survival"][0]["hazard_ratios"][0]
    assert (h["comparison"], h["hr"], h["lower"], h["upper"], h["p"]) == ("Tmab/Pmab vs Tmab", 1.5, 1.1, 2.0, 0.01)
    assert r["methods"]["analyses"]["multivariable_covariates"] == ["Visceral metastases"]
    rate = r["response_tables"][0]["rates"][0]
    assert rate["definition"] == "CR + PR" and rate["responders"] == ["CR", "PR"] and rate["min_sd_duration"] is None


def test_report_from_engine_results_file(tmp_path):
    res, _, _ = engine_results()
    (tmp_path / "results.json").write_text(json.dumps(res, sort_keys=True), encoding="utf-8")  # as the engine writes
    out = write_report(tmp_path, tmp_path / "report")
    html = out.html.read_text(encoding="utf-8")
    assert "Overall (n = " not in html  # the all-patients curve is not drawn with the groups
    assert "group X is small" in html
    methods = html[html.index('id="methods"'):]
    assert "Greenwood&#x27;s variance with a log transformation" in methods  # the engine's km_conf_type
    assert "Python 3.11.7" in methods and "numpy 2.4.0" in methods and "duckdb None" not in methods
    assert "Pre-treatment: Tmab/Pmab vs Tmab" in html
    released = json.loads(out.json.read_text(encoding="utf-8"))
    assert released["schema"] == "linewise.report/1" and released["source_schema"] == "linewise.results/1"


def test_report_of_an_empty_study_run(tmp_path):
    """A real engine run on an empty registry: no curves, no models; the report still renders."""
    from linewise.store.store import Store
    from linewise.study.run import run_study

    store = Store.open(tmp_path / "empty.duckdb")
    run_study("tdm1_tmab_vs_tmab_pmab", store, tmp_path / "run")
    out = write_report(tmp_path / "run", tmp_path / "report")
    html = out.html.read_text(encoding="utf-8")
    assert "Patient flow" in html and "Methods" in html
