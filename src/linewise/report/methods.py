"""The methods section, written from the results: ready to paste into a manuscript.

Every statement is taken from what the results record (cohort and index event, attrition
steps, group and endpoint definitions, the confidence-interval type of the Kaplan-Meier
fits, the ties method of the Cox models, the tests Table 1 used, the software versions of the
run); a setting the results do not record is left out rather than assumed.
"""

from __future__ import annotations

import platform

import matplotlib

from .fmt import fmt_count

__all__ = ["methods_paragraphs"]

_CONF_TYPES = {
    "log": "a log transformation (R survival's default)",
    "log-log": "a complementary log-log transformation",
    "plain": "no transformation (linear)",
}
_TEST_TEXT = {
    "Pearson's Chi-squared test": "Pearson's chi-squared test without continuity correction",
    "Pearson's Chi-squared test (table too large for Fisher's exact test)":
        "Pearson's chi-squared test without continuity correction",
    "Fisher's exact test": "Fisher's exact test",
    "Wilcoxon rank sum test": "the Wilcoxon rank-sum (Mann-Whitney) test",
    "Kruskal-Wallis rank sum test": "the Kruskal-Wallis test",
}


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _cohort(r: dict) -> str:
    cohort = r.get("cohort") or {}
    design = (r.get("methods") or {}).get("design")
    parts = []
    who = cohort.get("description")
    lead = f"This {design}" if design else "This study"
    if who:
        source = f"; data came from {cohort['data_source']}" if cohort.get("data_source") else ""
        parts.append(f"{lead} included {_lower_first(who)}{source}.")
    if cohort.get("index_event"):
        parts.append(f"The index date was the {_lower_first(cohort['index_event'])}.")
    steps = r.get("attrition") or []
    if steps:
        first = steps[0]
        excl = [f"{_lower_first(str(s.get('reason') or s['step']))}, {fmt_count(s['excluded'])}"
                for s in steps[1:] if s.get("excluded") is not None]
        text = f"Of {fmt_count(first['n'])} patients identified ({_lower_first(first['step'])}), "
        text += f"{fmt_count(steps[-1]['n'])} were analysed"
        text += f" after these exclusions: {'; '.join(excl)}." if excl else "."
        parts.append(text)
    groups = r.get("groups") or {}
    levels = groups.get("levels") or []
    if levels:
        desc = [f"{g['name']} ({g['definition']}; n = {fmt_count(g.get('n'))})" if g.get("definition")
                else f"{g['name']} (n = {fmt_count(g.get('n'))})" for g in levels]
        by = f" by {_lower_first(groups['label'])}" if groups.get("label") else ""
        parts.append(f"Patients were grouped{by}: {_join(desc)}.")
    return " ".join(parts)


def _endpoints(r: dict) -> str:
    parts = []
    for ep in r.get("endpoints") or []:
        label = ep.get("label") or ep["name"]
        text = f"{label} was measured from the {ep['origin']}" if ep.get("origin") else f"{label} was analysed"
        if ep.get("events"):
            text += f" to {_join([str(e) for e in ep['events']])}, whichever came first" if len(ep["events"]) > 1 \
                else f" to {ep['events'][0]}"
        text += "."
        if ep.get("censoring"):
            text += f" Patients without the event were censored at the {ep['censoring']}."
        if ep.get("delayed_entry"):
            at = ep.get("entry") or "registry enrolment"
            text += (f" Patients entered the risk set at {at} when this was later than the time "
                     "origin (delayed entry, left truncation).")
        parts.append(text)
    return " ".join(parts)


