"""Streaming writers: one CSV or Parquet file per table, appended chunk by chunk."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .messy_values import DATE_BASE, N_DAYS


@lru_cache(maxsize=1)
def _iso_days() -> pa.Array:
    """ISO strings of every day 1900-2030 (index = days since 1900-01-01)."""
    days = np.arange(N_DAYS) + DATE_BASE
    return pa.array(np.datetime_as_string(days.astype("datetime64[D]"), unit="D"), pa.string())


def _csv_dates(table: pa.Table) -> pa.Table:
    """Date columns as indices into a table of ISO strings: ~30% faster to write than date32."""
    cols = []
    for c in table.columns:
        if pa.types.is_date32(c.type):
            c = c.combine_chunks()
            days = c.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False) - np.int32(DATE_BASE)
            valid = c.is_valid().to_numpy(zero_copy_only=False)
            c = pa.DictionaryArray.from_arrays(pa.array(days.astype(np.int32), mask=~valid), _iso_days())
        cols.append(c)
    return pa.table(cols, names=table.column_names)


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
        else:
            table = _csv_dates(table)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def _open(self, schema: pa.Schema) -> None:
        if self.fmt == "csv":
            options = pcsv.WriteOptions(include_header=True, quoting_style="none")
            schema = pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), pa.string()) if pa.types.is_date32(f.type) else f.type)
                                for f in schema])
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
