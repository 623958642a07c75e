"""Analyses computed from aggregates built in the engine: Kaplan-Meier and log-rank (k groups,
stratified, trend, pairwise), landmark curves, median follow-up, response tables and Table 1.

Each function asks :class:`~linewise.study.aggregates.EngineTable` for counts (``GROUP BY`` in
the engine) and turns them into the same dictionaries the patient-level code gave, with the
statistics of :mod:`linewise.stats.aggregated`, which equal the patient-level functions bit for
bit (risk tables are sums of whole numbers; near-equal times are merged on the distinct
values). Rows are selected in the engine exactly as :meth:`AnalysisData.survival` selects
them in pandas: a time present, with delayed entry an entry present and before the exit, the
group (and stratum) known. Category labels and their order come from the same rule as the
patient-level categoricals (:func:`~linewise.study.analyses.level_mapping`).

What still reads patient rows (Cox, Table 1 continuous variables, the immortal-time guard) is
listed in :mod:`linewise.study.aggregates`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import proportion_ci
from ..stats._table_one_vars import CategoricalSummary, _level_text, summarise_continuous
from ..stats._validate import StatsInputError
from ..stats.aggregated import (
    kaplan_meier_by_from_counts,
    kaplan_meier_from_counts,
    logrank_from_counts,
    logrank_trend_from_counts,
    median_follow_up_from_counts,
    pairwise_logrank_from_counts,
)
from ..stats.table_one import check_groups, table_one_from_summaries
from .aggregates import count_if
from .analyses import (
    BOR_CATEGORIES,
    CONF_LEVEL,
    OVERALL,
    SMALL_GROUP,
    AnalysisData,
    _rate_test,
    block_header,
    curve,
    hazard_ratios,
    response_definition,
    response_fields,
)
from .spec import (
    DAYS_PER_UNIT,
    FollowUpAnalysis,
    KaplanMeierAnalysis,
    LandmarkAnalysis,
    ResponseAnalysis,
    ResponseKind,
    SurvivalTest,
    TableOneAnalysis,
    VarKind,
)


# --- Kaplan-Meier and log-rank --------------------------------------------------------------------
def km_block_from_counts(counts: pd.DataFrame, grouped: bool, stratified: bool, conf_type: str, times: list[float],
                         *, overall: bool = True, test: SurvivalTest = SurvivalTest.LOGRANK,
                         pairwise: bool = False) -> dict:
    """:func:`~linewise.study.analyses.km_block` on risk-set counts (``group`` a Categorical of
    the labels, ``stratum`` the stratum labels as text, as the patient-level tests order them)."""
    curves, tests = [], {}
    entering = counts["n_entering"] if "n_entering" in counts else None
    if overall or not grouped:
        fit = kaplan_meier_from_counts(counts["time"], counts["n_event"], counts["n_censor"], entering,
                                       conf_type=conf_type)
        curves.append(curve(fit, OVERALL, times))
    if grouped:
        fits = kaplan_meier_by_from_counts(counts, conf_type=conf_type)
        curves.extend(curve(fit, str(g), times) for g, fit in fits.items())
        if test is not SurvivalTest.NONE and len(fits) >= 2:
            lr_counts = counts if stratified else counts.drop(columns="stratum", errors="ignore")
            try:
                if test is SurvivalTest.TREND:
                    r = logrank_trend_from_counts(lr_counts)
                    tests["trend"] = {"method": "log-rank test for trend", "statistic": r.statistic, "df": 1,
                                      "p": r.pvalue, "z": r.z}
                r = logrank_from_counts(lr_counts)
                tests["logrank"] = {"method": "log-rank test" + (" (stratified)" if stratified else ""),
                                    "statistic": r.statistic, "df": r.df, "p": r.pvalue,
                                    "observed": r.observed.tolist(), "expected": r.expected.tolist(),
                                    "groups": [str(g) for g in r.groups]}
                if pairwise and len(fits) > 2:
                    tests["pairwise"] = pairwise_logrank_from_counts(lr_counts).table.to_dict("records")
            except StatsInputError as exc:
                tests["error"] = str(exc)
    return {"curves": curves, "tests": tests, "conf_type": conf_type, "conf_level": CONF_LEVEL}


def _labelled(data: AnalysisData, counts: pd.DataFrame, by: str | None, strata: str | None) -> pd.DataFrame:
    """Raw group / stratum values of a counts frame as their labels."""
    out = counts.copy()
    if by is not None:
        out["group"] = data.labels(by, counts["group"])
    if strata is not None:
        out["stratum"] = data.labels(strata, counts["stratum"]).astype(object).to_numpy()
    return out


def survival_rows(t, cond, endpoint: str, *, entry: bool = True):
    """The engine's version of :meth:`AnalysisData.survival` on the rows of ``t`` where ``cond``
    holds (None: all rows): the condition selecting rows with a time (and a usable entry), the
    entry column (or None) and the exclusion counts as metrics."""
    time = t[f"{endpoint}_time"]
    keep = time.notnull() if cond is None else cond & time.notnull()
    metrics = {"_rows": t.count() if cond is None else count_if(cond), "_with_time": count_if(keep)}
    entry_col = f"{endpoint}_entry" if entry and f"{endpoint}_entry" in t.columns else None
    if entry_col is not None:
        e = t[entry_col]
        metrics["no_entry_date"] = count_if(keep & e.isnull())
        metrics["exit_not_after_entry"] = count_if(keep & e.notnull() & (time <= e))
        keep = keep & e.notnull() & (time > e)
    return keep, entry_col, metrics


def _excluded(row: dict) -> dict:
    out = {"no_time": row.pop("_rows") - row.pop("_with_time")}
    for k in ("no_entry_date", "exit_not_after_entry"):
        if k in row:
            out[k] = row.pop(k)
    return out


def _km_rows(data: AnalysisData, a: KaplanMeierAnalysis):
    """Rows of a Kaplan-Meier analysis: those used (``known``), the entry column and the counts
    of the rows left out, as metrics over the whole table."""
    t = data.engine.table
    cond = data.engine.condition(a.id, a.where) if a.where else None
    keep, entry_col, metrics = survival_rows(t, cond, a.endpoint)
    known = keep
    for name in (a.by, a.strata):
        if name is not None:
            known = known & t[data.variable(name).name].notnull()
    metrics["_kept"] = count_if(keep)
    metrics["_known"] = count_if(known)
    return known, entry_col, metrics


def prefetch_km(data: AnalysisData, analyses: list[KaplanMeierAnalysis]) -> dict[str, dict]:
    """The row counts of several Kaplan-Meier analyses in one query (fixed cost per query)."""
    per_analysis = [_km_rows(data, a)[2] for a in analyses]
    metrics = {f"a{i}{k}": v for i, m in enumerate(per_analysis) for k, v in m.items()}
    row = data.engine.one_row(data.engine.table, **metrics)
    return {a.id: {k: row[f"a{i}{k}"] for k in m} for i, (a, m) in enumerate(zip(analyses, per_analysis, strict=True))}


def run_kaplan_meier(data: AnalysisData, a: KaplanMeierAnalysis, counted: dict | None = None) -> dict:
    """A Kaplan-Meier block from counts (``counted``: its row counts from :func:`prefetch_km`)."""
    ep = data.endpoints[a.endpoint]
    known, entry_col, metrics = _km_rows(data, a)
    row = dict(counted) if counted is not None else data.engine.one_row(data.engine.table, **metrics)
    n_kept, n_known = row.pop("_kept"), row.pop("_known")
    by_col = data.variable(a.by).name if a.by is not None else None
    strata_col = data.variable(a.strata).name if a.strata is not None else None
    t = data.engine.table
    block = block_header(data, a.id, a.endpoint, ep, a.title, a.by)
    block["excluded"] = {**_excluded(row), "missing_group": n_kept - n_known}
    if n_known == 0:
        data.warn("no_data", f"{a.id}: no patient has a time for {a.endpoint}", a.id)
        block.update(curves=[], tests={})
        return block
    counts = data.engine.risk_counts(t.filter(known), f"{a.endpoint}_time", f"{a.endpoint}_event",
                                     group=by_col, stratum=strata_col, entry=entry_col)
    counts = _labelled(data, counts, a.by, a.strata)
    block.update(km_block_from_counts(counts, a.by is not None, a.strata is not None, a.conf_type, a.times,
                                      overall=a.overall, test=a.test, pairwise=a.pairwise))
    if a.hazard_ratios and a.by is not None:
        # the panel's hazard ratios are Cox fits: on the patient rows (only these columns)
        block["hazard_ratios"] = _panel_hazard_ratios(data, a, block["tests"])
    if "error" in block["tests"]:
        data.warn("test_not_computed", f"{a.id}: {block['tests']['error']}", a.id)
    for c in block["curves"]:
        if c["group"] != OVERALL and c["n"] < SMALL_GROUP:
            data.warn("small_group", f"{a.id}: group {c['group']!r} has {c['n']} patients; its median and the "
                      "test are unstable", a.id)
    return block


def _panel_hazard_ratios(data: AnalysisData, a: KaplanMeierAnalysis, tests: dict) -> list[dict]:
    sd = data.survival(data.rows(a.id, a.where), a.endpoint)
    groups = data.categorical(sd.frame, a.by)
    keep = groups.notna().to_numpy()
    if a.strata is not None:
        keep &= data.categorical(sd.frame, a.strata).notna().to_numpy()
    en = sd.entry[keep] if sd.entry is not None else None
    try:
        return hazard_ratios(sd.time[keep], sd.event[keep], en, groups[keep].reset_index(drop=True),
                             data.variable(a.by).reference)
    except StatsInputError as exc:
        tests.setdefault("error", str(exc))
        return []


def run_landmark(data: AnalysisData, a: LandmarkAnalysis, anchor: str | None) -> dict:
    """Landmark analysis at a fixed time after the origin (Anderson 1983), from counts.

    Patients still under follow-up at the landmark whose group was decided by then are
    compared from the landmark on; the counts are grouped by the original times and shifted
    by the landmark in numpy, as the patient-level analysis shifts each time.
    """
    ep = data.endpoints[a.endpoint]
    t = data.engine.subset(a.id, a.where)
    keep, _, metrics = survival_rows(t, None, a.endpoint, entry=False)
    at_risk = keep & (t[f"{a.endpoint}_time"] > a.at)
    decided = at_risk
    if anchor is not None:
        # the same arithmetic as the patient-level rule: days / days-per-unit > landmark
        days = t[anchor].delta(t[f"{a.endpoint}_origin"], unit="day").cast("float64")
        decided = at_risk & ~((days / DAYS_PER_UNIT[data.unit]) > a.at).fill_null(False)
    by_col = data.variable(a.by).name
    use = decided & t[by_col].notnull()
    metrics.update(_at_risk=count_if(at_risk), _decided=count_if(decided), _use=count_if(use))
    row = data.engine.one_row(t, **metrics)
    n_at_risk, n_decided, n_use = row.pop("_at_risk"), row.pop("_decided"), row.pop("_use")
    n_with_time = row["_with_time"]
    block = block_header(data, a.id, a.endpoint, ep, a.title, a.by)
    block.update(landmark=a.at, start_time=0.0,
                 excluded={**_excluded(row), "event_or_censored_before_landmark": n_with_time - n_at_risk,
                           "group_decided_after_landmark": n_at_risk - n_decided})
    if n_use == 0:
        data.warn("no_data", f"{a.id}: nobody is at risk at the landmark {a.at:g} {data.unit.value}", a.id)
        block.update(curves=[], tests={})
        return block
    counts = data.engine.risk_counts(t.filter(use), f"{a.endpoint}_time", f"{a.endpoint}_event", group=by_col)
    counts = _labelled(data, counts, a.by, None)
    counts["time"] = counts["time"].to_numpy(dtype=float) - a.at
    block.update(km_block_from_counts(counts, True, False, "log", []))
    return block


# --- follow-up, responses, Table 1 ------------------------------------------------------------------
def run_follow_up(data: AnalysisData, a: FollowUpAnalysis) -> list[dict]:
    t = data.engine.subset(a.id, a.where)
    time = t[f"{a.endpoint}_time"]
    by_col = data.variable(a.by).name if a.by is not None else None
    counts = data.engine.risk_counts(t.filter(time.notnull()), f"{a.endpoint}_time", f"{a.endpoint}_event",
                                     group=by_col)
    rows = []
    parts = [(OVERALL, np.ones(len(counts), dtype=bool))] if a.overall or a.by is None else []
    if a.by is not None:
        groups = data.labels(a.by, counts["group"])
        parts += [(str(g), (groups == g).to_numpy()) for g in groups.cat.categories]
    for label, mask in parts:
        if not mask.any():
            continue
        c = counts[mask]
        r = median_follow_up_from_counts(c["time"], c["n_event"], c["n_censor"], method=a.method.value)
        rows.append({"analysis": a.id, "endpoint": a.endpoint, "group": label, "method": r.method, "n": r.n,
                     "median": r.median, "lower": r.lower, "upper": r.upper, "min": r.minimum, "max": r.maximum})
    return rows


def _group_labels(data: AnalysisData, by: str | None, counts: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """The group label of each counts row and the groups in order (one "Overall" group without ``by``)."""
    if by is None:
        return pd.Series(OVERALL, index=counts.index), [OVERALL]
    groups = data.labels(by, counts[data.variable(by).name])
    return groups, [str(g) for g in groups.cat.categories]


def run_response(data: AnalysisData, a: ResponseAnalysis) -> list[dict]:
    t = data.engine.subset(a.id, a.where)
    by_col = data.variable(a.by).name if a.by is not None else None
    keys = [*([by_col] if by_col else []), *a.responses]
    counts = data.engine.grouped(t, list(dict.fromkeys(keys)))
    groups, levels = _group_labels(data, a.by, counts)
    out = []
    for name in a.responses:
        spec = data.responses[name]
        col, n = counts[name], counts["n"].to_numpy()
        block = {"analysis": a.id, "response": name, "kind": spec.kind.value, "definition": response_definition(spec),
                 "label": spec.label or name, "by": None if a.by is None else data.variable(a.by).name,
                 **response_fields(spec)}
        if spec.kind is ResponseKind.BEST_RESPONSE:
            table = []
            for g in levels:
                in_g = (groups == g).to_numpy()
                table.append({"group": g, "n": int(n[in_g].sum()),
                              "counts": {c: int(n[in_g & (col == c).to_numpy()].sum()) for c in BOR_CATEGORIES}})
            block["groups"] = table
            out.append(block)
            continue
        yes = col.fillna(False).astype(bool).to_numpy()
        rows, cells = [], []
        for g in levels:
            in_g = (groups == g).to_numpy()
            size, x = int(n[in_g].sum()), int(n[in_g & yes].sum())
            ci = proportion_ci(x, size, method=a.conf_method) if size else None
            rows.append({"group": g, "n": size, "x": x, "percent": 100.0 * x / size if size else None,
                         "lower": ci.conf_low if ci else None, "upper": ci.conf_high if ci else None})
            cells.append([x, size - x])
        block["groups"] = rows
        block["conf_method"] = a.conf_method
        block["test"] = _rate_test(np.asarray(cells, dtype=float), a.test) if len(levels) > 1 else None
        out.append(block)
    return out


def _categorical_summary(data: AnalysisData, t, name: str, by_col: str | None, levels: list[str]) -> CategoricalSummary:
    """Counts per group and level of one categorical variable (``GROUP BY`` in the engine)."""
    var = data.variable(name)
    _, categories = data.levels(name)
    counts = data.engine.grouped(t, list(dict.fromkeys([*([by_col] if by_col else []), var.name])))
    if by_col is None:
        g = np.zeros(len(counts), dtype=np.intp)
    else:
        g = pd.Categorical(data.labels(by_col, counts[by_col]).astype(object), categories=levels).codes
    lv = data.labels(name, counts[var.name]).cat.codes.to_numpy()
    n = counts["n"].to_numpy(dtype=np.int64)
    table = np.zeros((len(levels), len(categories)), dtype=np.int64)
    missing = np.zeros(len(levels), dtype=np.int64)
    ok = g >= 0
    np.add.at(table, (g[ok & (lv >= 0)], lv[ok & (lv >= 0)]), n[ok & (lv >= 0)])
    np.add.at(missing, g[ok & (lv < 0)], n[ok & (lv < 0)])
    return CategoricalSummary(levels=list(categories), level_text=[_level_text(v) for v in categories],
                              counts=table, missing_by_group=missing)


def run_table_one(data: AnalysisData, a: TableOneAnalysis) -> dict:
    """Table 1: categorical variables from counts per group and level, continuous ones (medians,
    quartiles or ranges, rank tests, SMDs) from the patient rows of those columns only."""
    t = data.engine.subset(a.id, a.where)
    by_col = data.variable(a.by).name if a.by is not None else None
    if by_col is not None:
        sizes = data.engine.grouped(t, [by_col])
        labels_of = data.labels(a.by, sizes[by_col])
        n = sizes["n"].to_numpy()
        n_by = {str(g): int(n[(labels_of == g).to_numpy()].sum()) for g in labels_of.cat.categories}
        levels = [g for g, k in n_by.items() if k > 0]
        n_missing_by = int(n[labels_of.isna().to_numpy()].sum())
        if int(n.sum()) == 0:
            raise StatsInputError("data: has no rows")
        check_groups("__by__", levels)
        group_n = tuple(n_by[g] for g in levels)
    else:
        total = data.engine.one_row(t, n=t.count())["n"]
        if total == 0:
            raise StatsInputError("data: has no rows")
        levels, group_n, n_missing_by = [OVERALL], (total,), 0
    continuous = [v for v in a.variables if data.variable(v).kind is not VarKind.CATEGORICAL]
    codes = None
    if continuous:
        df = data.rows(a.id, a.where)
        if by_col is not None:
            codes = pd.Categorical(data.categorical(df, a.by).astype(object), categories=levels).codes
        else:
            codes = np.zeros(len(df), dtype=np.intp)
        keep = codes >= 0
    summaries, labels = {}, {}
    for v in a.variables:
        var = data.variable(v)
        labels[var.name] = var.label
        if var.kind is VarKind.CATEGORICAL:
            summaries[var.name] = _categorical_summary(data, t, v, by_col, levels)
        else:
            values = data.numeric(df, v)[keep]
            summaries[var.name] = summarise_continuous(values, codes[keep], len(levels), var.name)
    res = table_one_from_summaries(summaries, "__by__" if by_col else None, levels, group_n, n_missing_by,
                                   labels=labels, continuous_stat=a.continuous_stat,
                                   categorical_test=a.categorical_test.value, overall=a.overall, smd=a.smd)
    variables = []
    tests = res.tests.set_index("variable")
    for var_name, summ in summaries.items():
        rows = res.table[res.table["variable"] == var_name]
        test = tests.loc[var_name]
        cells = [{"row_type": r["row_type"], "level": r["level"],
                  "cells": {c: r[c] for c in [*([OVERALL] if OVERALL in res.table.columns else []),
                                             *res.group_columns]}}
                 for _, r in rows.iterrows()]
        variables.append({"variable": var_name, "label": labels[var_name],
                          "type": "categorical" if isinstance(summ, CategoricalSummary) else "continuous",
                          "test": test["test"], "statistic": test["statistic"], "df": test["df"], "p": test["pvalue"],
                          "smd": test["smd"], "rows": cells})
    return {"analysis": a.id, "title": a.title or "Table 1", "by": by_col,
            "categorical_test": a.categorical_test.value, "numbers": res.data.to_dict("records"),
            "overall": bool(a.overall or a.by is None),
            "groups": [str(g) for g in res.groups], "group_n": list(res.group_n), "n_total": res.n_total,
            "continuous_stat": a.continuous_stat, "tests_used": list(res.tests_used), "variables": variables}
