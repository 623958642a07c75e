"""Cross-field and cross-row rules of the registry model, vectorised over a typed table.

Date-order rules compare possible ranges (:func:`linewise.io.dates.date_bounds`): "A before B"
is broken only when the latest possible B is before the earliest possible A, so a partial
date (``2016-03``) never fails a rule merely because of how it was imputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.types import Table
from .dates import date_bounds
from .issues import concat_issues, issue_frame


@dataclass(frozen=True)
class PatientContext:
    """What rules on child tables need to know of the patients (stored or in the same import)."""

    frame: pd.DataFrame  # patient_id, metastatic_diagnosis_date(+_precision), death_date(+_precision)

    @property
    def ids(self) -> pd.Index:
        return pd.Index(self.frame["patient_id"])


def _bounds(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    values = frame[column].to_numpy(dtype="datetime64[D]")
    prec_col = f"{column}_precision"
    precision = frame[prec_col].to_numpy(dtype=object) if prec_col in frame else np.full(len(frame), "day", dtype=object)
    return date_bounds(values, precision)


def _before(frame, earlier: str, later: str, *, strict: bool = False) -> np.ndarray:
    """Rows where ``later`` is certainly before ``earlier`` (NaT compares False: rule not applicable)."""
    lo_e, _ = _bounds(frame, earlier)
    _, hi_l = _bounds(frame, later)
    with np.errstate(invalid="ignore"):
        return (hi_l <= lo_e) if strict else (hi_l < lo_e)


def _fmt(frame, column: str, pos) -> list:
    values = frame[column].iloc[pos]
    return [None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def _rule(frame, mask, column, rule, message_fn) -> pd.DataFrame:
    pos = np.flatnonzero(mask)
    if not pos.size:
        return issue_frame([], column, [], rule, [])
    return issue_frame(pos, column, _fmt(frame, column, pos), rule, message_fn(pos))


def _duplicates(frame: pd.DataFrame, key: list[str], column: str) -> pd.DataFrame:
    usable = frame[key].notna().all(axis=1).to_numpy()
    dup = frame[key].duplicated(keep="first").to_numpy() & usable
    pos = np.flatnonzero(dup)
    values = frame[column].iloc[pos].astype(str).tolist()
    label = " + ".join(key)
    return issue_frame(pos, column, values, "duplicate_key", f"repeats the {label} of an earlier row (the first is kept)")


def _with_patient(frame: pd.DataFrame, context: PatientContext | None) -> pd.DataFrame:
    """``frame`` with the patient's metastatic diagnosis and death dates alongside each row."""
    cols = ["metastatic_diagnosis_date", "metastatic_diagnosis_date_precision", "death_date", "death_date_precision"]
    if context is None:
        extra = pd.DataFrame({c: pd.Series([None] * len(frame), dtype=object) for c in cols}, index=frame.index)
        for c in ("metastatic_diagnosis_date", "death_date"):
            extra[c] = pd.to_datetime(extra[c])
    else:
        pat = context.frame.drop_duplicates("patient_id").set_index("patient_id")
        extra = pat.reindex(frame["patient_id"].to_numpy())[cols].set_index(frame.index)
    return pd.concat([frame, extra.add_prefix("patient_")], axis=1)


def validate_patients(frame: pd.DataFrame) -> pd.DataFrame:
    issues = [
        _duplicates(frame, ["patient_id"], "patient_id"),
        _rule(frame, _before(frame, "birth_date", "primary_diagnosis_date", strict=True), "primary_diagnosis_date",
              "birth_after_diagnosis", lambda pos: "is not after the birth date"),
        _rule(frame, _before(frame, "primary_diagnosis_date", "metastatic_diagnosis_date"), "metastatic_diagnosis_date",
              "metastatic_before_diagnosis", lambda pos: [f"is before the primary diagnosis {d}" for d in _fmt(frame, "primary_diagnosis_date", pos)]),
        _rule(frame, _before(frame, "primary_diagnosis_date", "surgery_date"), "surgery_date",
              "surgery_before_diagnosis", lambda pos: "is before the primary diagnosis"),
        _rule(frame, _before(frame, "last_contact_date", "death_date"), "last_contact_date",
              "contact_after_death", lambda pos: [f"is after the death date {d}" for d in _fmt(frame, "death_date", pos)]),
    ]
    for col in ("primary_diagnosis_date", "metastatic_diagnosis_date", "surgery_date", "enrolment_date"):
        issues.append(_rule(frame, _before(frame, col, "death_date"), col, "date_after_death",
                            lambda pos: [f"is after the death date {d}" for d in _fmt(frame, "death_date", pos)]))
    lo_met, _ = _bounds(frame, "metastatic_diagnosis_date")
    _, hi_dx = _bounds(frame, "primary_diagnosis_date")
    with np.errstate(invalid="ignore"):
        late = (lo_met - hi_dx) > np.timedelta64(90, "D")
    de_novo = frame["de_novo_metastatic"].fillna(False).to_numpy(dtype=bool)
    issues.append(_rule(frame, de_novo & late, "de_novo_metastatic", "de_novo_inconsistent",
                        lambda pos: "metastatic diagnosis is more than 90 days after the primary diagnosis"))
    both = frame["death_date"].notna().to_numpy() & frame["lost_to_follow_up"].fillna(False).to_numpy(dtype=bool)
    issues.append(_rule(frame, both, "lost_to_follow_up", "death_and_lost", lambda pos: "a death date is also recorded"))
    return concat_issues(issues)


