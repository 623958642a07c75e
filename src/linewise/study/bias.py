"""The immortal-time guard: warn when an endpoint's origin precedes what defines the groups.

Comparing overall survival *from metastatic diagnosis* between groups defined by the line in
which T-DM1 was given (Study C) credits the later-line groups with the time they had to
survive to reach that line: immortal-time (guarantee-time) bias. For every comparative
analysis the guard looks at each patient's time from the endpoint's origin to the date the
comparison variable became known (its anchor, e.g. the index line start); if any patient has a
positive gap, it warns, says why in one sentence, and quantifies the gap per group.

The spec can ask for the two standard remedies, computed side by side with the naive
analysis:

* ``landmark``: follow-up restarts at each patient's anchor date (patients alive and under
  follow-up then), i.e. survival measured from the index date;
* ``delayed_entry``: the time scale stays (from the origin) but each patient enters the risk
  set at the anchor (counting-process / left-truncated data), so no immortal time is counted.

Examples
--------
>>> import numpy as np
>>> sd = remedy_data(np.array([10.0, 20.0]), np.array([1.0, 0.0]), np.array([4.0, 0.0]), "landmark")
>>> sd[0].tolist(), sd[2]
([6.0, 20.0], None)
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from ..stats._validate import StatsInputError
from .aggregates import count_if
from .analyses import AnalysisData, SurvivalData, block_header, hazard_ratios
from .counted import km_block_from_counts
from .features import Anchor
from .spec import DAYS_PER_UNIT, CoxAnalysis, KaplanMeierAnalysis, Remedy

IMMORTAL_TIME = "immortal_time"
CONDITIONING = "conditioning_on_future"
#: Share of patients with a gap whose follow-up runs through it, above which the gap is immortal time.
IMMORTAL_SHARE = 0.5


def anchor_column(analysis_id: str) -> str:
    return f"anchor_{analysis_id}"


def immortal_gap(data: AnalysisData, frame: pd.DataFrame, endpoint: str, analysis_id: str) -> np.ndarray:
    """Per patient (rows of ``frame``): time in the study unit from the endpoint's origin to the
    comparison's anchor (patient rows: the Cox remedies)."""
    t = data.table
    gap = day_difference(t[anchor_column(analysis_id)].loc[frame.index], t[f"{endpoint}_origin"].loc[frame.index])
    return gap / DAYS_PER_UNIT[data.unit]


