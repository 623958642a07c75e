"""Helpers for hand-made timelines: days are offsets from 2020-01-01, lines come back as tuples."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from linewise.lines.algorithm import derive_lines
from linewise.lines.params import LineRules

BASE = dt.date(2020, 1, 1)


def day(n: int | None) -> dt.date | None:
    return None if n is None else BASE + dt.timedelta(days=n)


def offset(value) -> int | None:
    return None if value is None or pd.isna(value) else (pd.Timestamp(value).date() - BASE).days


def frames(records, patients):
    """records: (drug, start[, end]) or (patient, drug, start, end); patients: {id: {field: offset}}."""
    rows = []
    for r in records:
        if len(r) == 4:
            pid, drug, s, e = r
        else:
            pid, drug, s, e = "P1", r[0], r[1], (r[2] if len(r) > 2 else None)
        rows.append({"patient_id": pid, "drug": drug, "drug_source_value": drug, "start_date": day(s), "end_date": day(e)})
    ex = pd.DataFrame(rows, columns=["patient_id", "drug", "drug_source_value", "start_date", "end_date"])
    pts = []
    for pid, fields in patients.items():
        row = {"patient_id": pid}
        for name in ("metastatic_diagnosis_date", "surgery_date", "death_date", "last_contact_date"):
            row[name] = day(fields.get(name.removesuffix("_date").removesuffix("_diagnosis").replace("metastatic", "met")))
        pts.append(row)
    return ex, pd.DataFrame(pts)


def derive(con, records, *, rules: LineRules | None = None, patients=None, **patient):
    """Lines of P1 (or of every patient) as a DataFrame with day offsets ``s`` / ``e``.

    Patient fields: ``met`` (default 0), ``surgery``, ``death``, ``last_contact``.
    """
    if patients is None:
        patient.setdefault("met", 0)
        patients = {"P1": patient}
    ex, pt = frames(records, patients)
    run = derive_lines(con, rules or LineRules(), exposures=ex, patients=pt)
    try:
        out = run.lines()
        out.attrs["counts"] = run.counts
    finally:
        run.drop()
    out["s"] = out["start_date"].map(offset)
    out["e"] = out["end_date"].map(offset)
    out["agents"] = out["agents"].map(tuple)
    return out


def summary(lines: pd.DataFrame) -> list[tuple]:
    """(setting, line_number, start, end, agents, start_rule, end_rule) per line."""
    return [(r.setting, None if pd.isna(r.line_number) else int(r.line_number), r.s, r.e, r.agents, r.start_rule, r.end_rule)
            for r in lines.itertuples()]
