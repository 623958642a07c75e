"""Analyses on the analysis table (numpy/pandas side of the contract): Table 1, Kaplan-Meier,
log-rank, median follow-up, response tables, landmark analysis. Cox models and subgroup
analyses are in :mod:`linewise.study.regression`.

Every statistic comes from :mod:`linewise.stats`; this module only selects rows and columns,
orders categories as the spec says and turns results into plain, JSON-ready dictionaries.
A statistic that cannot be computed (no events, one group only) is recorded with the reason
in a warning instead of stopping the run.

Examples
--------
>>> import numpy as np
>>> block = km_block(np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1]), None, None, "log", [])
>>> block["curves"][0]["median"]  # S = 0.5 from t = 2 to the next event at t = 4 (R's rule)
3.0
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..stats import (
    chi_square,
    fisher_exact,
    kaplan_meier,
    kaplan_meier_by,
    logrank,
    logrank_trend,
    median_follow_up,
    pairwise_logrank,
    proportion_ci,
    table_one,
)
from ..stats._validate import StatsInputError
from ..stats.cox import cox
from .compiler import VType
from .covariates import NO, YES, Variable
from .spec import (
    DAYS_PER_UNIT,
    CategoricalTest,
    FollowUpAnalysis,
    KaplanMeierAnalysis,
    LandmarkAnalysis,
    ResolvedEndpoint,
    ResponseAnalysis,
    ResponseKind,
    ResponseSpec,
    SurvivalTest,
    TableOneAnalysis,
    TimeUnit,
    VarKind,
)

OVERALL = "Overall"
CONF_LEVEL = 0.95
#: Groups smaller than this get a warning: medians and tests are unstable.
SMALL_GROUP = 10
#: Expected counts below this make the "auto" response test Fisher's exact test (as Table 1).
MIN_EXPECTED = 5
BOR_CATEGORIES = ("CR", "PR", "SD", "PD", "NE")


def fmt_level(value) -> str:
    """A category value as text: 1.0 -> '1', True -> 'yes'."""
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if isinstance(value, float | np.floating):
        return format(float(value), "g")
    return str(value)


@dataclass
class SurvivalData:
    frame: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    excluded: dict[str, int]


@dataclass
class AnalysisData:
    """The analysis table with what is needed to read it (variables, endpoints, unit)."""

    table: pd.DataFrame
    variables: dict[str, Variable]
    endpoints: dict[str, ResolvedEndpoint]
    responses: dict[str, ResponseSpec]
    unit: TimeUnit
    group: str | None
    warnings: list[dict] = field(default_factory=list)
    _categoricals: dict = field(default_factory=dict, repr=False)
    _rows: dict = field(default_factory=dict, repr=False)
    _survival: dict = field(default_factory=dict, repr=False)

    def warn(self, kind: str, message: str, analysis: str | None = None, **extra) -> None:
        self.warnings.append({"kind": kind, "analysis": analysis, "message": message, **extra})

    def rows(self, analysis_id: str, where: str | None) -> pd.DataFrame:
        """The analysis table restricted by an analysis's ``where`` (computed once per analysis)."""
        if where is None:
            return self.table
        # analyses with the same condition share one subset (memory: the table can be large)
        if where not in self._rows:
            self._rows[where] = self.table[self.table[f"in_{analysis_id}"].fillna(False).astype(bool)]
        return self._rows[where]

    def variable(self, name: str) -> Variable:
        if name == "group" and self.group is not None:
            return self.variables[self.group]
        return self.variables[name]

    def categorical(self, df: pd.DataFrame, name: str) -> pd.Series:
        """The column as an ordered pandas Categorical of text levels (missing stays missing)."""
        var = self.variable(name)
        full = self._categoricals.get(var.name)
        if full is None:
            full = self._categoricals[var.name] = self._make_categorical(var)
        return full.loc[df.index]

    def _make_categorical(self, var: Variable) -> pd.Series:
        raw = self.table[var.name]
        present = pd.unique(raw.dropna())
        # format each distinct value once (vectorised mapping; tables can have millions of rows)
        mapping = {v: fmt_level(v) for v in present}
        text = raw.map(mapping)
        if var.levels is not None:
            levels = list(var.levels)
        else:
            try:
                ordered = sorted(present)
            except TypeError:
                ordered = sorted(present, key=str)
            levels = list(dict.fromkeys(mapping[v] for v in ordered))
        extra = sorted(set(mapping.values()) - set(levels))
        return pd.Series(pd.Categorical(text, categories=[*levels, *extra]), index=raw.index, name=var.name)

    def numeric(self, df: pd.DataFrame, name: str) -> pd.Series:
        """The column as floats (true/false as 1/0) for the rows of ``df`` (which may hold only
        an index, as :meth:`survival` frames do)."""
        var = self.variable(name)
        col = self.table[var.name].loc[df.index]
        if var.vtype is VType.BOOLEAN:
            return col.map({True: 1.0, False: 0.0}).astype(float)
        return pd.to_numeric(col, errors="coerce").astype(float)

    def survival(self, df: pd.DataFrame, endpoint: str, *, entry: bool = True) -> SurvivalData:
        """Rows with a time; with delayed entry, rows whose exit is after their entry.

        ``frame`` of the result holds the rows' index only (columns are read from the table
        when needed: copying a wide table for every model is what costs on large cohorts).
        """
        key = (id(df), endpoint, entry)
        hit = self._survival.get(key)
        if hit is not None and hit[0] is df:
            return hit[1]
        sd = self._survival_data(df, endpoint, entry)
        self._survival[key] = (df, sd)
        return sd

    def _survival_data(self, df: pd.DataFrame, endpoint: str, entry: bool) -> SurvivalData:
        t = pd.to_numeric(df[f"{endpoint}_time"], errors="coerce")
        keep = t.notna()
        excluded = {"no_time": int((~keep).sum())}
        en = None
        if entry and f"{endpoint}_entry" in df.columns:
            e = pd.to_numeric(df[f"{endpoint}_entry"], errors="coerce")
            no_entry = keep & e.isna()
            after = keep & e.notna() & (t <= e)
            excluded["no_entry_date"] = int(no_entry.sum())
            excluded["exit_not_after_entry"] = int(after.sum())
            keep = keep & ~no_entry & ~after
            en = e[keep].to_numpy(dtype=float)
        keep_np = keep.to_numpy()
        frame = pd.DataFrame(index=df.index[keep_np])
        return SurvivalData(frame, t.to_numpy(dtype=float)[keep_np],
                            df[f"{endpoint}_event"].to_numpy(dtype=float)[keep_np], en, excluded)


