"""Hand-made registries for the study-engine tests: tables as lists of dicts -> a store."""

from __future__ import annotations

import csv
from pathlib import Path

from linewise.io.importer import import_files
from linewise.store.store import Store


def write_tables(folder: Path, tables: dict[str, list[dict]]) -> Path:
    """Write registry tables as CSV files named after the tables (header = union of keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns = list(dict.fromkeys(k for r in rows for k in r))
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            for r in rows:
                w.writerow({k: "" if v is None else v for k, v in r.items()})
    return folder


def make_store(folder: Path, tables: dict[str, list[dict]]) -> Store:
    """A store holding exactly ``tables`` (every row must be valid: nothing may be rejected)."""
    write_tables(folder / "files", tables)
    store = Store.open(folder / "registry.duckdb")
    reports = import_files(store, [folder / "files"])
    bad = [(r.table, r.messages(5)) for r in reports if r.rows_rejected]
    assert not bad, f"test registry has rejected rows: {bad}"
    return store
