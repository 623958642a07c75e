"""The documented patient and sequence features a spec can name, built as Ibis expressions.

A feature is a column of the patient frame (one row per patient with an index line): a
patient characteristic (``er_status``), something of the index line (``index_line_number``),
a treatment-sequence fact (``prior('pertuzumab')``, ``in_line(1, 'pertuzumab')``), a metastatic
site or the ECOG status at the index date. Each feature declares its type, its allowed codes
and its *anchor*: the moment it becomes known (primary diagnosis, metastatic diagnosis, start
of line k, index, after the index). The bias guard compares anchors with endpoint origins.

Only the features a spec uses are computed: expressions are parsed first, the requests they
make are collected, and :class:`FrameBuilder` builds one frame with one aggregate per source
table (lines, sites, ECOG) joined to patients, all pushed down to the engine.

The treatment-sequence features (prior exposure, drug in line k, line of first exposure, prior
lines and chemotherapy regimens, duration of HER2 therapy) are the expressions of
:mod:`linewise.lines.sequences`, applied to the spec's lines (recorded or derived) and read
from their ``agents``.

Examples
--------
>>> sorted(n for n in FEATURES if n.startswith("index_"))[:3]
['index_best_response', 'index_best_response_date', 'index_end']
>>> FUNCTIONS["prior"].signature
"prior(drug_or_class, setting='any')"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import ibis
import ibis.expr.types as ir

from ..errors import LinewiseError
from ..lines import sequences as seq
from ..lines.sequences import (
    HER2_TARGETED,
    METASTATIC_SETTING,
    SETTING_CHOICES,
    has_any,
)
from ..lines.vocabulary import DrugClass, closest_drug
from ..model.registry import METASTATIC_SITES, PATIENTS, THERAPY_LINES
from .compiler import DAYS_PER_MONTH, DAYS_PER_YEAR, Typed, VType, literal_args, suggest
from .expr import Call, ExprError, Literal, Name


class AnchorKind(IntEnum):
    """When a feature becomes known, in the order a patient's history unfolds."""

    BASELINE = 0  # at primary diagnosis (tumour biology, birth)
    METASTATIC = 1  # at metastatic diagnosis
    LINE = 2  # at the start of metastatic line k
    INDEX = 3  # at the start of the index line
    OUTCOME = 4  # only after the index (response, later lines, death)


@dataclass(frozen=True, order=True)
class Anchor:
    kind: AnchorKind
    line: int = 0

    def describe(self) -> str:
        return {
            AnchorKind.BASELINE: "the primary diagnosis",
            AnchorKind.METASTATIC: "the metastatic diagnosis",
            AnchorKind.LINE: f"the start of line {self.line}",
            AnchorKind.INDEX: "the index line start",
            AnchorKind.OUTCOME: "follow-up after the index line",
        }[self.kind]


BASELINE, METASTATIC, INDEX, OUTCOME = (Anchor(k) for k in (AnchorKind.BASELINE, AnchorKind.METASTATIC,
                                                               AnchorKind.INDEX, AnchorKind.OUTCOME))


def line_anchor(k: int) -> Anchor:
    return Anchor(AnchorKind.LINE, int(k))


class Source(StrEnum):
    """The relation a feature is computed from (one aggregate per source)."""

    BASE = "base"  # patients joined to their index line
    LINES = "lines"  # all lines of the patient, aggregated
    SITES = "sites"  # metastatic sites known by the index date
    ECOG = "ecog"  # the ECOG assessment closest to the index date


VISCERAL_SITES = ("liver", "lung", "pleura")
#: Ki-67 above this percentage is "high" (Study C: > 20% vs <= 20%).
KI67_CUTOFF = 20.0
IHC_SUBTYPES = ("TP", "ER or PgR+", "HR-negative")
RESPONSE_CODES = THERAPY_LINES.column("best_response").codes


def _codes(table, column: str) -> tuple[str, ...]:
    return table.column(column).codes


