"""Readers: every source format becomes a :class:`RawTable` of text cells.

Keeping the cells as text (``None`` for empty) until normalisation means one set of parsers
serves CSV, Excel, SPSS and Parquet alike, and every problem can quote the value exactly as the
user wrote it. Row numbers are those a person sees: in CSV and Excel files the header is row 1
and the first data row is row 2; Parquet records are numbered the same way; SPSS cases are
numbered from 1 as in SPSS's Data View.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError


class SourceFormat(StrEnum):
    CSV = "csv"
    EXCEL = "xlsx"
    SPSS = "sav"
    PARQUET = "parquet"


_SUFFIXES = {
    ".csv": SourceFormat.CSV, ".txt": SourceFormat.CSV, ".tsv": SourceFormat.CSV,
    ".xlsx": SourceFormat.EXCEL, ".xlsm": SourceFormat.EXCEL,
    ".sav": SourceFormat.SPSS, ".zsav": SourceFormat.SPSS,
    ".parquet": SourceFormat.PARQUET, ".pq": SourceFormat.PARQUET,
}


@dataclass(frozen=True)
class ShapeProblem:
    """A record that could not be split into the header's fields."""

    row: int
    message: str
    raw: str


@dataclass(frozen=True)
class RawTable:
    """Cells of one source table as text, with the row numbers a person sees.

    ``frame`` has one object column per source column (``str`` or ``None``); ``rows`` gives each
    frame row's number in the source; ``shape_problems`` are records that could not be read
    into columns (they count as rows read, and are rejected). ``notes`` are file-level remarks
    (encoding fallback, sheet chosen).
    """

    source: str
    frame: pd.DataFrame
    rows: np.ndarray
    shape_problems: tuple[ShapeProblem, ...] = ()
    notes: tuple[str, ...] = ()
    row_label: str = "row"

    @property
    def n_read(self) -> int:
        return len(self.frame) + len(self.shape_problems)


def detect_format(path: Path) -> SourceFormat:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_SUFFIXES))
        raise InputFileError(f"{path}: unknown file type {path.suffix!r}; linewise reads {known}")
    return fmt


