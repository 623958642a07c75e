"""Portable DDL for the line steps: temp tables from expressions or Arrow, drops.

Plain ``CREATE TEMP TABLE ... AS`` and ``DROP TABLE IF EXISTS`` statements, issued through the
backend's ``raw_sql``. (Ibis 12's own ``create_table(overwrite=True)``, ``drop_table`` and
``create_table`` from a memtable render a broken ``DROP`` statement with sqlglot 30, so these
helpers avoid them; the SQL they send is standard on DuckDB and PostgreSQL.)
"""

from __future__ import annotations

import contextlib

import ibis
import pyarrow as pa


def _quote(name: str, con: ibis.BaseBackend | None = None) -> str:
    if con is not None and con.name == "pyspark":  # Spark SQL quotes identifiers with backticks
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def run(con: ibis.BaseBackend, sql: str) -> None:
    cur = con.raw_sql(sql)
    # DuckDB's raw_sql returns the connection itself (closing it would close the backend);
    # other backends return a cursor to close.
    if cur is not None and cur is not getattr(con, "con", None):
        with contextlib.suppress(Exception):
            cur.close()


def drop(con: ibis.BaseBackend, name: str) -> None:
    """Drop table ``name`` if it exists."""
    run(con, f"DROP TABLE IF EXISTS {_quote(name, con)}")


def analyze(con: ibis.BaseBackend, name: str) -> None:
    """Give PostgreSQL's planner statistics of a table just written (other engines: nothing).

    PostgreSQL's autovacuum never analyzes temporary tables ("Temporary Tables" under CREATE
    TABLE in its documentation: analyze them by hand after filling them). Without statistics
    the planner assumes 200 groups for an aggregate over them and joins such aggregates by
    nested loops: the study's line-features query took more than 5 minutes at 100,000
    patients instead of 5 seconds.
    """
    if con.name == "postgres":
        run(con, f"ANALYZE {_quote(name)}")


def create_as(con: ibis.BaseBackend, name: str, expr: ibis.Table, *, temp: bool = True) -> ibis.Table:
    """(Re)create ``name`` from an expression and return it as a table (analyzed on PostgreSQL)."""
    drop(con, name)
    if con.name == "pyspark":
        # Spark has no temporary tables: a Parquet table in the current database, which the
        # callers drop when done
        run(con, f"CREATE TABLE {_quote(name, con)} USING parquet AS {con.compile(expr)}")
        return con.table(name)
    kind = "TEMP TABLE" if temp else "TABLE"
    run(con, f"CREATE {kind} {_quote(name)} AS {con.compile(expr)}")
    analyze(con, name)
    return con.table(name)


def create_from_arrow(con: ibis.BaseBackend, name: str, data: pa.Table, *, temp: bool = True) -> ibis.Table:
    """(Re)create ``name`` with the schema of ``data`` and insert its rows."""
    drop(con, name)
    spark = con.name == "pyspark"
    con.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema), temp=temp and not spark)
    if data.num_rows:
        if spark:  # Ibis' Spark insert goes through pandas and nulls nullable integer columns
            from ..store.engines import spark_insert_arrow

            spark_insert_arrow(con, name, data)
        else:
            con.insert(name, data)
            analyze(con, name)
    return con.table(name)
