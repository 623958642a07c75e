"""Read the study engine's ``results.json`` (``linewise run``) into the report's sub-schema.

The engine writes every number of a run, in blocks shaped by its analyses; the report reads
the sub-schema of ``schema.md``. This module maps one to the other without computing any
statistic: it renames fields, takes the unadjusted hazard ratio of a Kaplan-Meier comparison
from the KM block (or, without one, from the Cox block of the same endpoint and exposure),
words enum values for the methods text, and takes Table 1 from the engine's tidy numbers
(``table_one.numbers``) so that cells can be suppressed and traced. Only what the report shows is kept,
so ``report.json`` holds the numbers of the report and nothing else.
"""

from __future__ import annotations

__all__ = ["from_study_results", "is_study_results"]

_ORIGINS = {
    "index_start": "start of the index line",
    "metastatic_diagnosis": "diagnosis of metastatic disease",
    "enrolment": "registry enrolment",
}
_EVENTS = {
    "radiological_progression": "radiological progression (RECIST 1.1)",
    "clinical_progression": "clinical progression",
    "progression": "progression",
    "death": "death from any cause",
    "toxicity_stop": "discontinuation for toxicity",
    "lost_to_follow_up": "loss to follow-up",
    "next_line_start": "start of the next line of therapy",
    "line_end": "discontinuation for any reason",
}
_CENSOR = {
    "last_contact": "last contact",
    "last_tumour_assessment": "last tumour assessment",
    "data_cutoff": "data cut-off",
}
_VARIANTS = {"landmark": "landmark analysis from the index date", "delayed_entry": "delayed entry at the index date"}
_RATE_DEFINITIONS = {"trr": "CR + PR", "dcr": "CR + PR + SD", "cbr": "CR + PR + SD of at least 24 weeks"}
_TESTS = {"Pearson's chi-square test (no continuity correction)": "Pearson's Chi-squared test",
          "Pearson's chi-square test": "Pearson's Chi-squared test"}


def is_study_results(results: dict) -> bool:
    """True for the engine's format (Cox blocks with ``model``, KM tests under ``tests``).

    Examples
    --------
    >>> is_study_results({"headline": []}), is_study_results({"survival": []})
    (True, False)
    """
    if "headline" in results or "covariates" in results:
        return True
    if any("tests" in b for b in results.get("survival") or []):
        return True
    return any("model" in m and "kind" not in m for m in results.get("cox") or [])


def _attrition(steps: list[dict]) -> list[dict]:
    out = []
    for s in steps:
        kind, label = s.get("kind"), str(s.get("label") or s.get("step"))
        row = {"step": label, "n": s.get("n")}
        if kind == "index":
            row.update(excluded=s.get("excluded"), reason="Without the index event")
        elif kind == "include":
            row.update(excluded=s.get("excluded"), reason=f"Not meeting: {label}")
        elif kind == "exclude":
            row.update(step="Remaining", excluded=s.get("excluded"), reason=label)
        elif kind == "groups":
            row.update(step="Analysed", excluded=s.get("excluded"), reason="Not assigned to any group")
        if kind != "start" and s.get("unknown"):
            row["unknown"] = s["unknown"]
        out.append(row)
    # Steps that remove nobody still get a box (they document a criterion); say so.
    return out


def _origin(ep: dict) -> str | None:
    origin = ep.get("origin")
    if origin == "line_start":
        line = ep.get("line")
        return "start of the index line" if line in (None, "index") else f"start of line {line}"
    return _ORIGINS.get(origin, origin)


def _endpoints(eps: list[dict]) -> list[dict]:
    out = []
    for ep in eps:
        out.append({
            "name": ep["name"],
            "label": ep.get("label") or ep["name"],
            "origin": _origin(ep),
            "events": [_EVENTS.get(e, str(e)) for e in ep.get("events") or []],
            "censoring": _CENSOR.get(ep.get("censor"), ep.get("censor")),
            "delayed_entry": ep.get("entry") is not None,
            "entry": {"enrolment": "registry enrolment", "index": "the index date"}.get(ep.get("entry"), ep.get("entry")),
        })
    return out


def _ph(model: dict) -> dict | None:
    rows = model.get("ph_test")
    if not rows:
        return None
    glob = [r for r in rows if str(r.get("term", "")).upper() == "GLOBAL"]
    return {
        "method": "cox.zph (transform = km)",
        "global_p": (glob[0].get("p") if glob else None),
        "terms": [{"term": r.get("term"), "chisq": r.get("chisq"), "df": r.get("df"), "p": r.get("p")}
                  for r in rows if str(r.get("term", "")).upper() != "GLOBAL"],
    }


