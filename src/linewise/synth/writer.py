"""Streaming writers: one CSV or Parquet file per table, appended chunk by chunk."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded to strings (one schema for every chunk of a Parquet file)."""
    cols = [pc.cast(c, c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


class TableWriter:
    """Append Arrow tables to ``<out_dir>/<name>.<fmt>``; the header/schema comes from the first.

    CSV is written without quoting: no generated value contains a comma, quote or line break
    (pyarrow raises if one ever did, rather than writing a broken file).
    """

    def __init__(self, out_dir: Path, name: str, fmt: str, schema: pa.Schema | None = None) -> None:
        self.path = Path(out_dir) / f"{name}.{fmt}"
        self.fmt = fmt
        self.rows = 0
        self._writer = None
        self._schema = schema

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._open(table.schema)
        if table.num_rows == 0:
            return
        if self.fmt == "parquet":
            table = _plain(table).cast(self._schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self, schema: pa.Schema) -> None:
        if self.fmt == "csv":
            options = pcsv.WriteOptions(include_header=True, quoting_style="none")
            self._writer = pcsv.CSVWriter(str(self.path), schema, write_options=options)
        else:
            plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                               for f in schema])
            self._schema = plain
            self._writer = pq.ParquetWriter(str(self.path), plain, compression="zstd")

    def close(self, empty_schema: pa.Schema | None = None) -> Path:
        if self._writer is None and empty_schema is not None:
            self._open(empty_schema)
        if self._writer is not None:
            self._writer.close()
        return self.path
