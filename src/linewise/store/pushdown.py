"""Survival statistics pushed down to the engine: only risk-set counts leave the database.

:func:`risk_set_counts` is one Ibis aggregation over an analysis table (one row per patient)
returning ``(group, stratum, time, n_event, n_censor, n_entering)`` — at most one row per
distinct follow-up time and group, a few thousand rows whether the cohort has a thousand
patients or a hundred million. :func:`km_pushdown` and :func:`logrank_pushdown` turn those
counts into the same results :func:`~linewise.stats.kaplan_meier_by` and
:func:`~linewise.stats.logrank` give on the patient-level table (:mod:`linewise.stats.aggregated`).

Times should be whole days in the engine (date differences): integer arithmetic is exact on
every engine, so DuckDB, PostgreSQL and Spark return identical counts; ``time_scale`` (e.g.
``30.4375`` for months) is applied in numpy afterwards, exactly as a patient-level analysis
would divide.

Examples
--------
>>> import ibis
>>> t = ibis.memtable({"days": [30, 60, 60, 90], "dead": [1, 0, 1, 1], "arm": ["a", "a", "b", "b"]})
>>> fits = km_pushdown(t, "days", "dead", group="arm")
>>> fits.summary()[["group", "n", "events", "median"]].values.tolist()
[['a', 2, 1.0, 30.0], ['b', 2, 2.0, 75.0]]
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..stats.aggregated import kaplan_meier_by_from_counts, logrank_from_counts
from ..stats.km import KaplanMeierByResult
from ..stats.logrank import LogrankResult

COUNT_COLUMNS = ("group", "stratum", "time", "n_event", "n_censor", "n_entering")


def _value(table: ibis.Table, col) -> ibis.Value:
    return table[col] if isinstance(col, str) else col


def risk_set_counts(table: ibis.Table, time, event, *, group=None, stratum=None, entry=None) -> ibis.Table:
    """Events, censorings and delayed entries per (group, stratum, time), as an Ibis expression.

    Parameters
    ----------
    table : ibis.Table
        One row per subject.
    time, event : str or ibis.Value
        Follow-up time (numeric) and event indicator (boolean or 0/1); rows with a missing
        time or event are left out (the caller's cohort step should have counted them).
    group, stratum : str or ibis.Value, optional
        Grouping and stratification columns (a constant when absent).
    entry : str or ibis.Value, optional
        Delayed-entry time: adds ``n_entering`` at each entry time.
    """
    ev = _value(table, event)
    ev = ev.cast("int64") if not ev.type().is_boolean() else ev.ifelse(1, 0)
    base = table.select(
        group=_value(table, group) if group is not None else ibis.literal("all"),
        stratum=_value(table, stratum) if stratum is not None else ibis.literal("all"),
        time=_value(table, time).cast("float64"),
        ev=ev,
        entry=_value(table, entry).cast("float64") if entry is not None else ibis.null("float64"),
    )
    base = base.filter(base.time.notnull() & base.ev.notnull())
    keys = ["group", "stratum", "time"]
    exits = base.group_by(keys).aggregate(
        n_event=base.ev.sum().cast("int64"), n_censor=(1 - base.ev).sum().cast("int64"),
        n_entering=ibis.literal(0, "int64"),
    )
    if entry is None:
        return exits
    ent = base.filter(base.entry.notnull()).select("group", "stratum", time=base.entry)
    entries = ent.group_by(keys).aggregate(
        n_event=ibis.literal(0, "int64"), n_censor=ibis.literal(0, "int64"), n_entering=ent.count().cast("int64"),
    )
    both = exits.union(entries)
    return both.group_by(keys).aggregate(
        n_event=both.n_event.sum(), n_censor=both.n_censor.sum(), n_entering=both.n_entering.sum(),
    )


def fetch_counts(table: ibis.Table, time, event, *, group=None, stratum=None, entry=None,
                 time_scale: float = 1.0) -> pd.DataFrame:
    """Run :func:`risk_set_counts` in the engine and return the (small) counts frame, sorted."""
    counts = risk_set_counts(table, time, event, group=group, stratum=stratum, entry=entry).to_pandas()
    counts = counts.sort_values(["group", "stratum", "time"], kind="stable").reset_index(drop=True)
    for col in ("n_event", "n_censor", "n_entering"):
        counts[col] = counts[col].astype("int64")
    if time_scale != 1.0:
        counts["time"] = counts["time"].to_numpy(dtype=float) / time_scale
    if entry is None:
        counts = counts.drop(columns="n_entering")
    return counts


def km_pushdown(table: ibis.Table, time, event, *, group=None, entry=None, time_scale: float = 1.0,
                conf_level: float = 0.95, conf_type: str = "log") -> KaplanMeierByResult:
    """Kaplan-Meier curves per group computed from counts aggregated in the engine."""
    counts = fetch_counts(table, time, event, group=group, entry=entry, time_scale=time_scale)
    return kaplan_meier_by_from_counts(counts.drop(columns="stratum"), conf_level, conf_type)


def logrank_pushdown(table: ibis.Table, time, event, *, group, stratum=None, entry=None,
                     time_scale: float = 1.0, rho: float = 0.0) -> LogrankResult:
    """Log-rank test computed from counts aggregated in the engine."""
    counts = fetch_counts(table, time, event, group=group, stratum=stratum, entry=entry, time_scale=time_scale)
    if stratum is None:
        counts = counts.drop(columns="stratum")
    return logrank_from_counts(counts, rho)


__all__ = ["COUNT_COLUMNS", "fetch_counts", "km_pushdown", "logrank_pushdown", "risk_set_counts"]
