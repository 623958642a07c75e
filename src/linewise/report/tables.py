"""The report's tables, built once from the (suppressed) results and rendered as HTML and CSV.

Every printed number is a :class:`Seg` carrying the JSON pointer (RFC 6901) of the value it
shows in ``report.json``, so the HTML can be traced number by number to the results (the
HTML writes it as ``data-k``) and the tests can check each one.

Table 1 follows journal style (and gtsummary): the statistic legend and one lettered footnote
per test used, the letter attached to each p-value. Response rates carry exact
(Clopper-Pearson) confidence intervals as the results give them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .fmt import DASH, fmt_count, fmt_num, fmt_p, fmt_pct, is_missing, is_suppressed

__all__ = [
    "Seg",
    "Table",
    "attrition_table",
    "bias_table",
    "cox_table",
    "follow_up_table",
    "pointer",
    "response_table",
    "subgroup_table",
    "survival_table",
    "table_one_table",
]


def pointer(*parts) -> str:
    """JSON pointer of a value: ``pointer("survival", 0, "curves")`` -> ``/survival/0/curves``.

    Examples
    --------
    >>> pointer("table_one", "group_n", "Tmab/Pmab")
    '/table_one/group_n/Tmab~1Pmab'
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Seg:
    """A piece of cell text; ``key`` is the JSON pointer of the number it prints."""

    text: str
    key: str | None = None
    sup: bool = False
    br: bool = False


Cell = tuple[Seg, ...]


def _c(*segs) -> Cell:
    return tuple(s if isinstance(s, Seg) else Seg(str(s)) for s in segs if s != "")