def day_difference(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """``later - earlier`` in days as floats (NaN where either is missing), vectorised."""
    a = later.to_numpy(dtype="datetime64[D]")
    b = earlier.to_numpy(dtype="datetime64[D]")
    diff = (a - b).astype("float64")
    diff[np.isnat(a) | np.isnat(b)] = np.nan
    return diff


def _gap_days(t, analysis):
    """Days from the endpoint's origin to the anchor, in the engine (missing when either is)."""
    return t[anchor_column(analysis.id)].delta(t[f"{analysis.endpoint}_origin"], unit="day")


def _rows_with_time(data: AnalysisData, analysis):
    t = data.engine.subset(analysis.id, analysis.where)
    return t.filter(t[f"{analysis.endpoint}_time"].notnull())


def _weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """``numpy.nanmedian`` of ``values`` repeated ``counts`` times (the middle one or two values)."""
    ok = ~np.isnan(values) & (counts > 0)
    values, counts = values[ok], counts[ok]
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    values, cum = values[order], np.cumsum(counts[order])
    middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    return float(np.median(values[np.searchsorted(cum, np.asarray(middle) + 1, side="left")]))


def _screen_metrics(data: AnalysisData, analysis, key: str) -> dict:
    """Counts of one analysis's immortal-time screen, as aggregates over the whole table:
    patients with a time, with a positive gap, and followed through it."""
    t = data.engine.table
    time = t[f"{analysis.endpoint}_time"]
    rows = data.engine.condition(analysis.id, analysis.where) & time.notnull()
    days = _gap_days(t, analysis)
    # (days / days-per-unit: the arithmetic of the patient-level gap, in the engine's doubles)
    through = rows & (days > 0) & (time >= days.cast("float64") / DAYS_PER_UNIT[data.unit])
    return {f"{key}n": count_if(rows), f"{key}positive": count_if(rows & (days > 0)), f"{key}through": count_if(through)}


def screen(data: AnalysisData, analyses: list) -> dict[str, dict]:
    """The counts of :func:`check` for several analyses in one query (a query has a fixed cost
    on a cluster engine)."""
    todo = [a for a in analyses if anchor_column(a.id) in data.engine.columns]
    metrics = {}
    for i, a in enumerate(todo):
        metrics.update(_screen_metrics(data, a, f"a{i}_"))
    row = data.engine.one_row(data.engine.table, **metrics)
    return {a.id: {k: row[f"a{i}_{k}"] for k in ("n", "positive", "through")} for i, a in enumerate(todo)}


def check(data: AnalysisData, analysis, anchor: Anchor, origin_text: str, totals: dict | None = None) -> dict | None:
    """The immortal-time warning of one analysis, or ``None`` when no patient has a gap.

    From aggregates: patients with a time, with a positive gap and followed through it
    (counts; ``totals`` when :func:`screen` already counted them), and the gaps per group as a
    frequency table of whole days, from which the medians are read exactly as
    ``numpy.nanmedian`` reads them from one value per patient.
    """
    if anchor_column(analysis.id) not in data.engine.columns:
        return None
    if totals is None:
        totals = screen(data, [analysis])[analysis.id]
    if totals["n"] == 0 or totals["positive"] == 0:
        return None
    rows = _rows_with_time(data, analysis)
    days = _gap_days(rows, analysis)
    per_unit = DAYS_PER_UNIT[data.unit]
    by = getattr(analysis, "by", None) or getattr(analysis, "exposure", None)
    by_col = data.variable(by).name if by is not None else None
    freq = data.engine.grouped(rows.mutate(_gap_days=days), [*([by_col] if by_col else []), "_gap_days"])
    gap = pd.to_numeric(freq["_gap_days"], errors="coerce").to_numpy(dtype=float) / per_unit
    n = freq["n"].to_numpy()
    positive = np.nan_to_num(gap, nan=0.0) > 0
    per_group = {}
    if by_col is not None:
        groups = data.labels(by, freq[by_col])
        for g in groups.cat.categories:
            m = (groups == g).to_numpy()
            if n[m].sum():
                per_group[str(g)] = {"median": _weighted_median(gap[m], n[m]),
                                     "share_positive": int(n[m & positive].sum()) / int(n[m].sum())}
    ep = data.endpoints[analysis.endpoint]
    unit = data.unit.value
    # Immortal time proper: follow-up runs through the gap because the group demanded it (the
    # event could not happen before the anchor). If instead most events fall inside the gap
    # (PFS1 of patients grouped by their 2nd line), the comparison is conditioned on what
    # happened after the origin: a different, milder warning, and no remedy applies.
    share_through = totals["through"] / totals["positive"]
    share_with_gap = totals["positive"] / totals["n"]
    median_gap = _weighted_median(np.where(positive, gap, np.nan), n)
    requested = [r.value for r in getattr(analysis, "remedies", [])]
    base = {"analysis": analysis.id, "endpoint": analysis.endpoint, "anchor": anchor.describe(),
            "median_gap": median_gap, "share_with_gap": share_with_gap,
            "share_followed_through_gap": share_through, "by_group": per_group}
    if share_through >= IMMORTAL_SHARE:
        msg = (f"Immortal-time bias: {ep.label} ({analysis.endpoint}) is measured from {origin_text}, but the groups "
               f"compared in '{analysis.id}' are defined at {anchor.describe()}, which patients had to survive to "
               f"reach (median {median_gap:.1f} {unit} in {share_with_gap:.0%} of patients); compare from the index "
               "date (landmark) or with delayed entry at the index instead.")
        return {"kind": IMMORTAL_TIME, "message": msg, "remedies_shown": requested, **base}
    msg = (f"Conditioning on the future: {ep.label} ({analysis.endpoint}) starts at {origin_text}, but the groups "
           f"compared in '{analysis.id}' are defined later, at {anchor.describe()} (median {median_gap:.1f} {unit}), "
           "so only patients who reached it are compared; most events fall before it, so this is a selection "
           "to keep in mind rather than immortal time.")
    return {"kind": CONDITIONING, "message": msg, "remedies_shown": [], **base}


def needs_patient_gaps(analysis, warning: dict | None) -> bool:
    """Whether the remedies of an analysis read each patient's gap: Cox models re-fitted on the
    remedied data, and the hazard ratios of a Kaplan-Meier panel (Cox fits too). Remedied
    Kaplan-Meier curves and tests come from counts."""
    if warning is None or warning["kind"] != IMMORTAL_TIME or not getattr(analysis, "remedies", None):
        return False
    if isinstance(analysis, CoxAnalysis):
        return True
    return isinstance(analysis, KaplanMeierAnalysis) and analysis.hazard_ratios and analysis.by is not None


def remedy_data(time: np.ndarray, event: np.ndarray, gap: np.ndarray, remedy: str):
    """(time, event, entry, keep) under a remedy; keep marks patients still at risk at the anchor."""
    g = np.maximum(np.nan_to_num(gap, nan=0.0), 0.0)
    keep = time > g
    if remedy == Remedy.LANDMARK:
        return (time - g)[keep], event[keep], None, keep
    return time[keep], event[keep], g[keep], keep


def _remedy_sd(sd: SurvivalData, gap: np.ndarray, remedy: Remedy) -> SurvivalData:
    t, e, en, keep = remedy_data(sd.time, sd.event, gap, remedy)
    excluded = dict(sd.excluded, not_at_risk_at_anchor=int((~keep).sum()))
    return SurvivalData(sd.frame[keep], t, e, en, excluded)


def _remedy_km(data: AnalysisData, analysis: KaplanMeierAnalysis, remedy: Remedy) -> dict:
    """A remedied Kaplan-Meier block from counts: each patient's time shifted by the gap
    (landmark) or entering at it (delayed entry), computed in the engine with the arithmetic of
    :func:`remedy_data` (``max(gap, 0)``, doubles)."""
    ep = data.endpoints[analysis.endpoint]
    t = data.engine.subset(analysis.id, analysis.where)
    time = t[f"{analysis.endpoint}_time"]
    days = _gap_days(t, analysis)
    g = ibis.greatest(days.fill_null(0), 0).cast("float64") / DAYS_PER_UNIT[data.unit]
    keep = time.notnull() & (time > g)
    by_col = data.variable(analysis.by).name if analysis.by is not None else None
    ok = keep & t[by_col].notnull() if by_col is not None else keep
    row = data.engine.one_row(t, rows=t.count(), with_time=count_if(time.notnull()), kept=count_if(keep),
                              ok=count_if(ok))
    block = block_header(data, analysis.id, analysis.endpoint, ep, analysis.title, analysis.by)
    block.update(remedy=remedy.value, delayed_entry=remedy is Remedy.DELAYED_ENTRY,
                 excluded={"no_time": row["rows"] - row["with_time"],
                           "not_at_risk_at_anchor": row["with_time"] - row["kept"]},
                 label=f"{ep.label}: {_remedy_label(remedy)}")
    if row["ok"]:
        use = t.filter(ok)
        event = f"{analysis.endpoint}_event"
        if remedy is Remedy.LANDMARK:
            counts = data.engine.risk_counts(use, time - g, event, group=by_col)
        else:
            counts = data.engine.risk_counts(use, time, event, group=by_col, entry=g)
        if by_col is not None:
            counts["group"] = data.labels(analysis.by, counts["group"])
        block.update(km_block_from_counts(counts, by_col is not None, False, analysis.conf_type, analysis.times,
                                          overall=analysis.overall, test=analysis.test))
        if analysis.hazard_ratios and by_col is not None:
            block["hazard_ratios"] = _remedy_hazard_ratios(data, analysis, remedy, block["tests"])
    return block


def _remedy_hazard_ratios(data: AnalysisData, analysis, remedy: Remedy, tests: dict) -> list[dict]:
    sd = data.survival(data.rows(analysis.id, analysis.where), analysis.endpoint, entry=False)
    rsd = _remedy_sd(sd, immortal_gap(data, sd.frame, analysis.endpoint, analysis.id), remedy)
    groups = data.categorical(rsd.frame, analysis.by)
    ok = groups.notna().to_numpy()
    try:
        return hazard_ratios(rsd.time[ok], rsd.event[ok], rsd.entry[ok] if rsd.entry is not None else None,
                             groups[ok].reset_index(drop=True), data.variable(analysis.by).reference)
    except StatsInputError as exc:
        tests.setdefault("error", str(exc))
        return []


def remedies(data: AnalysisData, analysis, run_cox, selected: list[str] | None = None
             ) -> tuple[list[dict], list[dict], dict]:
    """Survival blocks, Cox models and a side-by-side summary for the requested remedies.

    Kaplan-Meier blocks come from counts; Cox analyses are re-fitted on the patient rows with
    the variables the naive analysis selected (``selected``).
    """
    if not getattr(analysis, "remedies", None) or anchor_column(analysis.id) not in data.engine.columns:
        return [], [], {}
    survival, models, summary = [], [], {}
    for remedy in analysis.remedies:
        if isinstance(analysis, KaplanMeierAnalysis):
            block = _remedy_km(data, analysis, remedy)
            survival.append(block)
            summary[remedy.value] = _km_summary(block)
        elif isinstance(analysis, CoxAnalysis):
            sd = data.survival(data.rows(analysis.id, analysis.where), analysis.endpoint, entry=False)
            rsd = _remedy_sd(sd, immortal_gap(data, sd.frame, analysis.endpoint, analysis.id), remedy)
            fitted = run_cox(data, analysis, rsd, remedy=remedy.value, selected=selected or [])
            models.extend(fitted)
            summary[remedy.value] = _cox_summary(fitted)
    return survival, models, summary


def _remedy_label(remedy: Remedy) -> str:
    return "landmark at the index date" if remedy is Remedy.LANDMARK else "delayed entry at the index date"


def _km_summary(block: dict) -> dict:
    return {"medians": {c["group"]: {"n": c["n"], "median": c["median"], "lower": c["lower"], "upper": c["upper"]}
                        for c in block.get("curves", [])},
            "p": block.get("tests", {}).get("logrank", {}).get("p")}


def _cox_summary(models: list[dict]) -> dict:
    out = {}
    for m in models:
        out[m["model"]] = [{"label": t["label"], "hr": t["hr"], "lower": t["lower"], "upper": t["upper"], "p": t["p"]}
                           for t in m["terms"] if t["variable"] == m.get("exposure")]
    return out


def naive_summary(blocks: list[dict], models: list[dict]) -> dict:
    if blocks:
        return _km_summary(blocks[0])
    return _cox_summary(models)