# --- drug arguments -------------------------------------------------------------------------------
def drug_members(value: str, call: Call, text: str) -> tuple[str, ...]:
    """The generic drug names a drug or class argument stands for (synonyms accepted;
    :func:`linewise.lines.sequences.drugs_of`), sorted."""
    try:
        return tuple(sorted(seq.drugs_of(value)))
    except LinewiseError:
        pass
    close = closest_drug(value)
    hint = f"; did you mean {close!r}?" if close else ""
    classes = ", ".join([HER2_TARGETED, *[c.value for c in DrugClass]])
    pos = next((a.pos for a in call.args if isinstance(a, Literal) and a.value == value), call.pos)
    raise ExprError(f"{value!r} is not a known drug or drug class{hint} (classes: {classes})", pos, text)


def _days(later, earlier) -> ir.FloatingValue:
    return later.delta(earlier, unit="day").cast("float64")


# --- the catalogue ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Feature:
    """One documented feature (a name) or feature function (a call with literal arguments)."""

    name: str
    vtype: VType
    doc: str
    source: Source
    build: Callable  # (ctx, args) -> ibis value over the source relation
    anchor: Anchor | Callable[[tuple], Anchor] = INDEX
    params: tuple[tuple[str, type | tuple[type, ...]], ...] = ()
    optional: int = 0
    codes: tuple[str, ...] | None = None
    defaults: tuple = ()
    check: Callable | None = None  # (args, call, text) -> normalised args

    @property
    def is_function(self) -> bool:
        return bool(self.params)

    @property
    def signature(self) -> str:
        if not self.params:
            return self.name
        parts = []
        n_req = len(self.params) - self.optional
        for i, (pname, _) in enumerate(self.params):
            if i >= n_req:
                parts.append(f"{pname}={self.defaults[i - n_req]!r}")
            else:
                parts.append(pname)
        return f"{self.name}({', '.join(parts)})"

    def anchor_of(self, args: tuple) -> Anchor:
        return self.anchor(args) if callable(self.anchor) else self.anchor


@dataclass(frozen=True)
class Request:
    """A feature a spec uses, with its (normalised, literal) arguments."""

    name: str
    args: tuple = ()

    @property
    def column(self) -> str:
        if not self.args:
            return f"f_{self.name}"
        slug = "_".join(re.sub(r"[^a-z0-9]+", "_", str(a).lower()).strip("_") for a in self.args)
        return f"f_{self.name}__{slug}"


FEATURES: dict[str, Feature] = {}
FUNCTIONS: dict[str, Feature] = {}


def _add(feature: Feature) -> None:
    (FUNCTIONS if feature.is_function else FEATURES)[feature.name] = feature


def _base(name, vtype, doc, build, anchor=BASELINE, codes=None):
    _add(Feature(name, vtype, doc, Source.BASE, lambda ctx, args, b=build: b(ctx.base), anchor, codes=codes))


def _raw(column: str, vtype: VType, anchor: Anchor, name: str | None = None, doc: str | None = None):
    col = PATIENTS.column(column)
    codes = col.codes or None
    _base(name or column, vtype, doc or col.description, lambda b, c=column: b[c], anchor, codes)


for _c, _t, _a in (("sex", VType.STRING, BASELINE), ("centre", VType.STRING, BASELINE),
                   ("er_status", VType.STRING, BASELINE), ("pgr_status", VType.STRING, BASELINE),
                   ("er_percent", VType.NUMBER, BASELINE), ("pgr_percent", VType.NUMBER, BASELINE),
                   ("her2_ihc", VType.STRING, BASELINE), ("her2_ish", VType.STRING, BASELINE),
                   ("ki67_percent", VType.NUMBER, BASELINE), ("grade", VType.STRING, BASELINE),
                   ("histology", VType.STRING, BASELINE), ("birth_date", VType.DATE, BASELINE),
                   ("primary_diagnosis_date", VType.DATE, BASELINE), ("surgery_date", VType.DATE, BASELINE),
                   ("metastatic_diagnosis_date", VType.DATE, METASTATIC), ("enrolment_date", VType.DATE, BASELINE),
                   ("last_contact_date", VType.DATE, OUTCOME), ("death_date", VType.DATE, OUTCOME),
                   ("lost_to_follow_up", VType.BOOLEAN, OUTCOME)):
    _raw(_c, _t, _a)
