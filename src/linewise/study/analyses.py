"""What the analyses of a run read: :class:`AnalysisData` (the analysis table in the engine, its
patient-level columns where needed, the variables and endpoints), the category rule shared by
both paths, and the patient-level Kaplan-Meier block (immortal-time remedies, tests).

The analyses computed from engine aggregates (Kaplan-Meier, log-rank, landmark, follow-up,
responses, Table 1) are in :mod:`linewise.study.counted`, Cox models and subgroup analyses in
:mod:`linewise.study.regression`. Every statistic comes from :mod:`linewise.stats`; these
modules only select rows and columns, order categories as the spec says and turn results into
plain, JSON-ready dictionaries. A statistic that cannot be computed (no events, one group only)
is recorded with the reason in a warning instead of stopping the run.

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
    pairwise_logrank,
)
from ..stats._validate import StatsInputError
from ..stats.cox import cox
from .aggregates import EngineTable
from .compiler import VType
from .covariates import NO, YES, Variable
from .spec import (
    CategoricalTest,
    ResolvedEndpoint,
    ResponseKind,
    ResponseSpec,
    SurvivalTest,
    TimeUnit,
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


def level_mapping(var: Variable, present) -> tuple[dict, list[str]]:
    """Text label of each distinct value and the category order of a variable: the spec's
    levels, else the sorted values; values outside the levels follow, sorted."""
    # format each distinct value once (vectorised mapping; tables can have millions of rows)
    mapping = {v: fmt_level(v) for v in present}
    if var.levels is not None:
        levels = list(var.levels)
    else:
        try:
            ordered = sorted(present)
        except TypeError:
            ordered = sorted(present, key=str)
        levels = list(dict.fromkeys(mapping[v] for v in ordered))
    extra = sorted(set(mapping.values()) - set(levels))
    return mapping, [*levels, *extra]


@dataclass
class SurvivalData:
    frame: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None
    excluded: dict[str, int]


@dataclass
class AnalysisData:
    """The analysis table with what is needed to read it (variables, endpoints, unit).

    ``engine`` is the whole table in the engine (aggregates); ``table`` holds, in pandas, only
    the columns the patient-level analyses read (:func:`~linewise.study.aggregates.patient_columns`),
    for every row, sorted by ``patient_id``.
    """

    table: pd.DataFrame
    variables: dict[str, Variable]
    endpoints: dict[str, ResolvedEndpoint]
    responses: dict[str, ResponseSpec]
    unit: TimeUnit
    group: str | None
    engine: EngineTable | None = None
    where_columns: dict[str, str] = field(default_factory=dict)  # condition -> its flag column
    warnings: list[dict] = field(default_factory=list)
    _levels: dict = field(default_factory=dict, repr=False)
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
        # and one flag column (the first analysis's with that condition)
        if where not in self._rows:
            flag = self.where_columns.get(where, f"in_{analysis_id}")
            self._rows[where] = self.table[self.table[flag].fillna(False).astype(bool)]
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

    def levels(self, name: str) -> tuple[dict, list[str]]:
        """Label of each value and category order of a variable, from its distinct values over
        the whole table (asked of the engine, so both paths order categories alike)."""
        var = self.variable(name)
        hit = self._levels.get(var.name)
        if hit is None:
            present = self.engine.present(var.name) if self.engine is not None else \
                pd.unique(self.table[var.name].dropna())
            hit = self._levels[var.name] = level_mapping(var, present)
        return hit

    def labels(self, name: str, values: pd.Series) -> pd.Series:
        """Raw values of a variable (e.g. a counts column) as its ordered categorical labels."""
        mapping, categories = self.levels(name)
        return pd.Series(pd.Categorical(values.map(mapping), categories=categories), index=values.index)

    def _make_categorical(self, var: Variable) -> pd.Series:
        raw = self.table[var.name]
        return self.labels(var.name, raw).rename(var.name)

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


def block_header(data: AnalysisData, aid: str, endpoint: str, ep: ResolvedEndpoint, title, by) -> dict:
    return {"analysis": aid, "endpoint": endpoint, "label": ep.label, "title": title or ep.label,
            "time_unit": data.unit.value, "by": by if by is None else data.variable(by).name,
            "delayed_entry": ep.entry is not None, "start_time": 0.0}


# --- responses ------------------------------------------------------------------------------------
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
