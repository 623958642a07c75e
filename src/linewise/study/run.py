"""Run a study: spec + registry store -> analysis table + ``results.json``.

The flow, one direction:

1. parse every expression of the spec and collect the features it uses (unknown names and
   type errors stop here, with the YAML line);
2. build one Ibis expression: patients joined to their index line, the requested features
   (one aggregate per source table), endpoints, covariates, groups and cohort steps — all
   pushed down to the engine;
3. count the attrition in one query and keep the analysis table (one row per patient) in the
   engine, which writes it to Parquet (DuckDB itself; a server engine streams it in batches);
   its hash is computed from that file, batch by batch;
4. run the analyses: Kaplan-Meier, log-rank, follow-up, responses and Table 1 counts from
   aggregates built in the engine; the patient rows of the few columns that Cox models, Table 1
   continuous variables and the immortal-time guard need are fetched once
   (:mod:`linewise.study.aggregates`); check for immortal-time bias; write ``results.json``
   (and the CSV copy of the analysis table).

Examples
--------
>>> import tempfile, pathlib
>>> from linewise.store.store import Store
>>> store = Store.open(pathlib.Path(tempfile.mkdtemp()) / "empty.duckdb")
>>> result = run_study("tdm1_tmab_vs_tmab_pmab", store)
>>> [(s["step"], s["n"]) for s in result.results["attrition"]][:2]
[('registry', 0), ('index', 0)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.parquet as pq

from ..lines import _sql
from ..model.registry import PATIENTS
from ..store.export import iter_parquet, parquet_to_csv, write_parquet
from ..store.store import Store
from . import aggregates, bias
from .aggregates import EngineTable, count_if, patient_columns, where_columns
from .analyses import AnalysisData
from .cohort import (
    PatientScope,
    anchor_date,
    attrition,
    duplicate_line_numbers,
    index_table,
    lines_relation,
    request_anchor_columns,
    step_passes,
    unique_line_numbers,
)
from .compiler import Typed, VType
from .counted import (
    prefetch_km,
    run_follow_up,
    run_kaplan_meier,
    run_landmark,
    run_response,
    run_table_one,
)
from .covariates import compile_covariate, group_variable
from .endpoints import add_assessments, add_endpoints, add_response, request_line
from .errors import SpecError
from .features import BASELINE, FrameBuilder
from .loader import load_spec
from .regression import run_cox, run_subgroup
from .results import SCHEMA, dumps, headline, provenance, table_hash
from .spec import (
    CoxAnalysis,
    FollowUpAnalysis,
    KaplanMeierAnalysis,
    LandmarkAnalysis,
    OriginKind,
    ResponseAnalysis,
    StudySpec,
    SubgroupAnalysis,
    TableOneAnalysis,
    VarKind,
)

RESULTS_FILE = "results.json"
RUN_INFO_FILE = "run_info.json"
#: Temporary table holding the patient frame of a run (dropped when the run ends).
FRAME_TABLE = "_linewise_study_frame"
FEATURES_TABLE = "_linewise_study_features"
LINES_TABLE = "_linewise_study_lines"
LINE_FEATURES_TABLE = "_linewise_study_line_features"
INDEX_TABLE = "_linewise_study_index"
ANALYSIS_TABLE = "_linewise_study_analysis"
TEMP_TABLES = (ANALYSIS_TABLE, FRAME_TABLE, FEATURES_TABLE, LINE_FEATURES_TABLE, INDEX_TABLE, LINES_TABLE)
TABLE_FILE = "analysis_table"


def read_analysis_table(path: str | Path) -> pd.DataFrame:
    """An analysis-table Parquet file as pandas (dates as datetime64), sorted by ``patient_id``."""
    frame = pq.read_table(path).to_pandas(date_as_object=False)
    return frame.sort_values("patient_id", kind="mergesort").reset_index(drop=True)


@dataclass
class StudyResult:
    """What a run produced: the results (JSON-ready), the spec and the analysis table, kept as
    the Parquet file the engine wrote (``table`` reads it into pandas on first use)."""

    spec: StudySpec
    results: dict
    table_file: Path
    _scratch: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    _table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The analysis table (one row per patient, sorted by ``patient_id``)."""
        if self._table is None:
            self._table = read_analysis_table(self.table_file)
        return self._table

    def to_json(self) -> str:
        return dumps(self.results)

    @property
    def warnings(self) -> list[dict]:
        return self.results["warnings"]

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``analysis_table.parquet``, ``analysis_table.csv`` and ``results.json``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"results": out / RESULTS_FILE, "parquet": out / f"{TABLE_FILE}.parquet",
                 "csv": out / f"{TABLE_FILE}.csv"}
        text = self.to_json()
        paths["results"].write_text(text, encoding="utf-8")
        # The run date lives beside results.json, not in it, so that the same inputs give a
        # byte-identical results.json; the report shows it when the hash says it belongs.
        paths["run_info"] = out / RUN_INFO_FILE
        paths["run_info"].write_text(json.dumps({
            "results_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "run_date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }, indent=1) + "\n", encoding="utf-8")
        if paths["parquet"].resolve() != Path(self.table_file).resolve():
            shutil.copyfile(self.table_file, paths["parquet"])
        parquet_to_csv(paths["parquet"], paths["csv"])  # Arrow's writer, batch by batch
        return paths


