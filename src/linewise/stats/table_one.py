"""Table 1: baseline characteristics by group, with p-values and standardised differences.

Conventions follow R ``gtsummary::tbl_summary() |> add_p()`` defaults, so a published table can
be checked against it:

* variable types: categorical for non-numeric, boolean and numeric variables with fewer than 10
  distinct values; continuous otherwise (or as given in ``types``);
* cells: categorical ``n (%)`` with percentages of the non-missing values of the group;
  continuous ``median (Q1, Q3)`` (R ``quantile`` type 7) or ``median (min–max)``;
* missing values: an "Unknown" row with the count (not part of percentages nor of tests);
* tests: categorical -> Pearson chi-square without continuity correction when every expected
  count is at least 5, otherwise Fisher's exact test; continuous -> Wilcoxon rank-sum for two
  groups, Kruskal-Wallis for more. Levels no patient has are left out of the test table (they
  carry no information and would make every expected count zero). The test used is recorded
  per variable for footnotes;
* standardised mean differences as R ``tableone`` (average over pairs for more than 2 groups).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ._fexact import ExactTooLarge
from ._result import TidyResult
from ._table_one_vars import (
    CategoricalSummary,
    ContinuousSummary,
    infer_type,
    summarise_categorical,
    summarise_continuous,
)
from ._validate import StatsInputError, as_choice

__all__ = ["TableOneResult", "table_one", "table_one_from_summaries"]

VariableType = Literal["categorical", "continuous"]
ContinuousStat = Literal["median_iqr", "median_range"]
MissingRows = Literal["ifany", "always", "no"]
CategoricalTest = Literal["auto", "chi-square", "fisher"]

#: Numeric variables with fewer distinct values than this are categorical (as gtsummary).
CATEGORICAL_MAX_LEVELS = 10
OVERALL = "Overall"
UNKNOWN = "Unknown"
_RESERVED = {"variable", "label", "row_type", "level", "p", "test", "smd", OVERALL}

TEST_CHISQ = "Pearson's Chi-squared test"
TEST_CHISQ_NO_EXACT = "Pearson's Chi-squared test (table too large for Fisher's exact test)"
TEST_FISHER = "Fisher's exact test"
TEST_WILCOXON = "Wilcoxon rank sum test"
TEST_KRUSKAL = "Kruskal-Wallis rank sum test"


@dataclass(frozen=True, eq=False)
class TableOneResult(TidyResult):
    """A Table 1: ``table`` (display, one row per variable / level), ``data`` (long numbers),
    ``tests`` (one row per variable: test, statistic, p-value, SMD)."""

    table: pd.DataFrame
    data: pd.DataFrame
    tests: pd.DataFrame
    by: str | None
    groups: tuple
    group_n: tuple[int, ...]
    n_total: int
    n_missing_by: int
    group_columns: tuple[str, ...] = field(default=())
    title: str = "Table 1"

    def summary(self) -> pd.DataFrame:
        """The display table (a copy): variable, label, row_type, level, group columns, p, test."""
        return self.table.copy()

    @property
    def headers(self) -> dict[str, str]:
        """Column headers with group sizes, e.g. ``{"Tmab": "Tmab (N = 24)"}``."""
        out = {
            col: f"{col} (N = {n})" for col, n in zip(self.group_columns, self.group_n, strict=True)
        }
        if OVERALL in self.table.columns:
            out[OVERALL] = f"{OVERALL} (N = {self.n_total})"
        return out

    @property
    def tests_used(self) -> tuple[str, ...]:
        """Distinct tests in order of first use (for numbered footnotes)."""
        used = self.tests["test"].dropna()
        return tuple(dict.fromkeys(used.tolist()))


def _fmt(value: float, digits: int) -> str:
    return "NA" if not np.isfinite(value) else f"{value:.{digits}f}"


def _check_inputs(data, by, variables, types, labels) -> tuple[list[str], dict, dict]:
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if data.shape[0] == 0:
        raise StatsInputError("data: has no rows")
    if by is not None and by not in data.columns:
        raise StatsInputError(f"by: column {by!r} is not in data")
    if variables is None:
        variables = [c for c in data.columns if c != by]
    elif isinstance(variables, str):
        variables = [variables]
    variables = list(variables)
    for v in variables:
        if v not in data.columns:
            raise StatsInputError(f"variables: column {v!r} is not in data")
        if v == by:
            raise StatsInputError(f"variables: {v!r} is the grouping column")
    if len(set(variables)) != len(variables):
        raise StatsInputError("variables: a column is listed twice")
    if not variables:
        raise StatsInputError("variables: no variables to summarise")
    types = dict(types or {})
    for v, t in types.items():
        if v not in variables:
            raise StatsInputError(f"types: {v!r} is not one of the variables")
        types[v] = as_choice(
            f"types[{v!r}]", t, {"categorical": "categorical", "continuous": "continuous"}
        )
    labels = dict(labels or {})
    for v in labels:
        if v not in variables:
            raise StatsInputError(f"labels: {v!r} is not one of the variables")
    return variables, types, labels


def _group_codes(data: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list, np.ndarray]:
    """Integer group codes (-1 = missing ``by``), group labels in factor order, keep mask."""
    if by is None:
        return np.zeros(data.shape[0], dtype=np.intp), [OVERALL], np.ones(data.shape[0], bool)
    col = data[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        cat = col.array.remove_unused_categories()
        codes, levels = np.asarray(cat.codes, dtype=np.intp), list(cat.categories)
    else:
        try:
            codes, uniques = pd.factorize(col, sort=True)
        except TypeError:  # mixed types: order by their text
            codes, uniques = pd.factorize(col.astype("string"), sort=True)
        codes, levels = np.asarray(codes, dtype=np.intp), list(uniques)
    levels = [v.item() if isinstance(v, np.generic) else v for v in levels]
    keep = codes >= 0
    check_groups(by, levels)
    return codes, levels, keep


def check_groups(by: str, levels: list) -> None:
    """A comparison needs at least two non-missing groups."""
    if len(levels) < 2:
        raise StatsInputError(
            f"by: column {by!r} has {len(levels)} non-missing group(s); a comparison needs at "
            "least two (use by=None for a single-column table)"
        )


def _column_names(by: str | None, levels: list) -> list[str]:
    names = [str(v) for v in levels]
    if len(set(names)) != len(names) or _RESERVED & set(names):
        names = [f"{by}={v}" for v in levels]
    return names


def table_one(
    data: pd.DataFrame,
    by: str | None,
    variables: Sequence[str] | None = None,
    *,
    types: Mapping[str, VariableType] | None = None,
    labels: Mapping[str, str] | None = None,
    continuous_stat: ContinuousStat = "median_iqr",
    overall: bool = False,
    smd: bool = False,
    p_values: bool = True,
    categorical_test: CategoricalTest = "auto",
    missing: MissingRows = "ifany",
    digits: int = 1,
    percent_digits: int = 1,
) -> TableOneResult:
    """Summarise baseline characteristics by group (a "Table 1"), as gtsummary's defaults.

    Parameters
    ----------
    data : DataFrame
        One row per patient.
    by : str or None
        Grouping column (rows with a missing group are left out and counted in
        ``n_missing_by``); ``None`` for a single overall column without tests.
    variables : sequence of str, optional
        Columns to summarise, in display order (default: every column except ``by``).
    types : mapping, optional
        ``{"column": "categorical" | "continuous"}`` overriding the inferred type (numeric
        columns with fewer than 10 distinct values are categorical, as gtsummary).
    labels : mapping, optional
        Display labels, ``{"column": "label"}``.
    continuous_stat : {"median_iqr", "median_range"}
        ``median (Q1, Q3)`` (quantile type 7) or ``median (min–max)``.
    overall : bool
        Add an "Overall" column (all patients with a non-missing group).
    smd : bool
        Add the standardised mean difference of each variable (tableone's definition).
    p_values : bool
        Add p-values and the test used (chi-square / Fisher / Wilcoxon / Kruskal-Wallis).
    categorical_test : {"auto", "chi-square", "fisher"}
        ``"auto"`` (gtsummary): Pearson chi-square without continuity correction when every
        expected count is at least 5, Fisher's exact test otherwise. ``"chi-square"`` always
        uses Pearson's test (as Study B reports), ``"fisher"`` always Fisher's.
    missing : {"ifany", "always", "no"}
        When to show the "Unknown" row with the count of missing values.
    digits, percent_digits : int
        Decimals of continuous statistics and of percentages.

    Returns
    -------
    TableOneResult
        ``table`` / ``summary()`` (display strings per group plus numeric ``p`` and ``smd``),
        ``data`` (long: variable, level, group, n, N, percent, median, q1, q3, min, max, mean,
        sd, n_missing), ``tests`` (per variable), ``headers`` and ``tests_used``.

    Examples
    --------
    >>> import pandas as pd
    >>> from linewise.stats import table_one
    >>> df = pd.DataFrame({
    ...     "arm": ["A"] * 18 + ["B"] * 24,
    ...     "ecog": [0] * 13 + [1] * 5 + [0] * 13 + [1] * 10 + [2],
    ... })
    >>> t1 = table_one(df, by="arm")
    >>> print(t1.table[["level", "A", "B"]].iloc[1:].to_string(index=False))
    level          A          B
        0 13 (72.2%) 13 (54.2%)
        1  5 (27.8%) 10 (41.7%)
        2   0 (0.0%)   1 (4.2%)
    >>> t1.tests.loc[0, "test"], round(float(t1.tests.loc[0, "pvalue"]), 4)
    ("Fisher's exact test", 0.4202)
    """
    variables, types, labels = _check_inputs(data, by, variables, types, labels)
    stat = as_choice(
        "continuous_stat",
        continuous_stat,
        {"median_iqr": "median_iqr", "median_range": "median_range"},
    )
    cat_test = as_choice(
        "categorical_test",
        categorical_test,
        {"auto": "auto", "chi-square": "chi-square", "fisher": "fisher"},
    )
    show_missing = as_choice("missing", missing, {"ifany": "ifany", "always": "always", "no": "no"})
    for name, value in (("digits", digits), ("percent_digits", percent_digits)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not 0 <= value <= 10
        ):
            raise StatsInputError(f"{name}: {value!r} must be a whole number from 0 to 10")
    codes, levels, keep = _group_codes(data, by)
    frame = data.loc[keep]
    g = codes[keep]
    n_groups = len(levels) if by is not None else 1
    summaries = {}
    for var in variables:
        kind = types.get(var) or infer_type(frame[var], var, CATEGORICAL_MAX_LEVELS)
        if kind == "categorical":
            summaries[var] = summarise_categorical(frame[var], g, n_groups, var)
        else:
            summaries[var] = summarise_continuous(frame[var], g, n_groups, var)
    return table_one_from_summaries(
        summaries, by, levels, tuple(int(v) for v in np.bincount(g, minlength=n_groups)), int((~keep).sum()),
        labels=labels, continuous_stat=stat, overall=overall, smd=smd, p_values=p_values,
        categorical_test=cat_test, missing=show_missing, digits=digits, percent_digits=percent_digits,
    )


def table_one_from_summaries(
    summaries: Mapping[str, CategoricalSummary | ContinuousSummary],
    by: str | None,
    levels: list,
    group_n: tuple[int, ...],
    n_missing_by: int,
    *,
    labels: Mapping[str, str] | None = None,
    continuous_stat: ContinuousStat = "median_iqr",
    overall: bool = False,
    smd: bool = False,
    p_values: bool = True,
    categorical_test: CategoricalTest = "auto",
    missing: MissingRows = "ifany",
    digits: int = 1,
    percent_digits: int = 1,
) -> TableOneResult:
    """A Table 1 from per-variable summaries (the second half of :func:`table_one`).

    Lets a caller build the categorical summaries from counts aggregated elsewhere (a
    database's ``GROUP BY``) and only the continuous ones from patient values; the display,
    tests and SMDs are then exactly :func:`table_one`'s. ``levels`` are the groups in order
    (``[OVERALL]`` when ``by`` is None), ``group_n`` their sizes, ``n_missing_by`` the patients
    left out for a missing group.
    """
    labels = dict(labels or {})
    stat, cat_test, show_missing = continuous_stat, categorical_test, missing
    n_groups = len(levels) if by is not None else 1
    group_cols = _column_names(by, levels) if by is not None else []
    compare = by is not None
    show_overall = overall or not compare

    rows, long_rows, test_rows = [], [], []
    for var, summ in summaries.items():
        label = str(labels.get(var, var))
        kind = "categorical" if isinstance(summ, CategoricalSummary) else "continuous"
        test = (
            _test(summ, n_groups, cat_test)
            if (compare and p_values)
            else (None, np.nan, np.nan, np.nan, np.nan)
        )
        smd_value = summ.smd() if (compare and smd) else np.nan
        test_rows.append(
            {
                "variable": var,
                "label": label,
                "type": kind,
                "test": test[0],
                "statistic": test[1],
                "df": test[2],
                "pvalue": test[3],
                "min_expected": test[4],
                "smd": smd_value,
            }
        )
        long_rows.extend(summ.long_rows(var, label, [str(v) for v in levels] if compare else []))
        rows.extend(
            _display_rows(
                summ,
                var,
                label,
                group_cols,
                show_overall,
                stat,
                digits,
                percent_digits,
                show_missing,
                test[0],
                test[3],
                smd_value,
            )
        )
    table = pd.DataFrame(rows)
    ordered = ["variable", "label", "row_type", "level"]
    ordered += ([OVERALL] if show_overall else []) + group_cols
    if compare and p_values:
        ordered += ["p", "test"]
    if compare and smd:
        ordered += ["smd"]
    table = table[ordered].reset_index(drop=True)
    return TableOneResult(
        table=table,
        data=pd.DataFrame(long_rows),
        tests=pd.DataFrame(test_rows),
        by=by,
        groups=tuple(levels) if compare else (),
        group_n=tuple(group_n) if compare else (),
        n_total=int(sum(group_n)),
        n_missing_by=int(n_missing_by),
        group_columns=tuple(group_cols),
    )


def _test(summ, n_groups: int, categorical_test: str) -> tuple:
    """(test name, statistic, df, p-value, smallest expected count) for one variable."""
    none = (None, np.nan, np.nan, np.nan, np.nan)
    if isinstance(summ, CategoricalSummary):
        from .contingency import chi_square, fisher_exact

        counts = summ.counts
        counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
        if counts.shape[0] < 2 or counts.shape[1] < 2:
            return none
        chi = chi_square(counts)
        wants_chi = categorical_test == "chi-square" or (
            categorical_test == "auto" and chi.min_expected >= 5
        )
        if wants_chi:
            return (TEST_CHISQ, chi.statistic, float(chi.df), chi.pvalue, chi.min_expected)
        try:
            fisher = fisher_exact(counts)
        except ExactTooLarge:
            if categorical_test == "fisher":
                raise
            # Exact enumeration infeasible (very large n with a rare level): fall back to the
            # chi-square test and say so in the test name.
            return (TEST_CHISQ_NO_EXACT, chi.statistic, float(chi.df), chi.pvalue, chi.min_expected)
        return (TEST_FISHER, np.nan, np.nan, fisher.pvalue, chi.min_expected)
    from .rank_tests import kruskal_wallis, mann_whitney

    samples = [s for s in summ.samples if s.size]
    if len(samples) < 2:
        return none
    if n_groups == 2:
        res = mann_whitney(samples[0], samples[1])
        return (TEST_WILCOXON, res.statistic, np.nan, res.pvalue, np.nan)
    values = np.concatenate(samples)
    labels = np.repeat(np.arange(len(samples)), [s.size for s in samples])
    res = kruskal_wallis(values, labels)
    return (TEST_KRUSKAL, res.statistic, float(res.df), res.pvalue, np.nan)


def _display_rows(
    summ,
    var,
    label,
    group_cols,
    show_overall,
    stat,
    digits,
    pdigits,
    show_missing,
    test,
    p,
    smd_value,
) -> list[dict]:
    """Display rows of one variable: label row, level rows (categorical), Unknown row."""
    cols = ([OVERALL] if show_overall else []) + group_cols
    # index -1 of the summaries is the overall column, 0..G-1 the groups.
    idx = ([-1] if show_overall else []) + list(range(len(group_cols)))
    head = {
        "variable": var,
        "label": label,
        "row_type": "label",
        "level": "",
        "p": p,
        "test": test,
        "smd": smd_value,
    }
    out = []
    if isinstance(summ, CategoricalSummary):
        head.update({c: "" for c in cols})
        out.append(head)
        for li, lev in enumerate(summ.level_text):
            row = {"variable": var, "label": label, "row_type": "level", "level": lev}
            for c, i in zip(cols, idx, strict=True):
                n, denom = summ.count(i, li), summ.nonmissing(i)
                row[c] = f"{n} ({100.0 * n / denom:.{pdigits}f}%)" if denom else f"{n}"
            out.append(row)
    else:
        assert isinstance(summ, ContinuousSummary)
        for c, i in zip(cols, idx, strict=True):
            s = summ.stats(i)
            if s["n"] == 0:
                head[c] = "NA"
            elif stat == "median_iqr":
                head[c] = (
                    f"{_fmt(s['median'], digits)} ({_fmt(s['q1'], digits)}, {_fmt(s['q3'], digits)})"
                )
            else:
                head[c] = (
                    f"{_fmt(s['median'], digits)} ({_fmt(s['min'], digits)}–{_fmt(s['max'], digits)})"
                )
        out.append(head)
    n_missing = [summ.missing(i) for i in idx]
    if show_missing == "always" or (show_missing == "ifany" and summ.missing(-1) > 0):
        row = {"variable": var, "label": label, "row_type": "missing", "level": UNKNOWN}
        row.update({c: str(m) for c, m in zip(cols, n_missing, strict=True)})
        out.append(row)
    return out
