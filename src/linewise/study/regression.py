"""Cox models of a study: univariable screens, multivariable models (pre-specified, or Study C's
"univariately significant variables enter"), and subgroup analyses with interaction tests.

Models are fitted by :func:`linewise.stats.cox.cox` (R ``coxph``, Efron ties). Categorical
variables enter as treatment contrasts against their reference level, true/false variables as
0/1, numbers as they are. A variable's univariable p-value for selection is the likelihood-ratio
test of its model (one test per variable, whatever its number of levels). The interaction test
of a subgroup analysis is the likelihood-ratio test of ``exposure * subgroup`` against
``exposure + subgroup`` on the same patients.

Examples
--------
>>> from linewise.study.compiler import VType
>>> term_label(Variable("ecog", "ECOG", VarKind.CATEGORICAL, VType.NUMBER, ("0", "1"), "0"), "1")
'ECOG: 1 vs 0'
"""

from __future__ import annotations

import warnings as _warnings

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ..stats import kaplan_meier_by, logrank
from ..stats._validate import StatsInputError
from ..stats.cox import CoxResult, cox
from .analyses import AnalysisData, SurvivalData, block_header
from .covariates import Variable
from .spec import CoxAnalysis, Selection, SubgroupAnalysis, VarKind

TIME, EVENT, ENTRY, STRATA = "_time", "_event", "_entry", "_strata"


def term_label(var: Variable, level: str | None) -> str:
    if var.kind is VarKind.CONTINUOUS:
        return var.label
    if var.is_boolean:
        return f"{var.label} (yes vs no)"
    return f"{var.label}: {level} vs {var.reference}"


def _reference(data: AnalysisData, var: Variable, values: pd.Series) -> str:
    if var.reference is not None:
        return var.reference
    cats = [c for c in values.cat.categories if (values == c).any()]
    return cats[0] if cats else str(values.cat.categories[0])


def model_frame(data: AnalysisData, sd: SurvivalData, names: list[str]) -> tuple[pd.DataFrame, dict]:
    """Columns for the formula: time/event/entry plus one column per variable; returns the
    frame and, per variable, (formula term, Variable, reference)."""
    mf = pd.DataFrame({TIME: sd.time, EVENT: sd.event}, index=sd.frame.index)
    if sd.entry is not None:
        mf[ENTRY] = sd.entry
    terms = {}
    for name in dict.fromkeys(names):
        var = data.variable(name)
        col = var.name
        if var.kind is VarKind.CONTINUOUS or var.is_boolean:
            mf[col] = data.numeric(sd.frame, name).to_numpy()
            terms[name] = (col, var, None)
        else:
            values = data.categorical(sd.frame, name)
            ref = _reference(data, var, values)
            mf[col] = values.astype(object).where(values.notna(), None).to_numpy()
            terms[name] = (f"C({col}, contr.treatment({ref!r}))", var, ref)
    return mf, terms


def _fit(mf: pd.DataFrame, formula: str, strata: str | None, ties: str) -> CoxResult:
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)  # kept in result.warnings
        return cox(mf, TIME, EVENT, formula, entry=ENTRY if ENTRY in mf.columns else None, strata=strata, ties=ties)


def _terms(fit: CoxResult, terms: dict, names: list[str]) -> list[dict]:
    rows = []
    coefs = fit.coefficients.set_index("term")
    for name in names:
        formula_term, var, ref = terms[name]
        if ref is None:
            matches = [(formula_term, None)] if formula_term in coefs.index else []
        else:
            prefix = f"{formula_term}[T."
            matches = [(t, t[len(prefix):-1]) for t in coefs.index if t.startswith(prefix)]
        for term, level in matches:
            c = coefs.loc[term]
            rows.append({"variable": var.name, "term": term, "level": level, "reference": ref,
                         "label": term_label(var, level), "coef": c["coef"], "se": c["se"], "hr": c["hr"],
                         "lower": c["hr_lower"], "upper": c["hr_upper"], "p": c["p"]})
    return rows


