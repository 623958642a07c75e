"""The study cohort: lines source, index event, ordered inclusion/exclusion steps, groups.

Everything here builds Ibis expressions; nothing runs until the attrition query and the
analysis table are executed (by :mod:`linewise.study.run`).

* :func:`lines_relation` gives recorded ``therapy_lines`` or ``derived_lines`` in one shape,
  with duplicate metastatic line numbers resolved (the earliest start wins);
* :func:`index_table` picks one index line per patient from a condition over lines;
* :class:`PatientScope` resolves the names and calls of patient-level expressions (features,
  covariates, the group variable, ``time_of('endpoint')``) and knows their anchors;
* :func:`attrition` counts, in one query, how many patients each step keeps and excludes
  (a condition that is unknown counts as false: an inclusion step excludes the patient, an
  exclusion step keeps them; both are counted as ``unknown``).

Examples
--------
>>> LINE_SCOPE["setting"].codes
('neoadjuvant', 'adjuvant', 'metastatic')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from ..errors import LinewiseError
from ..model.registry import THERAPY_LINES
from ..store.store import Store
from .compiler import GENERIC_FUNCTIONS, Compiler, Typed, VType, suggest
from .errors import SpecError
from .expr import Call, ExprError, Literal, Name, Node, parse, walk
from .features import (
    BASELINE,
    METASTATIC_SETTING,
    OUTCOME,
    Anchor,
    FrameBuilder,
    Request,
    anchor_of,
    drug_members,
    has_any,
    line_anchor,
    request_for,
    typed_column,
)
from .spec import IndexSpec, LinesSource, Occurrence, StudySpec

LINE_COLUMNS = ("patient_id", "line_number", "setting", "start_date", "end_date", "agents", "end_reason",
                "progression_date", "progression_kind", "best_response", "best_response_date")
DERIVED_LINES_TABLE = "derived_lines"


@dataclass(frozen=True)
class LineField:
    column: str
    vtype: VType
    codes: tuple[str, ...] | None = None


def _codes(col: str) -> tuple[str, ...] | None:
    return THERAPY_LINES.column(col).codes or None


#: Names an index condition can use: the columns of one line.
LINE_SCOPE: dict[str, LineField] = {
    "line_number": LineField("line_number", VType.NUMBER),
    "setting": LineField("setting", VType.STRING, _codes("setting")),
    "start_date": LineField("start_date", VType.DATE),
    "end_date": LineField("end_date", VType.DATE),
    "end_reason": LineField("end_reason", VType.STRING, _codes("end_reason")),
    "progression_date": LineField("progression_date", VType.DATE),
    "progression_kind": LineField("progression_kind", VType.STRING, _codes("progression_kind")),
    "best_response": LineField("best_response", VType.STRING, _codes("best_response")),
    "best_response_date": LineField("best_response_date", VType.DATE),
}
LINE_FUNCTIONS = {"has": "has(drug_or_class): the line contains the drug or a drug of the class",
                  "n_agents": "n_agents(): number of drugs in the regimen"}


def lines_relation(store: Store, source: LinesSource) -> ir.Table:
    """Lines of therapy as one relation (recorded or derived) in the recorded lines' shape.

    Duplicated metastatic line numbers are not resolved here: see
    :func:`duplicate_line_numbers` and :func:`unique_line_numbers`.
    """
    if source is LinesSource.RECORDED:
        t = store.table("therapy_lines")
    else:
        if DERIVED_LINES_TABLE not in store.con.list_tables():
            raise LinewiseError(f"{store.location}: no derived lines in the store; derive them first "
                                "(`linewise lines --registry STORE`) or use lines: {source: recorded}")
        t = store.con.table(DERIVED_LINES_TABLE)
    schema = THERAPY_LINES
    cols = {}
    for name in LINE_COLUMNS:
        if name in t.columns:
            cols[name] = t[name]
        else:  # derived lines know no outcome of a line (progression, response)
            from ..store.store import table_schema

            cols[name] = ibis.null(table_schema(schema)[name])
    return t.select(**cols)


def duplicate_line_numbers(lines: ir.Table) -> int:
    """How many metastatic lines repeat a (patient, line number) already taken (one aggregate
    query; the window that resolves them sorts every line, so it runs only when needed)."""
    met = lines.filter((lines.setting == METASTATIC_SETTING) & lines.line_number.notnull())
    counts = met.group_by([met.patient_id, met.line_number]).aggregate(n=met.count())
    value = counts.filter(counts.n > 1).aggregate(extra=(counts.n - 1).sum()).execute()["extra"].iloc[0]
    return 0 if value is None or value != value else int(value)


def unique_line_numbers(lines: ir.Table) -> ir.Table:
    """Metastatic lines with one row per patient and line number: the earliest start wins."""
    t = lines
    rank = ibis.row_number().over(group_by=[t.patient_id, t.setting, t.line_number],
                                  order_by=[t.start_date, t.end_date])
    t = t.mutate(_dup=rank)
    return t.filter((t.setting != METASTATIC_SETTING) | t.line_number.isnull() | (t._dup == 0)).drop("_dup")


def _line_compiler(text: str, lines: ir.Table) -> Compiler:
    def name(node: Name) -> Typed:
        fld = LINE_SCOPE.get(node.name)
        if fld is None:
            raise ExprError(f"unknown line field {node.name!r}{suggest(node.name, [*LINE_SCOPE, *LINE_FUNCTIONS])}; "
                            f"an index condition sees the columns of one line: {', '.join(LINE_SCOPE)}",
                            node.pos, text)
        col = lines[fld.column]
        return Typed(col.cast("float64") if fld.vtype is VType.NUMBER else col, fld.vtype, fld.codes)

    def call(node: Call) -> Typed:
        if node.func == "has":
            if len(node.args) != 1 or not isinstance(node.args[0], Literal) or not isinstance(node.args[0].value, str):
                raise ExprError("has() takes one quoted drug or drug class, e.g. has('pertuzumab')", node.pos, text)
            return Typed(has_any(lines.agents, drug_members(node.args[0].value, node, text)), VType.BOOLEAN)
        if node.func == "n_agents":
            if node.args:
                raise ExprError("n_agents() takes no argument", node.pos, text)
            return Typed(lines.agents.length().cast("float64"), VType.NUMBER)
        raise ExprError(f"unknown function {node.func!r} in an index condition"
                        f"{suggest(node.func, list(LINE_FUNCTIONS))}; use has('drug') or n_agents()", node.pos, text)

    return Compiler(text, name, call)


def index_table(spec: StudySpec, lines: ir.Table) -> ir.Table:
    """One index line per patient: the first (or last) line meeting the index condition."""
    ix: IndexSpec = spec.index
    path = ("index", "line")
    try:
        node = parse(ix.line)
        cond = _line_compiler(ix.line, lines).compile(node)
    except ExprError as err:
        err.path = path
        raise spec.locate(err, ix.line) from None
    if cond.type is not VType.BOOLEAN:
        raise spec.locate(SpecError(f"the index condition must be true/false, it is a {cond.type.value}", path=path))
    sel = cond.expr.fill_null(False)
    if ix.start_from is not None:
        sel = sel & (lines.start_date >= ix.start_from)
    if ix.start_to is not None:
        sel = sel & (lines.start_date <= ix.start_to)
    cand = lines.filter(sel)
    first = ix.occurrence is Occurrence.FIRST
    order = [cand.start_date, cand.line_number] if first else [cand.start_date.desc(), cand.line_number.desc()]
    cand = cand.mutate(_pick=ibis.row_number().over(group_by=cand.patient_id, order_by=order))
    cand = cand.filter(cand._pick == 0)
    return cand.select(
        "patient_id", index_start=cand.start_date, index_end=cand.end_date, index_line_number=cand.line_number,
        index_setting=cand.setting, index_agents=cand.agents, index_end_reason=cand.end_reason,
        index_progression_date=cand.progression_date, index_progression_kind=cand.progression_kind,
        index_best_response=cand.best_response, index_best_response_date=cand.best_response_date)


# --- patient-level expressions ----------------------------------------------------------------------
@dataclass
class ParsedExpr:
    """One expression of the spec: where it is, its text and tree, what it refers to."""

    path: tuple
    text: str
    node: Node
    requests: list[Request] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # covariates, the group, endpoints


ENDPOINT_FUNCTIONS = ("time_of", "event_of")


@dataclass
class PatientScope:
    """Names a patient-level expression can use, and how to compile them on the frame.

    Parameters
    ----------
    spec : StudySpec
    variables : mapping
        Covariate and group names already compiled as columns, with their types/anchors.
    """

    spec: StudySpec
    covariates: Mapping[str, Anchor] = field(default_factory=dict)
    group: str | None = None
    group_anchor: Anchor | None = None

    def fail(self, err: SpecError, path: tuple, text: str) -> SpecError:
        err.path = path
        return self.spec.locate(err, text)

    def parse(self, text: str, path: tuple, *, allow_variables: bool = True) -> ParsedExpr:
        """Parse and resolve every name; unknown names are errors located in the YAML."""
        try:
            node = parse(text)
            out = ParsedExpr(path, text, node)
            for n in walk(node):
                if isinstance(n, Name):
                    # covariates are built from features only: there a name is always a feature
                    # (a covariate may share its feature's name, e.g. visceral: visceral)
                    is_variable = n.name in self.covariates or (self.group is not None and n.name in (self.group, "group"))
                    if is_variable and allow_variables:
                        out.references.append(n.name)
                        continue
                    out.requests.append(request_for(n, text))
                elif isinstance(n, Call):
                    if n.func in ENDPOINT_FUNCTIONS:
                        self._endpoint_arg(n, text)
                        out.references.append(f"{n.func}:{n.args[0].value}")
                        continue
                    if n.func not in GENERIC_FUNCTIONS:
                        out.requests.append(request_for(n, text))
            return out
        except ExprError as err:
            raise self.fail(err, path, text) from None

    def _endpoint_arg(self, n: Call, text: str) -> str:
        if len(n.args) != 1 or not isinstance(n.args[0], Literal) or not isinstance(n.args[0].value, str):
            raise ExprError(f"{n.func}() takes one quoted endpoint name", n.pos, text)
        name = n.args[0].value
        if name not in self.spec.endpoints:
            raise ExprError(f"unknown endpoint {name!r}{suggest(name, list(self.spec.endpoints))}", n.args[0].pos, text)
        return name

    def anchor(self, parsed: ParsedExpr) -> Anchor:
        """When the value of the expression becomes known (the latest of what it uses)."""
        anchors = [anchor_of(r) for r in parsed.requests]
        for ref in parsed.references:
            if ref in self.covariates:
                anchors.append(self.covariates[ref])
            elif ref.startswith(ENDPOINT_FUNCTIONS):
                anchors.append(self._endpoint_anchor(ref.split(":", 1)[1]))
            elif self.group_anchor is not None:
                anchors.append(self.group_anchor)
        return max(anchors, default=BASELINE)

    def _endpoint_anchor(self, name: str) -> Anchor:
        line = self.spec.endpoints[name].resolved().line
        return OUTCOME if line == "index" else line_anchor(int(line) + 1)

    def compile(self, parsed: ParsedExpr, frame: ir.Table, variables: Mapping[str, Typed],
                want: VType | None = None) -> Typed:
        """Compile on the frame; ``variables`` maps covariate/group names to their typed columns."""
        text = parsed.text

        def name(node: Name) -> Typed:
            key = self.group if node.name == "group" and self.group is not None else node.name
            if key in variables:
                return variables[key]
            return typed_column(frame, request_for(node, text))

        def call(node: Call) -> Typed:
            if node.func in ENDPOINT_FUNCTIONS:
                ep = self._endpoint_arg(node, text)
                if node.func == "time_of":
                    return Typed(frame[f"{ep}_time"], VType.NUMBER)
                return Typed(frame[f"{ep}_event"] == 1, VType.BOOLEAN)
            return typed_column(frame, request_for(node, text))

        try:
            out = Compiler(text, name, call).compile(parsed.node)
        except ExprError as err:
            raise self.fail(err, parsed.path, text) from None
        if want is not None and out.type not in (want, VType.NULL):
            raise self.fail(SpecError(f"must be a {want.value} expression, this one is a {out.type.value}"),
                            parsed.path, text)
        return out


def anchor_date(frame: ir.Table, anchor: Anchor, builder_columns: Mapping[int, str]) -> ir.DateValue:
    """The date at which a patient's value of a feature anchored at ``anchor`` became known."""
    from .features import AnchorKind

    if anchor.kind is AnchorKind.BASELINE:
        return frame.primary_diagnosis_date
    if anchor.kind is AnchorKind.METASTATIC:
        return frame.metastatic_diagnosis_date
    if anchor.kind is AnchorKind.LINE:
        return frame[builder_columns[anchor.line]]
    if anchor.kind is AnchorKind.INDEX:
        return frame.index_start
    return ibis.coalesce(frame.index_end, frame.last_contact_date, frame.index_start)


