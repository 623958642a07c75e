"""The study specification: a versioned, validated description of a whole study.

A spec is written in YAML (see ``docs/study-spec.md`` and the recipes in
``linewise/recipes/``) or built from these Python objects; both go through the same pydantic
models, which are frozen and reject unknown fields. Strings become enums here, at the boundary.
Cross-references (an analysis naming an endpoint, a covariate, a response) are checked by
:func:`check_references` with errors that name the field.

Examples
--------
>>> spec = StudySpec.model_validate({
...     "schema_version": 1, "name": "demo", "title": "Demo",
...     "index": {"label": "first T-DM1 line", "line": "has('T-DM1')"},
...     "endpoints": {"os": {"preset": "os_index"}},
... })
>>> spec.endpoints["os"].resolved().events
(<EventKind.DEATH: 'death'>,)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    field_validator,
    model_validator,
)

from .errors import SpecError

SCHEMA_VERSION = 1

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
LineRef = Literal["index"] | PositiveInt


class SpecModel(BaseModel):
    """Base of every spec object: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


# --- enums --------------------------------------------------------------------------------------
class LinesSource(StrEnum):
    RECORDED = "recorded"  # therapy_lines as the registry records them
    DERIVED = "derived"  # derived_lines, built from drug_exposures by `linewise lines`


class TimeUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


#: Days per unit; a month is 365.25 / 12 days (as the report and R users convert).
DAYS_PER_UNIT = {TimeUnit.DAYS: 1.0, TimeUnit.WEEKS: 7.0, TimeUnit.MONTHS: 30.4375, TimeUnit.YEARS: 365.25}


class Occurrence(StrEnum):
    FIRST = "first"
    LAST = "last"


class OriginKind(StrEnum):
    INDEX_START = "index_start"
    LINE_START = "line_start"  # start of the endpoint's line (``line: k``)
    METASTATIC_DIAGNOSIS = "metastatic_diagnosis"
    ENROLMENT = "enrolment"


class EventKind(StrEnum):
    RADIOLOGICAL_PROGRESSION = "radiological_progression"
    CLINICAL_PROGRESSION = "clinical_progression"
    PROGRESSION = "progression"  # either kind, or kind not recorded
    DEATH = "death"
    TOXICITY_STOP = "toxicity_stop"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    NEXT_LINE_START = "next_line_start"
    LINE_END = "line_end"  # discontinuation for any reason


class CensorKind(StrEnum):
    LAST_CONTACT = "last_contact"
    LAST_TUMOUR_ASSESSMENT = "last_tumour_assessment"
    DATA_CUTOFF = "data_cutoff"


class EntryKind(StrEnum):
    ENROLMENT = "enrolment"  # registry enrolment (left truncation)
    INDEX = "index"  # counting-process entry at the index line start


class EndpointPreset(StrEnum):
    PFS_RADIOLOGICAL = "pfs_radiological"  # Study B
    PFS_COMPOSITE = "pfs_composite"  # Study C
    OS_METASTATIC = "os_metastatic"
    OS_INDEX = "os_index"
    TTNT = "ttnt"
    TTD = "ttd"
    DOT = "dot"
    RWPFS = "rwpfs"


class ResponseKind(StrEnum):
    BEST_RESPONSE = "best_response"
    TRR = "trr"  # CR + PR
    DCR = "dcr"  # CR + PR + SD (lasting at least min_sd_months when given)
    CBR = "cbr"  # clinical benefit: CR + PR + SD >= 24 weeks unless min_sd_months given


class VarKind(StrEnum):
    CATEGORICAL = "categorical"
    CONTINUOUS = "continuous"


class Remedy(StrEnum):
    LANDMARK = "landmark"
    DELAYED_ENTRY = "delayed_entry"


class SurvivalTest(StrEnum):
    LOGRANK = "logrank"
    TREND = "trend"
    NONE = "none"


class CategoricalTest(StrEnum):
    AUTO = "auto"
    CHI_SQUARE = "chi-square"
    FISHER = "fisher"


class Selection(StrEnum):
    PRESPECIFIED = "prespecified"
    UNIVARIABLE = "univariable"  # "univariately significant variables enter"


