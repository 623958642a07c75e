"""A store at a glance: rows per table, patients, lines, date ranges, rejects (Ibis queries)."""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from ..model.registry import TABLES
from .store import Store

#: The date that best describes when each table's records happened.
_MAIN_DATE = {
    "patients": "metastatic_diagnosis_date", "metastatic_sites": "date_detected", "therapy_lines": "start_date",
    "response_assessments": "assessment_date", "performance_status": "assessment_date", "drug_exposures": "start_date",
}


@dataclass(frozen=True)
class TableSummary:
    table: str
    rows: int
    rejected: int
    date_from: str | None
    date_to: str | None


@dataclass(frozen=True)
class StoreSummary:
    tables: tuple[TableSummary, ...]
    patients: int
    metastatic_lines: int
    patients_with_lines: int
    deaths: int

    def headline(self) -> list[str]:
        per = self.metastatic_lines / self.patients_with_lines if self.patients_with_lines else 0.0
        rejected = sum(t.rejected for t in self.tables)
        return [
            f"{self.patients:,} patients, {self.deaths:,} deaths; {self.metastatic_lines:,} metastatic lines "
            f"in {self.patients_with_lines:,} patients ({per:.1f} per patient); {rejected:,} rows rejected at the latest imports",
        ]


def _iso(value) -> str | None:
    if value is None or value != value:
        return None
    return str(value)[:10]


def store_summary(store: Store) -> StoreSummary:
    """Counts and date ranges of every table, computed in the store's engine."""
    imports = store.table("imports")
    latest = imports.group_by("table_name").aggregate(last=imports.import_id.max())
    rejected = (imports.join(latest, [imports.table_name == latest.table_name, imports.import_id == latest.last])
                .select(imports.table_name, imports.rows_rejected).execute())
    rejected_by = dict(zip(rejected["table_name"], rejected["rows_rejected"], strict=True))
    rows = []
    for table in TABLES:
        t = store.table(table.name)
        col = t[_MAIN_DATE[table.name]]
        agg = t.aggregate(n=t.count(), lo=col.min(), hi=col.max()).execute().iloc[0]
        rows.append(TableSummary(table.name, int(agg["n"]), int(rejected_by.get(table.name, 0)), _iso(agg["lo"]), _iso(agg["hi"])))
    p = store.table("patients")
    lines = store.table("therapy_lines")
    met = lines.filter(lines.setting == "metastatic")
    counts = ibis.memtable({"x": [1]}).select(
        patients=p.count().as_scalar(), deaths=p.death_date.count().as_scalar(),
        lines=met.count().as_scalar(), with_lines=met.patient_id.nunique().as_scalar(),
    ).execute().iloc[0]
    return StoreSummary(tuple(rows), int(counts["patients"]), int(counts["lines"]), int(counts["with_lines"]), int(counts["deaths"]))