def _cox(models: list[dict]) -> list[dict]:
    out = []
    for m in models:
        terms = [{k: t.get(k) for k in ("term", "variable", "label", "hr", "lower", "upper", "p", "n", "events")
                  if k in t} for t in m.get("terms") or []]
        for t in terms:
            if "events" in t:
                t["n_events"] = t.pop("events")
        block = {
            "analysis": m.get("analysis"),
            "endpoint": m["endpoint"],
            "title": m.get("title"),
            "variant": _VARIANTS.get(m.get("remedy")),
            "remedy": m.get("remedy"),
            "kind": m.get("model"),
            "ties": m.get("ties", "efron"),
            "exposure": m.get("exposure"),
            "terms": terms,
            "ph_test": _ph(m),
            "warnings": [str(w) for w in m.get("warnings") or []],
        }
        if m.get("model") == "multivariable":
            block.update(n=m.get("n"), n_events=m.get("events"))
            block["selection"] = {k: m.get(k) for k in ("selection", "alpha", "selected", "forced") if k in m}
        for sub in m.get("models") or []:  # univariable: warnings of each model
            block["warnings"] += [str(w) for w in sub.get("warnings") or []]
        out.append(block)
    return out


def _panel_hrs(block: dict, cox: list[dict]) -> list[dict]:
    """Unadjusted HR(s) of the KM comparison: the engine's own (``hazard_ratios`` of the KM block,
    spec option ``hazard_ratios``), else the univariable model of the same endpoint and exposure."""
    if block.get("hazard_ratios"):
        return [{"comparison": h.get("comparison"), "hr": h.get("hr"), "lower": h.get("lower"), "upper": h.get("upper"),
                 "p": h.get("p"), "model": "cox", "ties": "efron", "source": block.get("analysis")}
                for h in block["hazard_ratios"]]
    for m in cox:
        if (m.get("endpoint") == block["endpoint"] and m.get("model") == "univariable"
                and m.get("exposure") is not None and m.get("exposure") == block.get("by")
                and m.get("remedy") == block.get("remedy")):
            terms = [t for t in m.get("terms") or [] if t.get("variable") == m["exposure"]]
            if terms:
                return [{"comparison": t.get("label"), "hr": t.get("hr"), "lower": t.get("lower"),
                         "upper": t.get("upper"), "p": t.get("p"), "model": "cox", "ties": m.get("ties"),
                         "source": m.get("analysis")} for t in terms]
    return []


def _survival(blocks: list[dict], cox: list[dict], ep_labels: dict[str, str]) -> list[dict]:
    out = []
    for b in blocks:
        if not b.get("curves"):
            continue
        tests = b.get("tests") or {}
        lr = tests.get("logrank")
        variant = _VARIANTS.get(b.get("remedy"))
        if b.get("landmark") is not None and not variant:
            variant = f"landmark at {b['landmark']:g} {b.get('time_unit', 'months')}"
        out.append({
            "analysis": b.get("analysis"),
            "endpoint": b["endpoint"],
            # the endpoint's own label (remedy blocks carry "<label>: <remedy>" in theirs)
            "label": ep_labels.get(b["endpoint"]) or b.get("label") or b["endpoint"],
            "title": b.get("title"),
            "variant": variant,
            "remedy": b.get("remedy"),
            "time_unit": b.get("time_unit", "months"),
            "start_time": b.get("start_time", 0.0),
            "delayed_entry": bool(b.get("delayed_entry")),
            "by": b.get("by"),
            "conf_level": b.get("conf_level"),
            "conf_type": b.get("conf_type"),
            "curves": [{k: c.get(k) for k in ("group", "n", "events", "median", "lower", "upper", "steps")}
                       for c in b["curves"]],
            "logrank": {k: lr.get(k) for k in ("statistic", "df", "p", "method")} if lr else None,
            "trend": {k: tests["trend"].get(k) for k in ("statistic", "df", "p")} if tests.get("trend") else None,
            "hazard_ratios": _panel_hrs(b, cox),
        })
    return out


def _subgroups(blocks: list[dict]) -> list[dict]:
    out = []
    for b in blocks:
        inter = b.get("interaction") or {}
        labels = [lev.get("label") for lev in b.get("levels") or [] if lev.get("label")]
        out.append({
            "analysis": b.get("analysis"),
            "endpoint": b["endpoint"],
            "title": b.get("title"),
            "variable": b.get("subgroup"),
            "label": b.get("subgroup_label") or b.get("subgroup"),
            "comparison": labels[0] if labels else b.get("exposure"),
            "levels": [{k: lev.get(k) for k in ("level", "n", "events", "hr", "lower", "upper", "p")}
                       for lev in b.get("levels") or []],
            "interaction_p": inter.get("p"),
            "interaction_test": "likelihood ratio" if "likelihood" in str(inter.get("method", "")) else inter.get("method"),
        })
    return out


