"""Write a table of the engine to a local Parquet file without a pandas copy of it.

DuckDB writes the file itself (``COPY (query) TO 'file' (FORMAT parquet)``, through Ibis's
``to_parquet``). PostgreSQL streams the rows to this process in Arrow record batches
(``to_pyarrow_batches``: a server-side cursor), which are appended to the file one at a time,
so the memory held is one batch. Spark hands the result over as Arrow (``DataFrame.toArrow``,
collected by the driver: Ibis's PySpark batches would go through pandas row by row first),
written in row groups; Spark's own ``to_parquet`` writes a directory of part files on the
cluster's storage, which is why it is not used for this local file. The CSV copy is made from
the Parquet file, batch by batch.

Dates are written as dates (``2016-03-07``): timestamp columns are cast to dates first.

Examples
--------
>>> import ibis, tempfile, pathlib
>>> con = ibis.duckdb.connect()
>>> t = con.create_table("t", ibis.memtable({"patient_id": ["b", "a"], "x": [2, 1]}))
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
>>> write_parquet(con, t, path, order_by="patient_id").name
't.parquet'
>>> import pyarrow.parquet as pq
>>> pq.read_table(path).to_pydict()
{'patient_id': ['a', 'b'], 'x': [1, 2]}
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

#: Rows per record batch when a server engine streams a table to this process.
BATCH_ROWS = 100_000


def _dates_as_dates(expr: ir.Table) -> ir.Table:
    casts = {name: expr[name].cast("date") for name, dtype in expr.schema().items() if dtype.is_timestamp()}
    return expr.mutate(**casts) if casts else expr


def write_parquet(con: ibis.BaseBackend, expr: ir.Table, path: str | Path, *, order_by: str | None = None) -> Path:
    """Write ``expr`` (rows ordered by ``order_by``) to the Parquet file ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    expr = _dates_as_dates(expr)
    if order_by is not None:
        expr = expr.order_by(order_by)
    if con.name == "duckdb":
        con.to_parquet(expr, path)
        return path
    if con.name == "pyspark":
        # Spark's own Arrow collection (no pandas on the way; Ibis's batches go through pandas
        # row by row), written in row groups
        table = con._session.sql(con.compile(expr)).toArrow()
        with pq.ParquetWriter(path, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                writer.write_batch(batch)
        return path
    with expr.to_pyarrow_batches(chunk_size=BATCH_ROWS) as reader:
        with pq.ParquetWriter(path, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
    return path


def iter_parquet(path: str | Path, batch_rows: int = BATCH_ROWS):
    """The record batches of a Parquet file, in order (bounded memory)."""
    yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows)


def parquet_to_csv(path: str | Path, csv_path: str | Path) -> Path:
    """A CSV copy of a Parquet file (Arrow's writer: quoted text, ISO dates, empty = missing)."""
    csv_path = Path(csv_path)
    schema = pq.read_schema(path)
    with pa_csv.CSVWriter(csv_path, schema) as writer:
        for batch in iter_parquet(path):
            writer.write_batch(batch)
    return csv_path


__all__ = ["BATCH_ROWS", "iter_parquet", "parquet_to_csv", "write_parquet"]
