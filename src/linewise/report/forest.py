"""Forest plots of hazard ratios: univariable and multivariable Cox models, and subgroups.

Layout as in journal forest plots (and R ``forestplot`` / ``survminer::ggforest``): a label
column, squares with 95% CI whiskers on a log axis with a dashed line at HR = 1, then the
"HR (95% CI)" and p-value columns printed from the results. A CI running off the axis ends in
an arrow. Subgroup plots add a "Patients (events)" column and the interaction p-value on each
subgroup's header row, as CONSORT asks subgroup analyses to be reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib import transforms
from matplotlib.figure import Figure

from .fmt import fmt_ci, fmt_count, fmt_num, fmt_p, is_missing
from .style import OKABE_ITO, figure_context

__all__ = ["ForestRow", "forest_figure", "model_rows", "subgroup_figure", "subgroup_rows"]


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot: a bold header, or an estimate with its CI."""

    label: str
    hr: float | None = None
    lower: float | None = None
    upper: float | None = None
    p: str = ""
    count: str = ""
    header: bool = False


def _num(v) -> float | None:
    if is_missing(v) or isinstance(v, str):
        return None
    return float(v)


def model_rows(models: list[dict]) -> list[ForestRow]:
    """Rows for the univariable and multivariable Cox models of one endpoint.

    Univariable terms (one model per covariate) come first under "Univariable", then the
    terms of each multivariable model under "Multivariable".
    """
    rows: list[ForestRow] = []
    for kind, title in (("univariable", "Univariable"), ("multivariable", "Multivariable")):
        terms = [t for m in models if m.get("kind") == kind for t in m["terms"]]
        if not terms:
            continue
        rows.append(ForestRow(title, header=True))
        for t in terms:
            rows.append(ForestRow(str(t["label"]), _num(t["hr"]), _num(t["lower"]), _num(t["upper"]), fmt_p(t.get("p"))))
    return rows


def subgroup_rows(subgroups: list[dict]) -> list[ForestRow]:
    """Rows for subgroup analyses: a header per variable carrying the interaction p-value."""
    rows: list[ForestRow] = []
    for sub in subgroups:
        p = fmt_p(sub.get("interaction_p"))
        rows.append(ForestRow(str(sub.get("label") or sub["variable"]), p=f"{p}\u2009\u2020" if p else "", header=True))
        for lev in sub["levels"]:
            count = ""
            if lev.get("n") is not None:
                count = f"{fmt_count(lev['n'])} ({fmt_count(lev.get('events'))})"
            rows.append(
                ForestRow(str(lev["level"]), _num(lev["hr"]), _num(lev["lower"]), _num(lev["upper"]), fmt_p(lev.get("p")), count)
            )
    return rows


def _axis_limits(rows: list[ForestRow]) -> tuple[float, float, list[float]]:
    vals = [v for r in rows for v in (r.lower, r.upper, r.hr) if v is not None and v > 0 and math.isfinite(v)]
    lo = min([1.0, *vals]) if vals else 0.5
    hi = max([1.0, *vals]) if vals else 2.0
    k0 = max(math.floor(math.log2(lo)), -6)
    k1 = min(math.ceil(math.log2(hi)), 6)
    k0, k1 = min(k0, -1), max(k1, 1)
    ticks = [2.0**k for k in range(k0, k1 + 1)]
    if len(ticks) > 7:  # wide range: every other power of 2, keeping 1
        ticks = [t for t in ticks if round(math.log2(t)) % 2 == 0]
    return 2.0 ** (k0 - 0.15), 2.0 ** (k1 + 0.15), ticks


def _tick_text(t: float) -> str:
    return f"{t:g}" if t >= 1 else f"{t:.3g}"


_ROW = 0.24
_CHAR = 0.066  # inches per character at 8.5 pt (DejaVu Sans, average)


