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


def _quote(name: str) -> str:
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
    run(con, f"DROP TABLE IF EXISTS {_quote(name)}")


def create_as(con: ibis.BaseBackend, name: str, expr: ibis.Table, *, temp: bool = True) -> ibis.Table:
    """(Re)create ``name`` from an expression and return it as a table."""
    drop(con, name)
    kind = "TEMP TABLE" if temp else "TABLE"
    run(con, f"CREATE {kind} {_quote(name)} AS {con.compile(expr)}")
    return con.table(name)


def create_from_arrow(con: ibis.BaseBackend, name: str, data: pa.Table, *, temp: bool = True) -> ibis.Table:
    """(Re)create ``name`` with the schema of ``data`` and insert its rows."""
    drop(con, name)
    con.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema), temp=temp)
    if data.num_rows:
        con.insert(name, data)
    return con.table(name)
