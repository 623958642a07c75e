"""Why a patient's lines are what they are: timeline of drugs and the rule behind each line.

:func:`explain_patient` derives the patient's lines with the same code as the full run
(:func:`~linewise.lines.algorithm.derive_lines`, restricted to one patient) and returns an
:class:`Explanation`; :meth:`Explanation.text` renders it for the CLI
(``linewise lines explain PATIENT``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import pandas as pd

from ..errors import LinewiseError
from .algorithm import derive_lines
from .params import EndRule, LineRules, StartRule
from .vocabulary import DEFAULT, Vocabulary

_EPOCH = _dt.date(1970, 1, 1)


def _day(n) -> str:
    return (_EPOCH + _dt.timedelta(days=int(n))).isoformat()


def _iso(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


@dataclass
class Explanation:
    """A patient's key dates, lines with their start / end reasons, and drug timeline."""

    patient_id: str
    dates: dict[str, str]
    lines: list[dict]
    timeline: pd.DataFrame  # line_seq, drug, first, last, records, role
    ignored: pd.DataFrame  # drug_source_value, first, last, records, reason
    rules: LineRules
    notes: list[str] = field(default_factory=list)

    def text(self) -> list[str]:
        """Plain-text rendering, one string per output line."""
        out = [f"Patient {self.patient_id}: " + ", ".join(f"{k} {v}" for k, v in self.dates.items() if v)]
        r = self.rules
        out.append(f"rules: regimen window {r.regimen_window_days} d, discontinuation gap {r.discontinuation_gap_days} d "
                   f"(fingerprint {r.fingerprint()})")
        if not self.lines:
            out.append("no lines: no eligible drug records")
        for ln in self.lines:
            num = f"line {ln['line_number']}" if ln["line_number"] is not None else ln["setting"]
            flags = [x for x in ("maintenance" if ln["maintenance"] else "", "re-challenge" if ln["rechallenge"] else "") if x]
            out.append(f"[{ln['line_seq']}] {num} ({ln['setting']}) {ln['start_date']} .. {ln['end_date']}: "
                       f"{' + '.join(ln['agents'])}" + (f"  [{', '.join(flags)}]" if flags else ""))
            out.append(f"    starts: {ln['start_reason']}")
            out.append(f"    ends:   {ln['end_reason']}")
            if ln["maintenance"]:
                out.append(f"    maintenance from {ln['maintenance_start']}")
            tl = self.timeline[self.timeline["line_seq"] == ln["line_seq"]]
            for row in tl.itertuples():
                out.append(f"      {row.drug:<28} {row.first} .. {row.last}  {row.records:>3} record(s)  {row.role}")
        if len(self.ignored):
            out.append("ignored records (never form or advance a line):")
            for row in self.ignored.itertuples():
                out.append(f"      {row.drug_source_value:<28} {row.first} .. {row.last}  {row.records:>3} record(s)  {row.reason}")
        out.extend(self.notes)
        return out


def explain_patient(store, patient_id: str, rules: LineRules | None = None, vocabulary: Vocabulary = DEFAULT) -> Explanation:
    """Derive and explain one patient's lines (``LinewiseError`` for an unknown patient)."""
    rules = rules or LineRules()
    pt = store.table("patients")
    prow = pt.filter(pt.patient_id == patient_id).execute()
    ex = store.table("drug_exposures")
    raw = ex.filter(ex.patient_id == patient_id).execute()
    if prow.empty and raw.empty:
        raise LinewiseError(f"patient {patient_id!r} is not in {store.location}")
    run = derive_lines(store, rules, vocabulary, patient_ids=[patient_id], keep_assigned=True)
    try:
        lines = run.lines()
        assigned = run.assigned()
        names = run.con.table(run.scratch[0]).select("drug_id", "drug").execute()
    finally:
        run.drop()
    p = prow.iloc[0].to_dict() if not prow.empty else {}
    dates = {name: _iso(p.get(col)) for name, col in (
        ("primary diagnosis", "primary_diagnosis_date"), ("surgery", "surgery_date"),
        ("metastatic diagnosis", "metastatic_diagnosis_date"), ("last contact", "last_contact_date"),
        ("death", "death_date"))}
    assigned = assigned.merge(names, on="drug_id")
    seq = {(r.island, r.k, r.phase): r.line_seq for r in lines.assign(
        phase=(lines["phase"] == "metastatic").astype(int)).itertuples()}
    assigned["line_seq"] = [seq[(i, k, ph)] for i, k, ph in zip(assigned["island"], assigned["k"], assigned["phase"], strict=True)]
    out_lines = []
    prev = None
    for ln in lines.itertuples():
        d = {c: getattr(ln, c) for c in ("line_seq", "setting", "maintenance", "rechallenge", "start_rule", "end_rule")}
        d["line_number"] = None if pd.isna(ln.line_number) else int(ln.line_number)
        d["start_date"], d["end_date"] = _iso(ln.start_date), _iso(ln.end_date)
        d["maintenance_start"] = _iso(ln.maintenance_start)
        d["agents"] = list(ln.agents)
        d["start_reason"] = _start_reason(ln, prev, dates, rules)
        d["end_reason"] = _end_reason(ln, dates, rules)
        out_lines.append(d)
        prev = ln
    timeline = _timeline(assigned, lines)
    ignored = _ignored(raw, vocabulary, rules)
    return Explanation(patient_id, dates, out_lines, timeline, ignored, rules)


