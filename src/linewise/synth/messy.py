"""Messy mode: valid real-world mess everywhere, plus a known set of planted invalid rows.

Each planted invalid row breaks exactly one rule, with the id the importer reports
(:mod:`linewise.model.registry`); nothing else is invalid. Rows of a patient whose patients
row is rejected are rejected by the importer as ``unknown_patient``: they are listed too, with
note ``cascade``. Duplicates and rows of unknown patients are appended at the end of their
file. Every decision is a hash of (seed, patient, table, row of the patient), so the files do
not depend on the chunking.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..model.registry import TABLES, TABLES_BY_NAME
from ._random import Random, S
from .messy_tables import eligibility, mess_table, plant
from .messy_values import (
    DATE_BASE,
    DOTTED,
    EXCEL,
    ISO,
    MISSING_SPELLINGS,
    MONTH,
    N_DAYS,
    SLASH,
    YEAR,
    Col,
    date_strings,
    spelled,
)

RATE = 0.01  # share of rows planted invalid in every table
TABLE_NAMES = tuple(t.name for t in TABLES)
TABLE_ID = {name: i for i, name in enumerate(TABLE_NAMES)}
#: Rules planted per table, with weights (appended copies: duplicate_key, unknown_patient).
PLANTS = {
    "patients": {"type": 3, "code": 2, "range": 2, "required": 1, "duplicate_key": 1, "contact_after_death": 1},
    "metastatic_sites": {"type": 2, "code": 2, "required": 1, "event_after_death": 1, "duplicate_key": 1, "unknown_patient": 1},
    "therapy_lines": {"type": 2, "code": 1, "end_before_start": 2, "progression_before_start": 2, "line_before_metastatic": 1,
                      "line_after_death": 1, "drug_unknown": 2, "required": 1, "duplicate_key": 1, "unknown_patient": 1},
    "response_assessments": {"type": 2, "code": 2, "range": 1, "required": 1, "event_after_death": 1, "duplicate_key": 1,
                             "unknown_patient": 1},
    "performance_status": {"type": 2, "range": 2, "required": 1, "event_after_death": 1, "duplicate_key": 1, "unknown_patient": 1},
    "drug_exposures": {"type": 2, "code": 1, "end_before_start": 2, "required": 1, "event_after_death": 1, "duplicate_key": 1,
                       "unknown_patient": 1},
}
_BASE_DATES: pa.Array | None = None


def _base_dates() -> pa.Array:
    global _BASE_DATES
    if _BASE_DATES is None:
        _BASE_DATES = pa.array(date_strings(), pa.string())
    return _BASE_DATES


class DateCol(Col):
    """A date column indexing the shared table of date strings, plus per-chunk extras."""

    def __init__(self, days: np.ndarray, valid: np.ndarray, style: np.ndarray) -> None:
        idx = style.astype(np.int64) * N_DAYS + (days - DATE_BASE)
        super().__init__(np.where(valid, idx + 0, -1), [])
        self.nbase = len(date_strings())
        self.idx = np.where(valid, self.idx, -1)

    def set(self, rows, values) -> None:
        for r, v in zip(np.asarray(rows).tolist(), list(values), strict=True):
            if v is None or v == "":
                self.idx[r] = -1
            else:
                self.dictionary.append(v)
                self.idx[r] = self.nbase + len(self.dictionary) - 1

    def get(self, rows) -> list:
        base = date_strings()
        out = []
        for i in self.idx[np.asarray(rows, dtype=np.int64)].tolist():
            out.append(None if i < 0 else (base[i] if i < self.nbase else self.dictionary[i - self.nbase]))
        return out

    def to_arrow(self) -> pa.Array:
        dictionary = pa.concat_arrays([_base_dates(), pa.array(self.dictionary, pa.string())])
        return pa.DictionaryArray.from_arrays(pa.array(self.idx.astype(np.int32), mask=self.idx < 0), dictionary)


def _dict(col) -> tuple[np.ndarray, list]:
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(col.type):
        return col.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), col.dictionary.to_pylist()
    values = col.to_pylist()
    uniq = sorted({v for v in values if v is not None})
    pos = {v: i for i, v in enumerate(uniq)}
    return np.array([-1 if v is None else pos[v] for v in values], dtype=np.int64), uniq


def _days(col) -> tuple[np.ndarray, np.ndarray]:
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    valid = col.is_valid().to_numpy(zero_copy_only=False)
    days = col.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return days, valid


class MessyState:
    """Accumulates planted errors across chunks; writes invalid_rows.csv and the manifest."""

    def __init__(self, rnd: Random, out: Path, n_total: int, fmt: str) -> None:
        self.rnd, self.out, self.n_total, self.fmt = rnd, Path(out), n_total, fmt
        self.width = max(7, len(str(n_total)))
        self.planted: dict[str, Counter] = defaultdict(Counter)
        self.cascade: Counter = Counter()
        self._appended: dict[str, list] = defaultdict(list)  # (table slice, rule, column)
        self._inv_file = (self.out / "invalid_rows.csv").open("w", newline="", encoding="utf-8")
        self._inv = csv.writer(self._inv_file, lineterminator="\n")
        self._inv.writerow(["table", "row", "rule", "column", "note"])
        self.n_invalid = 0

    # --- helpers -----------------------------------------------------------------------------
    def _record(self, table: str, rows, rule: str, column, note: str = "") -> None:
        rows = np.asarray(rows).tolist()
        columns = [column] * len(rows) if isinstance(column, str) else list(column)
        self._inv.writerows([table, r, rule, c, note] for r, c in zip(rows, columns, strict=True))
        self.n_invalid += len(rows)

    def _u(self, gid, tid: int, c: int, ordinal) -> np.ndarray:
        return self.rnd.uniform(S.MESSY, gid, ((tid * 64 + c) << 32) | ordinal)

    def _dates(self, col, u, partial_ok: bool) -> DateCol:
        days, valid = _days(col)
        partial = np.where(u < 0.985, MONTH, YEAR) if partial_ok else ISO
        style = np.select([u < 0.72, u < 0.82, u < 0.90, u < 0.95], [ISO, DOTTED, SLASH, EXCEL], partial)
        # Excel serials are read as five digits: none before 1927 (old birth dates)
        style = np.where((style == EXCEL) & (days < -15569), ISO, style)
        return DateCol(days, valid, style)

    def _codes(self, col, family: str, u) -> Col:
        idx, dictionary = _dict(col)
        return spelled(idx, tuple(dictionary), family, u)

    def _missing(self, c: Col, u) -> None:
        rows = np.flatnonzero((c.idx < 0) & (u < 0.3))
        tokens = [MISSING_SPELLINGS[int(x * 1e6) % len(MISSING_SPELLINGS)] for x in u[rows]]
        c.set(rows, tokens)

    # --- one chunk -----------------------------------------------------------------------------
    def apply(self, ch, offsets: dict[str, int]) -> dict[str, pa.Table]:
        """Messy string tables of one chunk; plants and records its invalid rows."""
        out: dict[str, pa.Table] = {}
        rejected = np.zeros(ch.n, dtype=bool)
        for name in TABLE_NAMES:
            table = ch.tables[name]
            pidx = ch.row_pidx[name]
            n = table.num_rows
            gid = ch.pt.gid[pidx]
            ordinal = np.arange(n) - np.searchsorted(pidx, pidx, side="left")
            tid = TABLE_ID[name]
            cols = mess_table(self, name, ch, table, gid, tid, ordinal)
            # one hash per row decides whether a rule is planted, and which of the eligible ones
            u = self._u(gid, tid, 63, ordinal)
            rules = list(PLANTS[name])
            masks = eligibility(name, ch, pidx, n)
            ww = np.zeros((n, len(rules)))
            for i, rule in enumerate(rules):
                ww[:, i] = masks[rule] * PLANTS[name][rule]
            cum = np.cumsum(ww, axis=1)
            total = cum[:, -1] if n else np.zeros(0)
            plant_row = (u < RATE) & ~rejected[pidx] & (total > 0)
            pick = (u / RATE % 1.0) * total
            choice = np.minimum((cum <= pick[:, None]).sum(axis=1), len(rules) - 1)
            row_no = offsets[name] + np.arange(n) + 2
            copies = []
            for i, rule in enumerate(rules):
                rows = np.flatnonzero(plant_row & (choice == i))
                if not rows.size:
                    continue
                column = plant(name, rule, ch, cols, rows, pidx, gid)
                self.planted[name][rule] += rows.size
                if rule in ("duplicate_key", "unknown_patient"):
                    copies.append((rows, rule, column))
                    continue
                self._record(name, row_no[rows], rule, column)
                if name == "patients":
                    rejected[rows] = True
            if name != "patients":
                casc = np.flatnonzero(rejected[pidx])
                if casc.size:
                    self._record(name, row_no[casc], "unknown_patient", "patient_id", "cascade")
                    self.cascade[name] += casc.size
            names = list(TABLES_BY_NAME[name].column_names)
            out[name] = pa.table([cols[c].to_arrow() for c in names], names=names)
            for rows, rule, column in copies:  # appended at the end of the file, as typed
                copy = out[name].take(pa.array(rows))
                if rule == "unknown_patient":
                    fake = [f"P{self.n_total + 1 + int(x):0{self.width}d}" for x in gid[rows]]
                    copy = copy.set_column(0, "patient_id", pa.DictionaryArray.from_arrays(
                        pa.array(np.arange(len(fake), dtype=np.int32)), pa.array(fake, pa.string())))
                key = (gid[rows].astype(np.int64) << 24) | ordinal[rows]
                self._appended[name].append((copy, rule, column, key))
        return out

    def appended(self, rows_so_far: dict[str, int]) -> dict[str, pa.Table]:
        """The appended copies per table (duplicates, unknown patients), recorded with their rows."""
        result = {}
        for name in TABLE_NAMES:
            parts = self._appended[name]
            if not parts:
                continue
            # in the order of the rows they copy, whatever the chunking
            table = pa.concat_tables([
                pa.table([c.combine_chunks().cast(pa.string()) for c in copy.columns], names=copy.column_names)
                for copy, *_ in parts])
            rules = np.concatenate([np.full(copy.num_rows, rule, dtype=object) for copy, rule, _, _ in parts])
            columns = np.concatenate([np.full(copy.num_rows, column, dtype=object) if isinstance(column, str)
                                      else np.asarray(column, dtype=object) for copy, _, column, _ in parts])
            keys = np.concatenate([key for *_, key in parts])
            order = np.lexsort((rules.astype(str), keys))
            table = table.take(pa.array(order))
            rows = rows_so_far[name] + 2 + np.arange(len(order))
            for rule in dict.fromkeys(rules[order]):
                sel = rules[order] == rule
                self._record(name, rows[sel], rule, columns[order][sel])
            result[name] = table
        return result

    def finish(self, writers) -> tuple[int, list[Path]]:
        self._inv_file.close()
        manifest = {
            "rate": RATE,
            "invalid_rows": self.n_invalid,
            "planted": {t: dict(sorted(c.items())) for t, c in sorted(self.planted.items())},
            "cascade": dict(sorted(self.cascade.items())),
            "rows": {name: w.rows for name, w in writers.items()},
            "note": "each planted row breaks exactly one rule; cascade rows belong to patients whose patients row is invalid",
        }
        path = self.out / "messy_manifest.json"
        path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        return self.n_invalid, [self.out / "invalid_rows.csv", path]
