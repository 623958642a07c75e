"""Where a store lives: DuckDB file, PostgreSQL server or Spark, behind one Ibis connection.

Every query linewise sends is an Ibis expression, so the same code runs on all three engines.
What differs per engine is small and lives here:

* **Opening**: a location string (``registry.duckdb``, ``duckdb://path``,
  ``postgresql://user:password@host:5432/db?schema=s``, ``spark://host:7077``,
  ``spark://local[2]``) or an existing ``SparkSession`` / Ibis backend.
* **Transactions**: DuckDB and PostgreSQL get ``BEGIN`` / ``COMMIT`` / ``ROLLBACK``. Spark has
  no transactions; :class:`SparkStore` makes a batch all-or-nothing *per table* by writing into
  staging tables and swapping them in at the end (``INSERT OVERWRITE``), see its docstring.
* **Bulk loading**: Ibis inserts Arrow data into PostgreSQL row by row (``executemany``);
  :class:`PostgresStore` streams it with ``COPY ... FROM STDIN`` (CSV) instead, which is two
  orders of magnitude faster.
* **Deleting all rows**: ``DELETE`` on DuckDB / PostgreSQL; Spark's file tables have no
  ``DELETE``, so ``TRUNCATE TABLE``.

Examples
--------
>>> Location.parse("postgresql://me:pw@db.example.org:5433/rwe?schema=cdm")
Location(engine=<Engine.POSTGRES: 'postgres'>, target='postgresql://me:pw@db.example.org:5433/rwe?schema=cdm')
>>> Location.parse("registry.duckdb").engine
<Engine.DUCKDB: 'duckdb'>
>>> Location.parse("spark://local[2]").spark_master
'local[2]'
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import LinewiseError
from .store import Store


class Engine(StrEnum):
    """The database engines a store can live in."""

    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    SPARK = "spark"


_SCHEMES = {"duckdb": Engine.DUCKDB, "postgresql": Engine.POSTGRES, "postgres": Engine.POSTGRES,
            "spark": Engine.SPARK}
_BACKEND_ENGINE = {"duckdb": Engine.DUCKDB, "postgres": Engine.POSTGRES, "pyspark": Engine.SPARK}


@dataclass(frozen=True)
class Location:
    """A parsed store location: which engine and the engine-specific target."""

    engine: Engine
    target: str

    @classmethod
    def parse(cls, location: str | Path) -> Location:
        loc = re.sub(r"^(duckdb|postgres|postgresql|spark):/(?!/)", r"\1://", str(location), flags=re.IGNORECASE)  # Path() collapses "//"
        if "://" not in loc:
            return cls(Engine.DUCKDB, loc)
        scheme = loc.split("://", 1)[0].lower()
        if scheme not in _SCHEMES:
            known = ", ".join(f"{s}://" for s in _SCHEMES)
            raise LinewiseError(f"store {loc!r}: unknown scheme {scheme!r} (use a DuckDB file path or {known})")
        engine = _SCHEMES[scheme]
        return cls(engine, loc.split("://", 1)[1] if engine is Engine.DUCKDB else loc)

    @property
    def spark_master(self) -> str:
        """``spark://local[2]`` -> ``local[2]``; ``spark://host:7077`` is itself the master URL."""
        rest = self.target.split("://", 1)[1]
        return rest if rest.startswith("local") else self.target

    def redacted(self) -> str:
        """The location without a password (for messages and reports)."""
        if self.engine is not Engine.POSTGRES:
            return self.target
        u = urlparse(self.target)
        if u.password is None:
            return self.target
        return self.target.replace(f":{u.password}@", ":***@", 1)


def engine_of(con: ibis.BaseBackend) -> Engine:
    """The engine of an Ibis backend (``duckdb``, ``postgres`` or ``pyspark``)."""
    try:
        return _BACKEND_ENGINE[con.name]
    except KeyError:
        raise LinewiseError(f"the Ibis {con.name!r} backend is not supported (use DuckDB, PostgreSQL or Spark)") from None


def connect_postgres(url: str) -> ibis.BaseBackend:
    """Connect to ``postgresql://user[:password]@host[:port]/database[?schema=name]``.

    Without a password in the URL, libpq's usual sources apply (``PGPASSWORD``, ``~/.pgpass``).
    """
    u = urlparse(url)
    query = parse_qs(u.query)
    database = u.path.lstrip("/") or None
    if not database:
        raise LinewiseError(f"{Location(Engine.POSTGRES, url).redacted()}: the URL names no database (.../dbname)")
    try:
        return ibis.postgres.connect(
            host=u.hostname or "localhost", port=u.port or 5432, user=unquote(u.username) if u.username else None,
            password=unquote(u.password) if u.password else None, database=database,
            schema=query.get("schema", [None])[0],
        )
    except ImportError:
        raise LinewiseError("PostgreSQL needs the postgres extra: pip install 'linewise[postgres]'") from None
    except Exception as exc:  # psycopg.OperationalError and friends: one line for the user
        where = Location(Engine.POSTGRES, url).redacted()
        raise LinewiseError(f"{where}: cannot connect ({str(exc).strip().splitlines()[0]})") from None