def _responses(blocks: list[dict]) -> list[dict]:
    tables: dict = {}
    for b in blocks:
        key = (b.get("analysis"), b.get("by"))
        t = tables.setdefault(key, {"analysis": b.get("analysis"), "by": b.get("by"), "groups": [], "group_n": {},
                                    "best_response": None, "rates": []})
        for g in b.get("groups") or []:
            if g["group"] not in t["groups"]:
                t["groups"].append(g["group"])
            t["group_n"].setdefault(g["group"], g.get("n"))
        if b.get("kind") == "best_response":
            found = list(dict.fromkeys(c for g in b["groups"] for c in g.get("counts", {})))
            # RECIST order, not the alphabetical order of the (sorted-keys) JSON
            cats = [c for c in ("CR", "PR", "SD", "PD", "NE") if c in found] + [c for c in found if c not in
                                                                             ("CR", "PR", "SD", "PD", "NE")]
            t["best_response"] = {"categories": cats, "counts": {g["group"]: dict(g.get("counts", {})) for g in b["groups"]}}
            continue
        test = b.get("test") or {}
        t["rates"].append({
            "name": b.get("response"),
            "label": b.get("label") or b.get("response"),
            # the engine's labels often carry the definition already: "Disease control rate (CR + PR + SD ...)"
            "definition": None if "(" in str(b.get("label")) else (b.get("definition")
                                                                     or _RATE_DEFINITIONS.get(b.get("kind"))),
            "responders": b.get("responders"),
            "min_sd_duration": b.get("min_sd_duration"),
            "method": b.get("conf_method", "clopper-pearson"),
            "conf_level": 0.95,
            "by_group": {g["group"]: {"x": g.get("x"), "n": g.get("n"),
                                      "estimate": None if g.get("percent") is None else g["percent"] / 100.0,
                                      "lower": g.get("lower"), "upper": g.get("upper")} for g in b["groups"]},
            "test": _TESTS.get(test.get("method"), test.get("method")),
            "p": test.get("p"),
        })
    return list(tables.values())


