"""A complete, seeded example ``results.json`` built with :mod:`linewise.stats`.

It mimics Study B of STUDIES.md (T-DM1 after trastuzumab + pertuzumab vs trastuzumab alone)
at any size, so the report can be developed, tested and benchmarked without the study
engine: a synthetic one-row-per-patient analysis table is drawn from a fixed seed and every
number is computed by the same statistics functions the study engine uses, then converted
with :mod:`.blocks`. Not a recipe: the real studies come from ``linewise run``.
"""

from __future__ import annotations

import hashlib
import warnings as _warnings

import numpy as np
import pandas as pd

from .. import __version__
from ..stats import chi_square, cox, kaplan_meier_by, logrank, median_follow_up, table_one
from .blocks import (
    cox_block,
    follow_up_block,
    hazard_ratio,
    jsonable,
    rate_block,
    survival_block,
    table_one_block,
)

__all__ = ["example_analysis_table", "example_results"]

GROUPS = ("Tmab/Pmab", "Tmab")
DAYS_PER_MONTH = 365.25 / 12.0
_LABELS = {
    "group": "Pre-treatment",
    "age": "Age, years",
    "ecog": "ECOG PS",
    "visceral": "Visceral metastases",
    "hr_status": "Hormone-receptor status",
    "prior_chemo": "Prior chemotherapy regimens",
    "line": "T-DM1 line",
}


def example_analysis_table(n: int = 420, seed: int = 20190601) -> pd.DataFrame:
    """One row per patient: group, covariates, PFS/OS (months, day resolution), best response.

    Effects follow Study B in direction and rough size (PFS HR about 2.8 for Tmab/Pmab).

    Examples
    --------
    >>> df = example_analysis_table(50, seed=1)
    >>> sorted(df["group"].unique().tolist())
    ['Tmab', 'Tmab/Pmab']
    """
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.43, GROUPS[0], GROUPS[1])
    tp = group == GROUPS[0]
    age = np.clip(np.round(rng.normal(57, 11, n)), 28, 86)
    ecog = rng.choice([0, 1, 2], n, p=[0.62, 0.35, 0.03])
    visceral = np.where(rng.random(n) < 0.74, "Visceral", "Non-visceral")
    hr_status = np.where(rng.random(n) < 0.5, "HR+", "HR-")
    prior_chemo = np.minimum(rng.poisson(np.where(tp, 0.9, 1.7)), 6)
    line = rng.choice(["2nd", "3rd", "4th or later"], n, p=[0.59, 0.24, 0.17])
    lin = np.log(2.8) * tp + 0.35 * ecog + 0.3 * (visceral == "Visceral")
    pfs_rate = np.log(2) / 7.8 * np.exp(lin - lin.mean() + np.log(2.8) * 0.43)
    os_rate = np.log(2) / 30.0 * np.exp(0.6 * lin - 0.6 * lin.mean())
    censor = rng.uniform(6.0, 48.0, n)
    pfs_true, os_true = rng.exponential(1 / pfs_rate), rng.exponential(1 / os_rate)
    os_true = np.maximum(os_true, pfs_true * rng.uniform(1.0, 1.6, n))

    def days(t):  # registry dates have day resolution: whole days, expressed in months
        return np.maximum(np.round(t * DAYS_PER_MONTH), 1.0) / DAYS_PER_MONTH

    pfs_time, os_time = days(np.minimum(pfs_true, censor)), days(np.minimum(os_true, censor))
    p_resp = np.where(tp, 0.12, 0.26)
    u = rng.random(n)
    sd_ok = rng.random(n) < np.where(tp, 0.1, 0.45)
    best = np.select(
        [u < 0.03, u < p_resp, u < p_resp + 0.35, u < 0.97],
        ["CR", "PR", "SD", "PD"],
        "NE",
    )
    return pd.DataFrame(
        {
            "group": pd.Categorical(group, categories=list(GROUPS)),
            "age": age,
            "ecog": ecog,
            "visceral": visceral,
            "hr_status": hr_status,
            "prior_chemo": prior_chemo,
            "line": line,
            "pfs_time": pfs_time,
            "pfs_event": (pfs_true <= censor).astype(int),
            "os_time": os_time,
            "os_event": (os_true <= censor).astype(int),
            "best_response": best,
            "sd_6m": sd_ok,
        }
    )