def _origin_text(spec: StudySpec, name: str) -> str:
    ep = spec.endpoints[name].resolved()
    if ep.origin is OriginKind.LINE_START:
        return "the index line start" if ep.line == "index" else f"the start of line {ep.line}"
    return {OriginKind.INDEX_START: "the index line start", OriginKind.METASTATIC_DIAGNOSIS: "the metastatic diagnosis",
            OriginKind.ENROLMENT: "registry enrolment"}[ep.origin]


def _comparison_vars(a) -> list[str]:
    if isinstance(a, KaplanMeierAnalysis | LandmarkAnalysis):
        return [a.by] if a.by else []
    if isinstance(a, CoxAnalysis):
        return [a.exposure] if a.exposure else []
    if isinstance(a, SubgroupAnalysis):
        return [a.exposure, *a.subgroups]
    return []


def build(spec: StudySpec, store: Store, note: Callable[[str], None] = lambda _msg: None):
    """Compile the spec and build the patient frame in the engine.

    Every expression is parsed, resolved and type-checked (on an unbound table of the frame's
    schema) before any query runs, so a mistake in a spec costs no time on a large registry.
    The lines, the index lines and the features are then computed into temporary tables
    (each is read several times by what follows). Returns the lazy frame expression over the
    features table, the cohort steps, the analysis-table columns, the variables, the anchors and
    warnings about the data (duplicated line numbers).
    """
    lines = lines_relation(store, spec.lines.source)
    index_table(spec, lines)  # the index condition is checked here
    group = spec.groups.name if spec.groups is not None else None
    scope = PatientScope(spec, {name: BASELINE for name in spec.covariates}, group)

    # 1. parse everything, collect feature requests
    cov_parsed = {n: scope.parse(c.expr, ("covariates", n, "expr"), allow_variables=False)
                  for n, c in spec.covariates.items()}
    scope.covariates = {n: scope.anchor(p) for n, p in cov_parsed.items()}
    level_parsed = [scope.parse(lv.when, ("groups", "levels", i, "when")) for i, lv in enumerate(spec.groups.levels)] \
        if spec.groups is not None else []
    if level_parsed:
        scope.group_anchor = max(scope.anchor(p) for p in level_parsed)
    step_parsed = [scope.parse(s.condition, ("cohort", i, "include" if not s.is_exclusion else "exclude"))
                   for i, s in enumerate(spec.cohort)]
    where_parsed = {a.id: scope.parse(a.where, ("analyses", i, "where")) for i, a in enumerate(spec.analyses) if a.where}
    requests = [r for p in [*cov_parsed.values(), *level_parsed, *step_parsed, *where_parsed.values()]
                for r in p.requests]
    anchors = {}
    for a in spec.analyses:
        names = _comparison_vars(a)
        if not names or getattr(a, "endpoint", None) is None:
            continue
        parts = [scope.group_anchor if n in ("group", group) else scope.covariates[n] for n in names]
        if a.id in where_parsed:
            parts.append(scope.anchor(where_parsed[a.id]))
        anchors[a.id] = max(p for p in parts if p is not None)
    parsed = (cov_parsed, level_parsed, step_parsed, where_parsed)

    def features(lines_t, index_t, compute=None):
        index_t = index_t.rename(_ixpid="patient_id")
        pats = store.table("patients").select(*PATIENTS.column_names)
        base = pats.inner_join(index_t, pats.patient_id == index_t._ixpid).drop("_ixpid")
        builder = FrameBuilder(base, lines_t, store.table("metastatic_sites"), store.table("performance_status"),
                               spec.baseline.ecog_days_before, spec.baseline.ecog_days_after,
                               spec.baseline.sites_days_after)
        for r in requests:
            builder.add(r)
        ep_lines = {n: request_line(builder, e.resolved().line) for n, e in spec.endpoints.items()}
        resp_lines = {n: request_line(builder, r.line) for n, r in spec.responses.items()}
        line_cols = request_anchor_columns(builder, anchors.values())
        frame = builder.build()
        if compute is not None:  # the assessment windows read the features: compute them first
            frame = compute(frame)
        frame = add_assessments(frame, store.table("response_assessments"), [*ep_lines.values(), *resp_lines.values()])
        return frame, (ep_lines, resp_lines, line_cols)

    # 2. type-check the rest on an unbound table of the frame's schema: errors before any query
    lazy, cols = features(lines, index_table(spec, lines))
    _compile_rest(spec, scope, ibis.table(lazy.schema(), name="dry_run"), parsed, cols, anchors)

    # 3. compute: lines, index lines, features (temporary tables), then the rest on top
    note("computing lines of therapy")
    notes = []
    n_dup = duplicate_line_numbers(lines)
    if n_dup:
        lines = unique_line_numbers(lines)
        notes.append({"kind": "duplicate_line_numbers", "analysis": None, "count": n_dup,
                      "message": f"{n_dup} metastatic line(s) repeat a patient's line number; the line with the "
                                 "earliest start was kept for each number and the others were left out"})
    lines_t = materialize(store, lines, LINES_TABLE)
    note("choosing index lines")
    index_t = materialize(store, index_table(spec, lines_t), INDEX_TABLE)
    note("computing features")
    lazy, cols = features(lines_t, index_t, lambda f: materialize(store, f, LINE_FEATURES_TABLE))
    note("adding tumour assessments")
    frame = materialize(store, lazy, FEATURES_TABLE)
    return (*_compile_rest(spec, scope, frame, parsed, cols, anchors), anchors, notes)