def spark_session(master: str = "local[2]", warehouse: str | Path | None = None, app_name: str = "linewise"):
    """A SparkSession tuned for linewise's queries (UTC, few shuffle partitions, no UI).

    ``getOrCreate`` semantics: an active session is reused as it is.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LinewiseError("Spark needs the spark extra: pip install 'linewise[spark]' (and a Java 17 runtime)") from None
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.session.timeZone", "UTC")
               # small shuffles dominate linewise's queries; 200 partitions would be 200 tasks each
               .config("spark.sql.shuffle.partitions", os.environ.get("LINEWISE_SPARK_PARTITIONS", "8"))
               .config("spark.ui.enabled", "false"))
    if warehouse is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(warehouse))
    return builder.getOrCreate()


def connect(location: Any) -> tuple[ibis.BaseBackend, Location]:
    """An Ibis backend for a location string, a ``SparkSession`` or an Ibis backend."""
    if isinstance(location, ibis.BaseBackend):
        engine = engine_of(location)
        return location, Location(engine, f"{engine.value}://(connection)")
    if type(location).__name__ == "SparkSession":
        return ibis.pyspark.connect(location), Location(Engine.SPARK, "spark://(session)")
    loc = Location.parse(location)
    if loc.engine is Engine.POSTGRES:
        return connect_postgres(loc.target), loc
    if loc.engine is Engine.SPARK:
        return ibis.pyspark.connect(spark_session(loc.spark_master)), loc
    raise LinewiseError("DuckDB stores are opened by Store.open")


def _close(cur) -> None:
    with contextlib.suppress(Exception):
        cur.close()


@dataclass
class ServerStore(Store):
    """A store on a database server: files beside the store (rejects) go to ``side_dir``."""

    side_dir: Path = field(default_factory=Path.cwd)
    engine: Engine = Engine.POSTGRES

    @property
    def path(self) -> Path:  # the importer writes rejects next to ``path``
        name = urlparse(self.location).path.strip("/") or self.engine.value
        return self.side_dir / (name.replace("/", "_") or "store")


@dataclass
class PostgresStore(ServerStore):
    """A store in a PostgreSQL database (``BEGIN``/``COMMIT`` transactions, ``COPY`` loads)."""

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        # psycopg runs in autocommit mode under Ibis; an explicit BEGIN makes Ibis' own
        # statements (which open `with con.transaction()`) nest as savepoints in ours.
        _close(self.con.raw_sql("BEGIN"))
        try:
            yield
        except BaseException:
            self.con.con.rollback()
            raise
        else:
            _close(self.con.raw_sql("COMMIT"))

    def insert(self, name: str, rows: pa.Table) -> None:
        if rows.num_rows:
            copy_arrow(self.con, name, rows)

    def delete_all(self, name: str) -> None:
        _close(self.con.raw_sql(f'DELETE FROM "{name}"'))

    def analyze(self, names) -> None:
        # Autovacuum analyzes a table only after its next naptime (a minute by default): a
        # study run straight after an import would be planned without statistics, and
        # PostgreSQL then joins aggregates by nested loops (``lines._sql.analyze``: minutes
        # instead of seconds at 100,000 patients).
        for name in dict.fromkeys(names):
            _close(self.con.raw_sql(f'ANALYZE "{name}"'))


def _pg_array_literal(values: pa.Array) -> pa.Array:
    """list<string> -> PostgreSQL array literals ``{"a","b"}`` (for CSV COPY)."""
    out = []
    for v in values.to_pylist():
        if v is None:
            out.append(None)
        else:
            items = ",".join("NULL" if x is None else '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"' for x in v)
            out.append("{" + items + "}")
    return pa.array(out, pa.string())


def copy_arrow(con: ibis.BaseBackend, name: str, rows: pa.Table, batch_rows: int = 500_000) -> None:
    """Append Arrow rows to PostgreSQL table ``name`` with ``COPY FROM STDIN`` (CSV).

    Arrow writes the CSV in C; strings are always quoted so that an empty string stays an empty
    string and an unquoted empty field is NULL.
    """
    cols = []
    for i, f in enumerate(rows.schema):
        col = rows.column(i)
        if pa.types.is_dictionary(f.type):
            col = col.cast(f.type.value_type)
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            col = pa.chunked_array([_pg_array_literal(c) for c in col.chunks], pa.string())
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "t", "f")
        cols.append(col)
    data = pa.table(cols, names=rows.column_names)
    names = ", ".join(f'"{c}"' for c in rows.column_names)
    sql = f'COPY "{name}" ({names}) FROM STDIN WITH (FORMAT csv)'
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    pg = con.con
    with pg.cursor() as cur, cur.copy(sql) as copy:
        for batch in data.to_batches(max_chunksize=batch_rows):
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, opts)
            copy.write(buf.getvalue())


@dataclass
class SparkStore(ServerStore):
    """A store in Spark's catalog (local mode in tests, a cluster in production).

    Spark has no multi-statement transactions. ``transaction()`` gives an import batch these
    guarantees instead: every write inside goes to a *staging table* (a copy of the table, or
    an empty one after ``delete_all``), reads inside see the staged state, and only when the
    block ends without an error is each staged table swapped in with one
    ``INSERT OVERWRITE TABLE t SELECT * FROM staging`` (atomic per table in Spark). An error
    inside drops the staging tables: nothing changed. A failure *during* the swap itself can
    leave some tables swapped and others not; the ``imports`` log is swapped last, so such a
    half-applied batch has no import log row and re-running the import repairs it.

    The store's tables live in the session's current database. With Spark's default
    in-memory catalog they last as long as the session (the Parquet files stay in the
    warehouse folder); a persistent store needs a metastore (Hive, Unity Catalog on Databricks).
    """

    engine: Engine = Engine.SPARK
    _staged: dict[str, str] | None = field(default=None, repr=False)

    def table(self, name: str) -> ibis.Table:
        base = super().table(name)
        if self._staged is not None:
            real = base.get_name()
            if real in self._staged:
                return self.con.table(self._staged[real])
        return base

    def _stage(self, name: str, *, empty: bool) -> str:
        assert self._staged is not None
        stage = self._staged.get(name)
        if stage is None:
            stage = f"_lw_stage_{secrets.token_hex(4)}_{name}"
            source = self.con.table(name)
            if empty:
                self.con.create_table(stage, schema=source.schema())
            else:
                self.con.create_table(stage, source)
            self._staged[name] = stage
        elif empty:
            self.con.raw_sql(f"TRUNCATE TABLE `{stage}`")
        return stage

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._staged is not None:
            raise LinewiseError("nested transactions are not supported")
        self._staged = {}
        try:
            yield
        except BaseException:
            staged, self._staged = self._staged, None
            for stage in staged.values():
                with contextlib.suppress(Exception):
                    self.con.raw_sql(f"DROP TABLE IF EXISTS `{stage}`")
            raise
        staged, self._staged = self._staged, None
        order = sorted(staged, key=lambda n: n == "imports")  # the import log last
        for name in order:
            self.con.raw_sql(f"INSERT OVERWRITE TABLE `{name}` SELECT * FROM `{staged[name]}`")
        for stage in staged.values():
            self.con.raw_sql(f"DROP TABLE IF EXISTS `{stage}`")

    def insert(self, name: str, rows: pa.Table) -> None:
        if not rows.num_rows:
            return
        target = self._stage(name, empty=False) if self._staged is not None else name
        spark_insert_arrow(self.con, target, rows)

    def delete_all(self, name: str) -> None:
        if self._staged is not None:
            self._stage(name, empty=True)
        else:
            self.con.raw_sql(f"TRUNCATE TABLE `{name}`")


def spark_insert_arrow(con: ibis.BaseBackend, name: str, rows: pa.Table) -> None:
    """Append Arrow rows to Spark table ``name`` (columns matched by name).

    Straight from Arrow: Ibis' generic insert goes through pandas, where an integer column
    with nulls becomes float NaN and Spark then stores null for every value of it.
    """
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in rows.columns]
    data = pa.table(cols, names=rows.column_names)
    session = con._session
    order = [f.name for f in session.table(name).schema.fields]
    session.createDataFrame(data).select(*order).write.insertInto(name)


def open_server_store(location: Any, *, create: bool = True, side_dir: str | Path | None = None) -> Store:
    """Open a store on PostgreSQL or Spark (``Store.open`` calls this for those locations)."""
    con, loc = connect(location)
    engine = engine_of(con)
    side = Path(side_dir) if side_dir is not None else Path.cwd()
    if engine is Engine.DUCKDB:
        store: Store = Store(con, loc.target)
    elif engine is Engine.POSTGRES:
        store = PostgresStore(con, loc.target, side_dir=side)
    else:
        store = SparkStore(con, loc.target, side_dir=side)
    if not create:
        missing = [n for n in ("patients", "imports") if n not in set(con.list_tables())]
        if missing:
            raise LinewiseError(f"{loc.redacted()}: no linewise store there (create one with `linewise import`)")
    store.ensure_schema()
    return store


__all__ = ["Engine", "Location", "PostgresStore", "ServerStore", "SparkStore", "connect", "connect_postgres",
           "copy_arrow", "engine_of", "open_server_store", "spark_insert_arrow", "spark_session"]
