"""Every row of the clean registry obeys the model, and truth_lines follow from the drug records."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from linewise.lines.vocabulary import DRUGS_BY_NAME, DrugClass
from linewise.model.registry import TABLES_BY_NAME
from linewise.synth import generate_registry
from synth._support import TABLE_NAMES, importer_errors, read_all

EXEMPT = {DrugClass.BONE_TARGETED, DrugClass.SUPPORTIVE}


def test_importer_finds_no_error(clean_small):
    out, _ = clean_small
    errors = importer_errors(out)
    assert all(len(e) == 0 for e in errors.values()), {k: v.head() for k, v in errors.items() if len(v)}


def test_model_rules_by_hand(clean_small):
    out, res = clean_small
    t = read_all(out)
    for name in TABLE_NAMES[:-1]:
        table = TABLES_BY_NAME[name]
        assert tuple(t[name].columns) == table.column_names
        assert len(t[name]) == res.rows[name]
        for col in table.columns:
            values = t[name][col.name]
            if col.required:
                assert values.notna().all(), (name, col.name)
            if col.codes:
                assert values.dropna().isin(col.codes).all(), (name, col.name)
    pat = t["patients"].set_index("patient_id")
    d = {c: pd.to_datetime(pat[c]) for c in pat.columns if c.endswith("_date")}
    death, last = d["death_date"], d["last_contact_date"]
    assert (last[death.notna()] <= death[death.notna()]).all()
    assert (d["birth_date"] < d["primary_diagnosis_date"]).all()
    assert (d["primary_diagnosis_date"] <= d["metastatic_diagnosis_date"]).all()
    assert (d["enrolment_date"] <= last).all()
    assert (pat.loc[death.notna(), "lost_to_follow_up"] == "no").all()
    limit = death.fillna(last)
    for name, col in (("therapy_lines", "start_date"), ("response_assessments", "assessment_date"),
                      ("performance_status", "assessment_date"), ("drug_exposures", "start_date"),
                      ("metastatic_sites", "date_detected")):
        dates = pd.to_datetime(t[name][col])
        assert (dates.to_numpy() <= limit.loc[t[name]["patient_id"]].to_numpy()).all(), name
    lines = t["therapy_lines"]
    s, e = pd.to_datetime(lines["start_date"]), pd.to_datetime(lines["end_date"])
    assert (e.isna() | (e >= s)).all()
    assert (pd.to_datetime(lines["progression_date"]).isna() | (pd.to_datetime(lines["progression_date"]) >= s)).all()
    met = lines[lines["setting"] == "metastatic"].copy()
    met["n"] = met["line_number"].astype(int)
    met["s"] = pd.to_datetime(met["start_date"])
    for _, grp in met.groupby("patient_id"):
        assert list(grp["n"]) == list(range(1, len(grp) + 1))
        assert grp["s"].is_monotonic_increasing
    md = pd.to_datetime(pat.loc[met["patient_id"], "metastatic_diagnosis_date"]).to_numpy()
    assert (met["s"].to_numpy() >= md).all()
    early = lines[lines["setting"] != "metastatic"]
    assert early["line_number"].isna().all()
    ex = t["drug_exposures"]
    assert (ex["drug"] == ex["drug_source_value"]).all()
    assert not ex.duplicated(["patient_id", "drug_source_value", "start_date"]).any()


def _derive_lines(ex: pd.DataFrame, window=28, gap=180) -> list[tuple]:
    """A plain reference implementation of the line rules the truth must satisfy.

    Records of one day are taken together: when one of them starts a new line, all do.
    """
    ex = ex[~ex["drug"].map(lambda d: DRUGS_BY_NAME[d].drug_class in EXEMPT)]
    ex = ex.assign(s=pd.to_datetime(ex["start_date"]), e=pd.to_datetime(ex["end_date"]))
    lines, cur = [], None
    for day, grp in ex.groupby("s", sort=True):
        drugs = set(grp["drug"])
        if cur is not None:
            new = any(d not in cur["drugs"] and DRUGS_BY_NAME[d].family not in cur["families"] for d in drugs)
            if (day - cur["end"]).days > gap or ((day - cur["start"]).days > window and new):
                lines.append(cur)
                cur = None
        if cur is None:
            cur = {"start": day, "end": day, "drugs": set(), "families": set()}
        if (day - cur["start"]).days <= window:
            cur["drugs"] |= drugs
            cur["families"] |= {DRUGS_BY_NAME[d].family for d in drugs}
        cur["end"] = max(cur["end"], grp["e"].max())
    if cur is not None:
        lines.append(cur)
    return [(x["start"].date().isoformat(), x["end"].date().isoformat(), frozenset(x["drugs"])) for x in lines]


def test_truth_lines_follow_from_drug_records(clean_small):
    out, _ = clean_small
    t = read_all(out, ("drug_exposures", "truth_lines", "therapy_lines"))
    truth = t["truth_lines"]
    ids = truth["patient_id"].drop_duplicates().iloc[:400]
    ex = t["drug_exposures"][t["drug_exposures"]["patient_id"].isin(ids)]
    for pid, grp in ex.groupby("patient_id"):
        tr = truth[truth["patient_id"] == pid]
        expected = [(r.start_date, r.end_date, frozenset(r.agents.split(" + "))) for r in tr.itertuples()]
        assert _derive_lines(grp) == expected, pid
    # the clean registry records the same lines (ongoing lines have no end date there)
    tl = t["therapy_lines"]
    for col in ("patient_id", "line_number", "setting", "start_date", "agents"):
        assert tl[col].equals(truth[col]), col
    same_end = tl["end_date"].isna() | (tl["end_date"] == truth["end_date"])
    assert same_end.all()
    assert (tl.loc[tl["end_date"].isna(), "end_reason"].fillna("ongoing") == "ongoing").all()


def test_deterministic_and_independent_of_chunking(tmp_path):
    a, b, c, d = (tmp_path / x for x in "abcd")
    generate_registry(a, 300, seed=3)
    generate_registry(b, 300, seed=3, chunk_size=7)
    generate_registry(c, 300, seed=4)
    for name in TABLE_NAMES:
        assert filecmp.cmp(a / f"{name}.csv", b / f"{name}.csv", shallow=False), name
    assert not filecmp.cmp(a / "drug_exposures.csv", c / "drug_exposures.csv", shallow=False)
    res = generate_registry(d, 300, seed=3, fmt="parquet", chunk_size=50)
    import pyarrow.parquet as pq

    for name in TABLE_NAMES:
        assert pq.read_table(d / f"{name}.parquet").num_rows == res.rows[name]
    csv = pd.read_csv(a / "therapy_lines.csv", dtype=str, keep_default_na=False)
    par = pq.read_table(d / "therapy_lines.parquet").to_pandas()
    assert (par["agents"].to_numpy() == csv["agents"].to_numpy()).all()
    assert np.array_equal(par["start_date"].astype(str).to_numpy(), csv["start_date"].to_numpy())


def test_progress_and_errors(tmp_path):
    seen = []
    generate_registry(tmp_path, 50, chunk_size=20, progress=seen.append)
    assert seen == [20, 40, 50]
    with pytest.raises(ValueError):
        generate_registry(tmp_path, 10, fmt="xlsx")


def test_every_next_line_brings_a_new_drug_family(clean_large):
    """Across 20,000 patients: consecutive lines within 180 days differ by a drug family, so the
    line rules see every recorded line (the truth test above checks 400 patients in full)."""
    _, t = clean_large
    lines = t["therapy_lines"]
    fam = lines["agents"].map(lambda a: frozenset(DRUGS_BY_NAME[d].family for d in a.split(" + ")))
    same_patient = lines["patient_id"].eq(lines["patient_id"].shift())
    prev_fam = fam.shift()
    gap = (pd.to_datetime(lines["start_date"]) - pd.to_datetime(lines["end_date"].shift())).dt.days
    close = same_patient & (gap.isna() | (gap <= 180))
    novel = [bool(a - b) if isinstance(b, frozenset) else True for a, b in zip(fam, prev_fam, strict=True)]
    bad = close & ~pd.Series(novel, index=lines.index)
    assert not bad.any(), lines[bad | bad.shift(-1, fill_value=False)].head(10).to_string()