def _compile_rest(spec: StudySpec, scope: PatientScope, frame, parsed, cols, anchors):
    """Endpoints, responses, covariates, groups, steps, analysis subsets and anchors on ``frame``."""
    cov_parsed, level_parsed, step_parsed, where_parsed = parsed
    ep_lines, resp_lines, line_cols = cols
    group = spec.groups.name if spec.groups is not None else None
    frame, ep_cols = add_endpoints(frame, [(n, e.resolved(), ep_lines[n], ("endpoints", n))
                                           for n, e in spec.endpoints.items()], spec.time_unit, spec.data_cutoff)
    for n, r in spec.responses.items():
        frame, out = add_response(frame, n, r, resp_lines[n])
        ep_cols.extend(out)
    variables, var_info, cov_exprs = {}, {}, {}
    for n, c in spec.covariates.items():
        typed = scope.compile(cov_parsed[n], frame, {})
        try:
            cov_exprs[n], var_info[n] = compile_covariate(n, c, typed, scope.covariates[n])
        except SpecError as err:
            raise spec.locate(err) from None
    if cov_exprs:
        frame = frame.mutate(**cov_exprs)
    for n, v in var_info.items():
        variables[n] = Typed(frame[n], v.vtype, v.levels if v.vtype is VType.STRING else None)
    if spec.groups is not None:
        conds = [scope.compile(p, frame, variables, want=VType.BOOLEAN).expr.fill_null(False) for p in level_parsed]
        group_expr = ibis.cases(*[(c, lv.name) for c, lv in zip(conds, spec.groups.levels, strict=True)],
                                else_=ibis.null("string"))
        frame = frame.mutate(**{group: group_expr})
        var_info[group] = group_variable(spec.groups, scope.group_anchor)
        variables[group] = Typed(frame[group], VType.STRING, tuple(lv.name for lv in spec.groups.levels))
    extra = {}
    for i, p in enumerate(step_parsed):
        extra[f"_step{i}"] = scope.compile(p, frame, variables, want=VType.BOOLEAN).expr
    for aid, p in where_parsed.items():
        extra[f"in_{aid}"] = scope.compile(p, frame, variables, want=VType.BOOLEAN).expr.fill_null(False)
    for aid, anchor in anchors.items():
        extra[bias.anchor_column(aid)] = anchor_date(frame, anchor, line_cols)
    if extra:
        frame = frame.mutate(**extra)
    steps = [(s.id, s.label, s.is_exclusion, frame[f"_step{i}"]) for i, s in enumerate(spec.cohort)]
    columns = ["patient_id", *([group] if group else []), "index_start", "index_line_number", *spec.covariates,
               *ep_cols, *[c for c in extra if not c.startswith("_step")]]
    return frame, steps, columns, var_info