_raw("de_novo_metastatic", VType.BOOLEAN, METASTATIC, name="de_novo",
     doc="Metastatic at primary diagnosis (de novo stage IV).")

_base("age_at_index", VType.NUMBER, "Age in years at the index line start.",
      lambda b: _days(b.index_start, b.birth_date) / DAYS_PER_YEAR, INDEX)
_base("age_at_metastatic_diagnosis", VType.NUMBER, "Age in years at metastatic diagnosis.",
      lambda b: _days(b.metastatic_diagnosis_date, b.birth_date) / DAYS_PER_YEAR, METASTATIC)
_base("hr_status", VType.STRING, "Hormone-receptor status: 'positive' (ER+ and/or PgR+), 'negative' (both negative); "
      "missing when neither is positive and one is unknown.",
      lambda b: ibis.cases(((b.er_status == "positive") | (b.pgr_status == "positive"), "positive"),
                           ((b.er_status == "negative") & (b.pgr_status == "negative"), "negative"),
                           else_=ibis.null("string")), BASELINE, ("positive", "negative"))
_base("ihc_subtype", VType.STRING, "IHC subtype of a HER2-positive tumour: 'TP' (ER+ and PgR+), 'ER or PgR+' "
      "(one positive, the other negative), 'HR-negative' (both negative); missing otherwise.",
      lambda b: ibis.cases(((b.er_status == "positive") & (b.pgr_status == "positive"), "TP"),
                           ((b.er_status == "negative") & (b.pgr_status == "negative"), "HR-negative"),
                           ((b.er_status == "positive") & (b.pgr_status == "negative"), "ER or PgR+"),
                           ((b.er_status == "negative") & (b.pgr_status == "positive"), "ER or PgR+"),
                           else_=ibis.null("string")), BASELINE, IHC_SUBTYPES)
_base("her2_positive", VType.BOOLEAN, "HER2-positive: IHC 3+ or ISH amplified (false: IHC 0/1+, or 2+ not amplified).",
      lambda b: ibis.cases(((b.her2_ihc == "3+") | (b.her2_ish == "amplified"), True),
                           (b.her2_ihc.isin(["0", "1+"]) | (b.her2_ish == "not_amplified"), False),
                           else_=ibis.null("boolean")), BASELINE)
_base("ki67_high", VType.BOOLEAN, f"Ki-67 above {KI67_CUTOFF:g}%.", lambda b: b.ki67_percent > KI67_CUTOFF, BASELINE)
_base("ki67_category", VType.STRING, f"Ki-67 '<={KI67_CUTOFF:g}%' or '>{KI67_CUTOFF:g}%' (missing when unknown).",
      lambda b: ibis.cases((b.ki67_percent > KI67_CUTOFF, f">{KI67_CUTOFF:g}%"),
                           (b.ki67_percent <= KI67_CUTOFF, f"<={KI67_CUTOFF:g}%"), else_=ibis.null("string")),
      BASELINE, (f"<={KI67_CUTOFF:g}%", f">{KI67_CUTOFF:g}%"))
_base("disease_free_interval", VType.NUMBER, "Months from primary surgery to metastatic diagnosis (missing if de novo "
      "metastatic or no surgery date).",
      lambda b: ibis.cases((b.de_novo_metastatic.fill_null(False), ibis.null("float64")),
                           else_=_days(b.metastatic_diagnosis_date, b.surgery_date) / DAYS_PER_MONTH), METASTATIC)
