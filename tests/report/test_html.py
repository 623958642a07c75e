"""The HTML report: structure snapshot, every number equal to report.json (and to the statistics),
no network reference, byte-stable outputs, exports, methods text."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from linewise.report import ReportOptions, write_report
from linewise.report.example import example_analysis_table
from linewise.report.fmt import fmt_count, fmt_num, fmt_p, fmt_pct
from linewise.report.suppress import COUNT_KEYS
from linewise.stats import kaplan_meier_by, logrank, table_one

from ._html import numbers, resolve, structure
from .conftest import EXAMPLE_N, EXAMPLE_SEED

SNAPSHOT = Path(__file__).parent / "snapshots" / "example_structure.json"


def _html(report) -> str:
    return report.html.read_text(encoding="utf-8")


def _expected_text(pointer: str, value, doc: dict) -> str:
    """How the report must print the number at ``pointer`` (the formatting rules, spelled out)."""
    parts = pointer.strip("/").split("/")
    last = parts[-1]
    if last in COUNT_KEYS or (len(parts) > 1 and parts[-2] in ("group_n", "missing")) or "counts" in parts \
            or "n_risk" in parts:
        return fmt_count(value)
    if last in ("p", "global_p", "interaction_p"):
        return fmt_p(value)
    if parts[0] == "table_one":
        t1 = doc["table_one"]
        if last == "percent":
            return fmt_pct(value, t1["percent_digits"])
        return fmt_num(value, t1["digits"], "NA")
    if "rates" in parts:
        return fmt_pct(100.0 * value)
    if parts[0] in ("cox", "subgroups") or "hazard_ratios" in parts:
        return fmt_num(value, 2, "NE")
    if parts[0] == "follow_up" and last in ("min", "max"):
        return fmt_num(value, 1, "NA")
    return fmt_num(value, 1)


def _structure_snapshot(html: str) -> dict:
    s = structure(html)
    return {
        "sections": s.sections,
        "figures": s.figures,
        "tables": [{"id": t["id"], "caption": t["caption"], "header": t["header"], "rows": t["rows"]}
                   for t in s.tables],
    }


def test_html_structure_matches_the_snapshot(report):
    snap = _structure_snapshot(_html(report))
    if os.environ.get("LINEWISE_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(snap, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert snap == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_number_shown_equals_report_json(report, released):
    items = numbers(_html(report))
    assert len(items) > 150
    for pointer, text in items:
        value = resolve(released, pointer)
        assert text == _expected_text(pointer, value, released), pointer
    shown = {p for p, _ in items}
    # the headline numbers are all there
    for i, block in enumerate(released["survival"]):
        for j, _ in enumerate(block["curves"]):
            assert f"/survival/{i}/curves/{j}/median" in shown
        assert f"/survival/{i}/logrank/p" in shown
    for i, model in enumerate(released["cox"]):
        for j, _ in enumerate(model["terms"]):
            assert f"/cox/{i}/terms/{j}/hr" in shown


def test_report_json_keeps_the_numbers_of_the_results(example, released):
    """The report re-prints numbers; it never changes one (only adds at-risk tables and flags)."""
    def leaves(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from leaves(v, f"{path}/{i}")
        else:
            yield path, node

    checked = 0
    for path, value in leaves(example):
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert resolve(released, path) == value, path
            checked += 1
    assert checked > 1000


def test_numbers_equal_the_statistics_recomputed(report, released):
    """Independent of the report code: recompute a few published numbers from the analysis table."""
    df = example_analysis_table(EXAMPLE_N, EXAMPLE_SEED)
    shown = dict(numbers(_html(report)))
    fits = kaplan_meier_by(df["pfs_time"], df["pfs_event"], df["group"])
    for j, (g, fit) in enumerate(fits.items()):
        assert released["survival"][0]["curves"][j]["group"] == g
        assert shown[f"/survival/0/curves/{j}/median"] == fmt_num(fit.median)
        assert shown[f"/survival/0/curves/{j}/lower"] == fmt_num(fit.median_ci[0])
        assert shown[f"/survival/0/curves/{j}/n"] == str(fit.n)
    assert shown["/survival/0/logrank/p"] == fmt_p(logrank(df["pfs_time"], df["pfs_event"], df["group"]).pvalue)
    ecog = table_one(df, by="group", variables=["ecog"], types={"ecog": "categorical"}).data
    level0 = ecog[(ecog["level"] == "0") & (ecog["group"] == "Tmab")].iloc[0]
    assert shown["/table_one/variables/1/levels/0/cells/Tmab/n"] == str(int(level0["n"]))
    trr = int((df["best_response"].isin(["CR", "PR"]) & (df["group"] == "Tmab")).sum())
    assert shown["/response_tables/0/rates/0/by_group/Tmab/x"] == str(trr)


def test_no_network_reference_anywhere(report):
    html = _html(report)
    s = structure(html)
    assert not re.search(r"https?://", html), "an http(s) URL in the report"
    for tag, attr, url in s.urls:
        assert not re.match(r"^\s*(https?:)?//", url), (tag, attr, url)
        assert url.startswith(("#", "data:", "figures/")), (tag, attr, url)
    assert "script" not in s.tags and "iframe" not in s.tags and "link" not in s.tags and "img" not in s.tags
    csp = [m for m in s.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert "@font-face" in html and "url(data:font/woff;base64," in html
    assert len(s.figures) == sum(1 for _ in re.finditer(r"<svg ", html))


def test_outputs_are_byte_identical_across_runs(example, report, tmp_path):
    again = write_report(example, tmp_path)
    first = {p.relative_to(report.html.parent): p.read_bytes() for p in report.html.parent.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    assert again.html.name == "report.html"


def test_every_figure_exported_as_png_300dpi_svg_and_pdf_with_embedded_fonts(report):
    stems = {p.stem for p in report.figures}
    assert {"attrition", "km_pfs", "km_os", "forest_pfs", "forest_os", "subgroups_pfs", "subgroups_os"} <= stems
    for stem in stems:
        folder = report.html.parent / "figures"
        with Image.open(folder / f"{stem}.png") as im:
            assert np.allclose(im.info["dpi"], (300, 300), atol=0.01)
            assert im.size[0] >= 1500
        svg = (folder / f"{stem}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<text" in svg  # text stays text
        pdf = (folder / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"/Type3" not in pdf
        assert b"CreationDate" not in pdf


def test_tables_exported_as_csv(report):
    names = {p.stem for p in report.tables}
    assert {"table1", "survival", "hazard_ratios", "subgroups", "response", "follow_up", "attrition",
            "at_risk_pfs", "at_risk_os"} <= names
    rows = list(csv.reader((report.html.parent / "tables" / "table1.csv").open(encoding="utf-8")))
    assert rows[0][0] == "Characteristic" and rows[0][-1] == "p"
    assert any(r and r[0].startswith("# a ") for r in rows)  # footnotes kept
    risk = list(csv.reader((report.html.parent / "tables" / "at_risk_pfs.csv").open(encoding="utf-8")))
    assert risk[0][1] == "0 months"


def test_table_one_footnotes_name_each_test(report, released):
    html = _html(report)
    for test in {v["test"] for v in released["table_one"]["variables"] if v.get("test")}:
        assert test.replace("'", "&#x27;") in html
    assert re.search(r'<span class="num" data-k="/table_one/variables/0/p">[^<]+</span><sup>', html)


def test_methods_paragraph_is_generated_from_the_results(report):
    html = _html(report)
    methods = html[html.index('id="methods"'):]
    for phrase in ("Kaplan-Meier method", "Greenwood", "log transformation", "log-rank test", "Efron method",
                   "Wilcoxon rank-sum", "Pearson&#x27;s chi-squared test", "Clopper-Pearson", "reverse Kaplan-Meier",
                   "linewise 0.1.0", "matplotlib", "two-sided", "start of T-DM1", "radiological progression"):
        assert phrase in methods, phrase


def test_header_has_study_hashes_version_and_run_date(report, example):
    html = _html(report)
    head = html[: html.index("<nav")]
    prov = example["provenance"]
    for value in (example["study"]["name"], prov["data_hash"], prov["spec_hash"], prov["linewise_version"],
                  prov["run_date"]):
        assert value in head


def test_warnings_in_plain_language(example, tmp_path):
    r = json.loads(json.dumps(example))
    r["cox"][-1]["ph_test"]["global_p"] = 0.001  # PH violated in a multivariable model
    out = write_report(r, tmp_path, ReportOptions(formats=("svg",)))
    html = out.html.read_text(encoding="utf-8")
    box = html[html.index('id="warnings"'):html.index("</section>", html.index('id="warnings"'))]
    assert "Proportional hazards may not hold" in box and "p = 0.001" in box
    assert example["warnings"][0]["message"] in box


def test_missing_results_is_a_one_line_error(tmp_path):
    from linewise.report import ResultsError

    with pytest.raises(ResultsError, match="no such file"):
        write_report(tmp_path / "nothing", tmp_path / "out")
    (tmp_path / "results.json").write_text("{bad json", encoding="utf-8")
    with pytest.raises(ResultsError, match="not valid JSON"):
        write_report(tmp_path, tmp_path / "out")
    (tmp_path / "results.json").write_text('{"survival": [{"endpoint": "os", "curves": [{"group": "a", '
                                           '"steps": {"time": [1], "survival": [0.5]}}]}]}', encoding="utf-8")
    with pytest.raises(ResultsError, match=r"survival\[0\]\.curves\[0\]\.steps lacks the field 'n_risk'"):
        write_report(tmp_path, tmp_path / "out")
