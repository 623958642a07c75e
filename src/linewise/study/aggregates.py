"""The analysis table inside the engine: the aggregates the analyses read, and the one
patient-level fetch.

The analysis table of a run stays in the engine (a temporary table, one row per patient).
Kaplan-Meier curves, medians and numbers at risk, log-rank tests (k groups, stratified,
trend, pairwise), landmark curves, median follow-up (reverse Kaplan-Meier or observed),
response tables, Table 1 counts of categorical variables, group sizes, endpoint and covariate
summaries and the immortal-time screen come from ``GROUP BY`` queries: only counts leave the
database (risk-set counts per group, stratum and distinct follow-up time, as
:mod:`linewise.store.pushdown`; category counts per group).

Patient rows leave it once per run, in :func:`fetch_patient_rows`, with only the columns of
the analyses that need one row per patient (:func:`patient_columns`):

* **Cox models** (univariable, multivariable, subgroup effects and interaction tests, and the
  unadjusted hazard ratios of a Kaplan-Meier panel): the partial likelihood, its Newton
  iterations, robust and Schoenfeld-based statistics need each patient's covariate values;
* **Table 1 continuous variables**: medians, quartiles or ranges, means and SDs (SMD) and the
  rank tests (Wilcoxon, Kruskal-Wallis) need the values;
* **Cox models on remedied data**: when the immortal-time guard finds immortal time (from
  aggregates: counts and a frequency table of the gaps) and the spec asks for remedies, the
  re-fitted Cox models (and a Kaplan-Meier panel's hazard ratios) shift each patient's times by
  that patient's gap, so the anchor and origin dates of those analyses are fetched too. The
  remedied Kaplan-Meier curves and tests come from counts of the shifted times.

Rows are fetched with their ``patient_id`` and sorted by it in Python (as the analysis table
always was), so results do not depend on the engine's string collation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from ..store.pushdown import fetch_counts
from .covariates import Variable
from .spec import (
    CoxAnalysis,
    KaplanMeierAnalysis,
    StudySpec,
    SubgroupAnalysis,
    TableOneAnalysis,
    VarKind,
)


def count_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
    """The number of rows where ``cond`` is true (a missing condition counts as false)."""
    return ibis.cases((cond, 1), else_=0).sum()


def fetch_patient_rows(table: ir.Table, columns: list[str]) -> pd.DataFrame:
    """The patient-level fetch of a run: ``columns`` of every row, sorted by ``patient_id``.

    This is the only place where one row per patient leaves the engine (tests instrument it).
    """
    cols = ["patient_id", *[c for c in dict.fromkeys(columns) if c != "patient_id"]]
    frame = table.select(*cols).execute()
    return frame.sort_values("patient_id", kind="mergesort").reset_index(drop=True)


@dataclass
class EngineTable:
    """The analysis table of a run, in the engine, and the aggregate queries over it."""

    table: ir.Table
    _n: int | None = None
    _present: dict = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> list[str]:
        return list(self.table.columns)

    @property
    def n_rows(self) -> int:
        if self._n is None:
            self._n = int(self.table.count().execute())
        return self._n

    def condition(self, analysis_id: str, where: str | None) -> ir.BooleanValue:
        """Whether a row belongs to an analysis (its ``where``), on :attr:`table`."""
        if where is None:
            return ibis.literal(True)
        return self.table[f"in_{analysis_id}"].fill_null(False)

    def subset(self, analysis_id: str, where: str | None) -> ir.Table:
        """The rows of an analysis (its ``where``), still in the engine."""
        if where is None:
            return self.table
        return self.table.filter(self.condition(analysis_id, where))

    def prefetch_present(self, columns) -> None:
        """:meth:`present` of several columns in one query (each query has a fixed cost on a
        cluster engine): the distinct values collected per column, and whether it has nulls."""
        todo = [c for c in dict.fromkeys(columns) if c not in self._present and c in self.table.columns]
        if not todo:
            return
        t = self.table
        metrics = {}
        for i, c in enumerate(todo):
            metrics[f"v{i}"] = t[c].collect(distinct=True)
            metrics[f"n{i}"] = count_if(t[c].isnull())
        row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
        for i, c in enumerate(todo):
            values = [v for v in (row[f"v{i}"] or []) if not (isinstance(v, float) and v != v)]
            if t[c].type().is_integer() and row[f"n{i}"]:
                values = [float(v) for v in values]  # pandas holds integers with nulls as floats
            self._present[c] = pd.unique(pd.Series(values, dtype=object)) if values else np.array([], dtype=object)

    def present(self, column: str) -> np.ndarray:
        """The distinct non-missing values of a column over the whole table, as pandas would
        hold them in the fetched column (integers with nulls as floats; NaN is missing)."""
        if column not in self._present:
            self.prefetch_present([column])
        return self._present[column]

    def one_row(self, t: ir.Table, **metrics) -> dict:
        """One aggregate row (missing sums read as 0)."""
        if not metrics:
            return {}
        row = t.aggregate(**metrics).execute().iloc[0].to_dict()
        return {k: 0 if v is None or v != v else int(v) for k, v in row.items()}

    def grouped(self, t: ir.Table, keys: list[str]) -> pd.DataFrame:
        """Rows per combination of ``keys`` (missing values are a key of their own): ``n``."""
        out = t.group_by(keys).aggregate(n=t.count()).execute()
        out["n"] = out["n"].astype("int64")
        return out

    def risk_counts(self, t: ir.Table, time: str, event: str, *, group: str | None = None,
                    stratum: str | None = None, entry: str | None = None) -> pd.DataFrame:
        """Events, censorings (and entries) per group, stratum and distinct time."""
        return fetch_counts(t, time, event, group=group, stratum=stratum, entry=entry)


def where_columns(spec: StudySpec) -> dict[str, str]:
    """For each distinct ``where`` condition, the flag column of the first analysis that has it
    (analyses with the same condition select the same rows: one flag column is fetched)."""
    out: dict[str, str] = {}
    for a in spec.analyses:
        if a.where:
            out.setdefault(a.where, f"in_{a.id}")
    return out


def _variable(spec: StudySpec, variables: dict[str, Variable], name: str) -> Variable:
    if name == "group" and spec.groups is not None:
        return variables[spec.groups.name]
    return variables[name]


def patient_columns(spec: StudySpec, variables: dict[str, Variable], gaps: set[str],
                    columns: list[str]) -> list[str]:
    """The analysis-table columns the patient-level analyses read (see the module docstring).

    ``gaps``: the analyses whose immortal-time remedies are Cox fits on each patient's shifted
    times (:func:`linewise.study.bias.needs_patient_gaps`): they also need the anchor and origin
    dates.
    """
    endpoints = {n: e.resolved() for n, e in spec.endpoints.items()}
    flags = where_columns(spec)
    need: list[str] = []

    def survival(a, entry: bool = True) -> None:
        need.extend([f"{a.endpoint}_time", f"{a.endpoint}_event"])
        if entry and endpoints[a.endpoint].entry is not None:
            need.append(f"{a.endpoint}_entry")
        if a.where:
            need.append(flags[a.where])

    def var(*names) -> None:
        need.extend(_variable(spec, variables, n).name for n in names if n is not None)

    for a in spec.analyses:
        if isinstance(a, CoxAnalysis):
            survival(a)
            var(a.exposure, *a.candidates, *a.adjust_for, a.strata)
        elif isinstance(a, SubgroupAnalysis):
            survival(a)
            var(a.exposure, *a.subgroups)
        elif isinstance(a, KaplanMeierAnalysis) and a.hazard_ratios and a.by is not None:
            survival(a)
            var(a.by, a.strata)
        elif isinstance(a, TableOneAnalysis):
            continuous = [v for v in a.variables if _variable(spec, variables, v).kind is VarKind.CONTINUOUS]
            if continuous:
                var(a.by, *continuous)
                if a.where:
                    need.append(flags[a.where])
        if a.id in gaps:
            survival(a, entry=False)
            var(getattr(a, "by", None) or getattr(a, "exposure", None))
            need.extend([f"anchor_{a.id}", f"{a.endpoint}_origin"])
    return [c for c in dict.fromkeys(need) if c in columns]


__all__ = ["EngineTable", "count_if", "fetch_patient_rows", "patient_columns", "where_columns"]