def _model_dict(fit: CoxResult, terms: dict, names: list[str], full: bool = True, concordance: bool = True) -> dict:
    """A fitted model as plain data; ``full`` adds the concordance and the PH test (multivariable
    models: they cost as much as the fit itself on large cohorts)."""
    out = {"variables": [terms[n][1].name for n in names], "n": fit.n, "events": fit.n_events,
           "n_dropped": fit.n_dropped, "terms": _terms(fit, terms, names),
           "lr_test": {"statistic": fit.likelihood_ratio_test.statistic, "df": fit.likelihood_ratio_test.df,
                       "p": fit.likelihood_ratio_test.pvalue},
           "wald_test": {"statistic": fit.wald_test.statistic, "df": fit.wald_test.df, "p": fit.wald_test.pvalue},
           "warnings": list(fit.warnings)}
    if full and concordance:
        out["concordance"] = fit.concordance.concordance
        try:
            zph = fit.proportional_hazards_test().summary()
            out["ph_test"] = zph.to_dict("records")
        except StatsInputError as exc:
            out["ph_test"] = None
            out["warnings"].append(f"proportional-hazards test not computed: {exc}")
    return out


def _global_ph_p(model: dict) -> float | None:
    for row in model.get("ph_test") or []:
        if str(row.get("term", "")).upper() == "GLOBAL":
            return row.get("pvalue", row.get("p"))
    return None


def run_cox(data: AnalysisData, a: CoxAnalysis, sd: SurvivalData | None = None, remedy: str | None = None,
            selected: list[str] | None = None) -> list[dict]:
    """Univariable models and the multivariable model of one Cox analysis (one dict each).

    ``sd`` and ``remedy`` re-run the analysis on remedied data (bias guard); ``selected`` then
    fixes the multivariable model to the variables the naive analysis selected, and only the
    exposure gets a univariable model.
    """
    ep = data.endpoints[a.endpoint]
    if sd is None:
        sd = data.survival(data.rows(a.id, a.where), a.endpoint)
    exposure = [a.exposure] if a.exposure is not None else []
    screened = list(dict.fromkeys([*exposure, *a.candidates, *a.adjust_for]))
    if selected is not None:
        screened = list(dict.fromkeys([*exposure, *a.adjust_for, *selected]))
    mf, terms = model_frame(data, sd, screened + ([a.strata] if a.strata else []))
    strata = None
    if a.strata is not None:
        strata = STRATA
        mf[STRATA] = data.categorical(sd.frame, a.strata).astype(object).to_numpy()
    head = block_header(data, a.id, a.endpoint, ep, a.title, a.exposure)
    head.update(exposure=None if a.exposure is None else data.variable(a.exposure).name, remedy=remedy,
                excluded=sd.excluded, ties=a.ties, strata=a.strata)
    out = []
    uni_terms, uni_p = [], {}
    if a.univariable or a.selection is Selection.UNIVARIABLE:
        models = []
        for name in (exposure if selected is not None else screened):
            try:
                fit = _fit(mf, terms[name][0], strata, a.ties)
            except StatsInputError as exc:
                data.warn("model_not_fitted", f"{a.id}: univariable model of {name!r} not fitted: {exc}", a.id)
                continue
            m = _model_dict(fit, terms, [name], full=False)
            uni_p[name] = m["lr_test"]["p"]
            for t in m["terms"]:
                t.update(n=m["n"], events=m["events"], variable_p=m["lr_test"]["p"])
            uni_terms.extend(m["terms"])
            models.append(m)
        out.append({**head, "model": "univariable", "terms": uni_terms, "models": models})
    if selected is not None:
        selected_note = {"selection": "as in the naive analysis", "selected": list(selected)}
        multi = list(dict.fromkeys([*exposure, *a.adjust_for, *selected]))
    elif a.selection is Selection.UNIVARIABLE:
        chosen = [n for n in a.candidates if uni_p.get(n) is not None and uni_p[n] < a.alpha]
        selected_note = {"selection": "univariable", "alpha": a.alpha, "selected": chosen,
                         "forced": exposure + list(a.adjust_for)}
        multi = list(dict.fromkeys([*exposure, *a.adjust_for, *chosen]))
    else:
        selected_note = {"selection": "prespecified"}
        multi = list(dict.fromkeys([*exposure, *a.adjust_for]))
    # a multivariable model adds something when it has more than the exposure alone
    if multi and (len(multi) > 1 or not (a.univariable or a.selection is Selection.UNIVARIABLE)):
        try:
            fit = _fit(mf, " + ".join(terms[n][0] for n in multi), strata, a.ties)
            m = _model_dict(fit, terms, multi, concordance=a.concordance)
            out.append({**head, "model": "multivariable", **selected_note, **m})
            p_ph = _global_ph_p(m)
            if p_ph is not None and p_ph < 0.05:
                where = f"{a.id} ({remedy.replace('_', ' ')})" if remedy else a.id
                data.warn("proportional_hazards", f"{where}: the proportional-hazards assumption may not hold "
                          f"(cox.zph global p = {p_ph:.3g})", a.id)
        except StatsInputError as exc:
            data.warn("model_not_fitted", f"{a.id}: multivariable model not fitted: {exc}", a.id)
    return out


