"""Messy mode: real-world spellings stay valid, and the importer rejects exactly the planted rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from linewise.lines.vocabulary import normalize_drug, normalize_regimen
from linewise.model.registry import TABLES_BY_NAME
from linewise.synth import generate_registry
from linewise.synth.messy_values import (
    CODE_SPELLINGS,
    DRUG_SPELLINGS,
    SC_TRASTUZUMAB,
    regimen_spellings,
)
from linewise.synth.regimens import REGIMENS
from synth._support import TABLE_NAMES, importer_errors

CODE_COLUMNS = {"sex": ("patients", "sex"), "grade": ("patients", "grade"), "histology": ("patients", "histology"),
                "her2_ihc": ("patients", "her2_ihc"), "her2_ish": ("patients", "her2_ish"),
                "setting": ("therapy_lines", "setting"), "end_reason": ("therapy_lines", "end_reason"),
                "response": ("response_assessments", "response"), "progression_kind": ("therapy_lines", "progression_kind"),
                "route": ("drug_exposures", "route"), "site": ("metastatic_sites", "site")}


def test_every_spelling_is_understood():
    for family, (table, column) in CODE_COLUMNS.items():
        col = TABLES_BY_NAME[table].column(column)
        lookup = {c.lower(): c for c in col.codes} | {k.lower(): v for k, v in col.code_aliases.items()}
        for code, spellings in CODE_SPELLINGS[family].items():
            for s in spellings:
                assert lookup.get(s.lower()) == code, (family, s)
    for drug, spellings in DRUG_SPELLINGS.items():
        for s in spellings:
            if drug != "ondansetron":
                assert normalize_drug(s) == drug, s
    assert {normalize_drug(s) for s in SC_TRASTUZUMAB} == {"trastuzumab"}
    for r in REGIMENS:
        for text in regimen_spellings(r.drugs, 12345):
            drugs, unknown = normalize_regimen(text)
            assert not unknown and set(drugs) == set(r.drugs), text


@pytest.fixture(scope="module")
def found(messy_small):
    out, _ = messy_small
    errors = importer_errors(out)
    got = pd.concat([e.assign(table=t) for t, e in errors.items()], ignore_index=True)
    listed = pd.read_csv(out / "invalid_rows.csv", dtype={"note": str}, keep_default_na=False)
    return got, listed


def test_importer_rejects_exactly_the_planted_rows(found):
    got, listed = found
    g = got.groupby(["table", "row"])["rule"].agg(lambda s: ";".join(sorted(set(s)))).reset_index()
    merged = g.merge(listed, on=["table", "row"], how="outer", suffixes=("_found", "_listed"), indicator=True)
    missing = merged[merged["_merge"] == "right_only"]
    extra = merged[merged["_merge"] == "left_only"]
    wrong = merged[(merged["_merge"] == "both") & (merged["rule_found"] != merged["rule_listed"])]
    assert missing.empty, missing.head(20).to_string()
    assert extra.empty, extra.head(20).to_string()
    assert wrong.empty, wrong.head(20).to_string()


def test_each_planted_row_breaks_one_rule(found):
    got, _ = found
    per_row = got.groupby(["table", "row"]).size()
    assert (per_row == 1).all(), per_row[per_row > 1].head()


def test_manifest_and_rates(messy_small):
    out, res = messy_small
    manifest = json.loads((out / "messy_manifest.json").read_text())
    listed = pd.read_csv(out / "invalid_rows.csv", keep_default_na=False)
    assert manifest["invalid_rows"] == len(listed) == res.n_invalid
    planted = listed[listed["note"] != "cascade"]
    for table in TABLE_NAMES[:-1]:
        share = (planted["table"] == table).sum() / res.rows[table]
        assert 0.003 < share < 0.02, (table, share)
        assert sum(manifest["planted"][table].values()) == (planted["table"] == table).sum()
    assert set(listed["rule"]) >= {"type", "code", "range", "required", "duplicate_key", "unknown_patient",
                                   "end_before_start", "progression_before_start", "line_before_metastatic",
                                   "line_after_death", "drug_unknown", "event_after_death"}


def test_messy_is_deterministic(tmp_path, messy_small):
    out, _ = messy_small
    generate_registry(tmp_path, 3000, seed=11, messy=True, chunk_size=700)
    for name in (*TABLE_NAMES, "invalid_rows"):
        a = (out / f"{name}.csv").read_bytes()
        b = (tmp_path / f"{name}.csv").read_bytes()
        if name == "invalid_rows":  # listed chunk by chunk: same rows, another order
            a, b = sorted(a.splitlines()), sorted(b.splitlines())
        assert a == b, name


def test_messy_spellings_present(messy_small):
    out, _ = messy_small
    pat = pd.read_csv(out / "patients.csv", dtype=str, keep_default_na=False)
    assert pat["er_status"].str.endswith("%").any()
    assert pat["birth_date"].str.fullmatch(r"\d{4}").any()
    assert pat["metastatic_diagnosis_date"].str.fullmatch(r"\d{5}").any()
    lines = pd.read_csv(out / "therapy_lines.csv", dtype=str, keep_default_na=False)
    assert lines["agents"].isin(["THP", "TCH", "EC"]).any()
    ex = pd.read_csv(out / "drug_exposures.csv", dtype=str, keep_default_na=False)
    assert (ex["drug"] == "").all()
    assert ex["drug_source_value"].isin(["Kadcyla", "T-DM1"]).any()
    assert np.isin(["Herceptin SC", "trastuzumab sc"], ex["drug_source_value"]).any()


def test_parquet_messy_rows_match_the_list(tmp_path):
    """Parquet files number rows like CSV (first data row = 2): the same list holds."""
    generate_registry(tmp_path, 600, seed=5, fmt="parquet", messy=True)
    errors = importer_errors(tmp_path, "parquet")
    got = pd.concat([e.assign(table=t) for t, e in errors.items()], ignore_index=True)
    got = got.groupby(["table", "row"])["rule"].agg(lambda s: ";".join(sorted(set(s)))).reset_index()
    listed = pd.read_csv(tmp_path / "invalid_rows.csv", keep_default_na=False)
    pairs = lambda f: set(zip(f["table"], f["row"].astype(int), f["rule"], strict=True))  # noqa: E731
    assert pairs(got) == pairs(listed)
