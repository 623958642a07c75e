"""Import: read, map, normalise, validate and store source files — losing nothing.

For every file, rows read = rows stored + rows rejected. Rejected rows are kept in the store
(``rejected_rows``, with every problem in ``import_issues``) and written to a CSV beside the
store. A batch of files is one transaction: if anything fails midway the store is as before.
Re-importing a file with the same content and options changes nothing (content hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..errors import InputFileError, LinewiseError
from ..model.registry import TABLES, get_table
from ..model.types import Table
from ..store.store import Store, arrow_schema
from .issues import concat_issues, format_issue, issue_frame
from .mapping import MappingSpec, guess_table, load_mapping, match_columns
from .normalize import ImportOptions, normalize_table
from .readers import _SUFFIXES, RawTable, read_source
from .validate import PatientContext, validate_table


@dataclass(frozen=True)
class ImportReport:
    """What happened to one source file."""

    table: str
    source: str
    rows_read: int
    rows_stored: int
    rows_rejected: int
    warnings: int
    issues: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    status: str = "stored"
    content_hash: str = ""
    row_label: str = "row"
    rejects_file: Path | None = None

    def __post_init__(self) -> None:
        # The promise of the importer; a failure here is a bug, never a user mistake.
        assert self.rows_read == self.rows_stored + self.rows_rejected, self

    def messages(self, limit: int | None = None) -> list[str]:
        """Problems as one line each, errors first, in row order."""
        iss = self.issues.sort_values(["severity", "row", "column"], na_position="first", kind="stable")
        if limit is not None:
            iss = iss.head(limit)
        return [
            format_issue(self.source, self.row_label, r.row, r.column, r.value, r.rule, r.severity, r.message)
            for r in iss.itertuples()
        ]


@dataclass(frozen=True)
class Prepared:
    """A source file read, normalised and validated, not yet stored."""

    table: Table
    raw: RawTable
    typed: pd.DataFrame
    issues: pd.DataFrame  # with 'row' (source row number) instead of frame positions
    rejected: np.ndarray  # bool per typed row
    shape_rejected: int
    notes: tuple[str, ...]
    content_hash: str


def expand_sources(paths: Sequence[str | Path]) -> list[Path]:
    """Files to import: folders expand to their files named after a registry table.

    The result is in the model's table order (patients first) so that rules on child tables
    can check patient ids and dates against the patients imported in the same batch.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.suffix.lower() in _SUFFIXES and _table_of_name(child) is not None:
                    files.append(child)
        else:
            files.append(p)
    order = {t.name: i for i, t in enumerate(TABLES)}
    return sorted(files, key=lambda f: order.get(_table_of_name(f) or "", len(order)))


def _table_of_name(path: Path) -> str | None:
    try:
        return get_table(path.stem).name
    except KeyError:
        return None


def _content_hash(path: Path, table: Table, options: ImportOptions, mapping: MappingSpec | None, strict: bool) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    settings = {
        "table": table.name, "date_format": options.date_format, "partial": options.partial_dates.value,
        "codes": options.code_map, "mapping": mapping.model_dump() if mapping else None, "strict": strict,
    }
    h.update(json.dumps(settings, sort_keys=True).encode())
    return h.hexdigest()


