"""Per-table mess (valid spellings and date styles) and the planted errors of messy mode."""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

from . import regimens as rg
from .messy_values import (
    DRUG_SPELLINGS,
    N_AGENT_VARIANTS,
    SC_TRASTUZUMAB,
    Col,
    iso,
    regimen_spellings,
    spelled,
)

MISSPELLED = {"trastuzumab": "trastuzomab", "pertuzumab": "pertuzamab", "docetaxel": "docetaxle", "paclitaxel": "paclitaxol",
              "capecitabine": "capecitabin", "lapatinib": "lapatinb", "vinorelbine": "vinorelbin", "eribulin": "eribulim",
              "trastuzumab emtansine": "trastuzumab emtansin", "trastuzumab deruxtecan": "trastuzumab deruxtecn",
              "letrozole": "letrozol", "epirubicin": "epirubicine", "fulvestrant": "fulvestran", "carboplatin": "carboplatine"}
BAD_CODES = {"sex": "femal", "grade": "G5", "histology": "ductul", "her2_ihc": "4+", "end_reason": "progresion",
             "response": "partial respons", "route": "intravenos", "site": "livr", "setting": "adjuvent"}


def _plain(col) -> Col:
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return Col.from_strings(np.array(col.cast(pa.string()).to_pylist(), dtype=object))


def _number(col, u, pct=False) -> Col:
    values = col.to_pylist()
    out = [None if v is None else (f"{v}%" if pct and x < 0.15 else str(v)) for v, x in zip(values, u, strict=True)]
    return Col.from_strings(np.array(out, dtype=object))


def mess_table(st, name: str, ch, table: pa.Table, gid, tid: int, ordinal) -> dict[str, Col]:
    """The table's columns as messy but valid strings."""
    u = lambda c: st._u(gid, tid, c, ordinal)  # noqa: E731
    cols: dict[str, Col] = {}
    if name == "patients":
        cols["patient_id"] = _plain(table["patient_id"])
        cols["centre"] = _plain(table["centre"])
        for c, (col, partial) in enumerate((("birth_date", True), ("primary_diagnosis_date", True), ("surgery_date", True),
                                            ("metastatic_diagnosis_date", False), ("enrolment_date", True),
                                            ("last_contact_date", True), ("death_date", False))):
            cols[col] = st._dates(table[col], u(c), partial)
        cols["sex"] = st._codes(table["sex"], "sex", u(10))
        cols["de_novo_metastatic"] = st._codes(table["de_novo_metastatic"], "yesno", u(11))
        cols["lost_to_follow_up"] = st._codes(table["lost_to_follow_up"], "yesno", u(12))
        for c, rec in enumerate(("er", "pgr")):
            status = st._codes(table[f"{rec}_status"], "receptor", u(13 + c))
            pct = table[f"{rec}_percent"].to_pylist()
            x = u(15 + c)
            rows = np.flatnonzero(np.array([p is not None for p in pct]) & (x < 0.2))
            status.set(rows, [f"{pct[r]}%" for r in rows.tolist()])
            cols[f"{rec}_status"] = status
            cols[f"{rec}_percent"] = _number(table[f"{rec}_percent"], u(17 + c), pct=True)
        cols["her2_ihc"] = st._codes(table["her2_ihc"], "her2_ihc", u(19))
        cols["her2_ish"] = st._codes(table["her2_ish"], "her2_ish", u(20))
        cols["ki67_percent"] = _number(table["ki67_percent"], u(21), pct=True)
        cols["grade"] = st._codes(table["grade"], "grade", u(22))
        cols["histology"] = st._codes(table["histology"], "histology", u(23))
        for c, col in enumerate(("grade", "ki67_percent", "her2_ish", "surgery_date", "death_date")):
            st._missing(cols[col], u(30 + c))
    elif name == "metastatic_sites":
        cols["patient_id"] = _plain(table["patient_id"])
        cols["site"] = st._codes(table["site"], "site", u(0))
        cols["date_detected"] = st._dates(table["date_detected"], u(1), True)
    elif name == "therapy_lines":
        cols["patient_id"] = _plain(table["patient_id"])
        cols["line_number"] = _plain(table["line_number"])
        cols["setting"] = st._codes(table["setting"], "setting", u(0))
        cols["start_date"] = st._dates(table["start_date"], u(1), False)
        cols["end_date"] = st._dates(table["end_date"], u(2), True)
        cols["progression_date"] = st._dates(table["progression_date"], u(3), True)
        cols["best_response_date"] = st._dates(table["best_response_date"], u(4), True)
        agents = table["agents"].combine_chunks()
        idx = agents.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        dictionary = []
        for text in agents.dictionary.to_pylist():
            dictionary.extend(regimen_spellings(tuple(text.split(" + ")), zlib.crc32(text.encode())))
        v = np.where(u(5) < 0.5, 0, np.minimum((u(6) * N_AGENT_VARIANTS).astype(np.int64), N_AGENT_VARIANTS - 1))
        cols["agents"] = Col(idx * N_AGENT_VARIANTS + v, dictionary)
        cols["end_reason"] = st._codes(table["end_reason"], "end_reason", u(7))
        cols["progression_kind"] = st._codes(table["progression_kind"], "progression_kind", u(8))
        cols["best_response"] = st._codes(table["best_response"], "response", u(9))
    elif name == "response_assessments":
        cols["patient_id"] = _plain(table["patient_id"])
        cols["assessment_date"] = st._dates(table["assessment_date"], u(0), False)
        cols["response"] = st._codes(table["response"], "response", u(1))
        cols["line_number"] = _plain(table["line_number"])
    elif name == "performance_status":
        cols["patient_id"] = _plain(table["patient_id"])
        cols["assessment_date"] = st._dates(table["assessment_date"], u(0), False)
        cols["ecog"] = _plain(table["ecog"])
    else:  # drug_exposures: integer work only, millions of rows
        pid = table["patient_id"].combine_chunks()
        cols["patient_id"] = Col(pid.indices.to_numpy(zero_copy_only=False).astype(np.int64), pid.dictionary.to_pylist())
        drug = table["drug"].combine_chunks().indices.to_numpy(zero_copy_only=False).astype(np.int64)
        route = table["route"].combine_chunks().indices.to_numpy(zero_copy_only=False).astype(np.int64)
        width = 8
        dictionary = []
        for d in rg.DRUG_NAMES:
            spell = DRUG_SPELLINGS.get(d, (d,))
            dictionary.extend((spell * width)[:width])
        sc_base = len(dictionary)
        dictionary.extend((SC_TRASTUZUMAB * width)[:width])
        x = u(0)
        nvar = np.array([len(DRUG_SPELLINGS.get(d, (d,))) for d in rg.DRUG_NAMES])[drug]
        v = np.where(x < 0.5, 0, np.minimum(((x - 0.5) * 2 * nvar).astype(np.int64), nvar - 1))
        is_sc_h = (drug == rg.DRUG_INDEX["trastuzumab"]) & (route == rg.SC)
        vs = np.minimum(((x * len(SC_TRASTUZUMAB)).astype(np.int64)), len(SC_TRASTUZUMAB) - 1)
        cols["drug_source_value"] = Col(np.where(is_sc_h, sc_base + vs, drug * width + v), dictionary)
        cols["drug"] = Col(np.full(table.num_rows, -1), [])
        cols["start_date"] = st._dates(table["start_date"], u(1), False)
        cols["end_date"] = st._dates(table["end_date"], u(2), True)
        cols["route"] = spelled(route, rg.ROUTES, "route", u(3))
    return cols


