"""Writing an engine's table to Parquet and CSV without a pandas copy of it."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from linewise.store import export
from linewise.store.export import iter_parquet, parquet_to_csv, write_parquet


def _table():
    con = ibis.duckdb.connect()
    t = con.create_table("t", ibis.memtable({
        "patient_id": ["P3", "P1", "P2"],
        "day": [dt.date(2016, 3, 7), None, dt.date(2020, 1, 31)],
        "event": [1, 0, None],
        "x": [0.5, None, 2.25],
    }))
    return con, t.mutate(stamp=t.day.cast("timestamp"), event=t.event.cast("int8"))


def test_duckdb_writes_the_file_in_patient_order_with_dates(tmp_path):
    con, t = _table()
    path = write_parquet(con, t, tmp_path / "a.parquet", order_by="patient_id")
    got = pq.read_table(path)
    assert got.column("patient_id").to_pylist() == ["P1", "P2", "P3"]
    assert got.schema.field("stamp").type == pa.date32()  # timestamps written as dates
    assert got.column("stamp").to_pylist() == [None, dt.date(2020, 1, 31), dt.date(2016, 3, 7)]
    assert got.schema.field("event").type == pa.int8()


def test_streamed_path_equals_the_engine_path(tmp_path, monkeypatch):
    """The batch-by-batch writer (server engines) gives the same content as DuckDB's COPY."""
    con, t = _table()
    a = write_parquet(con, t, tmp_path / "engine.parquet", order_by="patient_id")
    monkeypatch.setattr(export, "BATCH_ROWS", 2)  # several batches

    class Streaming:  # a backend that is not DuckDB: the streaming branch
        name = "postgres"

    b = write_parquet(Streaming(), t, tmp_path / "streamed.parquet", order_by="patient_id")
    assert pq.read_table(a).to_pylist() == pq.read_table(b).to_pylist()
    assert pq.ParquetFile(b).metadata.num_row_groups >= 2


def test_csv_copy_batch_by_batch(tmp_path):
    con, t = _table()
    path = write_parquet(con, t, tmp_path / "a.parquet", order_by="patient_id")
    batches = list(iter_parquet(path, batch_rows=1))
    assert len(batches) == 3
    csv = parquet_to_csv(path, tmp_path / "a.csv")
    text = csv.read_text().splitlines()
    assert text[0] == '"patient_id","day","event","x","stamp"'
    assert text[3].startswith('"P3",2016-03-07,1,0.5,2016-03-07')
    assert pa_csv.read_csv(csv).num_rows == 3