def _subgroups(df: pd.DataFrame, endpoint: str, variable: str) -> dict:
    t, e = f"{endpoint}_time", f"{endpoint}_event"
    ref = GROUPS[1]
    term = f"C(group, contr.treatment({ref!r}))[T.{GROUPS[0]}]"
    formula = f"C(group, contr.treatment({ref!r}))"
    levels = []
    for level in sorted(df[variable].unique().tolist(), key=str):
        sub = df[df[variable] == level]
        fit = cox(sub, t, e, formula)
        hr = hazard_ratio(fit, term, f"{GROUPS[0]} vs {GROUPS[1]}")
        levels.append(
            {
                "level": str(level),
                "n": int(len(sub)),
                "events": int(sub[e].sum()),
                **{k: hr[k] for k in ("hr", "lower", "upper", "p")},
            }
        )
    data = df.assign(_sub=df[variable].astype(str))
    # Interaction: likelihood-ratio test of group x subgroup terms (df = levels - 1).
    main = cox(data, t, e, f"{formula} + _sub")
    inter = cox(data, t, e, f"{formula} * _sub")
    from scipy.stats import chi2

    lr = 2.0 * (inter.loglik[1] - main.loglik[1])
    dof = int(inter.coefficients.shape[0] - main.coefficients.shape[0])
    return {
        "endpoint": endpoint,
        "variable": variable,
        "label": _LABELS.get(variable, variable),
        "comparison": f"{GROUPS[0]} vs {GROUPS[1]}",
        "levels": levels,
        "interaction_p": jsonable(float(chi2.sf(lr, dof))),
        "interaction_test": "likelihood ratio",
    }


def example_results(n: int = 420, seed: int = 20190601, *, run_date: str = "2025-01-15T09:30:00Z", warnings: bool = True) -> dict:
    """A full ``results.json`` structure for a Study-B-like analysis of ``n`` patients.

    Parameters
    ----------
    n : int
        Patients analysed (the attrition adds a few excluded before).
    seed : int
        Random seed of the synthetic analysis table.
    run_date : str
        Recorded as the run date (fixed, so the output is reproducible).
    warnings : bool
        Include an engine warning (immortal-time bias on OS), as the study engine writes them.

    Examples
    --------
    >>> r = example_results(60, seed=3)
    >>> [s["endpoint"] for s in r["survival"]], r["attrition"][-1]["n"]
    (['pfs', 'os'], 60)
    """
    with _warnings.catch_warnings():
        # Cox fits on small examples warn (e.g. a coefficient that may be infinite); the warnings
        # are kept in each model's block and shown in the report, so they are not repeated here.
        _warnings.simplefilter("ignore", RuntimeWarning)
        return _example_results(n, seed, run_date, warnings)


