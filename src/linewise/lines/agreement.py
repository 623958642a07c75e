"""Agreement of derived lines with recorded (or ground-truth) lines, in the database.

Lines are matched per patient, phase (early / metastatic) and order within the phase; a pair
agrees when setting, start date, end date (within ``end_tolerance_days``; an empty recorded
end — an ongoing line — is not compared) and the set of agents are equal. A patient agrees
when every line does and neither side has an extra line. Each disagreeing patient gets one
*kind* (the first that applies): ``missing_patient`` / ``extra_patient`` (lines on one side
only), ``merged`` (fewer derived lines: a line start was missed), ``split`` (more derived
lines), then ``agents``, ``start_date``, ``end_date``, ``setting``.

Examples
--------
>>> import ibis, pandas as pd, datetime as dt
>>> con = ibis.duckdb.connect()
>>> day = dt.date(2020, 1, 1)
>>> ref = pd.DataFrame({"patient_id": ["A", "B"], "line_number": [1, 1], "setting": ["metastatic"] * 2,
...                     "start_date": [day, day], "end_date": [day, day], "agents": [["x"], ["y", "z"]]})
>>> der = ref.assign(agents=[["x"], ["z"]])
>>> rep = compare_lines(con, der, ref)
>>> rep.n_patients, rep.n_exact, rep.kinds
(2, 1, {'agents': 1})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import LinewiseError
from . import _sql

KINDS = ("missing_patient", "extra_patient", "merged", "split", "agents", "start_date", "end_date", "setting")
KIND_TEXT = {
    "missing_patient": "recorded lines, none derived",
    "extra_patient": "derived lines, none recorded",
    "merged": "fewer derived lines (a line start missed)",
    "split": "more derived lines (an extra line start)",
    "agents": "same lines, different agents",
    "start_date": "same lines, different start date",
    "end_date": "same lines, different end date",
    "setting": "same lines, different setting (neoadjuvant / adjuvant)",
}
_LINE_COLUMNS = {"patient_id": "string", "line_number": "int32", "setting": "string", "start_date": "date",
                 "end_date": "date", "agents": "array<string>"}


@dataclass
class AgreementReport:
    """Patient- and line-level agreement (see the module docstring for the definitions)."""

    n_patients: int
    n_exact: int
    kinds: dict[str, int]
    examples: dict[str, list[str]]
    by_line: pd.DataFrame
    end_tolerance_days: int
    lines_reference: int = 0
    lines_derived: int = 0
    lines_matched: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def pct_exact(self) -> float:
        return 100.0 * self.n_exact / self.n_patients if self.n_patients else float("nan")

    def summary_rows(self) -> list[tuple[str, str]]:
        rows = [("patients compared", f"{self.n_patients:,}"),
                ("every line exactly right", f"{self.n_exact:,} ({self.pct_exact:.2f}%)"),
                ("lines recorded / derived / matched", f"{self.lines_reference:,} / {self.lines_derived:,} / {self.lines_matched:,}")]
        for kind in KINDS:
            if self.kinds.get(kind):
                ex = ", ".join(self.examples.get(kind, [])[:3])
                rows.append((KIND_TEXT[kind], f"{self.kinds[kind]:,}  e.g. {ex}"))
        return rows


def read_line_file(path: str | Path) -> pa.Table:
    """Lines from a CSV or Parquet file (e.g. the synthetic registry's ``truth_lines.csv``).

    ``agents`` may be a list column or text joined by ``' + '``.
    """
    p = Path(path)
    if not p.exists():
        raise LinewiseError(f"{p}: no such lines file")
    if p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        t = pq.read_table(p)
    else:
        t = pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(column_types={
            "patient_id": pa.string(), "agents": pa.string(), "setting": pa.string()}))
    missing = [c for c in ("patient_id", "setting", "start_date", "agents") if c not in t.column_names]
    if missing:
        raise LinewiseError(f"{p}: missing column(s) {missing}; expected {list(_LINE_COLUMNS)}")
    agents = t.column("agents")
    if pa.types.is_string(agents.type) or pa.types.is_large_string(agents.type):
        agents = pa.array([[a.strip() for a in v.split("+")] if v else [] for v in agents.to_pylist()], pa.list_(pa.string()))
    cols = {}
    for name, typ in _LINE_COLUMNS.items():
        arr = agents if name == "agents" else (t.column(name) if name in t.column_names else pa.nulls(t.num_rows))
        cols[name] = arr.cast(ibis.dtype(typ).to_pyarrow())
    return pa.table(cols)


def _normalize(t: ibis.Table) -> ibis.Table:
    phase = ibis.ifelse(t.setting == "metastatic", "metastatic", "early")
    t = t.select("patient_id", "setting", "start_date", "end_date", phase=phase,
                 agents_key=t.agents.unique().sort().join(" + "))
    w = ibis.window(group_by=[t.patient_id, t.phase], order_by=[t.start_date, t.agents_key])
    return t.mutate(ord=ibis.row_number().over(w))


def compare_lines(con: ibis.BaseBackend, derived, reference, *, end_tolerance_days: int = 0,
                  compare_setting: bool = True, n_examples: int = 5) -> AgreementReport:
    """Compare ``derived`` with ``reference`` lines (Ibis tables, pandas or Arrow tables).

    Both need ``patient_id, setting, start_date, end_date, agents``. With ``compare_setting``
    false only the phase (early / metastatic) must agree, not neoadjuvant vs adjuvant.
    """
    scratch: list[str] = []
    d = _normalize(_to_table(con, derived, "der", scratch))
    r = _normalize(_to_table(con, reference, "ref", scratch))
    key = ["patient_id", "phase", "ord"]
    j = r.outer_join(d, key)
    pid = ibis.coalesce(j.patient_id, j.patient_id_right)
    both = j.patient_id.notnull() & j.patient_id_right.notnull()
    end_ok = j.end_date.isnull() | (
        j.end_date_right.notnull() & ((j.end_date_right.epoch_days() - j.end_date.epoch_days()).abs() <= end_tolerance_days))
    pair = j.select(
        patient_id=pid,
        has_ref=j.patient_id.notnull(), has_der=j.patient_id_right.notnull(),
        agents_ok=both & (j.agents_key == j.agents_key_right),
        start_ok=both & (j.start_date == j.start_date_right),
        end_ok=both & end_ok,
        setting_ok=both & ((j.setting == j.setting_right) if compare_setting else ibis.literal(True)),
        line_number=ibis.ifelse(ibis.coalesce(j.phase, j.phase_right) == "metastatic",
                                ibis.coalesce(j.ord, j.ord_right) + 1, ibis.null("int64")),
    )
    pair = pair.mutate(match=pair.agents_ok & pair.start_ok & pair.end_ok & pair.setting_ok)
    p = pair.group_by("patient_id").agg(
        n_ref=pair.has_ref.sum(), n_der=pair.has_der.sum(), n_match=pair.match.sum(),
        bad_agents=(~pair.agents_ok).sum(), bad_start=(~pair.start_ok).sum(),
        bad_end=(~pair.end_ok).sum(), bad_setting=(~pair.setting_ok).sum(),
    )
    kind = ibis.cases(
        ((p.n_match == p.n_ref) & (p.n_match == p.n_der), "exact"),
        (p.n_der == 0, "missing_patient"),
        (p.n_ref == 0, "extra_patient"),
        (p.n_der < p.n_ref, "merged"),
        (p.n_der > p.n_ref, "split"),
        (p.bad_agents > 0, "agents"),
        (p.bad_start > 0, "start_date"),
        (p.bad_end > 0, "end_date"),
        else_="setting",
    )
    p = p.mutate(kind=kind)
    per_kind = p.group_by("kind").agg(n=p.count()).execute()
    kinds = {k: int(n) for k, n in zip(per_kind["kind"], per_kind["n"], strict=True) if k != "exact"}
    n_patients = int(per_kind["n"].sum())
    examples: dict[str, list[str]] = {}
    if kinds:
        bad = p.filter(p.kind != "exact")
        w = ibis.window(group_by=bad.kind, order_by=bad.patient_id)
        ex = bad.mutate(i=ibis.row_number().over(w)).filter(lambda t: t.i < n_examples).execute()
        for k, grp in ex.groupby("kind"):
            examples[k] = sorted(grp["patient_id"].tolist())
    met = pair.filter(pair.line_number.notnull())
    by_line = met.group_by("line_number").agg(
        reference=met.has_ref.sum(), derived=met.has_der.sum(), matched=met.match.sum()).order_by("line_number").execute()
    totals = pair.aggregate(r=pair.has_ref.sum(), d=pair.has_der.sum(), m=pair.match.sum()).execute().iloc[0]
    for name in scratch:
        _sql.drop(con, name)
    return AgreementReport(
        n_patients=n_patients, n_exact=n_patients - sum(kinds.values()), kinds=kinds, examples=examples,
        by_line=by_line, end_tolerance_days=end_tolerance_days,
        lines_reference=int(totals["r"] or 0), lines_derived=int(totals["d"] or 0), lines_matched=int(totals["m"] or 0),
    )


def _to_table(con: ibis.BaseBackend, data, name: str, scratch: list[str]) -> ibis.Table:
    if isinstance(data, ibis.Table):
        return data
    if isinstance(data, pd.DataFrame):
        cols = {}
        for col, typ in _LINE_COLUMNS.items():
            values = data[col] if col in data else pd.Series([None] * len(data))
            if typ == "date":
                values = pd.to_datetime(values).dt.date
            cols[col] = pa.array(values.tolist(), type=ibis.dtype(typ).to_pyarrow(), from_pandas=True)
        data = pa.table(cols)
    import secrets

    full = f"_lw_{secrets.token_hex(4)}_{name}"
    scratch.append(full)
    return _sql.create_from_arrow(con, full, data)