_base("dead", VType.BOOLEAN, "A death date is recorded.", lambda b: b.death_date.notnull(), OUTCOME)
_base("index_start", VType.DATE, "Start of the index line.", lambda b: b.index_start, INDEX)
_base("index_end", VType.DATE, "End of the index line (missing while ongoing).", lambda b: b.index_end, OUTCOME)
_base("index_line_number", VType.NUMBER, "Metastatic line number of the index line.", lambda b: b.index_line_number.cast("float64"), INDEX)
_base("index_setting", VType.STRING, "Setting of the index line.", lambda b: b.index_setting, INDEX, _codes(THERAPY_LINES, "setting"))
_base("index_year", VType.NUMBER, "Calendar year of the index line start.", lambda b: b.index_start.year().cast("float64"), INDEX)
_base("index_end_reason", VType.STRING, "Why the index line ended.", lambda b: b.index_end_reason, OUTCOME, _codes(THERAPY_LINES, "end_reason"))
_base("index_progression_date", VType.DATE, "Progression on the index line.", lambda b: b.index_progression_date, OUTCOME)
_base("index_progression_kind", VType.STRING, "How progression on the index line was established.",
      lambda b: b.index_progression_kind, OUTCOME, _codes(THERAPY_LINES, "progression_kind"))
_base("index_best_response", VType.STRING, "Recorded best response on the index line.", lambda b: b.index_best_response, OUTCOME, RESPONSE_CODES)
_base("index_best_response_date", VType.DATE, "Date of the best response on the index line.", lambda b: b.index_best_response_date, OUTCOME)
_base("months_metastatic_to_index", VType.NUMBER, "Months from metastatic diagnosis to the index line start.",
      lambda b: _days(b.index_start, b.metastatic_diagnosis_date) / DAYS_PER_MONTH, INDEX)
_base("enrolled_by_index", VType.BOOLEAN, "Registry enrolment on or before the index line start.",
      lambda b: b.enrolment_date <= b.index_start, INDEX)


def _check_drug():
    def check(args, call, text):
        return (drug_members(args[0], call, text), *args[1:])
    return check


def _check_setting(pos: int):
    def check(args, call, text):
        if len(args) > pos and args[pos] not in SETTING_CHOICES:
            raise ExprError(f"setting must be one of {', '.join(repr(s) for s in SETTING_CHOICES)}, got {args[pos]!r}"
                            + suggest(str(args[pos]), SETTING_CHOICES), call.args[pos].pos, text)
        return args
    return check


def _check_line(pos: int):
    def check(args, call, text):
        if args[pos] < 1:
            raise ExprError(f"line numbers start at 1, got {args[pos]}", call.args[pos].pos, text)
        return args
    return check


def _chain(*checks):
    def check(args, call, text):
        for c in checks:
            args = c(args, call, text)
        return args
    return check


_add(Feature("index_has", VType.BOOLEAN, "The index line contains the drug (or a drug of the class).", Source.BASE,
             lambda ctx, a: has_any(ctx.base.index_agents, a[0]), INDEX, (("drug_or_class", str),),
             check=_check_drug()))

# line aggregates (L: every line of the patient, with the patient's index start and line number),
# built by linewise.lines.sequences over the lines' ``agents``
def _L(ctx):
    return ctx.lines


_add(Feature("prior", VType.BOOLEAN, "The drug (or a drug of the class) was given in a line that started before the "
             "index line; setting 'any', 'metastatic' or 'early' (neo/adjuvant).", Source.LINES,
             lambda ctx, a: seq.exposed_before(_L(ctx), a[0], _L(ctx).index_start, a[1], drugs="agents"),
             INDEX, (("drug_or_class", str), ("setting", str)), 1, defaults=("any",),
             check=_chain(_check_drug(), _check_setting(1))))
_add(Feature("count_prior_lines", VType.NUMBER, "Number of lines before the index line containing the drug or class "
             "(default setting 'metastatic').", Source.LINES,
             lambda ctx, a: seq.count_lines_before(_L(ctx), _L(ctx).index_start, a[0], a[1], drugs="agents").cast("float64"),
             INDEX, (("drug_or_class", str), ("setting", str)), 1, defaults=(METASTATIC_SETTING,),
             check=_chain(_check_drug(), _check_setting(1))))
_add(Feature("in_line", VType.BOOLEAN, "Metastatic line k contains the drug or class (missing if there is no line k).",
             Source.LINES, lambda ctx, a: seq.drug_in_line(_L(ctx), a[1], a[0], drugs="agents"),
             lambda a: line_anchor(a[0]), (("k", int), ("drug_or_class", str)),
             check=lambda args, call, text: (_check_line(0)(args, call, text)[0],
                                               drug_members(args[1], call, text))))
