"""Study B's recipe on a registry rebuilt from the published counts reproduces the published
attrition (49 -> 47 -> 42; 18 vs 24) and the p-values that can be recomputed from the paper's
tables (STUDIES.md: TRR 0.2566, DCR 0.0030, ECOG PS 0.3971, visceral 0.8394)."""

from __future__ import annotations

import datetime as dt

import pytest

from linewise.study import run_study
from study_registry import make_store

TDM1 = "trastuzumab emtansine"
START = dt.date(2015, 1, 1)


def months_later(n: float) -> str:
    return (START + dt.timedelta(days=round(n * 30.4375))).isoformat()


def build_registry() -> dict:
    patients, lines, ecog, sites = [], [], [], []

    def add(pid, first_line, tdm1_line=2, bor=None, prog_months=None, ps=0, visceral=True, prior_tdm1=False):
        patients.append({"patient_id": pid, "birth_date": "1960-01-01", "primary_diagnosis_date": "2012-01-01",
                         "metastatic_diagnosis_date": "2013-06-01", "her2_ihc": "3+", "er_status": "positive",
                         "pgr_status": "negative", "last_contact_date": "2017-06-01"})
        lines.append({"patient_id": pid, "line_number": 1, "setting": "metastatic", "start_date": "2013-07-01",
                      "end_date": "2013-12-01", "agents": first_line, "end_reason": "progression"})
        if prior_tdm1:
            lines.append({"patient_id": pid, "line_number": 2, "setting": "metastatic", "start_date": "2014-01-01",
                          "end_date": "2014-12-01", "agents": "trastuzumab + capecitabine", "end_reason": "progression"})
        lines.append({"patient_id": pid, "line_number": tdm1_line, "setting": "metastatic",
                      "start_date": START.isoformat(), "agents": TDM1, "best_response": bor,
                      "best_response_date": months_later(1.5) if bor else None,
                      "progression_date": months_later(prog_months) if prog_months else None,
                      "progression_kind": "radiological" if prog_months else None,
                      "end_date": months_later(prog_months) if prog_months else None,
                      "end_reason": "progression" if prog_months else "ongoing"})
        ecog.append({"patient_id": pid, "assessment_date": START.isoformat(), "ecog": ps})
        sites.append({"patient_id": pid, "site": "liver" if visceral else "bone", "date_detected": "2013-06-01"})

    n = iter(range(1, 100))
    # excluded: 2 with T-DM1 before (re-challenged), 5 with neither trastuzumab nor pertuzumab
    for _ in range(2):
        add(f"B{next(n):02d}", TDM1, tdm1_line=3, bor="PD", prog_months=2, prior_tdm1=True)
    for _ in range(5):
        add(f"B{next(n):02d}", "capecitabine", bor="PD", prog_months=2)
    # Tmab/Pmab (18): PR 2, SD 6 (1 lasting >= 6 months), PD 10; ECOG 13 x 0, 5 x 1; visceral 13 / 5
    pmab = [("PR", 10)] * 2 + [("SD", 8)] + [("SD", 4)] * 5 + [("PD", 2)] * 10
    for i, (bor, prog) in enumerate(pmab):
        add(f"B{next(n):02d}", "trastuzumab + pertuzumab + docetaxel", bor=bor, prog_months=prog,
            ps=0 if i < 13 else 1, visceral=i < 13)
    # Tmab (24): PR 6, SD 15 (9 lasting >= 6 months), PD 3; ECOG 13 x 0, 10 x 1, 1 x 2; visceral 18 / 6
    tmab = [("PR", 12)] * 6 + [("SD", 9)] * 9 + [("SD", 4)] * 6 + [("PD", 2)] * 3
    for i, (bor, prog) in enumerate(tmab):
        add(f"B{next(n):02d}", "trastuzumab + docetaxel", bor=bor, prog_months=prog,
            ps=0 if i < 13 else (1 if i < 23 else 2), visceral=i < 18)
    return {"patients": patients, "therapy_lines": lines, "performance_status": ecog, "metastatic_sites": sites}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_study("tdm1_tmab_vs_tmab_pmab", make_store(tmp_path_factory.mktemp("studyb"), build_registry()))


def test_published_attrition(result):
    steps = [(s["step"], s["n"], s["excluded"]) for s in result.results["attrition"]]
    assert steps == [("registry", 49, 0), ("index", 49, 0), ("prior_tdm1", 47, 2), ("neither_tmab_nor_pmab", 42, 5),
                     ("groups", 42, 0)]
    assert [(lv["name"], lv["n"]) for lv in result.results["groups"]["levels"]] == [("Tmab/Pmab", 18), ("Tmab", 24)]


def test_published_response_table_and_p_values(result):
    rows = {r["label"]: r for r in result.results["headline"][0]["rows"]}
    assert rows["TRR, n (%)"]["cells"] == ["2 (11.1)", "6 (25.0)"]
    assert rows["DCR, n (%)"]["cells"] == ["3 (16.7)", "15 (62.5)"]
    assert rows["PR / SD / PD, n"]["cells"] == ["2 / 6 / 10", "6 / 15 / 3"]
    assert round(rows["TRR, n (%)"]["p"], 4) == 0.2566
    assert round(rows["DCR, n (%)"]["p"], 4) == 0.0030


def test_published_baseline_p_values(result):
    t1 = {v["variable"]: v for v in result.results["table_one"]["variables"]}
    assert round(t1["ecog"]["p"], 4) == 0.3971
    assert round(t1["visceral"]["p"], 4) == 0.8394
    assert t1["ecog"]["test"] == "Pearson's Chi-squared test"