def prepare(
    path: str | Path,
    *,
    table: str | None = None,
    mapping: MappingSpec | None = None,
    options: ImportOptions | None = None,
    context: PatientContext | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> Prepared:
    """Read, map, normalise and validate one file (nothing is stored)."""
    path = Path(path)
    options = options or ImportOptions()
    hint_table = get_table(table) if table else None
    hints = (hint_table.name, *hint_table.aliases) if hint_table else tuple(n for t in TABLES for n in (t.name, *t.aliases))
    raw = read_source(path, sheet=sheet, delimiter=delimiter, encoding=encoding, table_hint=hints)
    header = list(raw.frame.columns)
    tbl = hint_table or guess_table(path, header, mapping)
    match = match_columns(tbl, header, mapping)
    if match.missing_required:
        cols = ", ".join(repr(h) for h in header) or "none"
        raise InputFileError(
            f"{raw.source}: no column for the required {tbl.name} column(s) "
            f"{', '.join(match.missing_required)} (the file's columns are {cols}); name them or give a mapping file"
        )
    if mapping and mapping.codes:
        options = ImportOptions(options.date_format or mapping.date_format, options.partial_dates,
                                {**mapping.codes, **options.code_map}, options.today)
    elif mapping and mapping.date_format and not options.date_format:
        options = ImportOptions(mapping.date_format, options.partial_dates, options.code_map, options.today)
    frame = raw.frame[list(match.renames)].rename(columns=match.renames).reset_index(drop=True)
    typed, issues, notes = normalize_table(tbl, frame, options)
    typed = typed.reset_index(drop=True)
    rule_issues = validate_table(tbl, typed, context)
    issues = concat_issues([issues, rule_issues])
    # Rows already failing a column rule are not checked again by cross-row rules' verdicts:
    # both are reported; any error rejects the row.
    rejected = np.zeros(len(typed), dtype=bool)
    errors = issues[issues["severity"] == "error"]
    rejected[errors["pos"].to_numpy(dtype=np.int64)] = True
    shape = [issue_frame([-1], None, p.raw or None, "row_shape", p.message).assign(row=p.row) for p in raw.shape_problems]
    issues = issues.assign(row=raw.rows[issues["pos"].to_numpy(dtype=np.int64)])
    issues = pd.concat([issues, *shape], ignore_index=True).drop(columns="pos") if shape else issues.drop(columns="pos")
    if strict and (rejected.any() or raw.shape_problems):
        rejected[:] = True
        notes = [*notes, "strict: the file had errors, so every row was rejected"]
    if match.ignored:
        notes = [*notes, f"columns not in the model, not imported: {', '.join(match.ignored)}"]
    if context is None and tbl.name != "patients":
        notes = [*notes, "no patients in the store or this import: patient ids and dates were not checked against patients"]
    notes = [*raw.notes, *notes]
    return Prepared(tbl, raw, typed, issues, rejected, len(raw.shape_problems), tuple(notes),
                    _content_hash(path, tbl, options, mapping, strict))


def _arrow(table: Table, typed: pd.DataFrame, import_id: int, rows: np.ndarray) -> pa.Table:
    schema = arrow_schema(table)
    arrays = []
    for field_ in schema:
        name = field_.name
        if name == "_import_id":
            arrays.append(pa.array(np.full(len(typed), import_id, dtype=np.int64)))
        elif name == "_source_row":
            arrays.append(pa.array(rows.astype(np.int64)))
        elif pa.types.is_date32(field_.type):
            arrays.append(pa.array(typed[name].to_numpy(dtype="datetime64[D]"), type=pa.date32(), from_pandas=True))
        else:
            arrays.append(pa.array(typed[name], type=field_.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _rejected_frame(prep: Prepared) -> pd.DataFrame:
    """One row per rejected source row: its row number, the rules broken and the raw cells."""
    raw = prep.raw
    pos = np.flatnonzero(prep.rejected)
    errs = prep.issues[prep.issues["severity"] == "error"]
    rules = errs.groupby("row")["rule"].agg(lambda s: ";".join(dict.fromkeys(s)))
    messages = errs.groupby("row").apply(
        lambda g: " | ".join(f"{c or ''}: {m}" for c, m in zip(g["column"], g["message"], strict=True)),
        include_groups=False,
    ) if len(errs) else pd.Series(dtype=object)
    rows = raw.rows[pos]
    cells = raw.frame.iloc[pos].reset_index(drop=True)
    out = pd.DataFrame({"row": rows, "rules": rules.reindex(rows).fillna("strict").to_numpy(),
                        "messages": messages.reindex(rows).fillna("rejected with the whole file (--strict)").to_numpy()})
    out = pd.concat([out, cells], axis=1)
    if raw.shape_problems:
        shape = pd.DataFrame({"row": [p.row for p in raw.shape_problems], "rules": "row_shape",
                              "messages": [p.message for p in raw.shape_problems], "raw_line": [p.raw for p in raw.shape_problems]})
        out = pd.concat([out, shape], ignore_index=True)
    out["row"] = out["row"].astype("int64")
    return out.sort_values("row", kind="stable").reset_index(drop=True)


def _context_from_store(store: Store) -> PatientContext | None:
    t = store.table("patients")
    if int(t.count().execute()) == 0:
        return None
    cols = ["patient_id", "metastatic_diagnosis_date", "metastatic_diagnosis_date_precision", "death_date", "death_date_precision"]
    frame = t.select(cols).execute()
    for c in ("metastatic_diagnosis_date", "death_date"):
        frame[c] = pd.to_datetime(frame[c])
    return PatientContext(frame)


def _report(prep: Prepared, status: str, stored: int, rejects_file: Path | None = None) -> ImportReport:
    rejected = int(prep.rejected.sum()) + prep.shape_rejected
    warnings = int((prep.issues["severity"] == "warning").sum())
    return ImportReport(prep.table.name, prep.raw.source, prep.raw.n_read, stored, rejected, warnings,
                        prep.issues, prep.notes, status, prep.content_hash, prep.raw.row_label, rejects_file)


def import_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    table: str | None = None,
    mapping_path: str | Path | None = None,
    options: ImportOptions | None = None,
    append: bool = False,
    strict: bool = False,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[ImportReport]:
    """Import files into ``store`` in one transaction; returns one report per file.

    By default a file replaces what its table held (a registry export is a full snapshot);
    ``append=True`` adds to it. Files whose content and options were the latest import of
    their table are skipped with status ``unchanged``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "patients.csv").write_text("id,dob,sex\\nP1,1960,F\\nP2,1961-13-01,M\\n")
    >>> [rep] = import_files(Store.open(d / "reg.duckdb"), [d / "patients.csv"])
    >>> rep.rows_read, rep.rows_stored, rep.rows_rejected
    (2, 1, 1)
    """
    options = options or ImportOptions()
    mapping = load_mapping(mapping_path) if mapping_path else None
    files = expand_sources(paths)
    if not files:
        raise InputFileError("no files to import (a folder must hold files named after registry tables, e.g. patients.csv)")
    reports: list[ImportReport] = []
    written: list[tuple[Path, pd.DataFrame]] = []
    with store.transaction():
        import_id = store.next_import_id()
        for path in files:
            if progress:
                progress(str(path))
            context = _context_from_store(store)
            prep = prepare(path, table=table, mapping=mapping, options=options, context=context,
                           sheet=sheet, delimiter=delimiter, encoding=encoding, strict=strict)
            name = prep.table.name
            latest = store.latest_import(name)
            if latest is not None and latest["content_hash"] == prep.content_hash:
                stored = int(latest["rows_stored"])
                rep = ImportReport(name, prep.raw.source, int(latest["rows_read"]), stored, int(latest["rows_rejected"]),
                                   int(latest["warnings"]), prep.issues, ("same content as the latest import: nothing changed",),
                                   "unchanged", prep.content_hash, prep.raw.row_label)
                reports.append(rep)
                continue
            keep = ~prep.rejected
            if not append:
                store.delete_all(name)
            store.insert(name, _arrow(prep.table, prep.typed[keep].reset_index(drop=True), import_id, prep.raw.rows[keep]))
            rejected = _rejected_frame(prep)
            store.insert("rejected_rows", pa.Table.from_pandas(pd.DataFrame({
                "import_id": np.full(len(rejected), import_id, dtype=np.int64), "table_name": name,
                "source": prep.raw.source, "row": rejected["row"].astype("int64"), "rules": rejected["rules"],
                "raw": [json.dumps({k: v for k, v in r.items() if isinstance(v, str)}, ensure_ascii=False)
                        for r in rejected.drop(columns=["row", "rules", "messages"]).to_dict("records")],
            }), schema=store.table("rejected_rows").schema().to_pyarrow(), preserve_index=False))
            iss = prep.issues
            store.insert("import_issues", pa.Table.from_pandas(pd.DataFrame({
                "import_id": np.full(len(iss), import_id, dtype=np.int64), "table_name": name, "source": prep.raw.source,
                "row": iss["row"].astype("int64"), "column_name": iss["column"], "value": iss["value"].astype(object).where(iss["value"].notna(), None).map(lambda v: v if v is None else str(v)),
                "rule": iss["rule"], "severity": iss["severity"], "message": iss["message"],
            }), schema=store.table("import_issues").schema().to_pyarrow(), preserve_index=False))
            rejects_file = _rejects_path(store, name) if len(rejected) else None
            rep = _report(prep, "stored", int(keep.sum()), rejects_file)
            store.insert("imports", pa.Table.from_pylist([{
                "import_id": import_id, "table_name": name, "source": prep.raw.source, "content_hash": prep.content_hash,
                "mode": "append" if append else "replace", "rows_read": rep.rows_read, "rows_stored": rep.rows_stored,
                "rows_rejected": rep.rows_rejected, "warnings": rep.warnings,
                "imported_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "linewise_version": __version__,
                "options": json.dumps({"strict": strict, "append": append, "partial_dates": options.partial_dates.value,
                                       "date_format": options.date_format}),
            }], schema=store.table("imports").schema().to_pyarrow()))
            if rejects_file is not None:
                written.append((rejects_file, rejected))
            reports.append(rep)
            import_id += 1
    store.analyze(r.table for r in reports if r.status == "stored")
    for target, frame in written:  # after the commit: no rejects file for a rolled-back import
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(target, index=False)
    return reports


def _rejects_path(store: Store, table_name: str) -> Path:
    return store.path.parent / f"{store.path.stem}_rejects" / f"{table_name}.csv"


def validate_files(
    paths: Sequence[str | Path],
    *,
    store: Store | None = None,
    table: str | None = None,
    mapping_path: str | Path | None = None,
    options: ImportOptions | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> list[ImportReport]:
    """Check files as an import would, storing nothing.

    Patients found valid in the same batch (or in ``store``) are used for the rules on the
    other tables.
    """
    mapping = load_mapping(mapping_path) if mapping_path else None
    files = expand_sources(paths)
    if not files:
        raise InputFileError("no files to validate")
    context = _context_from_store(store) if store is not None else None
    reports = []
    for path in files:
        prep = prepare(path, table=table, mapping=mapping, options=options, context=context,
                       sheet=sheet, delimiter=delimiter, encoding=encoding)
        if prep.table.name == "patients":
            ok = prep.typed[~prep.rejected]
            cols = ["patient_id", "metastatic_diagnosis_date", "metastatic_diagnosis_date_precision", "death_date", "death_date_precision"]
            frames = [ok[cols]] + ([context.frame[cols]] if context is not None else [])
            context = PatientContext(pd.concat(frames, ignore_index=True))
        reports.append(_report(prep, "validated", int((~prep.rejected).sum())))
    return reports


__all__ = ["ImportReport", "LinewiseError", "expand_sources", "import_files", "prepare", "validate_files"]