def forest_figure(
    rows: list[ForestRow],
    *,
    title: str | None = None,
    count_header: str | None = None,
    x_label: str = "Hazard ratio (95% CI, log scale)",
    footnote: str | None = None,
) -> Figure:
    """Draw a forest plot from prepared rows.

    Parameters
    ----------
    rows : list of ForestRow
        From :func:`model_rows` or :func:`subgroup_rows`.
    title : str, optional
    count_header : str, optional
        Header of the count column (e.g. "Patients (events)"); shown when rows carry counts.
    x_label : str
    footnote : str, optional
        Printed under the plot (e.g. the meaning of the interaction-test dagger).

    Examples
    --------
    >>> fig = forest_figure([ForestRow("Univariable", header=True),
    ...                      ForestRow("Age", 1.2, 0.9, 1.6, "0.210")])
    >>> fig.axes[0].get_xscale()
    'log'
    """
    has_count = any(r.count for r in rows)
    label_w = max(1.4, _CHAR * max((len(r.label) + (0 if r.header else 2) for r in rows), default=10) + 0.2)
    count_w = max(1.2, _CHAR * len(count_header or "")) if has_count else 0.0
    plot_w, hr_w, p_w, margin = 2.6, 1.55, 0.75, 0.15
    width = margin + label_w + count_w + plot_w + hr_w + p_w + margin
    top, bottom = 0.4 + (0.3 if title else 0.0), 0.62 + (0.3 if footnote else 0.0)
    height = top + _ROW * (len(rows) + 0.6) + bottom
    lo, hi, ticks = _axis_limits(rows)
    with figure_context():
        fig = Figure(figsize=(width, height))
        x0 = (margin + label_w + count_w) / width
        ax = fig.add_axes((x0, bottom / height, plot_w / width, (height - top - bottom) / height), label="forest")
        n = len(rows)
        ax.set_ylim(n - 0.5, -0.6)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_xticks(ticks)
        ax.set_xticklabels([_tick_text(t) for t in ticks])
        ax.minorticks_off()
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.axvline(1.0, color="0.35", linestyle=(0, (4, 3)), linewidth=0.8, zorder=1)
        ax.set_xlabel(x_label)
        text_tf = transforms.blended_transform_factory(fig.transFigure, ax.transData)
        col_label = margin / width
        col_count = (margin + label_w + count_w / 2) / width
        col_hr = (margin + label_w + count_w + plot_w + 0.15) / width
        col_p = (width - margin) / width
        head_y = -1.05
        heads = [(col_label, "left", ""), (col_hr, "left", "HR (95% CI)"), (col_p, "right", "p")]
        if has_count:
            heads.append((col_count, "center", count_header or ""))
        for x, ha, text in heads:
            if text:
                ax.text(x, head_y, text, transform=text_tf, ha=ha, va="center", fontweight="bold", clip_on=False)
        colour = OKABE_ITO[0]
        for i, row in enumerate(rows):
            weight = "bold" if row.header else "normal"
            indent = 0.0 if row.header else 0.14 / width
            ax.text(col_label + indent, i, row.label, transform=text_tf, ha="left", va="center",
                    fontweight=weight, clip_on=False)
            if row.count:
                ax.text(col_count, i, row.count, transform=text_tf, ha="center", va="center", clip_on=False)
            if row.p:
                ax.text(col_p, i, row.p, transform=text_tf, ha="right", va="center", clip_on=False)
            if row.header:
                continue
            ax.text(col_hr, i, f"{fmt_num(row.hr, 2, 'NE')} ({fmt_ci(row.lower, row.upper, 2, 'NE')})",
                    transform=text_tf, ha="left", va="center", clip_on=False, gid=f"forest-hr-{i}")
            if row.hr is None or row.hr <= 0:
                continue
            left = row.lower if row.lower is not None else row.hr
            right = row.upper if row.upper is not None else row.hr
            a, b = max(left, lo), min(right, hi)
            ax.plot([a, b], [i, i], color=colour, linewidth=1.2, solid_capstyle="butt")
            for end, edge, direction in ((left, lo, "<"), (right, hi, ">")):
                if end < lo or end > hi:
                    ax.plot([edge], [i], marker=direction, color=colour, markersize=5, linestyle="none")
            if lo <= row.hr <= hi:
                ax.plot([row.hr], [i], marker="s", color=colour, markersize=6, linestyle="none")
        if title:
            fig.text(margin / width, 1.0 - 0.12 / height, title, ha="left", va="top", fontsize=10, fontweight="bold")
        if footnote:
            fig.text(margin / width, 0.08 / height, footnote, ha="left", va="bottom", fontsize=7.5, color="0.3")
    return fig


def subgroup_figure(subgroups: list[dict], *, title: str | None = None) -> Figure:
    """Forest plot of subgroup hazard ratios with interaction p-values (dagger-marked)."""
    comparison = next((s.get("comparison") for s in subgroups if s.get("comparison")), None)
    tests = sorted({str(s.get("interaction_test") or "interaction") for s in subgroups})
    note = f"\u2020 p for interaction ({', '.join(tests)} test)"
    if comparison:
        note = f"HR: {comparison}.  " + note
    return forest_figure(subgroup_rows(subgroups), title=title, count_header="Patients (events)", footnote=note)