def materialize(store: Store, expr: ibis.Table, name: str = FRAME_TABLE) -> ibis.Table:
    """Compute ``expr`` once into a temporary table of the connection and return it.

    What follows reads these relations several times (lines and index lines by every feature
    aggregate, the patient frame by the attrition count and the fetch); computing each once
    keeps a run on millions of patients fast. The statement is ``CREATE TEMP TABLE ... AS``
    with Ibis's compilation of the expression for the store's engine (the same helper the line
    algorithm uses).
    """
    return _sql.create_as(store.con, name, expr, temp=True)


def run_study(spec: StudySpec | str | Path, store: Store | str | Path, out_dir: str | Path | None = None,
              *, progress: Callable[[str], None] | None = None) -> StudyResult:
    """Run a study spec (or recipe name) on a registry store.

    Parameters
    ----------
    spec : StudySpec, str or pathlib.Path
        A spec object, a YAML file or a recipe name.
    store : Store, str or pathlib.Path
        The registry store (or its path).
    out_dir : path, optional
        Where to write ``analysis_table.parquet``, ``analysis_table.csv`` and ``results.json``.
    progress : callable, optional
        Called with a short description of each stage.

    Returns
    -------
    StudyResult
    """
    note = progress or (lambda _msg: None)
    if not isinstance(spec, StudySpec):
        spec = load_spec(spec)
    if not isinstance(store, Store):
        store = Store.open(store, create=False)
    note("compiling the study")
    frame, steps, columns, var_info, anchors, notes = build(spec, store, note)
    note("building the patient frame")
    frame = materialize(store, frame.select(*columns, *[f"_step{i}" for i in range(len(steps))]))
    steps = [(sid, label, exclusion, frame[f"_step{i}"]) for i, (sid, label, exclusion, _) in enumerate(steps)]
    note("counting the cohort")
    n_registry = store.count("patients")
    group = spec.groups.name if spec.groups is not None else None
    attr = attrition(frame, steps, frame[group] if group else None, n_registry, spec.index.label)
    keep = ibis.literal(True)
    for _, _, exclusion, cond in steps:
        keep = keep & step_passes(cond, exclusion)
    if group:
        keep = keep & frame[group].notnull()
    note("writing the analysis table")
    analysis = materialize(store, frame.filter(keep).select(*columns), ANALYSIS_TABLE)
    scratch = None
    if out_dir is None:
        scratch = tempfile.TemporaryDirectory(prefix="linewise-study-")
    folder = Path(out_dir) if out_dir is not None else Path(scratch.name)
    table_file = write_parquet(store.con, analysis, folder / f"{TABLE_FILE}.parquet", order_by="patient_id")
    table_sha256 = table_hash(pq.read_schema(table_file), iter_parquet(table_file))
    note("running the analyses")
    try:
        results = analyse(spec, EngineTable(analysis), var_info, anchors)
    finally:
        for name in TEMP_TABLES:
            _sql.drop(store.con, name)
    results["warnings"] = notes + results["warnings"]
    results["attrition"] = attr
    results["provenance"] = provenance(spec, store, table_sha256)
    results["headline"] = headline(spec, results)
    result = StudyResult(spec, results, table_file, scratch)
    if out_dir is not None:
        result.write(out_dir)
    return result