_add(Feature("line_of_first", VType.NUMBER, "Metastatic line number of the first line containing the drug or class "
             "(missing if never given; known only after follow-up).", Source.LINES,
             lambda ctx, a: seq.line_of_first(_L(ctx), a[0], drugs="agents").cast("float64"),
             OUTCOME, (("drug_or_class", str),), check=_check_drug()))
_add(Feature("n_prior_lines", VType.NUMBER, "Number of metastatic lines that started before the index line.", Source.LINES,
             lambda ctx, a: seq.count_lines_before(_L(ctx), _L(ctx).index_start).cast("float64"), INDEX))
_add(Feature("prior_chemotherapy_regimens", VType.NUMBER, "Number of metastatic lines before the index line that "
             "contain chemotherapy.", Source.LINES,
             lambda ctx, a: seq.count_lines_before(_L(ctx), _L(ctx).index_start, seq.drugs_of(DrugClass.CHEMOTHERAPY.value),
                                                   drugs="agents").cast("float64"),
             INDEX))
_add(Feature("n_metastatic_lines", VType.NUMBER, "Number of metastatic lines recorded (all follow-up).", Source.LINES,
             lambda ctx, a: ctx.lines.patient_id.count(where=ctx.lines.setting == METASTATIC_SETTING).cast("float64"),
             OUTCOME))
_add(Feature("her2_therapy_months", VType.NUMBER, "Months of HER2-targeted therapy before the index line (any setting; "
             "each line from its start to its end or the index start, whichever is first).", Source.LINES,
             lambda ctx, a: seq.her2_therapy_days(_L(ctx), _L(ctx).index_start, drugs="agents") / DAYS_PER_MONTH, INDEX))

_LINE_ATTRS = {
    "line_start": ("start_date", VType.DATE, "Start of metastatic line k.", None, True),
    "line_end": ("end_date", VType.DATE, "End of metastatic line k.", None, False),
    "line_end_reason": ("end_reason", VType.STRING, "Why metastatic line k ended.", _codes(THERAPY_LINES, "end_reason"), False),
    "line_progression_date": ("progression_date", VType.DATE, "Progression on metastatic line k.", None, False),
    "line_progression_kind": ("progression_kind", VType.STRING, "How progression on line k was established.",
                              _codes(THERAPY_LINES, "progression_kind"), False),
    "line_best_response": ("best_response", VType.STRING, "Recorded best response on line k.", RESPONSE_CODES, False),
    "line_best_response_date": ("best_response_date", VType.DATE, "Date of the best response on line k.", None, False),
}
for _name, (_col, _vt, _doc, _codes_, _at_start) in _LINE_ATTRS.items():
    _add(Feature(_name, _vt, _doc, Source.LINES,
                 lambda ctx, a, c=_col: ctx.lines[c].min(
                     where=(ctx.lines.setting == METASTATIC_SETTING) & (ctx.lines.line_number == a[0])),
                 (lambda a: line_anchor(a[0])) if _at_start else OUTCOME, (("k", int),), codes=_codes_,
                 check=_check_line(0)))
_add(Feature("next_line_start", VType.DATE, "Start of the first metastatic line numbered after k.", Source.LINES,
             lambda ctx, a: ctx.lines.start_date.min(
                 where=(ctx.lines.setting == METASTATIC_SETTING) & (ctx.lines.line_number > a[0])),
             OUTCOME, (("k", int),), check=_check_line(0)))
_add(Feature("index_next_line_start", VType.DATE, "Start of the first metastatic line after the index line.", Source.LINES,
             lambda ctx, a: ctx.lines.start_date.min(
                 where=(ctx.lines.setting == METASTATIC_SETTING) & (ctx.lines.start_date > ctx.lines.index_start)),
             OUTCOME))

# metastatic sites known by the index date (S)
_SITE_CODES = _codes(METASTATIC_SITES, "site")
_add(Feature("visceral", VType.BOOLEAN, "Visceral metastasis (liver, lung, pleura) known by the index date.", Source.SITES,
             lambda ctx, a: ctx.sites.site.isin(VISCERAL_SITES).any(), INDEX))