@dataclass(frozen=True)
class Table:
    """A table: header cells, rows of cells, row styles, footnotes; CSV and HTML from it."""

    name: str
    title: str
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    styles: tuple[str, ...] = ()  # per row: "" | "label" | "level"
    footnotes: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = field(default=())  # per column: right-align

    def text(self, cell: Cell) -> str:
        """Plain text of a cell (superscripts kept as they are, line breaks as spaces)."""
        return "".join((" " if s.br else "") + s.text for s in cell).strip()

    def to_csv(self) -> str:
        """The table as CSV (header row, then rows; footnotes as trailing comment rows)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([self.text(h) for h in self.header])
        for row in self.rows:
            w.writerow([self.text(c) for c in row])
        for note in self.footnotes:
            w.writerow([f"# {note}"])
        return buf.getvalue()


def _count(value, key: str) -> Seg:
    return Seg(fmt_count(value), key)


def _num(value, key: str, digits: int = 1, missing: str = "NR") -> Seg:
    return Seg(fmt_num(value, digits, missing), key)


def _ci(lower, upper, key_lo: str, key_hi: str, digits: int = 1, missing: str = "NR") -> tuple[Seg, ...]:
    return (_num(lower, key_lo, digits, missing), Seg(DASH), _num(upper, key_hi, digits, missing))


def _group_header(name: str, n, key: str) -> Cell:
    return _c(Seg(str(name)), Seg("N = ", br=True), _count(n, key))


# --- Table 1 -------------------------------------------------------------------------------------
_LETTERS = "abcdefghij"


def table_one_table(t1: dict) -> Table:
    """Table 1 by group with p-values and a lettered footnote per test."""
    groups = [str(g) for g in t1["groups"]]
    digits, pdig = int(t1.get("digits", 1)), int(t1.get("percent_digits", 1))
    range_stat = t1.get("continuous_stat") == "median_range"
    tests = list(dict.fromkeys(v["test"] for v in t1["variables"] if v.get("test")))
    letter = {t: _LETTERS[i] for i, t in enumerate(tests)}
    has_p = bool(tests)
    header = [_c("Characteristic")]
    header += [_group_header(g, t1.get("group_n", {}).get(g), pointer("table_one", "group_n", g)) for g in groups]
    if has_p:
        header.append(_c("p"))
    rows, styles = [], []
    for i, var in enumerate(t1["variables"]):
        base = ("table_one", "variables", i)
        p_cell: Cell = ()
        if has_p and not is_missing(var.get("p")):
            p_cell = _c(Seg(fmt_p(var["p"]), pointer(*base, "p")), Seg(letter.get(var.get("test"), ""), sup=True))
        if var["type"] == "continuous":
            cells = []
            for g in groups:
                cell = var["cells"][g]
                k = (*base, "cells", g)
                a, b = ("min", "max") if range_stat else ("q1", "q3")
                sep = DASH if range_stat else ", "
                cells.append(_c(_num(cell.get("median"), pointer(*k, "median"), digits, "NA"), " (",
                                _num(cell.get(a), pointer(*k, a), digits, "NA"), sep,
                                _num(cell.get(b), pointer(*k, b), digits, "NA"), ")"))
            stat = "median (range)" if range_stat else "median (Q1, Q3)"
            rows.append((_c(f"{var['label']}, {stat}"), *cells, *([p_cell] if has_p else [])))
            styles.append("label")
        else:
            rows.append((_c(str(var["label"]) + ", n (%)"), *[() for _ in groups], *([p_cell] if has_p else [])))
            styles.append("label")
            for j, lev in enumerate(var["levels"]):
                cells = []
                for g in groups:
                    cell = lev["cells"][g]
                    k = (*base, "levels", j, "cells", g)
                    pct = fmt_pct(cell.get("percent"), pdig)
                    parts = [_count(cell.get("n"), pointer(*k, "n"))]
                    if pct and not is_suppressed(cell.get("n")):
                        parts += [" (", Seg(pct, pointer(*k, "percent")), "%)"]
                    cells.append(_c(*parts))
                rows.append((_c(str(lev["level"])), *cells, *([()] if has_p else [])))
                styles.append("level")
        if var.get("missing"):
            cells = [_c(_count(var["missing"].get(g), pointer(*base, "missing", g))) for g in groups]
            rows.append((_c("Unknown"), *cells, *([()] if has_p else [])))
            styles.append("level")
    notes = [f"n (%); {'median (range: minimum' + DASH + 'maximum)' if range_stat else 'median (Q1, Q3)'}."]
    notes += [f"{letter[t]} {t}." for t in tests]
    return Table("table1", "Patient and tumour characteristics", tuple(header), tuple(rows),
                 tuple(styles), tuple(notes), (False, *[True] * len(groups), *([True] if has_p else [])))


# --- survival -----------------------------------------------------------------------------------
def survival_table(blocks: list[dict]) -> Table:
    """Median survival (95% CI) per endpoint and group, with log-rank p and the HR."""
    header = [_c(h) for h in ("Endpoint", "Group", "Patients", "Events", "Median, months (95% CI)",
                              "Log-rank p", "HR (95% CI)")]
    rows, comparisons = [], []
    for i, b in enumerate(blocks):
        for j, c in enumerate(b["curves"]):
            k = ("survival", i, "curves", j)
            median = _c(_num(c.get("median"), pointer(*k, "median")), " (",
                        *_ci(c.get("lower"), c.get("upper"), pointer(*k, "lower"), pointer(*k, "upper")), ")")
            lr, hr = (), ()
            if j == 0 and b.get("logrank") and not is_missing(b["logrank"].get("p")):
                lr = _c(Seg(fmt_p(b["logrank"]["p"]), pointer("survival", i, "logrank", "p")))
            if j == 0 and b.get("hazard_ratios"):
                h = b["hazard_ratios"][0]
                hk = ("survival", i, "hazard_ratios", 0)
                hr = _c(_num(h.get("hr"), pointer(*hk, "hr"), 2, "NE"), " (",
                        *_ci(h.get("lower"), h.get("upper"), pointer(*hk, "lower"), pointer(*hk, "upper"), 2, "NE"),
                        ")")
                if h.get("comparison"):
                    comparisons.append(f"{b.get('title') or b.get('label') or b['endpoint']}: {h['comparison']}")
            name = str(b.get("title") or b.get("label") or b["endpoint"])
            if b.get("variant"):
                name += f" ({b['variant']})"
            rows.append((_c(name) if j == 0 else (), _c(str(c["group"])),
                         _c(_count(c.get("n"), pointer(*k, "n"))), _c(_count(c.get("events"), pointer(*k, "events"))),
                         median, lr, hr))
    notes = ("Kaplan-Meier medians; NR, not reached (the curve or its confidence limit never falls to 0.5).",)
    if comparisons:
        notes += ("HR: unadjusted Cox model, " + "; ".join(dict.fromkeys(comparisons)) + ".",)
    return Table("survival", "Survival by group", tuple(header), tuple(rows), (), notes,
                 (False, False, True, True, True, True, True))


def model_title(m: dict, labels: dict[str, str]) -> str:
    """How a Cox analysis is named: its title (or endpoint label), and the variant if any."""
    name = str(m.get("title") or labels.get(m["endpoint"], m["endpoint"]))
    return f"{name} ({m['variant']})" if m.get("variant") else name


def cox_table(models: list[dict], labels: dict[str, str]) -> Table:
    """Hazard ratios of the univariable and multivariable Cox models."""
    header = [_c(h) for h in ("Analysis", "Model", "Variable", "Patients", "Events", "HR (95% CI)", "p",
                              "PH test p")]
    rows = []
    for i, m in enumerate(models):
        ph = (m.get("ph_test") or {}).get("global_p")
        title = model_title(m, labels)
        first_of_analysis = i == 0 or model_title(models[i - 1], labels) != title
        for j, t in enumerate(m["terms"]):
            k = ("cox", i, "terms", j)
            if "n" in t:  # univariable: each term from its own model
                n_cell = _c(_count(t.get("n"), pointer(*k, "n")))
                e_cell = _c(_count(t.get("n_events"), pointer(*k, "n_events")))
            else:
                n_cell = _c(_count(m.get("n"), pointer("cox", i, "n"))) if j == 0 else ()
                e_cell = _c(_count(m.get("n_events"), pointer("cox", i, "n_events"))) if j == 0 else ()
            rows.append((
                _c(title) if (j == 0 and first_of_analysis) else (),
                _c(str(m.get("kind", "")).capitalize() if j == 0 else ""),
                _c(str(t["label"])),
                n_cell,
                e_cell,
                _c(_num(t["hr"], pointer(*k, "hr"), 2, "NE"), " (",
                   *_ci(t["lower"], t["upper"], pointer(*k, "lower"), pointer(*k, "upper"), 2, "NE"), ")"),
                _c(Seg(fmt_p(t.get("p")), pointer(*k, "p"))),
                _c(Seg(fmt_p(ph), pointer("cox", i, "ph_test", "global_p")) if (j == 0 and not is_missing(ph)) else ""),
            ))
    ties = sorted({str(m.get("ties", "efron")).capitalize() for m in models})
    notes = (f"Cox proportional hazards models, {'/'.join(ties)} ties; NE, not estimable. PH test: global score "
             "test of proportional hazards on scaled Schoenfeld residuals (R cox.zph), multivariable models.",)
    return Table("hazard_ratios", "Hazard ratios (Cox models)", tuple(header), tuple(rows), (), notes,
                 (False, False, False, True, True, True, True, True))


def subgroup_table(subgroups: list[dict], labels: dict[str, str]) -> Table:
    """Subgroup hazard ratios with the p-value for interaction."""
    header = [_c(h) for h in ("Analysis", "Subgroup", "Level", "Patients (events)", "HR (95% CI)", "p",
                              "p for interaction")]
    rows = []
    for i, s in enumerate(subgroups):
        first_of_endpoint = i == 0 or model_title(subgroups[i - 1], labels) != model_title(s, labels)
        for j, lev in enumerate(s["levels"]):
            k = ("subgroups", i, "levels", j)
            inter = ()
            if j == 0 and not is_missing(s.get("interaction_p")):
                inter = _c(Seg(fmt_p(s["interaction_p"]), pointer("subgroups", i, "interaction_p")))
            rows.append((
                _c(model_title(s, labels) if (j == 0 and first_of_endpoint) else ""),
                _c(str(s.get("label") or s["variable"]) if j == 0 else ""),
                _c(str(lev["level"])),
                _c(_count(lev.get("n"), pointer(*k, "n")), " (", _count(lev.get("events"), pointer(*k, "events")), ")"),
                _c(_num(lev["hr"], pointer(*k, "hr"), 2, "NE"), " (",
                   *_ci(lev["lower"], lev["upper"], pointer(*k, "lower"), pointer(*k, "upper"), 2, "NE"), ")"),
                _c(Seg(fmt_p(lev.get("p")), pointer(*k, "p"))),
                inter,
            ))
    comparison = next((s.get("comparison") for s in subgroups if s.get("comparison")), None)
    notes = (f"HR: {comparison}." if comparison else "HR of the group comparison within each subgroup.",)
    return Table("subgroups", "Subgroup analyses", tuple(header), tuple(rows), (), notes,
                 (False, False, False, True, True, True, True))


# --- response, follow-up, attrition --------------------------------------------------------------
_RESPONSE_NAMES = {"CR": "Complete response (CR)", "PR": "Partial response (PR)", "SD": "Stable disease (SD)",
                   "PD": "Progressive disease (PD)", "NE": "Not evaluable (NE)"}


def response_table(resp: dict, index: int = 0) -> Table:
    """Best overall response, and response rates with exact 95% CIs and p-values."""
    base = ("response_tables", index)
    groups = [str(g) for g in resp["groups"]]
    gn = resp.get("group_n", {})
    header = [_c("")] + [_group_header(g, gn.get(g), pointer(*base, "group_n", g)) for g in groups] + [_c("p")]
    rows, styles = [], []
    best = resp.get("best_response")
    if best:
        p = _c(Seg(fmt_p(best.get("p")), pointer(*base, "best_response", "p"))) if not is_missing(best.get("p")) else ()
        rows.append((_c("Best overall response (RECIST 1.1), n (%)"), *[() for _ in groups], p))
        styles.append("label")
        for cat in best["categories"]:
            cells = []
            for g in groups:
                n = best["counts"][g].get(cat)
                parts = [_count(n, pointer(*base, "best_response", "counts", g, cat))]
                denom = gn.get(g)
                # The percentage is n / group size, both printed and both from the results.
                if isinstance(n, int | float) and isinstance(denom, int | float) and denom:
                    parts += [f" ({100.0 * n / denom:.1f}%)"]
                cells.append(_c(*parts))
            rows.append((_c(_RESPONSE_NAMES.get(cat, cat)), *cells, ()))
            styles.append("level")
    for i, rate in enumerate(resp.get("rates", [])):
        k = (*base, "rates", i)
        label = f"{rate['label']} ({rate['definition']})" if rate.get("definition") else rate["label"]
        p = _c(Seg(fmt_p(rate.get("p")), pointer(*k, "p"))) if not is_missing(rate.get("p")) else ()
        counts, cis = [], []
        for g in groups:
            r = rate["by_group"][g]
            kg = (*k, "by_group", g)
            parts = [_count(r.get("x"), pointer(*kg, "x"))]
            if isinstance(r.get("estimate"), int | float):
                parts += [" (", Seg(fmt_pct(100.0 * r["estimate"]), pointer(*kg, "estimate")), "%)"]
            counts.append(_c(*parts))
            if isinstance(r.get("lower"), int | float) and isinstance(r.get("upper"), int | float):
                cis.append(_c(Seg(fmt_pct(100.0 * r["lower"]), pointer(*kg, "lower")), DASH,
                              Seg(fmt_pct(100.0 * r["upper"]), pointer(*kg, "upper")), "%"))
            else:
                cis.append(_c(fmt_num(r.get("lower"))))
        rows.append((_c(f"{label}, n (%)"), *counts, p))
        styles.append("label")
        level = int(round(100 * float(rate.get("conf_level", 0.95))))
        rows.append((_c(f"{level}% CI (exact)"), *cis, ()))
        styles.append("level")
    tests = sorted({str(r["test"]) for r in resp.get("rates", []) if r.get("test")})
    notes = ["Confidence intervals: exact binomial (Clopper-Pearson)."]
    if tests:
        notes.append("p: " + "; ".join(tests) + ".")
    return Table(f"response_{index + 1}" if index else "response", "Best overall response and response rates", tuple(header), tuple(rows), tuple(styles), tuple(notes),
                 (False, *[True] * len(groups), True))


def follow_up_table(fu: dict, labels: dict[str, str] | None = None) -> Table:
    """Median follow-up per endpoint and group: reverse Kaplan-Meier with CI, observed range."""
    labels = labels or {}
    header = [_c(h) for h in ("Endpoint", "Group", "Patients", "Median follow-up, months", "95% CI", "Range",
                              "Method")]
    rows = []
    methods = {"reverse_km": "reverse Kaplan-Meier", "observed": "observed times"}
    for i, r in enumerate(fu["rows"]):
        k = ("follow_up", "rows", i)
        first = i == 0 or fu["rows"][i - 1].get("endpoint") != r.get("endpoint")
        ci = ()
        if r.get("method") == "reverse_km":
            ci = _c(*_ci(r.get("lower"), r.get("upper"), pointer(*k, "lower"), pointer(*k, "upper")))
        rng = _c(*_ci(r.get("min"), r.get("max"), pointer(*k, "min"), pointer(*k, "max"), 1, "NA")) \
            if r.get("min") is not None else ()
        ep = r.get("endpoint")
        rows.append((_c(str(labels.get(ep, ep or "")) if first else ""), _c(str(r["group"])),
                     _c(_count(r.get("n"), pointer(*k, "n"))), _c(_num(r.get("median"), pointer(*k, "median"))),
                     ci, rng, _c(methods.get(r.get("method"), str(r.get("method") or "")))))
    notes = ("Reverse Kaplan-Meier: censoring treated as the event (Schemper & Smith 1996); observed: median "
             "and range of the follow-up times of all patients.",)
    return Table("follow_up", "Median follow-up", tuple(header), tuple(rows), (), notes,
                 (False, False, True, True, True, True, False))


def bias_table(items: list[dict], labels: dict[str, str]) -> Table:
    """Immortal-time bias: medians by group as defined, from a landmark, and with delayed entry."""
    header = [_c(h) for h in ("Analysis", "Comparison", "Group", "Patients", "Median, months (95% CI)", "Log-rank p")]
    rows = []
    for i, b in enumerate(items):
        for j, v in enumerate(b["variants"]):
            for gi, (g, m) in enumerate(v["medians"].items()):
                k = ("bias", i, "variants", j, "medians", g)
                rows.append((
                    _c(str(b.get("title") or labels.get(b.get("endpoint"), b.get("endpoint")))) if (j == 0 and gi == 0) else (),
                    _c(str(v["label"])) if gi == 0 else (),
                    _c(str(g)),
                    _c(_count(m.get("n"), pointer(*k, "n"))),
                    _c(_num(m.get("median"), pointer(*k, "median")), " (",
                       *_ci(m.get("lower"), m.get("upper"), pointer(*k, "lower"), pointer(*k, "upper")), ")"),
                    _c(Seg(fmt_p(v.get("p")), pointer("bias", i, "variants", j, "p"))) if gi == 0 else (),
                ))
    notes = ("Groups defined after the time origin: the comparison as defined counts time patients had to "
             "survive to enter a group (immortal time); the landmark and delayed-entry analyses start the "
             "comparison when the group is known.",)
    return Table("immortal_time", "Immortal-time bias: comparison as defined and remedies", tuple(header),
                 tuple(rows), (), notes, (False, False, False, True, True, True))


def attrition_table(attrition: list[dict]) -> Table:
    """The attrition steps with patients remaining and excluded."""
    header = [_c(h) for h in ("Step", "Patients", "Excluded", "Reason")]
    rows = []
    for i, s in enumerate(attrition):
        rows.append((_c(str(s["step"])), _c(_count(s.get("n"), pointer("attrition", i, "n"))),
                     _c(_count(s.get("excluded"), pointer("attrition", i, "excluded"))) if s.get("excluded") is not None else (),
                     _c(str(s.get("reason") or ""))))
    return Table("attrition", "Attrition", tuple(header), tuple(rows), (), (), (False, True, True, False))


def at_risk_table(block: dict, index: int) -> Table:
    """Numbers at risk at the x-axis breaks of a Kaplan-Meier plot (CSV export)."""
    times = block["at_risk"]["times"]
    header = [_c("Group")] + [_c(f"{t:g} months") for t in times]
    rows = []
    for g, values in block["at_risk"]["n_risk"].items():
        rows.append((_c(str(g)), *[_c(_count(v, pointer("survival", index, "at_risk", "n_risk", g, j)))
                                    for j, v in enumerate(values)]))
    return Table(f"at_risk_{block['endpoint']}", "Number at risk", tuple(header), tuple(rows), (), (),
                 (False, *[True] * len(times)))