class FollowUpMethod(StrEnum):
    REVERSE_KM = "reverse_km"
    OBSERVED = "observed"


# --- parts --------------------------------------------------------------------------------------
class LinesSpec(SpecModel):
    """Where lines of therapy come from."""

    source: LinesSource = LinesSource.RECORDED


class BaselineSpec(SpecModel):
    """Windows for covariates measured around the index date (days)."""

    ecog_days_before: int = Field(90, ge=0, le=3650)
    ecog_days_after: int = Field(14, ge=0, le=365)
    sites_days_after: int = Field(0, ge=0, le=365)


class IndexSpec(SpecModel):
    """The index event: one line per patient chosen by a condition over lines."""

    label: str
    line: str  # expression over the columns of a line (see docs/study-spec.md)
    occurrence: Occurrence = Occurrence.FIRST
    start_from: dt.date | None = None
    start_to: dt.date | None = None

    @model_validator(mode="after")
    def _window(self) -> IndexSpec:
        if self.start_from and self.start_to and self.start_from > self.start_to:
            raise ValueError("start_from is after start_to")
        return self


class Step(SpecModel):
    """One named inclusion or exclusion step (exactly one of ``include`` / ``exclude``)."""

    id: Identifier
    label: str
    include: str | None = None
    exclude: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Step:
        if (self.include is None) == (self.exclude is None):
            raise ValueError("give exactly one of 'include' (keep patients for whom it is true) or 'exclude'")
        return self

    @property
    def condition(self) -> str:
        return self.include if self.include is not None else self.exclude  # type: ignore[return-value]

    @property
    def is_exclusion(self) -> bool:
        return self.exclude is not None


class GroupLevel(SpecModel):
    name: str = Field(min_length=1, max_length=60)
    label: str | None = None
    when: str


class GroupsSpec(SpecModel):
    """Exposure groups: the first level whose condition is true; patients in none leave the cohort."""

    name: Identifier = "group"
    label: str = "Group"
    levels: list[GroupLevel] = Field(min_length=1)
    reference: str | None = None

    @model_validator(mode="after")
    def _levels(self) -> GroupsSpec:
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names must be unique, got {names}")
        return self

    @property
    def reference_level(self) -> str:
        return self.reference if self.reference is not None else self.levels[0].name


class BinsSpec(SpecModel):
    """Cut a number into categories: ``breaks: [20]``, ``labels: ['<=20', '>20']``."""

    breaks: list[float] = Field(min_length=1)
    labels: list[str]
    right: bool = True  # intervals closed on the right, (a, b], as R's cut()

    @model_validator(mode="after")
    def _check(self) -> BinsSpec:
        if any(b >= c for b, c in zip(self.breaks, self.breaks[1:], strict=False)):
            raise ValueError("breaks must increase")
        if len(self.labels) != len(self.breaks) + 1:
            raise ValueError(f"{len(self.breaks)} break(s) need {len(self.breaks) + 1} labels, got {len(self.labels)}")
        return self


class CovariateSpec(SpecModel):
    """A named variable of the analysis table (a covariate, subgroup or Table 1 row)."""

    expr: str
    label: str | None = None
    type: VarKind | None = None
    reference: str | None = None
    levels: list[str] | None = None
    bins: BinsSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value):
        return {"expr": value} if isinstance(value, str) else value