_add(Feature("brain", VType.BOOLEAN, "Brain metastasis known by the index date.", Source.SITES,
             lambda ctx, a: (ctx.sites.site == "brain").any(), INDEX))
_add(Feature("bone", VType.BOOLEAN, "Bone metastasis known by the index date.", Source.SITES,
             lambda ctx, a: (ctx.sites.site == "bone").any(), INDEX))
_add(Feature("bone_only", VType.BOOLEAN, "Bone is the only metastatic site known by the index date.", Source.SITES,
             lambda ctx, a: (ctx.sites.site.nunique() == 1) & (ctx.sites.site == "bone").any(), INDEX))
_add(Feature("n_metastatic_sites", VType.NUMBER, "Number of distinct metastatic sites known by the index date.",
             Source.SITES, lambda ctx, a: ctx.sites.site.nunique().cast("float64"), INDEX))
_add(Feature("multiple_sites", VType.BOOLEAN, "More than one metastatic site known by the index date.", Source.SITES,
             lambda ctx, a: ctx.sites.site.nunique() > 1, INDEX))


def _check_site(args, call, text):
    if args[0] not in _SITE_CODES:
        raise ExprError(f"{args[0]!r} is not a site; sites: {', '.join(_SITE_CODES)}" + suggest(args[0], _SITE_CODES),
                        call.args[0].pos, text)
    return args


_add(Feature("has_site", VType.BOOLEAN, "Metastasis at the site known by the index date.", Source.SITES,
             lambda ctx, a: (ctx.sites.site == a[0]).any(), INDEX, (("site", str),), check=_check_site))
_add(Feature("ecog_at_index", VType.NUMBER, "ECOG performance status closest to the index date (within the baseline "
             "window; an earlier assessment wins a tie).", Source.ECOG, lambda ctx, a: ctx.ecog.ecog.cast("float64"), INDEX))


# --- resolving names and calls ---------------------------------------------------------------------
def request_for(node: Name | Call, text: str) -> Request:
    """The feature request a name or call makes; :class:`ExprError` if it names nothing known."""
    if isinstance(node, Name):
        if node.name in FEATURES:
            return Request(node.name)
        if node.name in FUNCTIONS:
            raise ExprError(f"{node.name} is a function: {FUNCTIONS[node.name].signature}", node.pos, text)
        raise ExprError(f"unknown feature {node.name!r}{suggest(node.name, [*FEATURES, *FUNCTIONS])}", node.pos, text)
    feature = FUNCTIONS.get(node.func)
    if feature is None:
        from .compiler import GENERIC_FUNCTIONS

        if node.func in FEATURES:
            raise ExprError(f"{node.func} is a feature, not a function: write it without parentheses", node.pos, text)
        raise ExprError(f"unknown function {node.func!r}{suggest(node.func, [*FUNCTIONS, *GENERIC_FUNCTIONS])}",
                        node.pos, text)
    args = literal_args(node, text, feature.params, feature.optional)
    n_missing = len(feature.params) - len(args)
    if n_missing:
        args = [*args, *feature.defaults[len(feature.defaults) - n_missing:]]
    if feature.check is not None:
        args = feature.check(tuple(args), node, text)
    return Request(feature.name, tuple(args))


def feature_of(request: Request) -> Feature:
    return FUNCTIONS[request.name] if request.args else FEATURES[request.name]


def typed_column(frame: ir.Table, request: Request) -> Typed:
    feature = feature_of(request)
    return Typed(frame[request.column], feature.vtype, feature.codes)


def anchor_of(request: Request) -> Anchor:
    return feature_of(request).anchor_of(request.args)


# --- building the frame ----------------------------------------------------------------------------
@dataclass
class Context:
    """Relations the feature builders read (set up by :class:`FrameBuilder`)."""

    base: ir.Table
    lines: ir.Table | None = None
    sites: ir.Table | None = None
    ecog: ir.Table | None = None


def left_join(left: ir.Table, right: ir.Table, key: str = "patient_id") -> ir.Table:
    """``left`` with ``right``'s columns (one row per key on the right), keeping every left row."""
    r = right.rename(_rk=key)
    return left.left_join(r, left[key] == r._rk).drop("_rk")


