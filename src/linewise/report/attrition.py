"""CONSORT-style flow diagram drawn from the attrition table of the results.

The main column holds one box per step with the patients remaining; between two steps, a box
on the right gives the number excluded and the reason (as in a CONSORT / STROBE flow
diagram); the last box splits into the comparison groups when the results define them.
Counts are printed as the (possibly suppressed) results give them; nothing is re-derived,
so a diagram that does not add up shows the producer's numbers, not a corrected version.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .fmt import fmt_count, fmt_n
from .style import figure_context

__all__ = ["attrition_figure"]

_LINE = 0.19  # inches per text line at 8.5 pt
_PAD = 0.2  # vertical padding inside a box
_GAP = 0.32  # vertical gap between boxes
_MAIN_W, _SIDE_W, _GUTTER, _MARGIN = 3.0, 2.7, 0.5, 0.15


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def _box(ax, x: float, y_top: float, w: float, lines: list[str], *, gid: str, bold_first: bool = False) -> float:
    """Draw a box with its top-left corner at (x, y_top); return its height."""
    h = _LINE * len(lines) + _PAD
    ax.add_patch(
        FancyBboxPatch((x, y_top - h), w, h, boxstyle="round,pad=0,rounding_size=0.04",
                       facecolor="white", edgecolor="0.2", linewidth=0.9, gid=gid)
    )
    for k, line in enumerate(lines):
        weight = "bold" if (bold_first and k == 0) else "normal"
        ax.text(x + w / 2, y_top - _PAD / 2 - _LINE * (k + 0.5), line, ha="center", va="center",
                fontweight=weight, gid=f"{gid}-text-{k}")
    return h


def _arrow(ax, start, end) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, color="0.2",
                                 linewidth=0.9, shrinkA=0, shrinkB=0))


def attrition_figure(attrition: list[dict], groups: list[dict] | None = None, *, title: str | None = None) -> Figure:
    """Draw the attrition steps (and the final split into groups) as a flow diagram.

    Parameters
    ----------
    attrition : list of dict
        ``[{"step": str, "n": count, "excluded": count, "reason": str}, ...]``; the first step
        is the source population, each later step may carry the number excluded before it.
    groups : list of dict, optional
        ``[{"name": str, "n": count}, ...]``: boxes under the last step.
    title : str, optional

    Examples
    --------
    >>> fig = attrition_figure([{"step": "Identified", "n": 49},
    ...                         {"step": "Analysed", "n": 47, "excluded": 2, "reason": "Prior T-DM1"}])
    >>> sorted(p.get_gid() for p in fig.axes[0].patches if p.get_gid())
    ['exclusion-1', 'step-0', 'step-1']
    """
    groups = [g for g in (groups or []) if g.get("name") is not None]
    main_lines = [_wrap(str(s["step"]), 38) + [fmt_n(s.get('n'))] for s in attrition]
    side_lines = {}
    for i, s in enumerate(attrition):
        if i and s.get("excluded") is not None:
            reason = str(s.get("reason") or s["step"])
            side_lines[i] = [f"Excluded ({fmt_n(s['excluded'])})", *_wrap(reason, 38)]
            if s.get("unknown"):
                side_lines[i].append(f"of whom {fmt_count(s['unknown'])} with unknown status")
    group_lines = [_wrap(str(g["name"]), 26) + [fmt_n(g.get('n'))] for g in groups]

    height = _MARGIN + (0.4 if title else 0.0)
    for i, lines in enumerate(main_lines):
        height += _LINE * len(lines) + _PAD
        if i + 1 < len(main_lines):
            side = side_lines.get(i + 1)
            height += max(_GAP * 2, (_LINE * len(side) + _PAD + 2 * _GAP) if side else 0.0)
    if group_lines:
        height += 2 * _GAP + max(_LINE * len(g) + _PAD for g in group_lines)
    height += _MARGIN
    width = _MARGIN + _MAIN_W + _GUTTER + _SIDE_W + _MARGIN
    if group_lines:
        width = max(width, _MARGIN * 2 + len(group_lines) * 2.2 + (len(group_lines) - 1) * 0.25)
    with figure_context():
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1), label="attrition")
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_axis_off()
        y = height - _MARGIN
        if title:
            ax.text(_MARGIN, y, title, ha="left", va="top", fontsize=10, fontweight="bold")
            y -= 0.4
        x_main = _MARGIN
        mid = x_main + _MAIN_W / 2
        for i, lines in enumerate(main_lines):
            h = _box(ax, x_main, y, _MAIN_W, lines, gid=f"step-{i}")
            y -= h
            if i + 1 == len(main_lines):
                break
            side = side_lines.get(i + 1)
            span = max(_GAP * 2, (_LINE * len(side) + _PAD + 2 * _GAP) if side else 0.0)
            if side:
                side_h = _LINE * len(side) + _PAD
                side_top = y - (span - side_h) / 2
                _box(ax, x_main + _MAIN_W + _GUTTER, side_top, _SIDE_W, side, gid=f"exclusion-{i + 1}", bold_first=True)
                ax.plot([mid, mid], [y, y - span], color="0.2", linewidth=0.9)
                _arrow(ax, (mid, side_top - side_h / 2), (x_main + _MAIN_W + _GUTTER, side_top - side_h / 2))
                _arrow(ax, (mid, y - span + 0.05), (mid, y - span))
            else:
                _arrow(ax, (mid, y), (mid, y - span))
            y -= span
        if group_lines:
            k = len(group_lines)
            gw = min(2.4, (width - 2 * _MARGIN - (k - 1) * 0.25) / k)
            total = k * gw + (k - 1) * 0.25
            x0 = max(_MARGIN, mid - total / 2)
            centres = [x0 + j * (gw + 0.25) + gw / 2 for j in range(k)]
            ax.plot([mid, mid], [y, y - _GAP], color="0.2", linewidth=0.9)
            ax.plot([min(centres), max(centres)], [y - _GAP, y - _GAP], color="0.2", linewidth=0.9)
            for j, (c, lines) in enumerate(zip(centres, group_lines, strict=True)):
                _arrow(ax, (c, y - _GAP), (c, y - 2 * _GAP))
                _box(ax, c - gw / 2, y - 2 * _GAP, gw, lines, gid=f"group-{j}", bold_first=True)
    return fig
