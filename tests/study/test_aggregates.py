"""Only aggregates leave the engine where they suffice: the one patient-level fetch of a run has
exactly the columns Cox needs (plus what Table 1 medians and the immortal-time guard need), and
the Kaplan-Meier, log-rank, landmark and follow-up numbers come from risk-set counts while
equalling the patient-level statistics bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import linewise.study.aggregates as aggregates
import linewise.study.analyses as analyses
import linewise.study.counted as counted
from linewise.stats import (
    kaplan_meier_by,
    logrank,
    logrank_trend,
    median_follow_up,
    pairwise_logrank,
)
from linewise.study import recipe_text, run_study, spec_from_data

STUDY_B, STUDY_C = "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"
MONTH = 30.4375


def _spec(recipe: str, **changes):
    data = yaml.safe_load(recipe_text(recipe))
    data.update(changes)
    return spec_from_data(data)


@pytest.fixture
def fetches(monkeypatch):
    """Every patient-level fetch of the runs in a test: the columns asked for and the rows."""
    calls = []
    original = aggregates.fetch_patient_rows

    def spy(table, columns):
        frame = original(table, columns)
        calls.append({"columns": list(columns), "rows": len(frame), "fetched": list(frame.columns)})
        return frame

    monkeypatch.setattr(aggregates, "fetch_patient_rows", spy)
    return calls


@pytest.fixture
def no_patient_level_km(monkeypatch):
    """The patient-level Kaplan-Meier and log-rank functions fail if called; the count-based ones
    are counted."""
    def forbidden(*_a, **_k):
        raise AssertionError("a patient-level KM / log-rank function was called")

    for name in ("kaplan_meier", "kaplan_meier_by", "logrank", "logrank_trend", "pairwise_logrank"):
        monkeypatch.setattr(analyses, name, forbidden)
    used = {"km_by": 0, "km": 0, "logrank": 0, "follow_up": 0}
    for attr, key in (("kaplan_meier_by_from_counts", "km_by"), ("kaplan_meier_from_counts", "km"),
                      ("logrank_from_counts", "logrank"), ("median_follow_up_from_counts", "follow_up")):
        original = getattr(counted, attr)

        def wrapped(*a, _original=original, _key=key, **k):
            used[_key] += 1
            return _original(*a, **k)

        monkeypatch.setattr(counted, attr, wrapped)
    return used


def test_the_patient_level_fetch_is_exactly_the_cox_columns(synth_store, fetches, no_patient_level_km):
    """Study B without its KM-panel hazard ratios and Table 1 medians: only the Cox model's
    columns (time, event, exposure, adjustment variables) leave the engine, for every patient."""
    data = yaml.safe_load(recipe_text(STUDY_B))
    for a in data["analyses"]:
        if a["id"] == "table1":
            a["variables"] = ["ecog", "visceral", "hr_status", "lapatinib_before"]  # categorical only
        if a["id"] == "pfs_km":
            a["hazard_ratios"] = False
    r = run_study(spec_from_data(data), synth_store)
    assert len(fetches) == 1
    assert set(fetches[0]["fetched"]) == {"patient_id", "pfs_time", "pfs_event", "pretreatment", "ecog_1plus",
                                          "visceral", "hr_status"}
    assert fetches[0]["rows"] == r.results["attrition"][-1]["n"] == len(r.table)
    # the Kaplan-Meier curves, log-rank test and follow-up came from the counts ...
    assert no_patient_level_km["km_by"] >= 1 and no_patient_level_km["km"] >= 1
    assert no_patient_level_km["logrank"] >= 1 and no_patient_level_km["follow_up"] >= 1
    # ... and equal the patient-level functions on the analysis table, exactly
    t = r.table.dropna(subset=["pfs_time"])
    groups = pd.Categorical(t["pretreatment"], categories=["Tmab/Pmab", "Tmab"])
    block = next(b for b in r.results["survival"] if b["analysis"] == "pfs_km")
    fits = kaplan_meier_by(t["pfs_time"], t["pfs_event"], groups)
    for g in ("Tmab/Pmab", "Tmab"):
        c = next(c for c in block["curves"] if c["group"] == g)
        assert (c["median"], c["lower"], c["upper"]) == (fits[g].median, *fits[g].median_ci)
        assert c["steps"]["survival"] == fits[g].table["survival"].tolist()
    # (the names imported here are linewise.stats's own, not the study module's patched ones)
    assert block["tests"]["logrank"]["statistic"] == logrank(t["pfs_time"], t["pfs_event"], groups).statistic
    # the Cox model was fitted on the fetched rows
    assert any(m["model"] == "multivariable" for m in r.results["cox"])
    # Table 1 counts came from the engine: no continuous variable, so nothing else was fetched
    t1 = r.results["table_one"]
    assert t1["group_n"] == [int((r.table["pretreatment"] == g).sum()) for g in t1["groups"]]


def test_nothing_is_fetched_without_patient_level_analyses(synth_store, fetches):
    data = yaml.safe_load(recipe_text(STUDY_B))
    data["analyses"] = [a for a in data["analyses"] if a["kind"] in ("kaplan_meier", "response", "follow_up")]
    for a in data["analyses"]:
        a.pop("hazard_ratios", None)
    data["headline"] = []
    r = run_study(spec_from_data(data), synth_store)
    assert fetches == []
    assert r.results["survival"][0]["tests"]["logrank"]["p"] > 0
    assert [g["n"] for g in r.results["responses"][0]["groups"]] == \
        [int((r.table["pretreatment"] == g).sum()) for g in ("Tmab/Pmab", "Tmab")]


def test_study_c_fetches_only_the_columns_it_needs(recipe_results, synth_store, fetches):
    r = run_study(STUDY_C, synth_store)
    assert len(fetches) == 1
    got = set(fetches[0]["fetched"])
    everything = set(r.table.columns)
    # Cox and subgroup models: endpoints, where-conditions, exposure and candidates
    for col in ("os_met_time", "os_met_event", "pfs2_time", "pfs1_event",
                "pmab_line1", "age", "ihc_subtype", "ki67_high", "pfs1_months", "dfi"):
        assert col in got, col
    # the Cox model re-fitted under the immortal-time remedies shifts each patient's times
    assert {"anchor_cox_os_2nd", "os_met_origin"} <= got
    # never fetched: statuses, dates no statistic reads, Table 1 categorical-only variables, and
    # the anchors of every other analysis: the immortal-time screen and the remedied
    # Kaplan-Meier curves come from counts
    never = {c for c in everything if c.endswith("_status")}
    never |= {c for c in everything if c.startswith("anchor_") and c != "anchor_cox_os_2nd"}
    never |= {"index_start", "index_line_number", "grade", "n_sites", "tdm1_line", "os_tdm1_origin", "pfs1_origin",
              "pfs2_origin"}
    assert not got & never, got & never
    # one flag column per distinct `where` condition (analyses with the same one share it)
    assert {c for c in got if c.startswith("in_")} == set(aggregates.where_columns(r.spec).values())
    assert len(got) < len(everything) / 2
    # the immortal-time warnings and remedied curves are there all the same
    assert {b.get("remedy") for b in r.results["survival"] if b["analysis"] == "os_met_groups"} == \
        {None, "landmark", "delayed_entry"}
    assert any(w["kind"] == "immortal_time" and w["analysis"] == "cox_os_later" for w in r.warnings)


def test_count_paths_equal_patient_level_statistics(synth_store, no_patient_level_km):
    """Trend, pairwise and stratified log-rank, numbers at risk, a landmark with decided groups
    and both follow-up methods, from counts, equal the patient-level functions exactly."""
    data = yaml.safe_load(recipe_text(STUDY_C))
    data["analyses"] = [
        {"id": "trend", "kind": "kaplan_meier", "endpoint": "pfs2", "by": "tdm1_line", "test": "trend",
         "pairwise": True, "overall": False},
        {"id": "strat", "kind": "kaplan_meier", "endpoint": "os_tdm1", "by": "pmab_line1", "strata": "ihc_subtype",
         "times": [12, 24], "conf_type": "log-log"},
        {"id": "lm", "kind": "landmark", "endpoint": "os_met", "at": 24},
        {"id": "fu_obs", "kind": "follow_up", "endpoint": "os_met", "method": "observed"},
        {"id": "fu_rkm", "kind": "follow_up", "endpoint": "os_met", "by": "pmab_line1", "overall": False},
    ]
    data["headline"] = []
    r = run_study(spec_from_data(data), synth_store)
    t = r.table
    blocks = {b["analysis"]: b for b in r.results["survival"]}

    trend = t.dropna(subset=["pfs2_time", "tdm1_line"])
    line = pd.Categorical(trend["tdm1_line"], categories=["1st", "2nd", "3rd", "later"])
    ref = logrank_trend(trend["pfs2_time"], trend["pfs2_event"], line)
    assert blocks["trend"]["tests"]["trend"]["statistic"] == ref.statistic
    assert blocks["trend"]["tests"]["trend"]["z"] == ref.z
    pw = pairwise_logrank(trend["pfs2_time"], trend["pfs2_event"], line).table
    assert [row["p_adjusted"] for row in blocks["trend"]["tests"]["pairwise"]] == pw["p_adjusted"].tolist()
    assert [c["group"] for c in blocks["trend"]["curves"]] == [g for g in line.categories if (line == g).any()]

    s = t.dropna(subset=["os_tdm1_time", "ihc_subtype"])
    pmab = pd.Categorical(s["pmab_line1"].map({True: "yes", False: "no"}), categories=["no", "yes"])
    ref = logrank(s["os_tdm1_time"], s["os_tdm1_event"], pmab, strata=s["ihc_subtype"].to_numpy(object))
    got = blocks["strat"]["tests"]["logrank"]
    assert (got["statistic"], got["p"]) == (ref.statistic, ref.pvalue) and got["method"].endswith("(stratified)")
    fits = kaplan_meier_by(s["os_tdm1_time"], s["os_tdm1_event"], pmab, conf_type="log-log")
    for g in ("no", "yes"):
        c = next(c for c in blocks["strat"]["curves"] if c["group"] == g)
        assert c["at"] == fits[g].survival_at([12, 24])[["time", "n_risk", "survival", "lower", "upper"]] \
            .to_dict("records")

    days = (pd.to_datetime(t["anchor_lm"]) - pd.to_datetime(t["os_met_origin"])).dt.days.to_numpy(float)
    at_risk = (t["os_met_time"] > 24).to_numpy()
    decided = ~(days / MONTH > 24)
    keep = at_risk & decided & t["sequence"].notna().to_numpy()
    assert blocks["lm"]["excluded"]["group_decided_after_landmark"] == int((at_risk & ~decided).sum()) > 0
    seq = pd.Categorical(t["sequence"][keep], categories=["1", "2", "3", "4", "5"])
    fits = kaplan_meier_by(t["os_met_time"][keep] - 24, t["os_met_event"][keep], seq)
    for c in blocks["lm"]["curves"][1:]:
        assert (c["n"], c["median"], c["lower"]) == (fits[c["group"]].n, fits[c["group"]].median,
                                                     fits[c["group"]].median_ci[0])

    fu = {(row["analysis"], row["group"]): row for row in r.results["follow_up"]["rows"]}
    o = t.dropna(subset=["os_met_time"])
    ref = median_follow_up(o["os_met_time"], o["os_met_event"], method="observed")
    assert (fu["fu_obs", "Overall"]["median"], fu["fu_obs", "Overall"]["max"]) == (ref.median, ref.maximum)
    p = t.dropna(subset=["os_met_time"])
    for g, flag in (("no", False), ("yes", True)):
        sub = p[p["pmab_line1"] == flag]
        ref = median_follow_up(sub["os_met_time"], sub["os_met_event"])
        row = fu["fu_rkm", g]
        assert row["n"] == ref.n and np.isfinite(row["median"])
        np.testing.assert_array_equal([row["median"], row["lower"], row["upper"], row["min"], row["max"]],
                                      [ref.median, ref.lower, ref.upper, ref.minimum, ref.maximum])
    assert ("fu_rkm", "Overall") not in fu


def test_present_values_are_what_pandas_holds():
    """Category labels come from the engine's distinct values, typed as the fetched column is in
    pandas (integers with missing values are floats; NaN is missing), in one query."""
    import ibis

    from linewise.study.analyses import level_mapping
    from linewise.study.compiler import VType
    from linewise.study.covariates import Variable
    from linewise.study.spec import VarKind

    con = ibis.duckdb.connect()
    t = con.create_table("t", ibis.memtable({"n": [3, 1, None, 3], "m": [2, 1, 1, 2], "f": [0.5, float("nan"), 1.0, None],
                                             "b": [True, None, False, True], "s": ["b", "a", None, "b"]}))
    t = con.create_table("u", t.mutate(n=t.n.cast("int32"), m=t.m.cast("int32")))
    engine = aggregates.EngineTable(t)
    engine.prefetch_present(["n", "m", "f", "b", "s"])
    fetched = t.execute()
    for col in ("n", "m", "f", "b", "s"):
        var = Variable(col, col, VarKind.CATEGORICAL, VType.STRING)
        assert level_mapping(var, engine.present(col)) == level_mapping(var, pd.unique(fetched[col].dropna())), col
    assert level_mapping(Variable("n", "n", VarKind.CATEGORICAL, VType.NUMBER), engine.present("n"))[1] == ["1", "3"]
    assert level_mapping(Variable("b", "b", VarKind.CATEGORICAL, VType.BOOLEAN), engine.present("b"))[1] == ["no", "yes"]