def _lr_interaction(mf: pd.DataFrame, exposure_term: str, sub_term: str) -> dict | None:
    complete = mf.dropna()  # both models on the same patients
    try:
        reduced = _fit(complete, f"{exposure_term} + {sub_term}", None, "efron")
        full = _fit(complete, f"{exposure_term} * {sub_term}", None, "efron")
    except StatsInputError:
        return None
    k_red = int(np.isfinite(reduced.coefficients["coef"]).sum())
    k_full = int(np.isfinite(full.coefficients["coef"]).sum())
    df = k_full - k_red
    if df <= 0:
        return None
    stat = 2.0 * (full.loglik[1] - reduced.loglik[1])
    return {"method": "likelihood-ratio test of the interaction", "statistic": stat, "df": df,
            "p": float(chi2.sf(max(stat, 0.0), df))}


def run_subgroup(data: AnalysisData, a: SubgroupAnalysis) -> list[dict]:
    """Effect of the exposure within each level of each subgroup variable, and its interaction."""
    ep = data.endpoints[a.endpoint]
    sd = data.survival(data.rows(a.id, a.where), a.endpoint)
    out = []
    exposure = data.variable(a.exposure)
    for sub in a.subgroups:
        mf, terms = model_frame(data, sd, [a.exposure, sub])
        sub_var = data.variable(sub)
        sub_values = data.categorical(sd.frame, sub)
        exp_values = data.categorical(sd.frame, a.exposure)
        block = block_header(data, a.id, a.endpoint, ep, a.title, a.exposure)
        block.update(subgroup=sub_var.name, subgroup_label=sub_var.label, exposure=exposure.name,
                     interaction=_lr_interaction(mf, terms[a.exposure][0], terms[sub][0]))
        levels = []
        for level in sub_values.cat.categories:
            mask = (sub_values == level).to_numpy()
            row = {"level": str(level), "n": int(mask.sum()), "events": float(sd.event[mask].sum()),
                   "hr": None, "lower": None, "upper": None, "p": None, "logrank_p": None, "medians": {}}
            if mask.sum() == 0:
                levels.append(row)
                continue
            g = exp_values[mask].reset_index(drop=True)
            en = sd.entry[mask] if sd.entry is not None else None
            ok = g.notna().to_numpy()
            if ok.sum() and g[ok].nunique() >= 1:
                fits = kaplan_meier_by(sd.time[mask][ok], sd.event[mask][ok], g[ok].reset_index(drop=True),
                                       entry=en[ok] if en is not None else None)
                row["medians"] = {str(k): {"n": f.n, "median": f.median, "lower": f.median_ci[0],
                                           "upper": f.median_ci[1]} for k, f in fits.items()}
            try:
                lr = logrank(sd.time[mask][ok], sd.event[mask][ok], g[ok].reset_index(drop=True),
                             entry=en[ok] if en is not None else None)
                row["logrank_p"] = lr.pvalue
                fit = _fit(mf[mask], terms[a.exposure][0], None, "efron")
                t = _terms(fit, terms, [a.exposure])
                row["terms"] = t
                if len(t) == 1:
                    row.update(hr=t[0]["hr"], lower=t[0]["lower"], upper=t[0]["upper"], p=t[0]["p"],
                               label=t[0]["label"])
            except StatsInputError as exc:
                row["note"] = str(exc)
            levels.append(row)
        block["levels"] = levels
        out.append(block)
    return out

