"""Stores on DuckDB, PostgreSQL and Spark local for the engine benchmarks (``bench_engines``,
``bench_lines --engines``): a fresh store location per engine, opening it, and the bulk loader.

The loader is the benchmarks' own (Arrow batches straight into the store tables, no
validation); the validating importer has its own benchmark (``bench_import``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TABLES = ("patients", "metastatic_sites", "therapy_lines", "response_assessments", "performance_status", "drug_exposures")
ENGINES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark local[2]"}


def pg_url() -> str | None:
    """The PostgreSQL server for the benchmarks: ``LINEWISE_BENCH_POSTGRES`` or ``LINEWISE_TEST_POSTGRES``."""
    return os.environ.get("LINEWISE_BENCH_POSTGRES") or os.environ.get("LINEWISE_TEST_POSTGRES")


def prepare(engine: str, n: int, tmp: Path):
    """A fresh, empty place for a store of ``n`` patients on ``engine``.

    Returns
    -------
    tuple
        ``(location, warehouse, cleanup)``: what :func:`open_store` takes, and a function that
        drops the place again (the PostgreSQL database; files under ``tmp`` go with ``tmp``).

    Raises
    ------
    RuntimeError
        For PostgreSQL when no server is configured.
    """
    if engine == "duckdb":
        return str(tmp / "bench.duckdb"), "", lambda: None
    if engine == "spark":
        return f"bench_{n}", str(tmp / "warehouse"), lambda: None
    url = pg_url()
    if not url:
        raise RuntimeError("no PostgreSQL: set LINEWISE_BENCH_POSTGRES=postgresql://user@host/db")
    import psycopg

    name = f"linewise_bench_{n}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')

    def cleanup():
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')  # the children have disconnected

    head, _, _ = url.rpartition("/")
    return f"{head}/{name}", "", cleanup


def open_store(engine: str, location: str, warehouse: str = ""):
    """Open the store that :func:`prepare` made: a DuckDB file or PostgreSQL URL, or for Spark a
    ``local[2]`` session on ``warehouse`` with database ``location``."""
    from linewise.store.store import Store

    if engine != "spark":
        return Store.open(location)
    from linewise.store.engines import spark_session

    session = spark_session("local[2]", warehouse=warehouse)
    session.sparkContext.setLogLevel("ERROR")
    session.sql(f"CREATE DATABASE IF NOT EXISTS {location}")
    session.catalog.setCurrentDatabase(location)
    return Store.open(session)


def _arrow_for_store(batch, schema):
    """A batch of a registry Parquet file as the store table's Arrow schema (lists, booleans,
    bookkeeping columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for f in schema:
        if f.name == "_import_id":
            cols.append(pa.array([1] * batch.num_rows, pa.int64()))
        elif f.name == "_source_row":
            cols.append(pa.array(range(2, batch.num_rows + 2), pa.int64()))
        elif f.name.endswith("_precision"):
            base = batch.column(f.name.removesuffix("_precision"))
            cols.append(pc.if_else(pc.is_null(base), pa.scalar(None, pa.string()), "day"))
        else:
            c = batch.column(f.name)
            if pa.types.is_dictionary(c.type):
                c = c.cast(c.type.value_type)
            if pa.types.is_list(f.type):
                c = pc.split_pattern(c.cast(pa.string()), " + ")
            elif pa.types.is_boolean(f.type) and not pa.types.is_boolean(c.type):
                c = pc.equal(c.cast(pa.string()), "yes")
            cols.append(c.cast(f.type))
    return pa.table(cols, schema=schema)


def load(store, registry: Path, batch_rows: int = 2_000_000) -> float:
    """Bulk-load every registry table into ``store`` in batches (bounded memory); returns seconds."""
    import pyarrow.parquet as pq

    from linewise.model.registry import get_table
    from linewise.store.store import arrow_schema

    t0 = time.perf_counter()
    for name in TABLES:
        schema = arrow_schema(get_table(name))
        source = pq.ParquetFile(registry / f"{name}.parquet")
        spark_file = registry / f"store_{name}.parquet"  # Spark skips files named _* or .*
        writer = pq.ParquetWriter(spark_file, schema) if store.con.name == "pyspark" else None
        for batch in source.iter_batches(batch_size=batch_rows):
            data = _arrow_for_store(batch, schema)
            if store.con.name == "duckdb":
                store.con.con.register("_bench_load", data)
                store.con.raw_sql(f'INSERT INTO "{name}" SELECT * FROM _bench_load')
                store.con.con.unregister("_bench_load")
            elif writer is not None:
                writer.write_table(data)
            else:
                store.insert(name, data)
        if writer is not None:
            writer.close()
            store.con._session.read.parquet(str(spark_file)).write.insertInto(name)
    store.analyze(TABLES)  # planner statistics now, as after an import (PostgreSQL: autovacuum lags)
    return time.perf_counter() - t0
