"""The published figures of STUDIES.md that the recipes compute, with their sampling error.

Each :class:`Figure` says where a recipe's ``results.json`` holds the synthetic estimate, what
the paper published, the tolerance that stands for the published figure's sampling error and
the direction the figure must have. Tolerances, in order of preference:

* the published 95% CI (Study A medians, Study B medians and hazard ratios, Study C HRs);
* a Wilson 95% interval of a published count ``k / n`` (rates, shares);
* for a median survival without a CI, ``m * exp(+-1.96 / sqrt(d))`` with ``d`` the events
  (the exponential approximation of the SE of a log median): ``d = n / 2`` for OS, whose
  median was reached, ``d = 0.8 n`` for PFS (most patients progress);
* for "no difference (p = ...)", a band around HR 1 of ``exp(+-1.96 * sqrt(1/d1 + 1/d2))``,
  what a null effect looks like at the published group sizes;
* for a median of a characteristic, ``+-1.96 * 1.2533 * sd / sqrt(n)`` with ``sd`` taken as a
  quarter of the published range.

The synthetic registry is much larger than the papers, so its own sampling error is small
against these tolerances. Figures that one registry cannot reproduce together with the others
(``joint=False``) keep their direction and say on which side of the published value the
synthetic one lies (``off``); the reason is in ``note`` and in docs/calibration.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

STUDY_A, STUDY_B, STUDY_C = "tdm1_after_pertuzumab_by_line", "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"
Z = 1.959963984540054

#: Results of each recipe (``StudyResult.results``), by recipe name.
Results = dict[str, dict]


@dataclass(frozen=True)
class Value:
    """A synthetic estimate: ``value`` (``None`` = not reached) and the n behind it."""

    value: float | None
    n: str


@dataclass(frozen=True)
class Figure:
    """One published figure and how to check the synthetic estimate against it.

    Attributes
    ----------
    study, label : str
        Which study (A, B, C) and what the figure is.
    published : str
        The figure as published (text of STUDIES.md).
    lower, upper : float or None
        The tolerance interval; ``None`` is open (``upper=None``: a CI that never closes, NA).
        Both ``None`` with ``published == 'not reached'``: within only when not reached.
    tolerance : str
        Where the interval comes from.
    get : callable
        ``Results -> Value``.
    direction : str
        What must hold whatever the tolerance (e.g. "shorter than Tmab").
    check : callable
        ``Results -> bool``, the direction.
    joint : bool
        False when documented as not reproducible together with the other figures.
    off : str
        For ``joint=False``: "above" or "below" the published value ``target``, or "reached"
        (a published "not reached" median that the synthetic curve reaches).
    note : str
        Why (for ``joint=False``), shown in docs/calibration.md.
    target : float or None
        The published value (``off`` "above" / "below" are relative to it).
    """

    study: str
    label: str
    published: str
    lower: float | None
    upper: float | None
    tolerance: str
    get: Callable[[Results], Value]
    direction: str = ""
    check: Callable[[Results], bool] | None = None
    joint: bool = True
    off: str = ""
    note: str = ""
    target: float | None = None

    def __post_init__(self) -> None:
        if not self.joint and not (self.off == "reached" or (self.off in ("above", "below") and self.target is not None)):
            raise ValueError(f"{self.label}: a figure not jointly reproducible needs off='reached', or "
                             "off='above'/'below' and the published target")


# --- tolerances ---------------------------------------------------------------------------------
def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval of ``k / n``, in percent."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


def median_band(m: float, events: float) -> tuple[float, float]:
    """``m * exp(+-1.96 / sqrt(events))``: sampling error of a median survival time."""
    f = math.exp(Z / math.sqrt(events))
    return m / f, m * f


def hr_band(hr: float, d1: float, d2: float) -> tuple[float, float]:
    """``hr * exp(+-1.96 * sqrt(1/d1 + 1/d2))``: a hazard ratio's sampling error."""
    f = math.exp(Z * math.sqrt(1 / d1 + 1 / d2))
    return hr / f, hr * f


def median_of_range(m: float, lo: float, hi: float, n: int) -> tuple[float, float]:
    """A sample median's sampling error, its SD guessed as a quarter of the range."""
    half = Z * 1.2533 * (hi - lo) / 4 / math.sqrt(n)
    return m - half, m + half


# --- where the numbers are in results.json ---------------------------------------------------------
def block(res: dict, analysis: str, remedy: str | None = None) -> dict:
    return next(b for b in res["survival"] if b["analysis"] == analysis and b.get("remedy") == remedy)


def curve(res: dict, analysis: str, group: str) -> dict:
    return next(c for c in block(res, analysis)["curves"] if c["group"] == group)


def reached(m: float | None) -> float | None:
    """A median as the figures read it: ``None`` when not reached (the engine's results hold
    NaN in memory, ``null`` in results.json)."""
    return None if m is None or (isinstance(m, float) and math.isnan(m)) else m