class EndpointSpec(SpecModel):
    """A time-to-event endpoint: a preset, fields overriding it, or all fields given."""

    label: str | None = None
    preset: EndpointPreset | None = None
    origin: OriginKind | None = None
    line: LineRef | None = None
    events: list[EventKind] | None = Field(None, min_length=1)
    censor: CensorKind | None = None
    censor_at_next_line: bool | None = None
    death_window_days: int | None = Field(None, ge=0, le=3650)
    entry: EntryKind | None = None

    @model_validator(mode="after")
    def _complete(self) -> EndpointSpec:
        if self.preset is None:
            missing = [f for f in ("origin", "events") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"without a preset, give {' and '.join(missing)}")
        if self.events is not None and len(set(self.events)) != len(self.events):
            raise ValueError("an event is listed twice")
        return self

    def resolved(self) -> ResolvedEndpoint:
        from .endpoints import PRESETS

        base = PRESETS[self.preset] if self.preset is not None else {}
        fields = {k: v for k, v in base.items()}
        for key in ("origin", "line", "events", "censor", "censor_at_next_line", "death_window_days", "entry"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = tuple(value) if key == "events" else value
        fields.setdefault("line", "index")
        fields.setdefault("censor", CensorKind.LAST_CONTACT)
        fields.setdefault("censor_at_next_line", False)
        label = self.label or (base.get("label") if base else None) or "endpoint"
        return ResolvedEndpoint(label=label, preset=self.preset, **{k: v for k, v in fields.items() if k != "label"})


class ResolvedEndpoint(SpecModel):
    """An endpoint with every field decided (preset merged with overrides)."""

    label: str
    preset: EndpointPreset | None
    origin: OriginKind
    line: LineRef
    events: tuple[EventKind, ...]
    censor: CensorKind
    censor_at_next_line: bool
    death_window_days: int | None = None
    entry: EntryKind | None = None


class ResponseSpec(SpecModel):
    kind: ResponseKind
    label: str | None = None
    line: LineRef = "index"
    min_sd_months: float | None = Field(None, ge=0, le=120)


# --- analyses -----------------------------------------------------------------------------------
class _Analysis(SpecModel):
    id: Identifier
    title: str | None = None
    where: str | None = None


class TableOneAnalysis(_Analysis):
    kind: Literal["table_one"]
    by: str | None = "group"
    variables: list[str] = Field(min_length=1)
    continuous_stat: Literal["median_iqr", "median_range"] = "median_iqr"
    categorical_test: CategoricalTest = CategoricalTest.AUTO
    overall: bool = False
    smd: bool = False


class KaplanMeierAnalysis(_Analysis):
    kind: Literal["kaplan_meier"]
    endpoint: str
    by: str | None = "group"
    overall: bool = True
    test: SurvivalTest = SurvivalTest.LOGRANK
    strata: str | None = None
    pairwise: bool = False
    times: list[float] = Field(default_factory=list)
    conf_type: Literal["log", "log-log", "plain"] = "log"
    hazard_ratios: bool = False  # unadjusted Cox HR of each group vs the reference, for the plot panel
    remedies: list[Remedy] = Field(default_factory=list)


class CoxAnalysis(_Analysis):
    kind: Literal["cox"]
    endpoint: str
    exposure: str | None = "group"
    adjust_for: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list)
    selection: Selection = Selection.PRESPECIFIED
    alpha: float = Field(0.05, gt=0, lt=1)
    univariable: bool = True
    strata: str | None = None
    ties: Literal["efron", "breslow"] = "efron"
    concordance: bool = True  # Harrell's C of multivariable models (costly on very large cohorts)
    remedies: list[Remedy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sel(self) -> CoxAnalysis:
        if self.selection is Selection.UNIVARIABLE and not self.candidates:
            raise ValueError("selection 'univariable' needs a list of candidates")
        if self.exposure is None and not (self.adjust_for or self.candidates):
            raise ValueError("give an exposure, adjust_for or candidates")
        return self


class ResponseAnalysis(_Analysis):
    kind: Literal["response"]
    by: str | None = "group"
    responses: list[str] = Field(min_length=1)
    test: CategoricalTest = CategoricalTest.CHI_SQUARE
    conf_method: Literal["clopper-pearson", "wilson"] = "clopper-pearson"


class FollowUpAnalysis(_Analysis):
    kind: Literal["follow_up"]
    endpoint: str
    by: str | None = "group"
    method: FollowUpMethod = FollowUpMethod.REVERSE_KM
    overall: bool = True


class SubgroupAnalysis(_Analysis):
    kind: Literal["subgroup"]
    endpoint: str
    exposure: str = "group"
    subgroups: list[str] = Field(min_length=1)


class LandmarkAnalysis(_Analysis):
    kind: Literal["landmark"]
    endpoint: str
    by: str = "group"
    at: float = Field(gt=0)  # in the study's time unit after the endpoint's origin


Analysis = Annotated[
    TableOneAnalysis | KaplanMeierAnalysis | CoxAnalysis | ResponseAnalysis | FollowUpAnalysis
    | SubgroupAnalysis | LandmarkAnalysis,
    Field(discriminator="kind"),
]


# --- headline tables ------------------------------------------------------------------------------
class HeadlineRow(SpecModel):
    label: str
    analysis: str
    show: Literal["median", "hr", "rate", "counts", "follow_up", "n"]
    model: Literal["univariable", "multivariable"] = "univariable"
    term: str | None = None  # Cox: the variable (default: the exposure)
    response: str | None = None  # rate / counts: which response
    categories: list[str] = Field(default_factory=list)  # counts: e.g. [PR, SD, PD]
    remedy: Remedy | None = None  # median / hr: a bias remedy's result instead of the naive one


class HeadlineTable(SpecModel):
    """A table printed after a run and stored in results.json (published tables' shape)."""

    title: str
    kind: Literal["comparison", "medians"] = "comparison"
    by: str = "group"
    columns: list[str] = Field(default_factory=list)  # comparison: the levels shown, in order
    rows: list[HeadlineRow] = Field(default_factory=list)
    analysis: str | None = None  # medians: the Kaplan-Meier analysis

    @model_validator(mode="after")
    def _shape(self) -> HeadlineTable:
        if self.kind == "comparison" and not (self.columns and self.rows):
            raise ValueError("a comparison table needs columns and rows")
        if self.kind == "medians" and self.analysis is None:
            raise ValueError("a medians table needs the analysis to show")
        return self


# --- the study ----------------------------------------------------------------------------------
class StudySpec(SpecModel):
    """A whole study: cohort, groups, endpoints, covariates, analyses. See docs/study-spec.md."""

    schema_version: int
    name: Identifier
    title: str
    description: str = ""
    reference: str | None = None
    lines: LinesSpec = LinesSpec()
    time_unit: TimeUnit = TimeUnit.MONTHS
    data_cutoff: dt.date | None = None
    seed: int = 0
    baseline: BaselineSpec = BaselineSpec()
    index: IndexSpec
    cohort: list[Step] = Field(default_factory=list)
    groups: GroupsSpec | None = None
    covariates: dict[Identifier, CovariateSpec] = Field(default_factory=dict)
    endpoints: dict[Identifier, EndpointSpec] = Field(default_factory=dict)
    responses: dict[Identifier, ResponseSpec] = Field(default_factory=dict)
    analyses: list[Analysis] = Field(default_factory=list)
    headline: list[HeadlineTable] = Field(default_factory=list)
    # Where the spec came from (file name and YAML positions of its fields), set by the loader.
    _source: object = PrivateAttr(default=None)

    @field_validator("schema_version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"this linewise reads study specs of schema_version {SCHEMA_VERSION}, not {v}")
        return v

    @property
    def group_name(self) -> str | None:
        return self.groups.name if self.groups is not None else None

    def locate(self, error: SpecError, text: str | None = None) -> SpecError:
        """``error`` with the YAML file, line and column of its field (when loaded from YAML)."""
        if error.line is not None:
            return error
        if self._source is None:
            return SpecError(error.message, path=error.path)
        return self._source.locate(error, text)

    def spec_hash(self) -> str:
        """SHA-256 of the validated spec in canonical JSON (comments and layout do not count)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# --- cross-references ----------------------------------------------------------------------------
def _variables(spec: StudySpec) -> set[str]:
    names = set(spec.covariates)
    if spec.groups is not None:
        names |= {"group", spec.groups.name}
    return names


def check_references(spec: StudySpec) -> None:
    """Check that analyses and headline rows name things the spec defines.

    Raises
    ------
    SpecError
        With the path of the offending field, e.g. ``analyses[2].endpoint``.
    """
    variables = _variables(spec)
    clash = set(spec.covariates) & set(spec.endpoints) | set(spec.covariates) & set(spec.responses)
    if clash:
        name = sorted(clash)[0]
        raise SpecError(f"{name!r} is both a covariate and an endpoint/response; names must be unique",
                        path=("covariates", name))
    if spec.groups is not None and spec.groups.reference is not None \
            and spec.groups.reference not in [lv.name for lv in spec.groups.levels]:
        raise SpecError(f"reference {spec.groups.reference!r} is not one of the levels "
                        f"{[lv.name for lv in spec.groups.levels]}", path=("groups", "reference"))
    if spec.groups is not None and spec.groups.name in spec.covariates:
        raise SpecError(f"the group variable {spec.groups.name!r} is also a covariate", path=("groups", "name"))

    def var(value, path, *, allow_none=False):
        if value is None and allow_none:
            return
        if value not in variables:
            hint = "" if spec.groups is not None or value != "group" else " (the spec defines no groups)"
            known = ", ".join(sorted(variables)) or "none"
            raise SpecError(f"{value!r} is not a covariate or the group variable{hint}; known: {known}", path=path)

    ids: set[str] = set()
    kinds: dict[str, str] = {}
    table_ones = 0
    for i, a in enumerate(spec.analyses):
        p = ("analyses", i)
        if a.id in ids:
            raise SpecError(f"analysis id {a.id!r} is used twice", path=(*p, "id"))
        ids.add(a.id)
        kinds[a.id] = a.kind
        if getattr(a, "endpoint", None) is not None and a.endpoint not in spec.endpoints:
            raise SpecError(f"unknown endpoint {a.endpoint!r}; defined: {', '.join(spec.endpoints) or 'none'}",
                            path=(*p, "endpoint"))
        if isinstance(a, TableOneAnalysis):
            table_ones += 1
            if table_ones > 1:
                raise SpecError("a study has one Table 1; merge the variables into one table_one analysis", path=p)
            var(a.by, (*p, "by"), allow_none=True)
            for j, v in enumerate(a.variables):
                var(v, (*p, "variables", j))
        elif isinstance(a, KaplanMeierAnalysis | FollowUpAnalysis | LandmarkAnalysis):
            var(a.by, (*p, "by"), allow_none=True)
            if getattr(a, "strata", None) is not None:
                var(a.strata, (*p, "strata"))
        elif isinstance(a, CoxAnalysis):
            var(a.exposure, (*p, "exposure"), allow_none=True)
            for key in ("adjust_for", "candidates"):
                for j, v in enumerate(getattr(a, key)):
                    var(v, (*p, key, j))
            if a.strata is not None:
                var(a.strata, (*p, "strata"))
        elif isinstance(a, ResponseAnalysis):
            var(a.by, (*p, "by"), allow_none=True)
            for j, r in enumerate(a.responses):
                if r not in spec.responses:
                    raise SpecError(f"unknown response {r!r}; defined: {', '.join(spec.responses) or 'none'}",
                                    path=(*p, "responses", j))
        elif isinstance(a, SubgroupAnalysis):
            var(a.exposure, (*p, "exposure"))
            for j, v in enumerate(a.subgroups):
                var(v, (*p, "subgroups", j))
    for i, table in enumerate(spec.headline):
        p = ("headline", i)
        var(table.by, (*p, "by"))
        if table.analysis is not None and kinds.get(table.analysis) != "kaplan_meier":
            raise SpecError(f"{table.analysis!r} is not a kaplan_meier analysis id", path=(*p, "analysis"))
        for j, row in enumerate(table.rows):
            want = {"median": "kaplan_meier", "hr": "cox", "rate": "response", "counts": "response",
                    "follow_up": "follow_up", "n": None}[row.show]
            if row.analysis not in kinds:
                raise SpecError(f"unknown analysis {row.analysis!r}", path=(*p, "rows", j, "analysis"))
            if want is not None and kinds[row.analysis] != want:
                raise SpecError(f"show: {row.show} needs a {want} analysis, {row.analysis!r} is {kinds[row.analysis]}",
                                path=(*p, "rows", j, "analysis"))
            if row.show in ("rate", "counts") and row.response not in spec.responses:
                raise SpecError(f"show: {row.show} needs 'response:' naming one of {sorted(spec.responses)}",
                                path=(*p, "rows", j, "response"))