def _example_results(n: int, seed: int, run_date: str, warnings: bool) -> dict:
    df = example_analysis_table(n, seed)
    ref = GROUPS[1]
    gterm = f"C(group, contr.treatment({ref!r}))"
    survival, models, subgroups = [], [], []
    covariates = {
        "ecog": ("C(ecog, contr.treatment(0))", "0"),
        "visceral": ("C(visceral, contr.treatment('Non-visceral'))", "Non-visceral"),
        "hr_status": ("C(hr_status, contr.treatment('HR-'))", "HR-"),
    }
    refs = {"group": ref, **{v: r for v, (_, r) in covariates.items()}}
    endpoints = {
        "pfs": "Progression-free survival",
        "os": "Overall survival",
    }
    for ep, label in endpoints.items():
        t, e = f"{ep}_time", f"{ep}_event"
        km = kaplan_meier_by(df[t], df[e], df["group"])
        lr = logrank(df[t], df[e], df["group"])
        uni = cox(df, t, e, gterm)
        hr = hazard_ratio(uni, f"{gterm}[T.{GROUPS[0]}]", f"{GROUPS[0]} vs {GROUPS[1]}")
        survival.append(survival_block(ep, km, label=label, logrank=lr, hazard_ratios=[hr], by="group",
                                       x_label="Months since start of T-DM1"))
        for term, _ref in [(gterm, ref), *covariates.values()]:
            models.append(cox_block(ep, cox(df, t, e, term), "univariable", labels=_LABELS, references=refs))
        multi = " + ".join([gterm, *(f for f, _ in covariates.values())])
        models.append(cox_block(ep, cox(df, t, e, multi), "multivariable", labels=_LABELS, references=refs))
        for var in ("line", "hr_status"):
            subgroups.append(_subgroups(df, ep, var))
    t1_vars = ["age", "ecog", "visceral", "hr_status", "prior_chemo"]
    t1 = table_one(
        df, by="group", variables=t1_vars,
        labels={v: _LABELS[v] for v in t1_vars}, types={"ecog": "categorical", "prior_chemo": "continuous"},
        continuous_stat="median_range",
    )
    group_n = {g: int((df["group"] == g).sum()) for g in GROUPS}
    cats = ["CR", "PR", "SD", "PD", "NE"]
    counts = {g: {c: int(((df["group"] == g) & (df["best_response"] == c)).sum()) for c in cats} for g in GROUPS}
    resp = df["best_response"].isin(["CR", "PR"])
    dc = resp | ((df["best_response"] == "SD") & df["sd_6m"])
    rates = []
    for name, label, hit, definition in (
        ("TRR", "Tumour response rate", resp, "CR + PR"),
        ("DCR", "Disease control rate", dc, "CR + PR + SD lasting at least 6 months"),
    ):
        x = {g: int((hit & (df["group"] == g)).sum()) for g in GROUPS}
        test = chi_square(np.array([[x[g], group_n[g] - x[g]] for g in GROUPS]))
        rates.append(rate_block(name, label, x, group_n, test=test, test_name="Pearson's Chi-squared test",
                                definition=definition))
    fu = {g: median_follow_up(df.loc[df["group"] == g, "os_time"], df.loc[df["group"] == g, "os_event"])
          for g in GROUPS}
    fu["All patients"] = median_follow_up(df["os_time"], df["os_event"])
    data_hash = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()
    spec_hash = hashlib.sha256(f"example-study-b:{n}:{seed}".encode()).hexdigest()
    out = {
        "schema": "linewise.results/1",
        "study": {
            "name": "tdm1_tmab_vs_tmab_pmab_example",
            "title": "T-DM1 after trastuzumab + pertuzumab vs trastuzumab alone (synthetic example)",
            "description": "Synthetic Study-B-like cohort generated by linewise.report.example.",
        },
        "provenance": {
            "spec_hash": f"sha256:{spec_hash}",
            "data_hash": f"sha256:{data_hash}",
            "linewise_version": __version__,
            "seed": seed,
            "run_date": run_date,
            "software": {"linewise": __version__, "numpy": np.__version__, "pandas": pd.__version__},
        },
        "cohort": {
            "description": "Patients with HER2-positive metastatic breast cancer treated with trastuzumab "
            "emtansine (T-DM1)",
            "index_event": "start of the first metastatic line containing T-DM1",
            "data_source": "a synthetic registry generated by linewise",
        },
        "attrition": [
            {"step": "Patients treated with T-DM1 for HER2+ MBC", "n": n + 7},
            {"step": "No T-DM1 before the index line", "n": n + 5, "excluded": 2, "reason": "Prior T-DM1"},
            {"step": "Trastuzumab and/or pertuzumab before T-DM1", "n": n, "excluded": 5,
             "reason": "Neither trastuzumab nor pertuzumab before T-DM1"},
        ],
        "groups": {
            "variable": "group",
            "label": _LABELS["group"],
            "reference": ref,
            "levels": [
                {"name": GROUPS[0], "n": group_n[GROUPS[0]], "definition": "pertuzumab and trastuzumab before T-DM1"},
                {"name": GROUPS[1], "n": group_n[GROUPS[1]], "definition": "trastuzumab without pertuzumab before T-DM1"},
            ],
        },
        "endpoints": [
            {"name": "pfs", "label": endpoints["pfs"], "origin": "start of T-DM1",
             "events": ["radiological progression (RECIST 1.1)"],
             "censoring": "last tumour assessment", "delayed_entry": False},
            {"name": "os", "label": endpoints["os"], "origin": "start of T-DM1",
             "events": ["death from any cause"], "censoring": "last contact", "delayed_entry": False},
        ],
        "table_one": table_one_block(t1, continuous_stat="median_range"),
        "survival": survival,
        "cox": models,
        "subgroups": subgroups,
        "response_tables": [{
            "analysis": "response",
            "groups": list(GROUPS),
            "group_n": group_n,
            "best_response": {"categories": cats, "counts": counts},
            "rates": rates,
        }],
        "follow_up": follow_up_block(fu, endpoint="os"),
        "warnings": [],
        "methods": {
            "design": "retrospective cohort study",
            "analyses": {
                "conf_level": 0.95,
                "km_conf_type": "log",
                "cox_ties": "efron",
                "alpha": 0.05,
                "table_one_categorical_test": "auto",
                "response_ci": "clopper-pearson",
                "multivariable_covariates": [_LABELS[v] for v in covariates],
                "multivariable_selection": "pre-specified",
                "follow_up_method": "reverse Kaplan-Meier",
                "subgroup_interaction_test": "likelihood ratio",
            },
        },
    }
    if warnings:
        out["warnings"].append(
            {
                "code": "small_group",
                "severity": "caution",
                "message": "Example warning written by the producer of the results: the numbers in "
                "this report come from synthetic data and describe no real patients.",
            }
        )
    return out
