"""results.json: byte-identical on rerun, provenance, invariance to row order and date shifts."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from linewise.io.importer import import_files
from linewise.store.store import Store
from linewise.study import run_study
from linewise.study.results import dumps, table_hash, to_jsonable

STUDY = "tdm1_tmab_vs_tmab_pmab"
DATE_SHIFT_DAYS = -400


def test_rerun_is_byte_identical(synth_store, tmp_path):
    run_study(STUDY, synth_store, tmp_path / "a")
    run_study(STUDY, synth_store, tmp_path / "b")
    for name in ("results.json", "analysis_table.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    parquet = pd.read_parquet(tmp_path / "a" / "analysis_table.parquet")
    csv = pd.read_csv(tmp_path / "a" / "analysis_table.csv")
    assert len(parquet) == len(csv) and list(parquet.columns) == list(csv.columns)


def test_results_json_is_valid_and_has_provenance(synth_store, tmp_path):
    run_study(STUDY, synth_store, tmp_path)
    text = (tmp_path / "results.json").read_text()
    res = json.loads(text)  # strict JSON: no NaN
    assert "NaN" not in text and "Infinity" not in text
    prov = res["provenance"]
    assert len(prov["spec_hash"]) == 64 and len(prov["data_hash"]) == 64 and len(prov["analysis_table_hash"]) == 64
    assert prov["linewise_version"] and prov["seed"] == 0
    assert res["schema"] == "linewise.results/1"
    assert "patient_id" not in text  # no identifiers in the results


def test_json_encoding_rules():
    assert to_jsonable({"x": np.float64("nan"), "y": np.int64(3), "z": (1, np.bool_(True))}) == \
        {"x": None, "y": 3, "z": [1, True]}
    text = dumps({"b": 1, "a": 2})
    assert text.index('"a"') < text.index('"b"')  # sorted keys
    assert json.loads(dumps({"a": 0.1 + 0.2}))["a"] == 0.1 + 0.2  # full precision round trip


def _rewrite(src, dst, transform):
    dst.mkdir(parents=True)
    for f in sorted(src.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        transform(f.stem, df).to_csv(dst / f.name, index=False)
    return dst


def _results_without_provenance(result) -> dict:
    res = json.loads(result.to_json())
    res.pop("provenance")
    return res


@pytest.fixture(scope="module")
def reference(synth_store):
    return run_study(STUDY, synth_store)


def _import(folder, tmp_path) -> Store:
    store = Store.open(tmp_path / "r.duckdb")
    assert not any(r.rows_rejected for r in import_files(store, [folder]))
    return store


def test_invariant_to_row_order(synth_dir, reference, tmp_path):
    rng = np.random.default_rng(5)
    shuffled = _rewrite(synth_dir, tmp_path / "shuffled",
                        lambda _, df: df.iloc[rng.permutation(len(df))].reset_index(drop=True))
    result = run_study(STUDY, _import(shuffled, tmp_path))
    assert _results_without_provenance(result) == _results_without_provenance(reference)
    pd.testing.assert_frame_equal(result.table, reference.table)


def test_invariant_to_shifted_dates(synth_dir, reference, tmp_path):
    def shift(_, df):
        for col in df.columns:
            if col.endswith("_date") or col == "date_detected":
                d = pd.to_datetime(df[col].replace("", None), errors="raise")
                df[col] = (d + pd.Timedelta(days=DATE_SHIFT_DAYS)).dt.strftime("%Y-%m-%d").fillna("")
        return df

    result = run_study(STUDY, _import(_rewrite(synth_dir, tmp_path / "shifted", shift), tmp_path))
    assert _results_without_provenance(result) == _results_without_provenance(reference)
    moved = pd.to_datetime(result.table["index_start"]) - pd.to_datetime(reference.table["index_start"])
    assert (moved.dt.days == DATE_SHIFT_DAYS).all()
    assert np.allclose(result.table["pfs_time"], reference.table["pfs_time"])
    assert not math.isnan(result.table["age"].iloc[0])


def _hash(table: pa.Table, batch_rows: int | None = None) -> str:
    return table_hash(table.schema, table.to_batches(max_chunksize=batch_rows))


def test_analysis_table_hash_is_engine_independent():
    """The canonical form: integer widths, string and date encodings and row order do not
    count; values, missing values and column names do."""
    import datetime as dt

    base = {"patient_id": ["P1", "P2", "P3"], "event": [1, 0, None], "t": [1.5, -0.0, None],
            "flag": [True, None, False], "day": [dt.date(2016, 3, 7), None, dt.date(2020, 1, 1)]}
    duck = pa.table({**base, "event": pa.array(base["event"], pa.int8())})
    pg = pa.table({**base, "event": pa.array(base["event"], pa.int32()), "t": pa.array([1.5, 0.0, None]),
                   "patient_id": pa.array(base["patient_id"], pa.large_string()),
                   "day": pa.array([dt.datetime(2016, 3, 7), None, dt.datetime(2020, 1, 1)], pa.timestamp("us"))})
    reference = _hash(duck)
    assert _hash(pg) == reference
    assert _hash(duck.take([2, 0, 1])) == reference  # row order (engine collation)
    assert _hash(duck, batch_rows=1) == reference  # batches
    changed = pa.table({**base, "event": pa.array([1, 1, None], pa.int8())})
    assert _hash(changed) != reference
    missing = pa.table({**base, "event": pa.array([1, 0, 0], pa.int8())})
    assert _hash(missing) != reference  # missing is not 0
    renamed = duck.rename_columns(["patient_id", "event_flag", "t", "flag", "day"])
    assert _hash(renamed) != reference


def test_results_hash_equals_the_written_table(synth_store, tmp_path):
    import pyarrow.parquet as pq

    run_study(STUDY, synth_store, tmp_path)
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["provenance"]["analysis_table_hash"] == _hash(pq.read_table(tmp_path / "analysis_table.parquet"))