def _unknown_patients(frame: pd.DataFrame, context: PatientContext | None) -> pd.DataFrame:
    if context is None:
        return issue_frame([], "patient_id", [], "unknown_patient", [])
    ids = frame["patient_id"]
    mask = (ids.notna() & ~ids.isin(context.ids)).to_numpy()
    pos = np.flatnonzero(mask)
    return issue_frame(pos, "patient_id", ids.iloc[pos].tolist(), "unknown_patient", "is not in the patients table")


def validate_lines(frame: pd.DataFrame, context: PatientContext | None) -> pd.DataFrame:
    f = _with_patient(frame, context)
    metastatic = (f["setting"] == "metastatic").fillna(False).to_numpy(dtype=bool)
    issues = [
        _unknown_patients(frame, context),
        _rule(f, _before(f, "start_date", "end_date"), "end_date", "end_before_start",
              lambda pos: [f"is before the line start {d}" for d in _fmt(f, "start_date", pos)]),
        _rule(f, _before(f, "start_date", "progression_date"), "progression_date", "progression_before_start",
              lambda pos: [f"is before the line start {d}" for d in _fmt(f, "start_date", pos)]),
        _rule(f, _before(f, "start_date", "best_response_date"), "best_response_date", "response_before_start",
              lambda pos: [f"is before the line start {d}" for d in _fmt(f, "start_date", pos)]),
        _rule(f, metastatic & _before(f, "patient_metastatic_diagnosis_date", "start_date"), "start_date", "line_before_metastatic",
              lambda pos: [f"a metastatic line starts before the metastatic diagnosis {d}" for d in _fmt(f, "patient_metastatic_diagnosis_date", pos)]),
        _rule(f, _before(f, "start_date", "patient_death_date"), "start_date", "line_after_death",
              lambda pos: [f"is after the patient's death {d}" for d in _fmt(f, "patient_death_date", pos)]),
    ]
    no_number = metastatic & frame["line_number"].isna().to_numpy()
    pos = np.flatnonzero(no_number)
    issues.append(issue_frame(pos, "line_number", [None] * pos.size, "line_number_missing", "a metastatic line needs its line number"))
    ongoing = (frame["end_reason"] == "ongoing").fillna(False).to_numpy(dtype=bool) & frame["end_date"].notna().to_numpy()
    issues.append(_rule(f, ongoing, "end_date", "ongoing_with_end", lambda pos: "the end reason is 'ongoing'"))
    met = frame[metastatic & ~no_number]
    issues.append(_duplicates(frame.assign(_m=np.where(metastatic, "m", None)), ["patient_id", "_m", "line_number"], "line_number")
                  if metastatic.any() else issue_frame([], "line_number", [], "duplicate_key", []))
    issues.append(_sequence_rules(met))
    return concat_issues(issues)


def _sequence_rules(met: pd.DataFrame) -> pd.DataFrame:
    """Line numbers per patient: in date order (error) and without gaps (warning)."""
    if met.empty:
        return issue_frame([], "line_number", [], "line_gap", [])
    order = met.assign(_pos=np.arange(len(met))).drop_duplicates(["patient_id", "line_number"]).sort_values(["patient_id", "line_number"])
    lo, hi = _bounds(order, "start_date")
    same = order["patient_id"].to_numpy()[1:] == order["patient_id"].to_numpy()[:-1]
    numbers = order["line_number"].to_numpy(dtype=np.int64)
    with np.errstate(invalid="ignore"):
        out_of_order = np.concatenate([[False], same & (hi[1:] < lo[:-1])])
    gap = np.concatenate([[numbers[0] > 1], np.where(same, numbers[1:] - numbers[:-1] > 1, numbers[1:] > 1)])
    label_to_pos = order["_pos"].to_numpy()
    issues = []
    idx = label_to_pos[out_of_order]
    issues.append(issue_frame(_orig_positions(met, idx), "line_number", order["line_number"].to_numpy()[out_of_order].astype(str),
                              "line_order", "starts before the patient's previous line"))
    idx = label_to_pos[gap]
    issues.append(issue_frame(_orig_positions(met, idx), "line_number", order["line_number"].to_numpy()[gap].astype(str),
                              "line_gap", "skips a line number (is a line missing?)"))
    return concat_issues(issues)


def _orig_positions(subset: pd.DataFrame, sub_pos: np.ndarray) -> np.ndarray:
    """Positions in the full frame of rows at ``sub_pos`` of ``subset`` (a row selection of it).

    The full frame has a RangeIndex, so the index labels are its positions.
    """
    return subset.index.to_numpy()[sub_pos].astype(np.int64)


def validate_events(table: Table, frame: pd.DataFrame, context: PatientContext | None) -> pd.DataFrame:
    f = _with_patient(frame, context)
    date_col = next(c for c in ("start_date", "assessment_date", "date_detected") if c in frame)
    issues = [
        _unknown_patients(frame, context),
        _rule(f, _before(f, date_col, "patient_death_date"), date_col, "event_after_death",
              lambda pos: [f"is after the patient's death {d}" for d in _fmt(f, "patient_death_date", pos)]),
        _duplicates(frame, list(table.key), table.key[-1]),
    ]
    if "end_date" in frame:
        issues.append(_rule(f, _before(f, "start_date", "end_date"), "end_date", "end_before_start",
                            lambda pos: [f"is before the start {d}" for d in _fmt(f, "start_date", pos)]))
    return concat_issues(issues)


def validate_table(table: Table, frame: pd.DataFrame, context: PatientContext | None) -> pd.DataFrame:
    """All cross-field and cross-row rules of ``table`` on a typed frame with a RangeIndex."""
    if table.name == "patients":
        return validate_patients(frame)
    if table.name == "therapy_lines":
        return validate_lines(frame, context)
    return validate_events(table, frame, context)