def read_source(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    table_hint: tuple[str, ...] = (),
) -> RawTable:
    """Read any supported file into a :class:`RawTable` of text cells.

    Parameters
    ----------
    path : path-like
        A ``.csv``/``.tsv``/``.txt``, ``.xlsx``, ``.sav`` or ``.parquet`` file.
    sheet : str, optional
        Excel sheet name; needed when a workbook has several sheets and none is named
        after the table (``table_hint``).
    delimiter, encoding : str, optional
        CSV only; detected when not given (UTF-8 with or without BOM, else Latin-1).
    table_hint : tuple of str
        Names the target table goes by, used to pick an Excel sheet.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; give a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty")
    fmt = detect_format(path)
    if fmt is SourceFormat.CSV:
        return read_csv(path, delimiter=delimiter, encoding=encoding)
    if fmt is SourceFormat.EXCEL:
        return read_excel(path, sheet=sheet, table_hint=table_hint)
    if fmt is SourceFormat.SPSS:
        return read_spss(path)
    return read_parquet(path)


# --- CSV -----------------------------------------------------------------------------------

def _decode(data: bytes, encoding: str | None, source: str) -> tuple[str, tuple[str, ...]]:
    """Decode bytes: a given encoding, else UTF-8 (BOM stripped), else line-wise Latin-1 fallback.

    Files assembled from several exports can mix UTF-8 and Latin-1 lines; decoding each line
    that fails as UTF-8 with Latin-1 keeps both readable instead of garbling the whole file.
    """
    if encoding:
        try:
            return data.decode(encoding), ()
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputFileError(f"{source}: cannot decode as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    out: list[str] = []
    fallback: list[int] = []
    for i, line in enumerate(lines, start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("latin-1"))
            fallback.append(i)
    if len(fallback) == len([ln for ln in lines if ln]):
        note = "encoding: not UTF-8; read as Latin-1"
    else:
        shown = ", ".join(map(str, fallback[:5])) + (" ..." if len(fallback) > 5 else "")
        note = f"encoding: mixed; {len(fallback)} line(s) read as Latin-1 (lines {shown})"
    return "\n".join(out), (note,)


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] > 0 else ","


def read_csv(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> RawTable:
    """Read a delimited text file; records whose field count differs from the header are kept
    aside as :class:`ShapeProblem` (e.g. a truncated last line), never silently dropped."""
    source = str(path)
    data = path.read_bytes()
    text, notes = _decode(data, encoding, source)
    if not text.strip():
        raise InputFileError(f"{source}: the file is empty")
    delim = delimiter or _sniff_delimiter(text)
    if not notes and (encoding is None or encoding.lower().replace("-", "") in {"utf8", "utf8sig"}):
        fast = _read_csv_arrow(data.removeprefix(b"\xef\xbb\xbf"), delim, source)
        if fast is not None:
            return fast
    return _read_csv_exact(text, delim, source, notes)


def _read_csv_arrow(data: bytes, delim: str, source: str) -> RawTable | None:
    """Fast path: pyarrow's multi-threaded CSV reader, all columns as text.

    pyarrow does not report the line numbers of records it cannot split, nor skip blank lines
    with their numbers, so this path is taken only when every line is one record: then the
    n-th record is on line n + 1 exactly. Anything else returns ``None`` and the exact
    (slower) reader runs.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    first = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    header = [h.strip() for h in next(csv.reader([first], delimiter=delim), [])]
    if not header or len(set(header)) != len(header) or not all(header):
        return None
    invalid: list[int] = []
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=lambda row: invalid.append(1) or "skip"),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if invalid or n_lines != table.num_rows + 1:
        return None
    data_cols = {}
    for name in header:
        col = pc.utf8_trim_whitespace(table.column(name))
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        data_cols[name] = pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
    frame = pd.DataFrame(data_cols)
    if len(header) == 1 and any(d in header[0] for d in ",;\t|"):
        return None
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    filled = frame.notna().any(axis=1).to_numpy()
    if not filled.all():  # a line of only delimiters is a blank line, as in the exact reader
        frame, rows = frame[filled].reset_index(drop=True), rows[filled]
    return RawTable(source, frame, rows)


def _read_csv_exact(text: str, delim: str, source: str, notes: tuple[str, ...]) -> RawTable:
    """Exact reader (Python ``csv``): true line numbers with blank lines, multi-line cells and
    records of the wrong width, which are kept as :class:`ShapeProblem`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except StopIteration:
        raise InputFileError(f"{source}: no header row") from None
    except csv.Error as exc:
        raise InputFileError(f"{source}: cannot read the header ({exc})") from None
    header = [h.strip() for h in header]
    width = len(header)
    header_line = reader.line_num
    records: list[list[str]] = []
    rows: list[int] = []
    problems: list[ShapeProblem] = []
    prev_line = header_line
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(ShapeProblem(prev_line + 1, f"unreadable record ({exc})", ""))
            prev_line = reader.line_num
            continue
        start_line = prev_line + 1
        prev_line = reader.line_num
        if not record or not any(cell.strip() for cell in record):
            continue  # blank line: not a record
        if len(record) != width:
            problems.append(ShapeProblem(
                start_line,
                f"has {len(record)} field(s), the header has {width}"
                + (" (wrong delimiter?)" if len(record) == 1 and width > 1 else ""),
                delim.join(record),
            ))
            continue
        records.append(record)
        rows.append(start_line)
    if width == 1 and header[0] and any(d in header[0] for d in ",;\t|"):
        raise InputFileError(
            f"{source}: the header is one column {header[0]!r}; the delimiter is probably not "
            f"{delim!r} (give --delimiter)"
        )
    frame = _frame_from_records(records, header, source)
    return RawTable(source, frame, np.asarray(rows, dtype=np.int64), tuple(problems), notes)


def _frame_from_records(records: list[list[str]], header: list[str], source: str) -> pd.DataFrame:
    _check_header(header, source)
    if not records:
        return pd.DataFrame({h: pd.Series([], dtype=object) for h in header})
    columns = list(zip(*records, strict=True))
    data = {}
    for name, values in zip(header, columns, strict=True):
        arr = np.array(values, dtype=object)
        stripped = pd.Series(arr, dtype=object).str.strip()
        data[name] = stripped.where(stripped != "", None)
    return pd.DataFrame(data)


def _check_header(header: list[str], source: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name:
            raise InputFileError(f"{source}: header column {i} has no name")
        if name in seen:
            raise InputFileError(f"{source}: header names column {name!r} twice")
        seen.add(name)


# --- typed sources: cells to text --------------------------------------------------------

def _cell_text(value) -> str | None:
    """Text of a typed cell as a person would have typed it (dates ISO, 3.0 -> '3')."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return None
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (np.integer, np.floating)):
        return _cell_text(value.item())
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _frame_to_text(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        str(col): pd.Series([_cell_text(v) for v in frame[col].tolist()], dtype=object)
        for col in frame.columns
    })


