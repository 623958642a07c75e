"""Turn :mod:`linewise.stats` results into the ``results.json`` blocks the report reads.

These helpers are for whoever *produces* results (the study engine, notebooks, the examples
in :mod:`.example`); the report itself only reads the JSON and never calls them. Each returns
plain JSON-ready Python (floats, ints, strings, lists, dicts; NaN as ``None``), in the
sub-schema documented in ``src/linewise/report/schema.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..stats import (
    FollowUpResult,
    KaplanMeierByResult,
    KaplanMeierResult,
    LogrankResult,
    TableOneResult,
    proportion_ci,
)

__all__ = [
    "cox_block",
    "follow_up_block",
    "hazard_ratio",
    "jsonable",
    "rate_block",
    "survival_block",
    "table_one_block",
]


def jsonable(value):
    """Plain JSON value: NaN/inf -> None, numpy scalars -> Python, integral counts -> int.

    Examples
    --------
    >>> jsonable([np.float64(2.0), float("nan"), np.int64(3)])
    [2.0, None, 3]
    """
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def _counts(values: np.ndarray) -> list:
    # Unweighted counts are whole numbers: store them as JSON integers.
    arr = np.asarray(values, dtype=float)
    if np.all(arr == np.round(arr)):
        return [int(v) for v in arr]
    return jsonable(arr)


def _curve(group, fit: KaplanMeierResult) -> dict:
    return {
        "group": str(group),
        "n": int(fit.n),
        "events": int(round(fit.events)),
        "median": jsonable(fit.median),
        "lower": jsonable(fit.median_ci[0]),
        "upper": jsonable(fit.median_ci[1]),
        "steps": {
            "time": jsonable(fit.time),
            "n_risk": _counts(fit.n_risk),
            "n_event": _counts(fit.n_event),
            "n_censor": _counts(fit.n_censor),
            "survival": jsonable(fit.survival),
            "lower": jsonable(fit.lower),
            "upper": jsonable(fit.upper),
        },
    }


def hazard_ratio(fit, term: str, comparison: str) -> dict:
    """One hazard ratio of a fitted :func:`linewise.stats.cox` model, for a KM panel.

    Parameters
    ----------
    fit : CoxResult
    term : str
        Model-matrix column, e.g. ``"group[T.Tmab/Pmab]"``.
    comparison : str
        How to print it, e.g. ``"Tmab/Pmab vs Tmab"``.
    """
    row = fit.coefficients.set_index("term").loc[term]
    return {
        "comparison": comparison,
        "hr": jsonable(row["hr"]),
        "lower": jsonable(row["hr_lower"]),
        "upper": jsonable(row["hr_upper"]),
        "p": jsonable(row["p"]),
        "model": "cox",
        "ties": fit.ties,
    }


def survival_block(
    endpoint: str,
    fits: KaplanMeierByResult | KaplanMeierResult,
    *,
    label: str | None = None,
    logrank: LogrankResult | None = None,
    hazard_ratios: Sequence[dict] = (),
    time_unit: str = "months",
    by: str | None = None,
    x_label: str | None = None,
) -> dict:
    """A ``survival[]`` block: KM curves (step tables), medians with CIs, log-rank, HRs.

    Examples
    --------
    >>> from linewise.stats import kaplan_meier_by
    >>> b = survival_block("pfs", kaplan_meier_by([1, 2, 3, 4], [1, 1, 0, 1], ["a", "b", "a", "b"]))
    >>> [c["group"] for c in b["curves"]], b["curves"][0]["steps"]["n_risk"]
    (['a', 'b'], [2, 1])
    """
    if isinstance(fits, KaplanMeierResult):
        curves = [_curve(fits.label or "All patients", fits)]
        level, ctype = fits.conf_level, fits.conf_type
    else:
        curves = [_curve(g, fit) for g, fit in fits.items()]
        level, ctype = fits.conf_level, fits.conf_type
    block = {
        "endpoint": endpoint,
        "label": label or endpoint,
        "time_unit": time_unit,
        "by": by,
        "conf_level": level,
        "conf_type": ctype,
        "curves": curves,
        "logrank": None,
        "hazard_ratios": [dict(h) for h in hazard_ratios],
    }
    if x_label:
        block["x_label"] = x_label
    if logrank is not None:
        block["logrank"] = {
            "statistic": jsonable(logrank.statistic),
            "df": int(logrank.df),
            "p": jsonable(logrank.pvalue),
            "stratified": logrank.strata is not None,
        }
    return block


_TERM = re.compile(r"^(?P<var>.+?)\[T\.(?P<level>.+)\]$")


def _term_label(term: str, labels: Mapping[str, str], references: Mapping[str, str]) -> tuple[str, str]:
    m = _TERM.match(term)
    if m is None:
        var = term
        return var, str(labels.get(term, term))
    var, level = m.group("var"), m.group("level")
    inner = re.match(r"^C\((\w+).*\)$", var)
    var = inner.group(1) if inner else var
    name = labels.get(var, var)
    ref = references.get(var)
    return var, f"{name}: {level} vs {ref}" if ref is not None else f"{name}: {level}"


def cox_block(
    endpoint: str,
    fit,
    kind: str,
    *,
    labels: Mapping[str, str] | None = None,
    references: Mapping[str, str] | None = None,
    ph_test: bool = True,
) -> dict:
    """A ``cox[]`` block: one fitted model's hazard ratios (and the ``cox.zph`` PH test).

    Parameters
    ----------
    endpoint : str
    fit : CoxResult
    kind : {"univariable", "multivariable"}
    labels : mapping, optional
        Display label per variable (``{"ecog": "ECOG PS"}``).
    references : mapping, optional
        Reference level per categorical variable, printed as "1 vs 0".
    ph_test : bool
        Add the Schoenfeld-residual test of proportional hazards.
    """
    labels, references = dict(labels or {}), dict(references or {})
    terms = []
    for row in fit.coefficients.itertuples(index=False):
        var, text = _term_label(row.term, labels, references)
        terms.append(
            {
                "term": row.term,
                "variable": var,
                "label": text,
                "hr": jsonable(row.hr),
                "lower": jsonable(row.hr_lower),
                "upper": jsonable(row.hr_upper),
                "p": jsonable(row.p),
            }
        )
    block = {
        "endpoint": endpoint,
        "kind": kind,
        "ties": fit.ties,
        "n": int(fit.n),
        "n_events": int(fit.n_events),
        "terms": terms,
        "ph_test": None,
        "warnings": [str(w) for w in fit.warnings],
    }
    if ph_test:
        zph = fit.proportional_hazards_test().summary()
        glob = zph[zph["term"] == "GLOBAL"]
        block["ph_test"] = {
            "method": "cox.zph (transform = km)",
            "global_p": jsonable(glob["p"].iloc[0]) if len(glob) else None,
            "terms": [
                {"term": str(r.term), "chisq": jsonable(r.chisq), "df": int(r.df), "p": jsonable(r.p)}
                for r in zph.itertuples(index=False)
                if r.term != "GLOBAL"
            ],
        }
    return block


def table_one_block(t1: TableOneResult, *, continuous_stat: str = "median_iqr", digits: int = 1, percent_digits: int = 1) -> dict:
    """The ``table_one`` block from :func:`linewise.stats.table_one` (numbers, not strings).

    Examples
    --------
    >>> import pandas as pd
    >>> from linewise.stats import table_one
    >>> df = pd.DataFrame({"arm": ["A"] * 3 + ["B"] * 3, "ecog": [0, 0, 1, 0, 1, 1]})
    >>> b = table_one_block(table_one(df, by="arm"))
    >>> b["variables"][0]["levels"][0]
    {'level': '0', 'cells': {'A': {'n': 2, 'N': 3, 'percent': 66.66666666666667}, 'B': {'n': 1, 'N': 3, 'percent': 33.333333333333336}}}
    """
    groups = [str(g) for g in t1.groups]
    cols = list(t1.group_columns)
    data = t1.data
    variables = []
    for test in t1.tests.itertuples(index=False):
        d = data[data["variable"] == test.variable]
        entry = {
            "variable": str(test.variable),
            "label": str(test.label),
            "type": str(test.type),
            "test": None if test.test is None or test.test != test.test else str(test.test),
            "p": jsonable(test.pvalue),
        }
        missing = {}
        if test.type == "continuous":
            cells = {}
            for g, col in zip(groups, cols, strict=True):
                r = d[d["group"] == g].iloc[0]
                cells[col] = {k: jsonable(r[k]) for k in ("n", "median", "q1", "q3", "min", "max")}
                cells[col]["n"] = int(r["n"])
                missing[col] = int(r["n_missing"]) if r["n_missing"] == r["n_missing"] else 0
            entry["cells"] = cells
        else:
            levels = []
            for level in dict.fromkeys(d["level"].tolist()):
                rows = d[d["level"] == level]
                by_group = {}
                for g, col in zip(groups, cols, strict=True):
                    r = rows[rows["group"] == g].iloc[0]
                    by_group[col] = int(r["n"]) if level == "Unknown" else {
                        "n": int(r["n"]),
                        "N": int(r["N"]),
                        "percent": jsonable(r["percent"]),
                    }
                if level == "Unknown":
                    missing = by_group
                else:
                    levels.append({"level": str(level), "cells": by_group})
            entry["levels"] = levels
        if any(v for v in missing.values()):
            entry["missing"] = missing
        variables.append(entry)
    return {
        "by": t1.by,
        "groups": cols,
        "group_n": {c: int(n) for c, n in zip(cols, t1.group_n, strict=True)},
        "continuous_stat": continuous_stat,
        "digits": digits,
        "percent_digits": percent_digits,
        "variables": variables,
    }


def rate_block(
    name: str,
    label: str,
    x: Mapping[str, int],
    n: Mapping[str, int],
    *,
    test=None,
    test_name: str | None = None,
    definition: str | None = None,
    conf_level: float = 0.95,
) -> dict:
    """A response rate per group with exact (Clopper-Pearson) CIs and the test comparing groups.

    Examples
    --------
    >>> r = rate_block("TRR", "Tumour response rate", {"A": 2}, {"A": 18})
    >>> round(r["by_group"]["A"]["upper"], 4)
    0.3471
    """
    by_group = {}
    for g in x:
        ci = proportion_ci(int(x[g]), int(n[g]), method="clopper-pearson", conf_level=conf_level)
        by_group[str(g)] = {
            "x": int(x[g]),
            "n": int(n[g]),
            "estimate": ci.estimate,
            "lower": ci.conf_low,
            "upper": ci.conf_high,
        }
    return {
        "name": name,
        "label": label,
        "definition": definition,
        "method": "clopper-pearson",
        "conf_level": conf_level,
        "by_group": by_group,
        "test": test_name,
        "p": jsonable(getattr(test, "pvalue", None)),
    }


def follow_up_block(
    results: Mapping[str, FollowUpResult], *, endpoint: str | None = None, time_unit: str = "months"
) -> dict:
    """Median follow-up per group (``"All patients"`` as a key gives the overall row)."""
    return {
        "time_unit": time_unit,
        "rows": [
            {
                "endpoint": endpoint,
                "group": str(g),
                "method": r.method,
                "n": int(r.n),
                "median": jsonable(r.median),
                "lower": jsonable(r.lower),
                "upper": jsonable(r.upper),
                "min": jsonable(r.minimum),
                "max": jsonable(r.maximum),
            }
            for g, r in results.items()
        ],
    }