def analyse(spec: StudySpec, engine: EngineTable, var_info: dict, anchors: dict) -> dict:
    """Run every analysis of the spec on the analysis table in the engine; the results dict (no
    provenance). Aggregates are asked of the engine; the columns the patient-level analyses
    need are fetched once (:func:`~linewise.study.aggregates.patient_columns`)."""
    endpoints = {n: e.resolved() for n, e in spec.endpoints.items()}
    n = engine.n_rows
    group = spec.groups.name if spec.groups is not None else None
    data = AnalysisData(pd.DataFrame(index=pd.RangeIndex(n)), var_info, endpoints, dict(spec.responses),
                        spec.time_unit, group, engine, where_columns(spec))
    if n:  # the category values of the variables, in one query
        engine.prefetch_present(v.name for v in var_info.values() if v.kind is VarKind.CATEGORICAL)
    # the immortal-time screen (aggregates) first: it decides whether remedies need patient rows
    comparative = [a for a in spec.analyses
                   if isinstance(a, KaplanMeierAnalysis | CoxAnalysis | SubgroupAnalysis) and a.id in anchors]
    totals = bias.screen(data, comparative) if n and comparative else {}
    checks = {a.id: bias.check(data, a, anchors[a.id], _origin_text(spec, a.endpoint), totals.get(a.id))
              for a in comparative} if n else {}
    gaps = {a.id for a in spec.analyses if bias.needs_patient_gaps(a, checks.get(a.id))}
    needed = patient_columns(spec, var_info, gaps, engine.columns) if n else []
    if needed:
        data.table = aggregates.fetch_patient_rows(engine.table, needed)
    res: dict = {"schema": SCHEMA, "survival": [], "cox": [], "subgroups": [], "responses": [],
                 "follow_up": {"time_unit": spec.time_unit.value, "rows": []}, "bias": []}
    km = [a for a in spec.analyses if isinstance(a, KaplanMeierAnalysis)]
    km_rows = prefetch_km(data, km) if km else {}
    for a in spec.analyses:
        if isinstance(a, TableOneAnalysis):
            res["table_one"] = run_table_one(data, a) if n else None
        elif isinstance(a, KaplanMeierAnalysis):
            res["survival"].append(run_kaplan_meier(data, a, km_rows.get(a.id)))
        elif isinstance(a, CoxAnalysis):
            res["cox"].extend(run_cox(data, a) if n else [])
        elif isinstance(a, SubgroupAnalysis):
            res["subgroups"].extend(run_subgroup(data, a) if n else [])
        elif isinstance(a, ResponseAnalysis):
            res["responses"].extend(run_response(data, a))
        elif isinstance(a, FollowUpAnalysis):
            res["follow_up"]["rows"].extend(run_follow_up(data, a) if n else [])
        elif isinstance(a, LandmarkAnalysis):
            anchor = bias.anchor_column(a.id)
            res["survival"].append(run_landmark(data, a, anchor if anchor in engine.columns else None))
        warning = checks.get(a.id)
        if warning is not None:
            data.warnings.append(warning)
            if warning["kind"] == bias.IMMORTAL_TIME and isinstance(a, KaplanMeierAnalysis | CoxAnalysis) \
                    and a.remedies:
                naive_multi = [m for m in _find_models(res, a.id) if m["model"] == "multivariable"]
                selected = naive_multi[0].get("selected", []) if naive_multi else []
                blocks, models, summary = bias.remedies(data, a, run_cox, selected)
                naive = bias.naive_summary(_find_blocks(res, a.id), _find_models(res, a.id))
                res["survival"].extend(blocks)
                res["cox"].extend(models)
                res["bias"].append({"analysis": a.id, "endpoint": a.endpoint, "naive": naive, **summary})
    res["study"] = {"name": spec.name, "title": spec.title, "description": spec.description,
                    "reference": spec.reference, "time_unit": spec.time_unit.value, "schema_version": spec.schema_version}
    res["cohort"] = {"index_event": spec.index.label, "index_definition": spec.index.line,
                     "occurrence": spec.index.occurrence.value, "lines_source": spec.lines.source.value,
                     "steps": [{"id": s.id, "label": s.label, "kind": "exclude" if s.is_exclusion else "include",
                                "definition": s.condition} for s in spec.cohort]}
    res["methods"] = _methods(spec, var_info)
    covariates = [v for name, v in var_info.items() if name in spec.covariates]
    counts = _column_counts(engine, endpoints, covariates) if n else {}
    keys = [*([group] if group else []), *[f"{e}_status" for e in endpoints]]
    combos = engine.grouped(engine.table, keys) if n and keys else None
    res["groups"] = _groups_summary(spec, combos)
    res["endpoints"] = _endpoint_summary(endpoints, combos, counts)
    res["covariates"] = [{"name": v.name, "label": v.label, "kind": v.kind.value, "levels": v.levels,
                          "reference": v.reference, "known_at": v.anchor.describe() if v.anchor else None,
                          "missing": counts.get(f"missing.{v.name}", 0) if v.name in engine.columns else None}
                         for v in covariates]
    res["warnings"] = data.warnings
    return res