def _statistics(r: dict) -> str:
    a = (r.get("methods") or {}).get("analyses") or {}
    parts = []
    t1 = r.get("table_one")
    if t1:
        stat = "median (range)" if t1.get("continuous_stat") == "median_range" else "median (interquartile range)"
        tests = list(dict.fromkeys(_TEST_TEXT.get(v["test"], v["test"]) for v in t1["variables"] if v.get("test")))
        fisher, chi = "Fisher's exact test", _TEST_TEXT["Pearson's Chi-squared test"]
        if fisher in tests and chi in tests:
            # linewise's automatic rule (as gtsummary): Fisher only where an expected count is below 5
            tests = [t for t in tests if t != fisher]
            tests[tests.index(chi)] = f"{chi} (Fisher's exact test where an expected cell count was below 5)"
        text = f"Patient characteristics are summarised as n (%) and {stat}"
        if tests:
            text += f" and were compared between groups with {_join(tests)}"
        parts.append(text + ".")
    surv = r.get("survival") or []
    if surv:
        level = surv[0].get("conf_level") or a.get("conf_level") or 0.95
        ctype = surv[0].get("conf_type") or a.get("km_conf_type")
        # linewise always uses Greenwood's variance; the transformation is printed only when
        # the results record it (the study engine's default is "log").
        how = f" with {_CONF_TYPES.get(ctype, ctype)}" if ctype else ""
        parts.append(
            "Survival was estimated with the Kaplan-Meier method; pointwise "
            f"{round(100 * float(level))}% confidence intervals used Greenwood's variance{how}, and "
            "confidence intervals of the median were read off these limits (Brookmeyer and Crowley). A median "
            "or limit not reached is reported as not reached (NR)."
        )
        if any(b.get("delayed_entry") for b in surv):
            parts.append("Where patients entered observation after the time origin, they were counted at risk "
                         "from their entry time (delayed entry, left truncation).")
        if any(b.get("logrank") for b in surv):
            parts.append("Survival distributions were compared with the log-rank test.")
        if r.get("bias"):
            parts.append("Where groups were defined by an event after the time origin (immortal time), the "
                         "comparison was repeated from the index date, as a landmark analysis and with delayed entry "
                         "at the index date.")
    models = r.get("cox") or []
    if models:
        ties = {m.get("ties", "efron") for m in models}
        tie_text = "the Efron method" if ties == {"efron"} else f"the {_join(sorted(ties))} method(s)"
        text = (f"Hazard ratios (HR) with 95% confidence intervals were estimated with Cox proportional-hazards "
                f"models, handling tied event times with {tie_text}")
        covs = a.get("multivariable_covariates")
        if any(m.get("kind") == "multivariable" for m in models):
            sel = a.get("multivariable_selection")
            if sel and "univari" in str(sel):
                alpha_sel = a.get("selection_alpha") or 0.05
                text += (f"; variables with a univariable likelihood-ratio p-value below {alpha_sel:g} entered the "
                         "multivariable model together with the exposure")
            elif covs:
                text += f"; multivariable models included {_join([str(c) for c in covs])}"
        text += "."
        if any(m.get("ph_test") for m in models):
            text += (" The proportional-hazards assumption was checked with the score test on scaled Schoenfeld "
                     "residuals (Grambsch and Therneau).")
        parts.append(text)
    if r.get("subgroups"):
        how = a.get("subgroup_interaction_test") or (r["subgroups"][0].get("interaction_test"))
        parts.append("Heterogeneity of the treatment-group effect across subgroups was assessed with an interaction "
                     f"term{f' ({how} test)' if how else ''}.")
    rates = [x for t in r.get("response_tables") or [] for x in t.get("rates") or []]
    if rates:
        tests = sorted({_TEST_TEXT.get(x["test"], x["test"]) for x in rates if x.get("test")})
        parts.append("Response rates are given with exact (Clopper-Pearson) 95% confidence intervals"
                     + (f" and were compared with {_join(tests)}" if tests else "") + ".")
    fu_methods = {row.get("method") for row in (r.get("follow_up") or {}).get("rows") or []}
    if "reverse_km" in fu_methods:
        parts.append("Median follow-up was estimated with the reverse Kaplan-Meier method (Schemper and Smith).")
    if "observed" in fu_methods:
        parts.append("Follow-up is also reported as the median and range of observed follow-up times."
                     if "reverse_km" in fu_methods else
                     "Follow-up is reported as the median and range of observed follow-up times.")
    alpha = a.get("alpha", 0.05)
    parts.append(f"All tests were two-sided with a significance level of {alpha:g}.")
    sup = r.get("suppression")
    if sup:
        parts.append(f"To protect patient privacy, counts below {sup['min_cell_count']} are shown as "
                     f"<{sup['min_cell_count']}.")
    return " ".join(parts)


def _short(digest) -> str:
    if not digest:
        return "not recorded"
    algo, _, hexdigest = str(digest).rpartition(":")
    return f"{algo + ':' if algo else ''}{hexdigest[:12]}"


def _software(r: dict) -> str:
    prov = r.get("provenance") or {}
    soft = dict(prov.get("software") or {})
    version = prov.get("linewise_version") or soft.pop("linewise", None)
    soft.pop("linewise", None)
    others = ", ".join(f"{'Python' if k == 'python' else k} {v}" for k, v in sorted(soft.items()) if v)
    text = f"Analyses were run with linewise {version}" if version else "Analyses were run with linewise"
    text += f" ({others})" if others else ""
    text += (", whose Kaplan-Meier, log-rank and Cox estimates reproduce R survival 3.5 to a relative "
             "difference of 1e-6.")
    if prov.get("data_hash") or prov.get("spec_hash"):
        # Short forms (as git abbreviates commits); the report header prints them in full.
        text += (f" Data snapshot {_short(prov.get('data_hash'))}; study specification "
                 f"{_short(prov.get('spec_hash'))}.")
    text += (f" Figures were drawn with matplotlib {matplotlib.__version__} "
             f"(Python {platform.python_version()}).")
    return text


def methods_paragraphs(results: dict) -> list[tuple[str, str]]:
    """Methods as (heading, paragraph) pairs, from prepared (and suppressed) results.

    Examples
    --------
    >>> paras = methods_paragraphs({"survival": [{"conf_level": 0.95, "conf_type": "log",
    ...                                            "logrank": {"p": 0.01}, "curves": []}]})
    >>> "Greenwood" in paras[-2][1] and "log-rank" in paras[-2][1]
    True
    """
    out = []
    cohort = _cohort(results)
    if cohort:
        out.append(("Patients", cohort))
    endpoints = _endpoints(results)
    if endpoints:
        out.append(("Endpoints", endpoints))
    out.append(("Statistical analysis", _statistics(results)))
    out.append(("Software", _software(results)))
    return out