@dataclass
class FrameBuilder:
    """Collect feature requests, then build the patient frame with one aggregate per source.

    Parameters
    ----------
    base : ibis.Table
        Patients joined to their index line (``index_*`` columns), one row per patient.
    lines, sites, ecog_table : ibis.Table
        Clean lines, metastatic sites and performance-status tables.
    ecog_days_before, ecog_days_after, sites_days_after : int
        The baseline windows around the index start.
    """

    base: ir.Table
    lines: ir.Table
    sites: ir.Table
    ecog_table: ir.Table
    ecog_days_before: int = 90
    ecog_days_after: int = 14
    sites_days_after: int = 0
    requests: dict[str, Request] = field(default_factory=dict)

    def add(self, request: Request) -> str:
        self.requests.setdefault(request.column, request)
        return request.column

    def _keys(self) -> ir.Table:
        b = self.base
        return b.select(_pid=b.patient_id, _ix_start=b.index_start, _ix_line=b.index_line_number)

    def build(self) -> ir.Table:
        by_source: dict[Source, list[Request]] = {}
        for col in sorted(self.requests):
            req = self.requests[col]
            by_source.setdefault(feature_of(req).source, []).append(req)
        frame = self.base
        ctx = Context(base=self.base)
        base_cols = {r.column: feature_of(r).build(ctx, r.args) for r in by_source.get(Source.BASE, [])}
        if base_cols:
            frame = frame.mutate(**base_cols)
        keys = self._keys()
        if Source.LINES in by_source:
            L = self.lines
            L = L.inner_join(keys, L.patient_id == keys._pid).drop("_pid").rename(
                index_start="_ix_start", index_line_number="_ix_line")
            ctx.lines = L
            agg = L.group_by("patient_id").aggregate(
                **{r.column: feature_of(r).build(ctx, r.args) for r in by_source[Source.LINES]})
            frame = left_join(frame, agg)
        if Source.SITES in by_source:
            S = self.sites
            S = S.inner_join(keys, S.patient_id == keys._pid).drop("_pid")
            limit = S._ix_start + ibis.interval(days=self.sites_days_after)
            S = S.filter(S.date_detected.isnull() | (S.date_detected <= limit))
            ctx.sites = S
            agg = S.group_by("patient_id").aggregate(
                **{r.column: feature_of(r).build(ctx, r.args) for r in by_source[Source.SITES]})
            frame = left_join(frame, agg)
        if Source.ECOG in by_source:
            E = self.ecog_table
            E = E.inner_join(keys, E.patient_id == keys._pid).drop("_pid")
            E = E.mutate(_diff=E.assessment_date.delta(E._ix_start, unit="day"))
            E = E.filter((E._diff >= -self.ecog_days_before) & (E._diff <= self.ecog_days_after))
            E = E.mutate(_rank=ibis.row_number().over(group_by=E.patient_id, order_by=[E._diff.abs(), E._diff, E.ecog]))
            E = E.filter(E._rank == 0)
            ctx.ecog = E
            sel = E.select("patient_id", **{r.column: feature_of(r).build(ctx, r.args) for r in by_source[Source.ECOG]})
            frame = left_join(frame, sel)
        return frame


# --- documentation ---------------------------------------------------------------------------------
def catalogue_markdown() -> str:
    """The feature catalogue as a Markdown table (docs/study-spec.md embeds it)."""
    rows = ["| feature | type | known at | meaning |", "|---|---|---|---|"]
    for f in sorted([*FEATURES.values(), *FUNCTIONS.values()], key=lambda f: f.name):
        anchor = f.anchor_of((1, "x")) if callable(f.anchor) else f.anchor
        when = "start of line k" if anchor.kind is AnchorKind.LINE else anchor.describe()
        codes = f" Values: {', '.join(repr(c) for c in f.codes)}." if f.codes else ""
        rows.append(f"| `{f.signature}` | {f.vtype.value} | {when} | {f.doc}{codes} |")
    return "\n".join(rows)