def _column_counts(engine: EngineTable, endpoints: dict, covariates: list) -> dict[str, int]:
    """Per endpoint the patients with a time and with the event, per covariate the missing
    values: one aggregate query."""
    t = engine.table
    metrics = {}
    for name in endpoints:
        metrics[f"time.{name}"] = count_if(t[f"{name}_time"].notnull())
        metrics[f"event.{name}"] = count_if(t[f"{name}_event"] == 1)
    for v in covariates:
        if v.name in engine.columns:
            metrics[f"missing.{v.name}"] = count_if(t[v.name].isnull())
    return engine.one_row(t, **metrics)


def _methods(spec: StudySpec, var_info: dict | None = None) -> dict:
    """Settings the methods paragraph of a report states (covariates by column name and by label)."""
    var_info = var_info or {}

    def label(name: str) -> str:
        v = var_info.get(name)
        if v is not None:
            return v.label
        c = spec.covariates.get(name)
        return (c.label if c is not None and c.label else None) or name.replace("_", " ")

    cox = [a for a in spec.analyses if isinstance(a, CoxAnalysis)]
    km = [a for a in spec.analyses if isinstance(a, KaplanMeierAnalysis)]
    t1 = [a for a in spec.analyses if isinstance(a, TableOneAnalysis)]
    return {"analyses": {
        "alpha": 0.05, "conf_level": 0.95,
        "km_conf_type": km[0].conf_type if km else None,
        "cox_ties": cox[0].ties if cox else None,
        "multivariable_selection": sorted({a.selection.value for a in cox}) or None,
        "selection_alpha": sorted({a.alpha for a in cox if a.selection.value == "univariable"}) or None,
        "multivariable_covariates": {a.id: list(a.adjust_for) for a in cox if a.adjust_for} or None,
        "multivariable_covariate_labels": {a.id: [{"name": n, "label": label(n)} for n in a.adjust_for]
                                           for a in cox if a.adjust_for} or None,
        "subgroup_interaction_test": "likelihood-ratio test of exposure x subgroup",
        "table_one_categorical_test": t1[0].categorical_test.value if t1 else None}}


def _find_blocks(res, aid):
    return [b for b in res["survival"] if b["analysis"] == aid and b.get("remedy") is None]


def _find_models(res, aid):
    return [m for m in res["cox"] if m["analysis"] == aid and m.get("remedy") is None]


def _sizes(combos: pd.DataFrame | None, column: str) -> dict:
    """Patients per non-missing value of ``column``, from the counts per combination of the
    group and status columns (one query for all of them)."""
    if combos is None or not len(combos):
        return {}
    sums = combos.groupby(column, dropna=True, sort=True)["n"].sum()
    return {k: int(v) for k, v in sums.items()}


def _groups_summary(spec: StudySpec, combos: pd.DataFrame | None) -> dict | None:
    if spec.groups is None:
        return None
    counts = _sizes(combos, spec.groups.name)
    return {"variable": spec.groups.name, "label": spec.groups.label, "reference": spec.groups.reference_level,
            "levels": [{"name": lv.name, "label": lv.label or lv.name, "definition": lv.when,
                        "n": int(counts.get(lv.name, 0))} for lv in spec.groups.levels]}


def _endpoint_summary(endpoints: dict, combos: pd.DataFrame | None, counts: dict) -> list[dict]:
    out = []
    for n, ep in endpoints.items():
        status = {str(k): v for k, v in _sizes(combos, f"{n}_status").items()}
        out.append({"name": n, "label": ep.label, "preset": ep.preset, "origin": ep.origin, "line": ep.line,
                    "events": list(ep.events), "censor": ep.censor, "censor_at_next_line": ep.censor_at_next_line,
                    "death_window_days": ep.death_window_days, "entry": ep.entry,
                    "n_with_time": counts.get(f"time.{n}", 0), "n_events": counts.get(f"event.{n}", 0),
                    "status": status})
    return out
