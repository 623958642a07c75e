"""The registry store: model tables plus import bookkeeping, behind one Ibis connection.

The embedded default is one DuckDB file. Everything goes through Ibis expressions so that the
same code serves PostgreSQL and Spark; the few statements Ibis has no expression for
(transactions, deletes) are plain standard SQL issued through ``raw_sql``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from ..errors import LinewiseError
from ..model.registry import TABLES, get_table
from ..model.types import Kind, Table

_KIND_TYPES: dict[Kind, dt.DataType] = {
    Kind.STRING: dt.string, Kind.CODE: dt.string, Kind.DRUG: dt.string, Kind.RECEPTOR: dt.string,
    Kind.INTEGER: dt.int32, Kind.NUMBER: dt.float64, Kind.BOOLEAN: dt.boolean, Kind.DATE: dt.date,
    Kind.DRUG_LIST: dt.Array(dt.string),
}

#: Bookkeeping columns on every model table: which import stored the row, from which source row.
META_COLUMNS = {"_import_id": dt.int64, "_source_row": dt.int64}

IMPORTS_SCHEMA = ibis.schema({
    "import_id": "int64", "table_name": "string", "source": "string", "content_hash": "string",
    "mode": "string", "rows_read": "int64", "rows_stored": "int64", "rows_rejected": "int64",
    "warnings": "int64", "imported_at": "timestamp", "linewise_version": "string", "options": "string",
})
ISSUES_SCHEMA = ibis.schema({
    "import_id": "int64", "table_name": "string", "source": "string", "row": "int64",
    "column_name": "string", "value": "string", "rule": "string", "severity": "string", "message": "string",
})
REJECTED_SCHEMA = ibis.schema({
    "import_id": "int64", "table_name": "string", "source": "string", "row": "int64",
    "rules": "string", "raw": "string",
})
BOOKKEEPING = {"imports": IMPORTS_SCHEMA, "import_issues": ISSUES_SCHEMA, "rejected_rows": REJECTED_SCHEMA}


def table_schema(table: Table) -> ibis.Schema:
    """The store schema of a model table: its columns, a precision column per date, bookkeeping."""
    fields: dict[str, dt.DataType] = {}
    for col in table.columns:
        fields[col.name] = _KIND_TYPES[col.kind]
        if col.is_date:
            fields[f"{col.name}_precision"] = dt.string
    fields.update(META_COLUMNS)
    return ibis.schema(fields)


def arrow_schema(table: Table) -> pa.Schema:
    return table_schema(table).to_pyarrow()


#: A server location; ``Path("postgresql://h/db")`` collapses ``//`` to ``/``, so one slash is
#: accepted too (CLI options typed as Path pass URLs that way).
_SERVER_URL = re.compile(r"^(postgres|postgresql|spark)://?", re.IGNORECASE)


@dataclass
class Store:
    """An opened registry store.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store.open(pathlib.Path(tempfile.mkdtemp()) / "registry.duckdb")
    >>> store.count("patients")
    0
    """

    con: ibis.BaseBackend
    location: str

    @classmethod
    def open(cls, location, *, create: bool = True) -> Store:
        """Open (and by default create) a store: a DuckDB file path or ``duckdb://path``,
        ``postgresql://user@host:port/db``, ``spark://...`` or a SparkSession (see ``engines``)."""
        if not isinstance(location, str | Path) or _SERVER_URL.match(str(location)):
            from .engines import open_server_store

            return open_server_store(location, create=create)
        loc = str(location)
        path = Path(loc.removeprefix("duckdb://"))
        if not create and not path.exists():
            raise LinewiseError(f"{path}: no such store (create one with `linewise import`)")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = ibis.duckdb.connect(str(path))
        except Exception as exc:  # duckdb raises IOException and others for a bad file
            raise LinewiseError(f"{path}: cannot open as a DuckDB store ({exc})") from None
        store = cls(con, str(path))
        store.ensure_schema()
        return store

    @property
    def path(self) -> Path:
        return Path(self.location)

    def ensure_schema(self) -> None:
        existing = set(self.con.list_tables())
        for table in TABLES:
            if table.name not in existing:
                self.con.create_table(table.name, schema=table_schema(table))
        for name, schema in BOOKKEEPING.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)

    def table(self, name: str) -> ibis.Table:
        """An Ibis expression over a model or bookkeeping table."""
        if name in BOOKKEEPING:
            return self.con.table(name)
        return self.con.table(get_table(name).name)

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: an exception inside leaves the store as it was."""
        self.con.raw_sql("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.raw_sql("ROLLBACK")
            raise
        else:
            self.con.raw_sql("COMMIT")

    def insert(self, name: str, rows: pa.Table) -> None:
        if rows.num_rows:
            self.con.insert(name, rows)

    def analyze(self, names) -> None:
        """Refresh the planner statistics of tables just written. DuckDB and Spark keep theirs
        as they write: nothing to do (PostgreSQL: :class:`~.engines.PostgresStore`)."""

    def delete_all(self, name: str) -> None:
        self.con.raw_sql(f'DELETE FROM "{name}"')

    def next_import_id(self) -> int:
        value = self.table("imports").import_id.max().execute()
        return 1 if value is None or value != value else int(value) + 1

    def latest_import(self, table_name: str):
        """The newest import log row of ``table_name`` as a dict, or ``None``."""
        t = self.table("imports")
        rows = t.filter(t.table_name == table_name).order_by(ibis.desc("import_id")).limit(1).execute()
        return None if rows.empty else rows.iloc[0].to_dict()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.disconnect()