def _start_reason(ln, prev, dates: dict, rules: LineRules) -> str:
    rule = StartRule(ln.start_rule)
    if rule is StartRule.FIRST_METASTATIC:
        md = dates.get("metastatic diagnosis")
        return "first eligible drug " + (f"on or after the metastatic diagnosis ({md})" if md else "(no metastatic diagnosis date)")
    if rule is StartRule.FIRST_EARLY:
        return f"first eligible drug before the metastatic diagnosis ({ln.setting}: " + (
            "starts before surgery)" if ln.setting == "neoadjuvant" else "starts after surgery or no surgery date)")
    if rule is StartRule.AFTER_GAP:
        gap = (pd.Timestamp(ln.start_date) - pd.Timestamp(prev.end_date)).days if prev is not None else None
        return f"first drug after {gap} days without exposure (gap > {rules.discontinuation_gap_days} days)"
    new = " + ".join(ln.new_agents) or " + ".join(ln.agents)
    days = (pd.Timestamp(ln.start_date) - pd.Timestamp(prev.start_date)).days if prev is not None else "?"
    return (f"{new} started {days} days after the previous line's start, beyond its {rules.regimen_window_days}-day "
            f"regimen window; not in that regimen, not an in-family substitute, not an exempt add-on")


def _end_reason(ln, dates: dict, rules: LineRules) -> str:
    rule = EndRule(ln.end_rule)
    g = rules.discontinuation_gap_days
    return {
        EndRule.NEW_DRUG: f"the next line started on {_iso(ln.next_start_date)}",
        EndRule.GAP: f"no eligible exposure for more than {g} days after {_iso(ln.end_date)}",
        EndRule.METASTATIC_DIAGNOSIS: f"metastatic diagnosis on {dates.get('metastatic diagnosis')} (within {g} days)",
        EndRule.DEATH: f"death on {dates.get('death')} (within {g} days of the last exposure)",
        EndRule.END_OF_DATA: f"no later exposure and follow-up ends within {g} days: ongoing or censored",
    }[rule]


def _timeline(assigned: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    roles = {}
    for ln in lines.itertuples():
        for d in ln.agents:
            roles[(ln.line_seq, d)] = "regimen"
        for d in ln.substitutes:
            roles[(ln.line_seq, d)] = "substitute (same family)"
        for d in ln.add_ons:
            roles[(ln.line_seq, d)] = "exempt add-on"
    g = assigned.groupby(["line_seq", "drug"]).agg(first=("s", "min"), last=("en", "max"), records=("n_records", "sum")).reset_index()
    g = g.sort_values(["line_seq", "first", "drug"])
    g["role"] = [roles.get((a, b), "") for a, b in zip(g["line_seq"], g["drug"], strict=True)]
    g["first"] = g["first"].map(_day)
    g["last"] = g["last"].map(_day)
    return g.reset_index(drop=True)


def _ignored(raw: pd.DataFrame, vocabulary: Vocabulary, rules: LineRules) -> pd.DataFrame:
    cols = ["drug_source_value", "first", "last", "records", "reason"]
    if raw.empty:
        return pd.DataFrame(columns=cols)

    def reason(drug) -> str | None:
        if drug is None or pd.isna(drug) or drug not in vocabulary.by_name:
            return "not in the drug vocabulary"
        cls = vocabulary.by_name[drug].drug_class
        return f"{cls.value} drug" if cls in rules.ignored_classes else None

    raw = raw.assign(reason=[reason(d) for d in raw["drug"]])
    raw = raw[raw["reason"].notna()]
    if raw.empty:
        return pd.DataFrame(columns=cols)
    g = raw.groupby(["drug_source_value", "reason"]).agg(first=("start_date", "min"), last=("start_date", "max"),
                                                         records=("start_date", "size")).reset_index()
    g["first"] = g["first"].map(_iso)
    g["last"] = g["last"].map(_iso)
    return g[cols]
