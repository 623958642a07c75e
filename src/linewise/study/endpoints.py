"""Real-world endpoints: origin, events, censoring and delayed entry, compiled to Ibis columns.

Every time-to-event endpoint of a spec becomes five columns of the analysis table:
``<name>_origin`` (date), ``<name>_time`` (in the study's unit), ``<name>_event`` (1/0),
``<name>_status`` (which event ended follow-up, or ``censored``) and, with delayed entry,
``<name>_entry``. The rules, for one patient:

* the **origin** is the start of the endpoint's line (the index line or metastatic line k),
  the metastatic diagnosis or the registry enrolment;
* each listed **event** gives a date: progression of the endpoint's line (radiological,
  clinical or either), death, the line stopped for toxicity, loss to follow-up (at the last
  contact), start of the next line, end of the line for any reason. Dates before the origin
  or after the data cut-off are ignored; with ``censor_at_next_line`` so are dates after the
  next line starts. The earliest remaining date is the event;
* without an event, follow-up is **censored** at the last contact (or the death date when
  death is not an event), at the last tumour assessment of the line (from its start until
  the next line; the best-response date counts as an assessment) or at the data cut-off —
  never after the cut-off or the next line (if asked), never before the origin;
* for rwPFS a death counts only within ``death_window_days`` of the censoring date;
* **delayed entry**: the patient enters the risk set at enrolment (or at the index line
  start) when that is after the origin.

Examples
--------
>>> from linewise.study.spec import EndpointSpec
>>> ep = EndpointSpec(preset="pfs_composite", line=1).resolved()
>>> (ep.origin.value, ep.line, [e.value for e in ep.events])
('line_start', 1, ['progression', 'toxicity_stop', 'death', 'lost_to_follow_up'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from .errors import SpecError
from .features import FrameBuilder, Request, left_join
from .spec import (
    DAYS_PER_UNIT,
    CensorKind,
    EndpointPreset,
    EntryKind,
    EventKind,
    OriginKind,
    ResolvedEndpoint,
    ResponseKind,
    ResponseSpec,
    TimeUnit,
)

P, E, C = EndpointPreset, EventKind, CensorKind

#: The named presets; a spec may override any field.
PRESETS: dict[EndpointPreset, dict] = {
    P.PFS_RADIOLOGICAL: dict(label="PFS (radiological progression, RECIST 1.1)", origin=OriginKind.LINE_START,
                             events=(E.RADIOLOGICAL_PROGRESSION,), censor=C.LAST_TUMOUR_ASSESSMENT),
    P.PFS_COMPOSITE: dict(label="PFS (progression, stop for toxicity, death or loss to follow-up)",
                          origin=OriginKind.LINE_START,
                          events=(E.PROGRESSION, E.TOXICITY_STOP, E.DEATH, E.LOST_TO_FOLLOW_UP), censor=C.LAST_CONTACT),
    P.OS_METASTATIC: dict(label="OS from metastatic diagnosis", origin=OriginKind.METASTATIC_DIAGNOSIS,
                          events=(E.DEATH,), censor=C.LAST_CONTACT),
    P.OS_INDEX: dict(label="OS from the index line start", origin=OriginKind.LINE_START, events=(E.DEATH,),
                     censor=C.LAST_CONTACT),
    P.TTNT: dict(label="Time to next treatment (or death)", origin=OriginKind.LINE_START,
                 events=(E.NEXT_LINE_START, E.DEATH), censor=C.LAST_CONTACT),
    P.TTD: dict(label="Time to treatment discontinuation (or death)", origin=OriginKind.LINE_START,
                events=(E.LINE_END, E.DEATH), censor=C.LAST_CONTACT),
    P.DOT: dict(label="Duration of therapy", origin=OriginKind.LINE_START, events=(E.LINE_END,),
                censor=C.LAST_CONTACT),
    P.RWPFS: dict(label="Real-world PFS (progression, or death within 60 days of the last assessment)",
                  origin=OriginKind.LINE_START, events=(E.PROGRESSION, E.DEATH), censor=C.LAST_TUMOUR_ASSESSMENT,
                  death_window_days=60),
}

PRESET_DOCS: dict[EndpointPreset, str] = {
    P.PFS_RADIOLOGICAL: "PFS as Study B: radiological progression (RECIST 1.1) only; censored at the last tumour assessment.",
    P.PFS_COMPOSITE: "PFS as Study C: progression (any), stop for toxicity, death or loss to follow-up; censored at the last contact.",
    P.OS_METASTATIC: "Overall survival from the metastatic diagnosis; censored at the last contact.",
    P.OS_INDEX: "Overall survival from the start of the endpoint's line (the index line by default).",
    P.TTNT: "Time to next treatment: start of the next metastatic line or death.",
    P.TTD: "Time to treatment discontinuation: end of the line for any reason, or death.",
    P.DOT: "Duration of therapy: start to end of the line; censored at the last contact while ongoing.",
    P.RWPFS: "Real-world PFS: progression, or death within 60 days after the last tumour assessment; otherwise "
             "censored at that assessment.",
}

RESPONSE_RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 3, "NE": 4}
NOT_EVALUABLE = "NE"
#: Clinical benefit: stable disease for at least 24 weeks unless the spec says otherwise.
CBR_MIN_SD_WEEKS = 24
CENSORED = "censored"
DAYS_PER_MONTH = DAYS_PER_UNIT[TimeUnit.MONTHS]


def line_key(line) -> str:
    return "index" if line == "index" else f"line{int(line)}"


@dataclass(frozen=True)
class LineColumns:
    """Column names of the frame describing one line (index or metastatic line k)."""

    start: str
    end: str
    end_reason: str
    progression_date: str
    progression_kind: str
    best_response: str
    best_response_date: str
    next_start: str

    @property
    def last_assessment(self) -> str:
        return f"a_last__{self.start}"

    @property
    def assessed_best(self) -> str:
        return f"a_best__{self.start}"


def request_line(builder: FrameBuilder, line) -> LineColumns:
    """Ask the frame builder for the columns of a line; return their names."""
    if line == "index":
        nxt = builder.add(Request("index_next_line_start"))
        return LineColumns("index_start", "index_end", "index_end_reason", "index_progression_date",
                           "index_progression_kind", "index_best_response", "index_best_response_date", nxt)
    k = int(line)
    cols = {name: builder.add(Request(name, (k,))) for name in (
        "line_start", "line_end", "line_end_reason", "line_progression_date", "line_progression_kind",
        "line_best_response", "line_best_response_date", "next_line_start")}
    return LineColumns(cols["line_start"], cols["line_end"], cols["line_end_reason"], cols["line_progression_date"],
                       cols["line_progression_kind"], cols["line_best_response"], cols["line_best_response_date"],
                       cols["next_line_start"])


def add_assessments(frame: ir.Table, assessments: ir.Table, lines: list[LineColumns]) -> ir.Table:
    """Join the last tumour assessment and the best assessed response of each line.

    An assessment belongs to a line when it is after the line start and before the next line.
    All lines are done in one join and one aggregate (``where=`` filters per line).
    """
    todo = [lc for lc in {lc.start: lc for lc in lines}.values() if lc.last_assessment not in frame.columns]
    if not todo:
        return frame
    win = frame.select(_pid=frame.patient_id, **{f"_lo{i}": frame[lc.start] for i, lc in enumerate(todo)},
                       **{f"_hi{i}": frame[lc.next_start] for i, lc in enumerate(todo)})
    A = assessments.inner_join(win, assessments.patient_id == win._pid)
    rank = ibis.cases(*[(A.response == code, r) for code, r in RESPONSE_RANK.items()], else_=ibis.null("int64"))
    metrics = {}
    for i, lc in enumerate(todo):
        lo, hi = A[f"_lo{i}"], A[f"_hi{i}"]
        inside = (A.assessment_date > lo) & (hi.isnull() | (A.assessment_date < hi))
        metrics[lc.last_assessment] = A.assessment_date.max(where=inside)
        metrics[lc.assessed_best] = rank.min(where=inside)
    return left_join(frame, A.group_by(A.patient_id).aggregate(**metrics))


def _days(later, earlier):
    return later.delta(earlier, unit="day").cast("float64")


def origin_date(frame: ir.Table, ep: ResolvedEndpoint, lc: LineColumns) -> ir.DateValue:
    return {
        OriginKind.LINE_START: frame[lc.start],
        OriginKind.INDEX_START: frame.index_start,
        OriginKind.METASTATIC_DIAGNOSIS: frame.metastatic_diagnosis_date,
        OriginKind.ENROLMENT: frame.enrolment_date,
    }[ep.origin]


def event_dates(frame: ir.Table, ep: ResolvedEndpoint, lc: LineColumns) -> dict[EventKind, ir.DateValue]:
    """The raw date of each event kind (missing when it did not happen)."""
    f = frame
    none = ibis.null("date")
    prog, kind = f[lc.progression_date], f[lc.progression_kind]
    out = {
        E.RADIOLOGICAL_PROGRESSION: ibis.cases((kind == "radiological", prog), else_=none),
        E.CLINICAL_PROGRESSION: ibis.cases((kind == "clinical", prog), else_=none),
        E.PROGRESSION: prog,
        E.DEATH: f.death_date,
        E.TOXICITY_STOP: ibis.cases((f[lc.end_reason] == "toxicity", f[lc.end]), else_=none),
        E.LOST_TO_FOLLOW_UP: ibis.cases((f.lost_to_follow_up.fill_null(False) & f.death_date.isnull(),
                                         f.last_contact_date), else_=none),
        E.NEXT_LINE_START: f[lc.next_start],
        E.LINE_END: ibis.cases((f[lc.end_reason].fill_null("") != "ongoing", f[lc.end]), else_=none),
    }
    return {k: out[k] for k in ep.events}


def add_endpoints(frame: ir.Table, items: list[tuple[str, ResolvedEndpoint, LineColumns, tuple]], unit: TimeUnit,
                  cutoff: dt.date | None) -> tuple[ir.Table, list[str]]:
    """Add the analysis-table columns of the endpoints (rules in the module docstring).

    ``items`` holds ``(name, endpoint, line columns, spec path)``. Work columns
    (``_<name>_...``) are added in a few stages shared by all endpoints, each referring to the
    previous stage's columns, so the generated SQL stays small and shallow. Returns the new
    frame and the names of the output columns.
    """
    per_unit = DAYS_PER_UNIT[unit]
    cut = ibis.literal(cutoff, type="date") if cutoff is not None else None

    def o(n):
        return f"_{n}_o"

    def c(n):
        return f"_{n}_c"

    # stage 1: origin and raw censoring date
    f, stage = frame, {}
    for name, ep, lc, path in items:
        origin = origin_date(f, ep, lc)
        if ep.censor is C.LAST_CONTACT:
            censor = ibis.coalesce(f.death_date, f.last_contact_date)
        elif ep.censor is C.LAST_TUMOUR_ASSESSMENT:
            resp = f[lc.best_response_date]
            resp_date = ibis.cases((resp >= origin, resp), else_=origin)
            censor = ibis.greatest(f[lc.last_assessment].fill_null(origin), resp_date.fill_null(origin))
        else:
            if cut is None:
                raise SpecError("censor: data_cutoff needs the study's data_cutoff date", path=(*path, "censor"))
            censor = cut
        if ep.censor_at_next_line:
            nxt = f[lc.next_start]
            censor = ibis.cases((nxt.notnull() & (nxt < censor), nxt), else_=censor)
        stage[o(name)], stage[c(name)] = origin, censor
    f = f.mutate(**stage)

    # stage 2: censoring within [origin, cut-off]; the valid date of each event kind
    stage, dated = {}, {}
    for name, ep, lc, _ in items:
        censor = f[c(name)]
        if cut is not None:
            censor = ibis.cases((censor > cut, cut), else_=censor)
        censor = ibis.cases((censor.isnull() | (censor < f[o(name)]), f[o(name)]), else_=censor)
        stage[c(name)] = censor
        dated[name] = {}
        for kind, d in event_dates(f, ep, lc).items():
            ok = d.notnull() & (d >= f[o(name)])
            if cut is not None:
                ok = ok & (d <= cut)
            if ep.censor_at_next_line:
                nxt = f[lc.next_start]
                ok = ok & (nxt.isnull() | (d <= nxt))
            col = f"_{name}_{kind.value}"
            dated[name][col] = kind
            stage[col] = ibis.cases((ok, d), else_=ibis.null("date"))
    f = f.mutate(**stage)

    # stage 3: rwPFS death window (needs the final censoring date), then the first event
    stage = {}
    for name, ep, _, _ in items:
        if ep.death_window_days is not None and E.DEATH in ep.events:
            col = f"_{name}_{E.DEATH.value}"
            limit = f[c(name)] + ibis.interval(days=int(ep.death_window_days))
            stage[col] = ibis.cases((f[col] <= limit, f[col]), else_=ibis.null("date"))
    if stage:
        f = f.mutate(**stage)
    stage = {}
    for name, _, _, _ in items:
        cols = [f[k] for k in dated[name]]
        stage[f"_{name}_first"] = cols[0] if len(cols) == 1 else ibis.least(*cols)
    f = f.mutate(**stage)

    # stage 4: outputs
    out = {}
    for name, ep, _, _ in items:
        first, origin, censor = f[f"_{name}_first"], f[o(name)], f[c(name)]
        status = ibis.cases(*[(first == f[k], kind.value) for k, kind in dated[name].items()], else_=CENSORED)
        time = _days(ibis.coalesce(first, censor), origin) / per_unit
        out[f"{name}_origin"] = origin
        out[f"{name}_time"] = ibis.cases((origin.notnull(), time), else_=ibis.null("float64"))
        out[f"{name}_event"] = ibis.cases((origin.isnull(), ibis.null("int8")), (first.notnull(), 1), else_=0).cast("int8")
        out[f"{name}_status"] = ibis.cases((origin.isnull(), "no origin date"), else_=status)
        if ep.entry is EntryKind.ENROLMENT:
            out[f"{name}_entry"] = ibis.greatest(_days(f.enrolment_date, origin) / per_unit, ibis.literal(0.0))
        elif ep.entry is EntryKind.INDEX:
            out[f"{name}_entry"] = ibis.greatest(_days(f.index_start, origin) / per_unit, ibis.literal(0.0))
    return (f.mutate(**out) if out else f), list(out)


def add_response(frame: ir.Table, name: str, spec: ResponseSpec, lc: LineColumns) -> tuple[ir.Table, list[str]]:
    """Add best overall response (missing counts as not evaluable) or a response-rate indicator.

    Best response is the recorded one of the line, else the best RECIST assessment between the
    line start and the next line; stable disease counts towards DCR/CBR when progression-free
    time on the line (to progression, else to the last assessment) reaches the minimum.
    """
    f = frame
    bor_col = f"_{name}_bor" if spec.kind is not ResponseKind.BEST_RESPONSE else name
    from_assessments = ibis.cases(*[(f[lc.assessed_best] == r, code) for code, r in RESPONSE_RANK.items()],
                                  else_=ibis.null("string"))
    f = f.mutate(**{bor_col: ibis.coalesce(f[lc.best_response], from_assessments, ibis.literal(NOT_EVALUABLE))})
    if spec.kind is ResponseKind.BEST_RESPONSE:
        return f, [name]
    bor = f[bor_col]
    responder = bor.isin(["CR", "PR"])
    if spec.kind is ResponseKind.TRR:
        return f.mutate(**{name: responder}), [name]
    start = f[lc.start]
    prog = ibis.cases((f[lc.progression_date] >= start, f[lc.progression_date]), else_=ibis.null("date"))
    last_seen = ibis.coalesce(prog, ibis.greatest(f[lc.last_assessment], f[lc.best_response_date]))
    sd_col = f"{name}_sd_months"
    f = f.mutate(**{sd_col: ibis.cases((bor == "SD", _days(last_seen, start) / DAYS_PER_MONTH),
                                       else_=ibis.null("float64"))})
    minimum = spec.min_sd_months
    if minimum is None and spec.kind is ResponseKind.CBR:
        minimum = CBR_MIN_SD_WEEKS * 7 / DAYS_PER_MONTH
    stable = f[bor_col] == "SD"
    if minimum is not None:
        stable = stable & (f[sd_col] >= minimum).fill_null(False)
    return f.mutate(**{name: f[bor_col].isin(["CR", "PR"]) | stable}), [name, sd_col]
