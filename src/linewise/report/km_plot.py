"""Kaplan-Meier figure with a numbers-at-risk table, following survminer's ``ggsurvplot``.

Conventions taken from survminer (Kassambara et al., ``ggsurvplot`` defaults and the
options most papers switch on):

* step curves (``geom_step``), ``+`` censor marks at censoring times (``censor.shape = "+"``),
  optional confidence ribbons (``conf.int = TRUE``, ``conf.int.style = "ribbon"``);
* dashed median lines, horizontal at 0.5 and down to each median (``surv.median.line = "hv"``);
* log-rank p-value in the lower left of the panel (``pval = TRUE``, its default position),
  and the Cox hazard ratio with its 95% CI under it;
* legend on top (``legend = "top"``), y axis 0-1 labelled 0.00-1.00;
* a "Number at risk" table under the plot (``risk.table = TRUE``) with the strata names in
  their colours (``tables.y.text.col = TRUE``).

survminer's most reported defect is a risk table whose columns drift away from the x-axis
breaks when the legend or strata labels have different widths (the table is a separate
ggplot arranged under the first). Here the table is an axes that *shares* the x axis of the
plot and has exactly the same left and right edges, so a number at break ``t`` is drawn at
the same display x as the tick at ``t``; ``tests/report/test_km_plot.py`` checks it in
display coordinates and in the SVG.

The figure only draws what the results hold (steps, medians, p-values, numbers at risk read
off at the breaks by :func:`linewise.report.inputs.prepare_results`); it estimates nothing.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .fmt import fmt_ci, fmt_count, fmt_n, fmt_num, fmt_p, is_missing
from .style import figure_context, group_colours

__all__ = ["KMPlotOptions", "km_figure"]

#: Names producers give the all-patients curve (the study engine writes "Overall").
OVERALL_NAMES = frozenset({"Overall", "All patients"})


@dataclass(frozen=True)
class KMPlotOptions:
    """Options of a Kaplan-Meier figure (defaults as the report uses them).

    Attributes
    ----------
    ci_ribbons : bool
        Shade the pointwise confidence band of each curve (survminer ``conf.int``).
    censor_marks : bool
        ``+`` at every time with a censored observation.
    median_lines : bool
        Dashed lines to the median survival of each curve (``surv.median.line = "hv"``).
    show_pvalue, show_hr : bool
        Log-rank p-value and hazard ratio(s) with 95% CI in the panel.
    risk_table : bool
        Numbers at risk under the plot, aligned with the x-axis breaks.
    overall_curve : bool
        Also draw the all-patients curve when the block has group curves (the results carry
        it; survminer draws only the strata).
    title : bool
        Endpoint label as the panel title (useful for exported files).
    width, panel_height : float
        Figure width and height of the curve panel, in inches.
    """

    ci_ribbons: bool = False
    censor_marks: bool = True
    median_lines: bool = True
    show_pvalue: bool = True
    show_hr: bool = True
    risk_table: bool = True
    overall_curve: bool = False
    title: bool = True
    width: float = 7.0
    panel_height: float = 3.8


# Layout in inches (converted to figure fractions below), so figures of 2 or 5 groups keep
# the same panel size and type size.
_XAXIS = 0.55  # tick labels + axis label under the panel
_TABLE_TITLE = 0.3
_ROW = 0.2
_BOTTOM = 0.12
_RIGHT = 0.25


def _floats(values) -> np.ndarray:
    return np.array([np.nan if (v is None or isinstance(v, str)) else float(v) for v in values], dtype=float)


def _curve_label(curve: dict) -> str:
    return f"{curve['group']} ({fmt_n(curve.get('n'))})" if curve.get("n") is not None else str(curve["group"])


def _annotation(block: dict, options: KMPlotOptions) -> list[str]:
    lines = []
    lr = block.get("logrank") or {}
    if options.show_pvalue and not is_missing(lr.get("p")):
        p = fmt_p(lr["p"])
        lines.append(f"Log-rank p {p[0]} {p[1:]}" if p.startswith(("<", ">")) else f"Log-rank p = {p}")
    if options.show_hr:
        for hr in block.get("hazard_ratios") or []:
            text = f"HR {fmt_num(hr.get('hr'), 2, 'NE')} (95% CI {fmt_ci(hr.get('lower'), hr.get('upper'), 2, 'NE')})"
            if hr.get("comparison"):
                text += f", {hr['comparison']}"
            lines.append(text)
    return lines


def _free_corner(curves: list[dict], start: float, x_lo: float, x_hi: float) -> tuple:
    """Where to print p-value and HR: survminer's lower left unless a curve runs through it.

    Counts how much of each curve passes through the lower-left, upper-right and lower-right
    corner boxes (in axes fractions) and takes the emptiest, preferring survminer's place.
    """
    corners = [  # (x, y, ha, va, box in axes fractions)
        (0.02, 0.03, "left", "bottom", (0.0, 0.5, 0.0, 0.2)),
        (0.98, 0.97, "right", "top", (0.5, 1.0, 0.8, 1.0)),
        (0.98, 0.03, "right", "bottom", (0.5, 1.0, 0.0, 0.2)),
    ]
    grid = np.linspace(x_lo, x_hi, 200)
    frac_x = (grid - x_lo) / (x_hi - x_lo)
    hits = np.zeros(len(corners))
    for curve in curves:
        t = np.concatenate(([start], _floats(curve["steps"]["time"])))
        s = np.concatenate(([1.0], _floats(curve["steps"]["survival"])))
        idx = np.searchsorted(t, grid, side="right") - 1
        inside = (idx >= 0) & (grid <= t[-1])
        y = np.where(inside, s[np.clip(idx, 0, None)], np.nan) / 1.02
        for k, (*_, (x0, x1, y0, y1)) in enumerate(corners):
            hits[k] += np.sum((frac_x >= x0) & (frac_x <= x1) & (y >= y0) & (y <= y1))
    best = int(np.argmin(hits - np.array([0.5, 0.0, 0.0])))  # ties go to the lower left
    return corners[best][:4]


def _short_label(label: str) -> str:
    # y-axis label: the endpoint name without its parenthesised definition (it would not fit),
    # lower-cased unless it starts with an acronym ("PFS on T-DM1", "OS from ...")
    short = label.split(" (")[0] if len(label) > 30 else label
    return short[:1].lower() + short[1:] if short[1:2].islower() else short


def _left_margin(labels: list[str]) -> float:
    # Risk-table strata names sit left of the panel; give the longest one room (about 0.068 in
    # per character at 8.5 pt) but keep the y-axis label space of the panel itself.
    longest = max((len(s) for s in labels), default=0)
    return max(0.8, 0.068 * longest + 0.25)


def km_figure(
    block: dict, options: KMPlotOptions = KMPlotOptions(), *, x_label: str | None = None, y_label: str | None = None
) -> Figure:
    """Draw one ``survival[]`` block of the prepared results as a survminer-style figure.

    Parameters
    ----------
    block : dict
        A survival block after :func:`linewise.report.inputs.prepare_results` (and optional
        suppression): curves with step tables, ``at_risk`` at the x-axis breaks.
    options : KMPlotOptions
    x_label : str, optional
        Axis label; default the block's ``x_label`` or "Time (months)".
    y_label : str, optional
        Default "Probability of <endpoint label>".

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot (no global state); save with :func:`.style.save_figure`.

    Examples
    --------
    >>> from linewise.report.inputs import load_results, prepare_results
    >>> r = {"survival": [{"endpoint": "os", "curves": [{"group": "all", "n": 3, "steps": {
    ...     "time": [2.0, 5.0], "survival": [0.67, 0.33], "n_risk": [3, 2], "n_censor": [0, 1]}}]}]}
    >>> fig = km_figure(prepare_results(load_results(r))[0]["survival"][0])
    >>> [ax.get_label() for ax in fig.axes]
    ['km', 'risk_table']
    """
    curves = block["curves"]
    if not options.overall_curve and len(curves) > 1:
        curves = [c for c in curves if str(c["group"]) not in OVERALL_NAMES] or curves
    groups = [str(c["group"]) for c in curves]
    colours = group_colours(groups)
    breaks = [float(t) for t in block["at_risk"]["times"]]
    at_risk = block["at_risk"]["n_risk"]
    n_rows = len(curves) if options.risk_table else 0
    left = _left_margin(groups if options.risk_table else [])
    table_h = (_TABLE_TITLE + _ROW * n_rows) if n_rows else 0.0
    width = options.width
    label = str(block.get("label") or block["endpoint"])
    title_text = str(block.get("title") or label) + (f" ({block['variant']})" if block.get("variant") else "")
    # Wrap the title to the panel width (about 0.085 in per bold character at 10 pt) and give
    # the legend as many rows as it needs, so neither runs into the other.
    title_lines = textwrap.wrap(title_text, max(20, int((width - left) / 0.085))) if options.title else []
    ncol = min(len(curves), 3)
    legend_rows = math.ceil(len(curves) / ncol)
    top = 0.12 + 0.2 * len(title_lines) + 0.22 * legend_rows + 0.08
    height = top + options.panel_height + _XAXIS + table_h + _BOTTOM
    x_max = breaks[-1] if breaks else 1.0
    pad = 0.02 * x_max

    with figure_context():
        fig = Figure(figsize=(width, height))
        panel_w = (width - left - _RIGHT) / width
        ax = fig.add_axes(
            (left / width, (_BOTTOM + table_h + _XAXIS) / height, panel_w, options.panel_height / height),
            label="km",
        )
        for curve in curves:
            g = str(curve["group"])
            colour = colours[g]
            steps = curve["steps"]
            t = np.concatenate(([block.get("start_time", 0.0)], _floats(steps["time"])))
            s = np.concatenate(([1.0], _floats(steps["survival"])))
            if options.ci_ribbons and "lower" in steps and "upper" in steps:
                lo = np.concatenate(([1.0], _floats(steps["lower"])))
                hi = np.concatenate(([1.0], _floats(steps["upper"])))
                ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, linewidth=0)
            ax.step(t, s, where="post", color=colour, label=_curve_label(curve), gid=f"curve-{g}")
            if options.censor_marks:
                cens = np.concatenate(([False], np.asarray(steps.get("censored", []), dtype=bool)))
                if cens.any():
                    ax.plot(t[cens], s[cens], linestyle="none", marker="+", markersize=5.5,
                            markeredgewidth=1.0, color=colour)
        if options.median_lines:
            medians = [float(c["median"]) for c in curves if isinstance(c.get("median"), int | float)
                       and math.isfinite(c["median"])]
            if medians:
                style = {"color": "0.25", "linestyle": (0, (4, 3)), "linewidth": 0.8, "zorder": 1}
                ax.plot([0, max(medians)], [0.5, 0.5], **style)
                for m in medians:
                    ax.plot([m, m], [0, 0.5], **style)
        ax.set_ylim(0, 1.02)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_yticklabels(["0.00", "0.25", "0.50", "0.75", "1.00"])
        ax.set_xlim(-pad, x_max + pad)
        ax.set_xticks(breaks)
        ax.set_xticklabels([fmt_num(b, 0) if float(b).is_integer() else fmt_num(b, 1) for b in breaks])
        ax.set_xlabel(x_label or block.get("x_label") or "Time (months)")
        ax.set_ylabel(y_label or f"Probability of {_short_label(label)}")
        lines = _annotation(block, options)
        if lines:
            x, y, ha, va = _free_corner(curves, block.get("start_time", 0.0), -pad, x_max + pad)
            ax.text(x, y, "\n".join(lines), transform=ax.transAxes, ha=ha, va=va, fontsize=8.5,
                    linespacing=1.4, gid="km-annotation",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2.0})
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol, handlelength=1.8,
                  borderaxespad=0.3, columnspacing=1.5)
        if title_lines:
            fig.text(left / width, 1.0 - 0.1 / height, "\n".join(title_lines), ha="left", va="top", fontsize=10,
                     fontweight="bold", linespacing=1.25)
        if options.risk_table:
            _risk_table(fig, ax, curves, colours, breaks, at_risk, left, width, height, table_h, panel_w)
    return fig


def _risk_table(fig, ax, curves, colours, breaks, at_risk, left, width, height, table_h, panel_w) -> None:
    rows_h = _ROW * len(curves)
    axt = fig.add_axes((left / width, _BOTTOM / height, panel_w, rows_h / height), sharex=ax,
                       label="risk_table")
    n = len(curves)
    axt.set_ylim(-0.5, n - 0.5)
    texts = [[fmt_count(v) for v in at_risk[str(c["group"])]] for c in curves]
    # Shrink the numbers when the widest would touch its neighbour (about 0.075 in per
    # character at 8.5 pt): large cohorts have six-digit counts under every break.
    spacing_in = (panel_w * width) * (breaks[1] - breaks[0]) / (breaks[-1] * 1.04) if len(breaks) > 1 else 1.0
    widest = max((len(s) for row in texts for s in row), default=1)
    size = 8.5 if widest * 0.075 < spacing_in * 0.9 else max(5.5, 8.5 * spacing_in * 0.9 / (widest * 0.075))
    for i, row in enumerate(texts):
        y = n - 1 - i
        for j, (b, text) in enumerate(zip(breaks, row, strict=True)):
            axt.text(b, y, text, ha="center", va="center", fontsize=size, gid=f"risk-{i}-{j}")
    axt.set_yticks([n - 1 - i for i in range(n)])
    axt.set_yticklabels([str(c["group"]) for c in curves])
    for tick, curve in zip(axt.get_yticklabels(), curves, strict=True):
        tick.set_color(colours[str(curve["group"])])
    axt.tick_params(axis="y", length=0, pad=6)
    axt.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        axt.spines[side].set_visible(False)
    axt.set_title("Number at risk", loc="left", fontsize=9, fontweight="bold", pad=4)
    axt.patch.set_alpha(0.0)


def legend_handles(groups: list[str]) -> list[Line2D]:
    """Legend entries in the report colours (for figures that reuse the KM colours)."""
    colours = group_colours(groups)
    return [Line2D([0], [0], color=colours[g], label=g) for g in groups]
