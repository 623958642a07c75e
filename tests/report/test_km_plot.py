"""Kaplan-Meier figure: risk-table columns under the x-axis ticks, breaks, curves as given."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from linewise.report.example import example_analysis_table
from linewise.report.inputs import load_results, prepare_results, time_breaks
from linewise.report.km_plot import KMPlotOptions, km_figure
from linewise.report.style import OKABE_ITO, svg_text
from linewise.report.suppress import SuppressionPolicy, suppress_results
from linewise.stats import kaplan_meier_by

from .conftest import EXAMPLE_N, EXAMPLE_SEED

SVG = "{http://www.w3.org/2000/svg}"


def _block(results: dict, i: int = 0, policy=None) -> dict:
    prepared = prepare_results(load_results(results))[0]
    return suppress_results(prepared, policy)["survival"][i]


def _many_groups_block() -> dict:
    """Five groups with long names and six-digit counts (widest risk-table text)."""
    rng = np.random.default_rng(3)
    n = 250_000
    g = rng.choice(["1st line without pertuzumab", "2nd", "3rd line", "4th line or later", "T-DM1 first"], n)
    t = np.round(rng.exponential(20, n) * 30.4375) / 30.4375
    e = (rng.random(n) < 0.7).astype(int)
    fits = kaplan_meier_by(t, e, g)
    from linewise.report.blocks import survival_block

    return prepare_results(load_results({"survival": [survival_block("os", fits, label="Overall survival")]}))[0][
        "survival"][0]


def _centre_x(artist, renderer) -> float:
    box = artist.get_window_extent(renderer)
    return 0.5 * (box.x0 + box.x1)


def _alignment(fig) -> list[tuple[float, float, float]]:
    """(tick x, tick-label centre x, risk-number centre x) for every break and row, in pixels."""
    fig.set_dpi(300)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_label() == "km")
    axt = next(a for a in fig.axes if a.get_label() == "risk_table")
    ticks = list(ax.get_xticks())
    labels = {round(float(t), 6): lab for t, lab in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)}
    risk = {t.get_gid(): t for t in axt.texts if (t.get_gid() or "").startswith("risk-")}
    assert risk, "no risk-table numbers drawn"
    out = []
    for gid, text in risk.items():
        _, _row, j = gid.split("-")
        b = ticks[int(j)]
        tick_x = ax.transData.transform((b, 0.0))[0]
        out.append((tick_x, _centre_x(labels[round(float(b), 6)], renderer), _centre_x(text, renderer)))
    return out


@pytest.mark.parametrize("case", ["example", "ci_ribbons", "suppressed", "five_groups_large_counts"])
def test_risk_table_numbers_sit_under_the_ticks(example, case):
    """The survminer defect: numbers at risk drifting from the breaks. Checked in display pixels."""
    if case == "five_groups_large_counts":
        block = _many_groups_block()
        assert max(len(f"{v:,}") for row in block["at_risk"]["n_risk"].values() for v in row) >= 6
    else:
        block = _block(example, policy=SuppressionPolicy(5) if case == "suppressed" else None)
    fig = km_figure(block, KMPlotOptions(ci_ribbons=case == "ci_ribbons"))
    rows = _alignment(fig)
    assert len(rows) == len(block["at_risk"]["times"]) * len([c for c in block["curves"] if c["group"] != "Overall"])
    for tick_x, label_x, risk_x in rows:
        assert abs(risk_x - tick_x) < 0.5, (tick_x, risk_x)
        assert abs(label_x - tick_x) < 0.5, (tick_x, label_x)


def test_risk_table_alignment_survives_in_the_svg(example):
    """Same check on the file a journal gets: tick labels and numbers share their x in the SVG."""
    block = _block(example)
    root = ET.fromstring(svg_text(km_figure(block)).encode())
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    tick_x = []
    for k in range(1, len(block["at_risk"]["times"]) + 1):
        text = next(groups[f"xtick_{k}"].iter(f"{SVG}text"))
        assert "text-anchor: middle" in text.get("style")
        tick_x.append(float(text.get("x")))
    assert len(tick_x) == len(block["at_risk"]["times"])
    for gid, g in groups.items():
        m = re.fullmatch(r"risk-(\d+)-(\d+)", gid)
        if m:
            text = next(g.iter(f"{SVG}text"))
            assert "text-anchor: middle" in text.get("style")
            assert float(text.get("x")) == pytest.approx(tick_x[int(m.group(2))], abs=1e-3)


def test_numbers_at_risk_are_those_of_the_statistics(example):
    """Read off the step table with survfit's summary(times=) rule == KaplanMeierResult.n_at_risk."""
    df = example_analysis_table(EXAMPLE_N, EXAMPLE_SEED)
    fits = kaplan_meier_by(df["pfs_time"], df["pfs_event"], df["group"])
    block = _block(example)
    times = block["at_risk"]["times"]
    for g, fit in fits.items():
        assert block["at_risk"]["n_risk"][str(g)] == [int(v) for v in fit.n_at_risk(times)]