def km_median(study: str, analysis: str, group: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        c = curve(r[study], analysis, group)
        return Value(reached(c["median"]), str(c["n"]))
    return get


def med(r: Results, study: str, analysis: str, group: str) -> float:
    """A KM median, ``inf`` when not reached (for comparisons)."""
    m = reached(curve(r[study], analysis, group)["median"])
    return math.inf if m is None else m


def logrank_p(r: Results, study: str, analysis: str) -> float:
    return block(r[study], analysis)["tests"]["logrank"]["p"]


def logrank_hr(study: str, analysis: str, level: str, reference: str) -> Callable[[Results], Value]:
    """The log-rank (Peto) hazard-ratio estimate ``(O/E of level) / (O/E of reference)`` from a
    Kaplan-Meier block's test: the effect size behind a published log-rank p."""
    def get(r: Results) -> Value:
        b = block(r[study], analysis)
        lr = b["tests"]["logrank"]
        oe = {g: o / e for g, o, e in zip(lr["groups"], lr["observed"], lr["expected"], strict=True)}
        ns = {c["group"]: c["n"] for c in b["curves"]}
        return Value(oe[level] / oe[reference], f"{ns[level]} / {ns[reference]}")
    return get


def _cox_model(res: dict, analysis: str, model: str) -> tuple[dict, str]:
    """The Cox block of ``analysis``; a multivariable model that selected no covariate is not
    fitted, and then the univariable one is what the analysis adjusted for (nothing)."""
    blocks = [m for m in res["cox"] if m["analysis"] == analysis and m.get("remedy") is None]
    m = next((m for m in blocks if m["model"] == model), None)
    if m is None and model == "multivariable":
        model, m = "univariable", next(m for m in blocks if m["model"] == "univariable")
    if m is None:
        raise KeyError(f"no {model} Cox model of {analysis}")
    return m, model


def cox_term(res: dict, analysis: str, model: str, variable: str) -> dict:
    m, model = _cox_model(res, analysis, model)
    if model == "univariable":
        return next(t for mm in m["models"] for t in mm["terms"] if t["variable"] == variable)
    return next(t for t in m["terms"] if t["variable"] == variable)


def cox_hr(study: str, analysis: str, model: str, variable: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        t = cox_term(r[study], analysis, model, variable)
        m, fitted = _cox_model(r[study], analysis, model)
        n = m["n"] if fitted == "multivariable" else next(mm["n"] for mm in m["models"] if variable in mm["variables"])
        return Value(t["hr"], str(n))
    return get


def hr_excludes_one(r: Results, study: str, analysis: str, model: str, variable: str) -> bool:
    t = cox_term(r[study], analysis, model, variable)
    return t["hr"] > 1 and t["lower"] > 1


def subgroup(res: dict, analysis: str, level: str) -> dict:
    sg = next(s for s in res["subgroups"] if s["analysis"] == analysis)
    return next(lv for lv in sg["levels"] if lv["level"] == level)


def subgroup_hr(study: str, analysis: str, level: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        lv = subgroup(r[study], analysis, level)
        return Value(lv["hr"], str(lv["n"]))
    return get


def response(res: dict, key: str, group: str) -> dict:
    b = next(b for b in res["responses"] if b["response"] == key)
    return next(g for g in b["groups"] if g["group"] == group)


def rate(study: str, key: str, group: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        g = response(r[study], key, group)
        return Value(g["percent"], str(g["n"]))
    return get


def bor_share(study: str, category: str, group: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        g = response(r[study], "bor", group)
        return Value(100 * g["counts"].get(category, 0) / g["n"], str(g["n"]))
    return get


def bor_pct(r: Results, study: str, category: str, group: str) -> float:
    return bor_share(study, category, group)(r).value


def t1(res: dict, variable: str, level: str, group: str) -> dict:
    return next(x for x in res["table_one"]["numbers"]
                if x["variable"] == variable and x["level"] == level and x["group"] == group)


def t1_percent(study: str, variable: str, level: str, group: str = "Overall") -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        x = t1(r[study], variable, level, group)
        return Value(x["percent"], f"{int(x['N'])}")
    return get


def t1_median(study: str, variable: str, group: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        x = t1(r[study], variable, "", group)
        return Value(x["median"], str(x["n"]))
    return get


def pct(r: Results, getter: Callable[[Results], Value]) -> float:
    return getter(r).value


def follow_up(study: str, group: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        row = next(x for x in r[study]["follow_up"]["rows"] if x["group"] == group)
        return Value(reached(row["median"]), str(row["n"]))
    return get


def step_share(study: str, step: str) -> Callable[[Results], Value]:
    """Patients excluded by an attrition step, percent of those entering it."""
    def get(r: Results) -> Value:
        steps = r[study]["attrition"]
        i = next(i for i, s in enumerate(steps) if s["step"] == step)
        return Value(100 * steps[i]["excluded"] / steps[i - 1]["n"], str(steps[i - 1]["n"]))
    return get


def group_share(study: str, level: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        levels = r[study]["groups"]["levels"]
        total = sum(lv["n"] for lv in levels)
        return Value(100 * next(lv["n"] for lv in levels if lv["name"] == level) / total, str(total))
    return get


def headline_median_row(study: str, label: str) -> Callable[[Results], Value]:
    def get(r: Results) -> Value:
        row = next(x for x in r[study]["headline"][0]["rows"] if x["label"] == label)
        return Value(reached(row["median"]), str(row["n"]))
    return get