# --- Kaplan-Meier ---------------------------------------------------------------------------------
def curve(fit, group: str, times: list[float]) -> dict:
    """One Kaplan-Meier curve as plain data (steps for plotting, median with CI)."""
    tab = fit.table
    out = {
        "group": group, "n": int(fit.n), "events": float(fit.events), "median": fit.median,
        "lower": fit.median_ci[0], "upper": fit.median_ci[1],
        "steps": {c: tab[c].tolist() for c in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper")},
    }
    if times:
        at = fit.survival_at(times)
        out["at"] = at[["time", "n_risk", "survival", "lower", "upper"]].to_dict("records")
    return out


def hazard_ratios(time, event, entry, groups: pd.Series, reference: str | None) -> list[dict]:
    """Unadjusted Cox hazard ratio of each group against the reference (for the KM panel)."""
    levels = [str(g) for g in groups.cat.categories if (groups == g).any()]
    if len(levels) < 2:
        return []
    ref = reference if reference in levels else levels[0]
    frame = pd.DataFrame({"_t": time, "_e": event, "_g": groups.astype(object).to_numpy()})
    if entry is not None:
        frame["_en"] = entry
    term = f"C(_g, contr.treatment({ref!r}))"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = cox(frame, "_t", "_e", term, entry="_en" if entry is not None else None)
    out = []
    for _, row in fit.coefficients.iterrows():
        level = str(row["term"])[len(term) + 3:-1]
        out.append({"comparison": f"{level} vs {ref}", "level": level, "reference": ref, "hr": row["hr"],
                    "lower": row["hr_lower"], "upper": row["hr_upper"], "p": row["p"]})
    return out


def km_block(time, event, entry, groups, conf_type: str, times: list[float], *, overall: bool = True,
             test: SurvivalTest = SurvivalTest.LOGRANK, strata=None, pairwise: bool = False,
             hr_reference: str | None = None, with_hr: bool = False) -> dict:
    """Curves (overall first, then by group), medians, the group comparison test and (with
    ``with_hr``) the unadjusted hazard ratios against ``hr_reference``."""
    curves, tests = [], {}
    if overall or groups is None:
        curves.append(curve(kaplan_meier(time, event, entry=entry, conf_type=conf_type), OVERALL, times))
    if groups is not None:
        fits = kaplan_meier_by(time, event, groups, entry=entry, conf_type=conf_type)
        curves.extend(curve(fit, str(g), times) for g, fit in fits.items())
        if test is not SurvivalTest.NONE and len(fits) >= 2:
            try:
                if test is SurvivalTest.TREND:
                    r = logrank_trend(time, event, groups, strata=strata, entry=entry)
                    tests["trend"] = {"method": "log-rank test for trend", "statistic": r.statistic, "df": 1,
                                      "p": r.pvalue, "z": r.z}
                r = logrank(time, event, groups, strata=strata, entry=entry)
                tests["logrank"] = {"method": "log-rank test" + (" (stratified)" if strata is not None else ""),
                                    "statistic": r.statistic, "df": r.df, "p": r.pvalue,
                                    "observed": r.observed.tolist(), "expected": r.expected.tolist(),
                                    "groups": [str(g) for g in r.groups]}
                if pairwise and len(fits) > 2:
                    pw = pairwise_logrank(time, event, groups, strata=strata, entry=entry)
                    tests["pairwise"] = pw.table.to_dict("records")
            except StatsInputError as exc:
                tests["error"] = str(exc)
    out = {"curves": curves, "tests": tests, "conf_type": conf_type, "conf_level": CONF_LEVEL}
    if with_hr and groups is not None:
        try:
            out["hazard_ratios"] = hazard_ratios(time, event, entry, groups, hr_reference)
        except StatsInputError as exc:
            out["hazard_ratios"] = []
            tests.setdefault("error", str(exc))
    return out


def run_kaplan_meier(data: AnalysisData, a: KaplanMeierAnalysis) -> dict:
    ep = data.endpoints[a.endpoint]
    sd = data.survival(data.rows(a.id, a.where), a.endpoint)
    frame = sd.frame
    groups = strata = None
    keep = np.ones(len(frame), dtype=bool)
    if a.by is not None:
        groups = data.categorical(frame, a.by)
        keep &= groups.notna().to_numpy()
    if a.strata is not None:
        strata = data.categorical(frame, a.strata)
        keep &= strata.notna().to_numpy()
    missing_by = int((~keep).sum())
    t, e = sd.time[keep], sd.event[keep]
    en = sd.entry[keep] if sd.entry is not None else None
    g = groups[keep].reset_index(drop=True) if groups is not None else None
    s = strata[keep].to_numpy() if strata is not None else None
    block = block_header(data, a.id, a.endpoint, ep, a.title, a.by)
    block["excluded"] = {**sd.excluded, "missing_group": missing_by}
    if len(t) == 0:
        data.warn("no_data", f"{a.id}: no patient has a time for {a.endpoint}", a.id)
        block.update(curves=[], tests={})
        return block
    block.update(km_block(t, e, en, g, a.conf_type, a.times, overall=a.overall, test=a.test, strata=s,
                          pairwise=a.pairwise, with_hr=a.hazard_ratios and a.by is not None,
                          hr_reference=data.variable(a.by).reference if a.by is not None else None))
    if "error" in block["tests"]:
        data.warn("test_not_computed", f"{a.id}: {block['tests']['error']}", a.id)
    for c in block["curves"]:
        if c["group"] != OVERALL and c["n"] < SMALL_GROUP:
            data.warn("small_group", f"{a.id}: group {c['group']!r} has {c['n']} patients; its median and the "
                      "test are unstable", a.id)
    return block


def block_header(data: AnalysisData, aid: str, endpoint: str, ep: ResolvedEndpoint, title, by) -> dict:
    return {"analysis": aid, "endpoint": endpoint, "label": ep.label, "title": title or ep.label,
            "time_unit": data.unit.value, "by": by if by is None else data.variable(by).name,
            "delayed_entry": ep.entry is not None, "start_time": 0.0}


def run_landmark(data: AnalysisData, a: LandmarkAnalysis, anchor_days: pd.Series | None) -> dict:
    """Landmark analysis at a fixed time after the origin (Anderson 1983).

    Patients still under follow-up at the landmark, whose group was already decided by then,
    are compared from the landmark on.
    """
    ep = data.endpoints[a.endpoint]
    sd = data.survival(data.rows(a.id, a.where), a.endpoint, entry=False)
    frame = sd.frame
    at_risk = sd.time > a.at
    decided = np.ones(len(frame), dtype=bool)
    if anchor_days is not None:
        per_unit = DAYS_PER_UNIT[data.unit]
        undecided = (anchor_days.reindex(frame.index).to_numpy(dtype=float) / per_unit) > a.at
        decided = ~undecided
    keep = at_risk & decided
    groups = data.categorical(frame, a.by)
    keep &= groups.notna().to_numpy()
    block = block_header(data, a.id, a.endpoint, ep, a.title, a.by)
    block.update(landmark=a.at, start_time=0.0,
                 excluded={**sd.excluded, "event_or_censored_before_landmark": int((~at_risk).sum()),
                           "group_decided_after_landmark": int((at_risk & ~decided).sum())})
    if not keep.any():
        data.warn("no_data", f"{a.id}: nobody is at risk at the landmark {a.at:g} {data.unit.value}", a.id)
        block.update(curves=[], tests={})
        return block
    block.update(km_block(sd.time[keep] - a.at, sd.event[keep], None, groups[keep].reset_index(drop=True), "log", []))
    return block


# --- follow-up, responses, Table 1 ------------------------------------------------------------------
def run_follow_up(data: AnalysisData, a: FollowUpAnalysis) -> list[dict]:
    sd = data.survival(data.rows(a.id, a.where), a.endpoint, entry=False)
    rows = []
    parts = [(OVERALL, np.ones(len(sd.time), dtype=bool))] if a.overall or a.by is None else []
    if a.by is not None:
        groups = data.categorical(sd.frame, a.by)
        parts += [(str(g), (groups == g).to_numpy()) for g in groups.cat.categories]
    for label, mask in parts:
        if not mask.any():
            continue
        r = median_follow_up(sd.time[mask], sd.event[mask], method=a.method.value)
        rows.append({"analysis": a.id, "endpoint": a.endpoint, "group": label, "method": r.method, "n": r.n,
                     "median": r.median, "lower": r.lower, "upper": r.upper, "min": r.minimum, "max": r.maximum})
    return rows


def _rate_test(counts: np.ndarray, how: CategoricalTest) -> dict | None:
    """Chi-square (no continuity correction) or Fisher on a groups x (yes, no) table."""
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return None
    chi = chi_square(counts, correction=False)
    use_fisher = how is CategoricalTest.FISHER or (how is CategoricalTest.AUTO and chi.min_expected < MIN_EXPECTED)
    if use_fisher:
        try:
            f = fisher_exact(counts)
            return {"method": "Fisher's exact test", "p": f.pvalue}
        except StatsInputError as exc:  # table too large for the exact network
            return {"method": "Pearson's chi-square test", "statistic": chi.statistic, "df": chi.df, "p": chi.pvalue,
                    "note": str(exc)}
    return {"method": "Pearson's chi-square test (no continuity correction)", "statistic": chi.statistic,
            "df": chi.df, "p": chi.pvalue, "min_expected": chi.min_expected}


def response_definition(spec: ResponseSpec) -> str:
    """In words, e.g. 'CR + PR + SD lasting at least 6 months'."""
    if spec.kind is ResponseKind.BEST_RESPONSE:
        return "best overall response (RECIST 1.1); not evaluable when never assessed"
    if spec.kind is ResponseKind.TRR:
        return "CR + PR"
    if spec.min_sd_months is not None:
        return f"CR + PR + SD lasting at least {spec.min_sd_months:g} months"
    return "CR + PR + SD" if spec.kind is ResponseKind.DCR else "CR + PR + SD lasting at least 24 weeks"


def response_fields(spec: ResponseSpec) -> dict:
    """The definition as structured fields: the best responses that count (``responders``) and the
    minimum duration of stable disease (``min_sd_duration``: value and unit, None when any SD counts)."""
    if spec.kind is ResponseKind.BEST_RESPONSE:
        return {"responders": None, "min_sd_duration": None}
    if spec.kind is ResponseKind.TRR:
        return {"responders": ["CR", "PR"], "min_sd_duration": None}
    if spec.min_sd_months is not None:
        return {"responders": ["CR", "PR", "SD"], "min_sd_duration": {"value": spec.min_sd_months, "unit": "months"}}
    if spec.kind is ResponseKind.DCR:
        return {"responders": ["CR", "PR", "SD"], "min_sd_duration": None}
    return {"responders": ["CR", "PR", "SD"], "min_sd_duration": {"value": 24, "unit": "weeks"}}


def run_response(data: AnalysisData, a: ResponseAnalysis) -> list[dict]:
    df = data.rows(a.id, a.where)
    if a.by is not None:
        groups = data.categorical(df, a.by)
        levels = [str(g) for g in groups.cat.categories]
    else:
        groups, levels = pd.Series(OVERALL, index=df.index), [OVERALL]
    out = []
    for name in a.responses:
        spec = data.responses[name]
        col = df[name]
        block = {"analysis": a.id, "response": name, "kind": spec.kind.value, "definition": response_definition(spec),
                 "label": spec.label or name, "by": None if a.by is None else data.variable(a.by).name,
                 **response_fields(spec)}
        if spec.kind is ResponseKind.BEST_RESPONSE:
            table = []
            for g in levels:
                vals = col[(groups == g).to_numpy()]
                table.append({"group": g, "n": int(len(vals)),
                              "counts": {c: int((vals == c).sum()) for c in BOR_CATEGORIES}})
            block["groups"] = table
            out.append(block)
            continue
        rows, counts = [], []
        for g in levels:
            vals = col[(groups == g).to_numpy()].fillna(False).astype(bool)
            n, x = int(len(vals)), int(vals.sum())
            ci = proportion_ci(x, n, method=a.conf_method) if n else None
            rows.append({"group": g, "n": n, "x": x, "percent": 100.0 * x / n if n else None,
                         "lower": ci.conf_low if ci else None, "upper": ci.conf_high if ci else None})
            counts.append([x, n - x])
        block["groups"] = rows
        block["conf_method"] = a.conf_method
        block["test"] = _rate_test(np.asarray(counts, dtype=float), a.test) if len(levels) > 1 else None
        out.append(block)
    return out


def run_table_one(data: AnalysisData, a: TableOneAnalysis) -> dict:
    df = data.rows(a.id, a.where)
    frame = pd.DataFrame(index=df.index)
    types, labels = {}, {}
    for v in a.variables:
        var = data.variable(v)
        if var.kind is VarKind.CATEGORICAL:
            frame[var.name] = data.categorical(df, v)
            types[var.name] = "categorical"
        else:
            frame[var.name] = data.numeric(df, v)
            types[var.name] = "continuous"
        labels[var.name] = var.label
    by = None
    if a.by is not None:
        by_var = data.variable(a.by)
        by = "__by__"
        frame[by] = data.categorical(df, a.by)
    res = table_one(frame, by=by, variables=list(types), types=types, labels=labels,
                    continuous_stat=a.continuous_stat, categorical_test=a.categorical_test.value,
                    overall=a.overall, smd=a.smd)
    variables = []
    tests = res.tests.set_index("variable")
    for var_name in types:
        rows = res.table[res.table["variable"] == var_name]
        t = tests.loc[var_name]
        cells = [{"row_type": r["row_type"], "level": r["level"],
                  "cells": {c: r[c] for c in [*([OVERALL] if OVERALL in res.table.columns else []),
                                             *res.group_columns]}}
                 for _, r in rows.iterrows()]
        variables.append({"variable": var_name, "label": labels[var_name], "type": types[var_name],
                          "test": t["test"], "statistic": t["statistic"], "df": t["df"], "p": t["pvalue"],
                          "smd": t["smd"], "rows": cells})
    return {"analysis": a.id, "title": a.title or "Table 1", "by": None if a.by is None else by_var.name,
            "categorical_test": a.categorical_test.value, "numbers": res.data.to_dict("records"),
            "overall": bool(a.overall or a.by is None),
            "groups": [str(g) for g in res.groups], "group_n": list(res.group_n), "n_total": res.n_total,
            "continuous_stat": a.continuous_stat, "tests_used": list(res.tests_used), "variables": variables}