def test_breaks_are_sensible_month_multiples():
    assert time_breaks(45.7) == [0, 6, 12, 18, 24, 30, 36, 42, 48]
    assert time_breaks(12.2) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert time_breaks(207.5)[:3] == [0, 24, 48]
    for top in np.linspace(0.3, 400, 97):
        b = time_breaks(top)
        step = b[1] - b[0]
        assert b[0] == 0 and b[-1] >= top and len(b) - 1 <= 10
        assert step in (1, 2, 3, 6, 12, 18, 24, 36, 48, 60, 120, 240)
        assert b[-1] - step < top  # no empty interval at the end


def test_curves_are_drawn_from_the_step_table_as_given(example):
    block = _block(example)
    fig = km_figure(block)
    ax = next(a for a in fig.axes if a.get_label() == "km")
    for i, curve in enumerate(c for c in block["curves"]):
        line = next(ln for ln in ax.get_lines() if ln.get_gid() == f"curve-{curve['group']}")
        x, y = line.get_data()
        assert list(x) == [0.0, *curve["steps"]["time"]]
        assert list(y) == [1.0, *curve["steps"]["survival"]]
        assert line.get_color().lower() == OKABE_ITO[i].lower()
        marks = [ln for ln in ax.get_lines() if ln.get_marker() == "+" and ln.get_color() == line.get_color()]
        censored = [t for t, c in zip(curve["steps"]["time"], curve["steps"]["censored"], strict=True) if c]
        assert list(marks[0].get_xdata()) == censored


def test_panel_prints_logrank_p_and_hr_from_the_results(example):
    block = _block(example)
    fig = km_figure(block)
    ax = next(a for a in fig.axes if a.get_label() == "km")
    text = next(t for t in ax.texts if t.get_gid() == "km-annotation").get_text()
    hr = block["hazard_ratios"][0]
    assert f"{hr['hr']:.2f} (95% CI {hr['lower']:.2f}\u2013{hr['upper']:.2f})" in text
    assert "Log-rank p" in text
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{c['group']} (n = {c['n']})" for c in block["curves"]]


def test_median_lines_only_for_reached_medians(example):
    block = _block(example)
    block["curves"][1]["median"] = None  # not reached: no line may be invented
    fig = km_figure(block)
    ax = next(a for a in fig.axes if a.get_label() == "km")
    verticals = [ln for ln in ax.get_lines() if ln.get_linestyle() not in ("-", "None") and
                 len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]]
    assert [v.get_xdata()[0] for v in verticals] == [block["curves"][0]["median"]]


def test_figure_has_no_global_state(example):
    import matplotlib

    before = dict(matplotlib.rcParams)
    km_figure(_block(example))
    assert dict(matplotlib.rcParams) == before


def test_svg_is_byte_stable(example):
    block = _block(example)
    assert svg_text(km_figure(block)) == svg_text(km_figure(block))
    buf = io.StringIO()
    assert buf.getvalue() == ""