def read_excel(path: Path, *, sheet: str | None = None, table_hint: tuple[str, ...] = ()) -> RawTable:
    """Read one sheet of an ``.xlsx`` workbook (header in its first non-empty row)."""
    import openpyxl

    source = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputFileError(f"{source}: not a readable .xlsx workbook ({exc})") from None
    try:
        names = book.sheetnames
        chosen = _choose_sheet(names, sheet, table_hint, source)
        ws = book[chosen]
        header: list[str] | None = None
        header_row = 0
        records: list[list] = []
        rows: list[int] = []
        problems: list[ShapeProblem] = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            if header is None:
                if any(v is not None and str(v).strip() for v in cells):
                    header = [("" if v is None else str(v).strip()) for v in cells]
                    while header and not header[-1]:
                        header.pop()
                    header_row = r
                continue
            if not any(v is not None and str(v).strip() for v in cells):
                continue
            extra = [v for v in cells[len(header):] if v is not None and str(v).strip()]
            if extra:
                problems.append(ShapeProblem(r, f"has values beyond the {len(header)} named columns", ""))
                continue
            cells = (cells + [None] * len(header))[: len(header)]
            records.append(cells)
            rows.append(r)
    finally:
        book.close()
    if header is None:
        raise InputFileError(f"{source}: sheet {chosen!r} is empty")
    _check_header(header, f"{source} [{chosen}]")
    raw = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame(columns=header)
    note = (f"sheet {chosen!r} (header in row {header_row})",) if len(names) > 1 else ()
    return RawTable(f"{source} [{chosen}]", _frame_to_text(raw), np.asarray(rows, dtype=np.int64), tuple(problems), note)


def _choose_sheet(names: list[str], sheet: str | None, table_hint: tuple[str, ...], source: str) -> str:
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(f"{source}: no sheet {sheet!r}; the sheets are {', '.join(names)}")
        return sheet
    if len(names) == 1:
        return names[0]
    hints = {h.lower() for h in table_hint}
    for name in names:
        if name.strip().lower() in hints:
            return name
    raise InputFileError(
        f"{source}: the workbook has {len(names)} sheets ({', '.join(names)}); choose one with --sheet"
    )


def read_spss(path: Path) -> RawTable:
    """Read an SPSS ``.sav`` file with its value labels applied (codes shown as their labels)."""
    import pyreadstat

    source = str(path)
    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises ReadstatError and others
        raise InputFileError(f"{source}: not a readable SPSS file ({exc})") from None
    text = _frame_to_text(frame)
    rows = np.arange(1, len(text) + 1, dtype=np.int64)
    return RawTable(source, text, rows, row_label="case")


def read_parquet(path: Path) -> RawTable:
    """Read a Parquet file; typed columns are turned into text like every other source."""
    import pyarrow.parquet as pq

    source = str(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError variants
        raise InputFileError(f"{source}: not a readable Parquet file ({exc})") from None
    data = {}
    for name in table.column_names:
        col = table.column(name)
        values = col.to_pylist()
        data[name] = pd.Series([_cell_text(v) if not isinstance(v, list) else " + ".join(map(str, v))
                                for v in values], dtype=object)
    frame = pd.DataFrame(data)
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    return RawTable(source, frame, rows)