def eligibility(name: str, ch, pidx: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Rows on which each rule can be planted without breaking a second rule."""
    every = np.ones(n, dtype=bool)
    dead = (ch.pt.death >= 0)[pidx]
    last = np.r_[pidx[1:] != pidx[:-1], True] if n else np.zeros(0, dtype=bool)
    masks = {"type": every, "code": every, "range": every, "required": every, "duplicate_key": every,
             "unknown_patient": every, "event_after_death": dead & last, "contact_after_death": dead}
    if name == "therapy_lines":
        t = ch.tables["therapy_lines"]
        number = t["line_number"].combine_chunks().fill_null(0).to_numpy(zero_copy_only=False)
        masks["end_before_start"] = ch.line_has_end
        masks["progression_before_start"] = ch.line_has_prog
        masks["line_before_metastatic"] = ch.line_is_met & (number == 1)
        masks["line_after_death"] = ch.line_is_met & dead & last
        masks["drug_unknown"] = every
        masks["duplicate_key"] = ch.line_is_met
    if name == "drug_exposures":
        masks["end_before_start"] = every
    return masks


def _day(table, col: str, rows) -> np.ndarray:
    return table[col].combine_chunks().take(pa.array(rows)).cast(pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _bad_date(day: int, g: int) -> str:
    """An unreadable date: month 13+, or a day-first column's date written month-first."""
    d = iso(day)
    y, m, dd = int(d[:4]), int(d[5:7]), int(d[8:])
    if dd > 12 and g % 3 == 0:
        return f"{m:02d}/{dd:02d}/{y}"
    return f"{y}-{13 + g % 6}-{1 + g % 27:02d}"


def plant(name: str, rule: str, ch, cols: dict[str, Col], rows: np.ndarray, pidx, gid):
    """Break ``rule`` on ``rows`` (in place); returns the column (one name, or one per row)."""
    t = ch.tables[name]
    g = gid[rows]
    death = ch.pt.death[pidx[rows]]
    later = lambda k: [iso(int(d) + 1 + int(x) % k) for d, x in zip(death, g, strict=True)]  # noqa: E731
    if rule in ("duplicate_key", "unknown_patient"):
        return "patient_id" if rule == "unknown_patient" else {
            "patients": "patient_id", "metastatic_sites": "site", "therapy_lines": "line_number",
            "response_assessments": "assessment_date", "performance_status": "assessment_date",
            "drug_exposures": "start_date"}[name]
    if rule == "required":
        col = {"patients": "patient_id", "metastatic_sites": "site", "therapy_lines": "agents", "response_assessments": "response",
               "performance_status": "ecog", "drug_exposures": "drug_source_value"}[name]
        cols[col].set(rows, [None] * rows.size)
        return col
    if rule == "type":
        col = {"patients": "primary_diagnosis_date", "metastatic_sites": "date_detected", "therapy_lines": "start_date",
               "response_assessments": "assessment_date", "performance_status": "assessment_date",
               "drug_exposures": "start_date"}[name]
        days = _day(t, col, rows)
        cols[col].set(rows, [_bad_date(int(d), int(x)) for d, x in zip(days, g, strict=True)])
        return col
    if rule == "code":
        if name == "patients":
            which = ("sex", "grade", "histology", "her2_ihc")
            col_of = np.array([which[int(x) % 4] for x in g], dtype=object)
            for col in which:
                sel = rows[col_of == col]
                cols[col].set(sel, [BAD_CODES[col]] * sel.size)
            return col_of
        col = {"metastatic_sites": "site", "therapy_lines": "setting", "response_assessments": "response",
               "drug_exposures": "route"}[name]
        cols[col].set(rows, [BAD_CODES[col]] * rows.size)
        return col
    if rule == "range":
        if name == "patients":
            cols["ki67_percent"].set(rows, ["150"] * rows.size)
            return "ki67_percent"
        col = {"response_assessments": "line_number", "performance_status": "ecog"}[name]
        cols[col].set(rows, ["0" if col == "line_number" else "7"] * rows.size)
        return col
    if rule == "contact_after_death":
        cols["last_contact_date"].set(rows, later(60))
        cols["death_date"].set(rows, [iso(int(d)) for d in death])
        return "last_contact_date"
    if rule == "event_after_death":
        col = {"metastatic_sites": "date_detected", "response_assessments": "assessment_date",
               "performance_status": "assessment_date", "drug_exposures": "start_date"}[name]
        values = later(60)
        cols[col].set(rows, values)
        if name == "drug_exposures":
            cols["end_date"].set(rows, values)
        return col
    if rule == "end_before_start":
        start = _day(t, "start_date", rows)
        cols["start_date"].set(rows, [iso(int(s)) for s in start])
        cols["end_date"].set(rows, [iso(int(s) - 1 - int(x) % 20) for s, x in zip(start, g, strict=True)])
        return "end_date"
    if rule == "progression_before_start":
        start = _day(t, "start_date", rows)
        cols["start_date"].set(rows, [iso(int(s)) for s in start])
        cols["progression_date"].set(rows, [iso(int(s) - 1 - int(x) % 60) for s, x in zip(start, g, strict=True)])
        return "progression_date"
    if rule == "line_before_metastatic":
        met = ch.pt.met_dx[pidx[rows]]
        cols["start_date"].set(rows, [iso(int(m) - 1 - int(x) % 40) for m, x in zip(met, g, strict=True)])
        return "start_date"
    if rule == "line_after_death":
        cols["start_date"].set(rows, later(60))
        for col in ("end_date", "progression_date", "best_response_date", "best_response", "end_reason", "progression_kind"):
            cols[col].set(rows, [None] * rows.size)
        return "start_date"
    if rule == "drug_unknown":
        agents = t["agents"].combine_chunks().take(pa.array(rows)).cast(pa.string()).to_pylist()
        out = []
        for text in agents:
            drugs = text.split(" + ")
            k = next((i for i, d in enumerate(drugs) if d in MISSPELLED), None)
            if k is None:
                drugs[0] = drugs[0] + "x"
            else:
                drugs[k] = MISSPELLED[drugs[k]]
            out.append(" + ".join(drugs))
        cols["agents"].set(rows, out)
        return "agents"
    raise ValueError(rule)
