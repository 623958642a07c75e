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

import numpy as np
import pandas as pd

from .analyses import AnalysisData, SurvivalData, block_header, km_block
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
    comparison's anchor."""
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


def check(data: AnalysisData, analysis, anchor: Anchor, origin_text: str) -> dict | None:
    """The immortal-time warning of one analysis, or ``None`` when no patient has a gap."""
    if anchor_column(analysis.id) not in data.table.columns:
        return None
    sd = data.survival(data.rows(analysis.id, analysis.where), analysis.endpoint, entry=False)
    if not len(sd.frame):
        return None
    gap = immortal_gap(data, sd.frame, analysis.endpoint, analysis.id)
    positive = np.nan_to_num(gap, nan=0.0) > 0
    if not positive.any():
        return None
    by = getattr(analysis, "by", None) or getattr(analysis, "exposure", None)
    per_group = {}
    if by is not None:
        groups = data.categorical(sd.frame, by)
        for g in groups.cat.categories:
            m = (groups == g).to_numpy()
            if m.any():
                per_group[str(g)] = {"median": float(np.nanmedian(gap[m])), "share_positive": float(positive[m].mean())}
    ep = data.endpoints[analysis.endpoint]
    unit = data.unit.value
    # Immortal time proper: follow-up runs through the gap because the group demanded it (the
    # event could not happen before the anchor). If instead most events fall inside the gap
    # (PFS1 of patients grouped by their 2nd line), the comparison is conditioned on what
    # happened after the origin: a different, milder warning, and no remedy applies.
    through = (sd.time >= np.nan_to_num(gap, nan=0.0))[positive]
    share_through = float(through.mean())
    median_gap = float(np.nanmedian(gap[positive]))
    requested = [r.value for r in getattr(analysis, "remedies", [])]
    base = {"analysis": analysis.id, "endpoint": analysis.endpoint, "anchor": anchor.describe(),
            "median_gap": median_gap, "share_with_gap": float(positive.mean()),
            "share_followed_through_gap": share_through, "by_group": per_group}
    if share_through >= IMMORTAL_SHARE:
        msg = (f"Immortal-time bias: {ep.label} ({analysis.endpoint}) is measured from {origin_text}, but the groups "
               f"compared in '{analysis.id}' are defined at {anchor.describe()}, which patients had to survive to "
               f"reach (median {median_gap:.1f} {unit} in {positive.mean():.0%} of patients); compare from the index "
               "date (landmark) or with delayed entry at the index instead.")
        return {"kind": IMMORTAL_TIME, "message": msg, "remedies_shown": requested, **base}
    msg = (f"Conditioning on the future: {ep.label} ({analysis.endpoint}) starts at {origin_text}, but the groups "
           f"compared in '{analysis.id}' are defined later, at {anchor.describe()} (median {median_gap:.1f} {unit}), "
           "so only patients who reached it are compared; most events fall before it, so this is a selection "
           "to keep in mind rather than immortal time.")
    return {"kind": CONDITIONING, "message": msg, "remedies_shown": [], **base}


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


def remedies(data: AnalysisData, analysis, run_cox, selected: list[str] | None = None
             ) -> tuple[list[dict], list[dict], dict]:
    """Survival blocks, Cox models and a side-by-side summary for the requested remedies.

    Cox analyses are re-fitted with the variables the naive analysis selected (``selected``).
    """
    if not getattr(analysis, "remedies", None) or anchor_column(analysis.id) not in data.table.columns:
        return [], [], {}
    sd = data.survival(data.rows(analysis.id, analysis.where), analysis.endpoint, entry=False)
    gap = immortal_gap(data, sd.frame, analysis.endpoint, analysis.id)
    ep = data.endpoints[analysis.endpoint]
    survival, models, summary = [], [], {}
    for remedy in analysis.remedies:
        rsd = _remedy_sd(sd, gap, remedy)
        if isinstance(analysis, KaplanMeierAnalysis):
            groups = data.categorical(rsd.frame, analysis.by) if analysis.by is not None else None
            ok = groups.notna().to_numpy() if groups is not None else np.ones(len(rsd.time), dtype=bool)
            block = block_header(data, analysis.id, analysis.endpoint, ep, analysis.title, analysis.by)
            block.update(remedy=remedy.value, excluded=rsd.excluded, delayed_entry=remedy is Remedy.DELAYED_ENTRY,
                         label=f"{ep.label}: {_remedy_label(remedy)}")
            if ok.any():
                block.update(km_block(rsd.time[ok], rsd.event[ok], rsd.entry[ok] if rsd.entry is not None else None,
                                      groups[ok].reset_index(drop=True) if groups is not None else None,
                                      analysis.conf_type, analysis.times, overall=analysis.overall, test=analysis.test,
                                      with_hr=analysis.hazard_ratios and groups is not None,
                                      hr_reference=data.variable(analysis.by).reference if analysis.by else None))
            survival.append(block)
            summary[remedy.value] = _km_summary(block)
        elif isinstance(analysis, CoxAnalysis):
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