def request_anchor_columns(builder: FrameBuilder, anchors) -> dict[int, str]:
    """Ask for the line-start columns that line anchors need; map line number -> column."""
    from .features import AnchorKind

    out = {}
    for a in anchors:
        if a is not None and a.kind is AnchorKind.LINE:
            out[a.line] = builder.add(Request("line_start", (a.line,)))
    return out


# --- attrition --------------------------------------------------------------------------------------
def step_passes(cond: ir.BooleanValue, exclusion: bool) -> ir.BooleanValue:
    """Whether a patient stays after a step (an unknown condition is false)."""
    known = cond.fill_null(False)
    return ~known if exclusion else known


def attrition(frame: ir.Table, steps: list[tuple[str, str, bool, ir.BooleanValue]],
              group: ir.Value | None, n_registry: int, index_label: str) -> list[dict]:
    """Counts kept, excluded and unknown at each step, in one aggregate query.

    Parameters
    ----------
    frame : ibis.Table
        One row per patient with an index line.
    steps : list of (id, label, is_exclusion, condition)
    group : ibis value or None
        The group column (missing = in no group).
    n_registry : int
        Patients in the registry (before the index event).
    """
    metrics = {"n_index": frame.count()}
    keep = ibis.literal(True)
    for i, (_, _, exclusion, cond) in enumerate(steps):
        metrics[f"unknown_{i}"] = ibis.cases((keep & cond.isnull(), 1), else_=0).sum()
        keep = keep & step_passes(cond, exclusion)
        metrics[f"kept_{i}"] = ibis.cases((keep, 1), else_=0).sum()
    if group is not None:
        metrics["grouped"] = ibis.cases((keep & group.notnull(), 1), else_=0).sum()
    row = frame.aggregate(**metrics).execute().iloc[0]

    def as_int(v) -> int:
        return 0 if v is None or v != v else int(v)

    n_index = as_int(row["n_index"])
    out = [{"step": "registry", "label": "Patients in the registry", "kind": "start", "n": int(n_registry),
            "excluded": 0, "unknown": 0},
           {"step": "index", "label": index_label, "kind": "index", "n": n_index,
            "excluded": int(n_registry) - n_index, "unknown": 0}]
    before = n_index
    for i, (sid, label, exclusion, _) in enumerate(steps):
        kept = as_int(row[f"kept_{i}"])
        out.append({"step": sid, "label": label, "kind": "exclude" if exclusion else "include", "n": kept,
                    "excluded": before - kept, "unknown": as_int(row[f"unknown_{i}"])})
        before = kept
    if group is not None:
        kept = as_int(row["grouped"])
        out.append({"step": "groups", "label": "Assigned to a group", "kind": "groups", "n": kept,
                    "excluded": before - kept, "unknown": 0})
    return out