def _absent(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


_CONT_KEYS = {"median_iqr": ("q1", "q3"), "median_range": ("min", "max")}


def _table_one(t1: dict) -> dict | None:
    """Table 1 from the engine's tidy numbers (``numbers``: the long ``TableOneResult.data``)."""
    if not t1 or not t1.get("variables") or not t1.get("numbers"):
        return None
    groups = [str(g) for g in t1.get("groups") or []]
    overall = t1.get("overall", not groups)
    columns = (["Overall"] if overall else []) + groups
    group_n = dict(zip(groups, t1.get("group_n") or [], strict=False))
    if overall:
        group_n["Overall"] = t1.get("n_total")
    stat = t1.get("continuous_stat", "median_iqr")
    spread = _CONT_KEYS.get(stat, ("q1", "q3"))
    numbers: dict = {}
    for rec in t1["numbers"]:
        numbers.setdefault(rec["variable"], []).append(rec)
    variables = []
    for v in t1["variables"]:
        recs = [r for r in numbers.get(v["variable"], []) if r.get("group") in columns]
        entry = {"variable": v["variable"], "label": v["label"], "type": v["type"], "test": v.get("test"), "p": v.get("p")}
        if v["type"] == "continuous":
            by_col = {r["group"]: r for r in recs}
            entry["cells"] = {c: ({"n": by_col[c].get("n"), "median": by_col[c].get("median"),
                                   **{k: by_col[c].get(k) for k in spread}} if c in by_col else {}) for c in columns}
            missing = {c: by_col[c].get("n_missing") for c in columns if c in by_col}
        else:
            unknown = {r["level"] for r in recs if _absent(r.get("N"))}  # the missing-count rows
            missing = {r["group"]: r.get("n") for r in recs if r["level"] in unknown}
            levels = list(dict.fromkeys(r["level"] for r in recs if r["level"] not in unknown))
            cells = {(r["level"], r["group"]): {"n": r.get("n"), "N": r.get("N"), "percent": r.get("percent")}
                     for r in recs if r["level"] not in unknown}
            entry["levels"] = [{"level": lev, "cells": {c: cells.get((lev, c), {}) for c in columns}} for lev in levels]
        if any(missing.values()):
            entry["missing"] = missing
        variables.append(entry)
    return {"analysis": t1.get("analysis"), "title": t1.get("title"), "by": t1.get("by"), "groups": columns,
            "group_n": group_n, "continuous_stat": stat, "digits": 1, "percent_digits": 1, "variables": variables}


def _bias(items: list[dict], survival: list[dict]) -> list[dict]:
    out = []
    for b in items:
        title = next((s.get("title") for s in survival if s.get("analysis") == b.get("analysis")), None)
        variants = []
        for key, label in (("naive", "as defined (from the time origin)"), ("landmark", _VARIANTS["landmark"]),
                           ("delayed_entry", _VARIANTS["delayed_entry"])):
            if b.get(key):
                variants.append({"name": key, "label": label, "p": b[key].get("p"),
                                 "medians": {str(g): {k: m.get(k) for k in ("n", "median", "lower", "upper")}
                                             for g, m in (b[key].get("medians") or {}).items()}})
        out.append({"analysis": b.get("analysis"), "endpoint": b.get("endpoint"), "title": title, "variants": variants})
    return out


def _first(value):
    return value[0] if isinstance(value, list) and value else (None if isinstance(value, list) else value)


def _method_settings(res: dict, cox_raw: list[dict]) -> dict:
    """The settings the methods text states, from the engine's ``methods`` block when present."""
    given = (res.get("methods") or {}).get("analyses") or {}
    out = {"alpha": given.get("alpha", 0.05)}
    for key in ("conf_level", "km_conf_type", "cox_ties", "table_one_categorical_test"):
        if given.get(key) is not None:
            out[key] = given[key]
    selection = given.get("multivariable_selection")
    selection = selection if isinstance(selection, list) else [selection] if selection else []
    multi = [m for m in cox_raw if m.get("model") == "multivariable"]
    if "univariable" in selection or any(m.get("selection") == "univariable" for m in multi):
        alpha = _first(given.get("selection_alpha")) or next((m.get("alpha") for m in multi if m.get("alpha")), None)
        out.update(multivariable_selection="univariable", selection_alpha=alpha)
    labelled = given.get("multivariable_covariate_labels") or {}
    if labelled:
        out["multivariable_covariates"] = list(dict.fromkeys(c.get("label") or c.get("name")
                                                             for covs in labelled.values() for c in covs))
    test = given.get("subgroup_interaction_test")
    if test:
        out["subgroup_interaction_test"] = "likelihood ratio" if "likelihood" in str(test) else str(test)
    return out


def from_study_results(res: dict) -> dict:
    """The engine's results in the report's sub-schema (see ``schema.md``).

    Examples
    --------
    >>> r = from_study_results({"attrition": [
    ...     {"step": "registry", "label": "Patients in the registry", "kind": "start", "n": 49},
    ...     {"step": "prior", "label": "Prior T-DM1", "kind": "exclude", "n": 47, "excluded": 2}]})
    >>> r["attrition"][1]
    {'step': 'Remaining', 'n': 47, 'excluded': 2, 'reason': 'Prior T-DM1'}
    """
    study = dict(res.get("study") or {})
    cox_raw = res.get("cox") or []
    ep_labels = {e["name"]: e.get("label") for e in res.get("endpoints") or [] if e.get("name")}
    survival = _survival(res.get("survival") or [], cox_raw, ep_labels)
    groups = res.get("groups")
    if groups:
        groups = {"variable": groups.get("variable"), "label": groups.get("label"), "reference": groups.get("reference"),
                  "levels": [{"name": lv["name"], "n": lv.get("n"),
                              "definition": lv.get("label") if lv.get("label") != lv["name"] else None}
                             for lv in groups.get("levels") or []]}
    fu = res.get("follow_up") or {}
    methods = {"analyses": _method_settings(res, cox_raw)}
    warnings = [{"kind": w.get("kind"), "analysis": w.get("analysis"), "message": w.get("message")}
                for w in res.get("warnings") or [] if isinstance(w, dict)]
    index = next((s for s in res.get("attrition") or [] if s.get("kind") == "index"), None)
    cohort = {}
    if index and index.get("label"):
        label = str(index["label"])
        cohort["index_event"] = "start of the " + (label[:1].lower() + label[1:] if label[1:2].islower() else label)
    return {
        "schema": "linewise.report/1",
        "source_schema": res.get("schema"),
        "study": {k: study.get(k) for k in ("name", "title", "description", "reference") if study.get(k)},
        "provenance": dict(res.get("provenance") or {}),
        "cohort": cohort,
        "attrition": _attrition(res.get("attrition") or []),
        "groups": groups,
        "endpoints": _endpoints(res.get("endpoints") or []),
        "table_one": _table_one(res.get("table_one")),
        "survival": survival,
        "cox": _cox(cox_raw),
        "subgroups": _subgroups(res.get("subgroups") or []),
        "response_tables": _responses(res.get("responses") or []),
        "follow_up": {"time_unit": fu.get("time_unit", "months"),
                      "rows": [{k: r.get(k) for k in ("endpoint", "group", "method", "n", "median", "lower", "upper",
                                                      "min", "max")} for r in fu.get("rows") or []]},
        "bias": _bias(res.get("bias") or [], survival),
        "warnings": warnings,
        "methods": methods,
    }
