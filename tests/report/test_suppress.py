"""Small-cell suppression in every table, figure label, CSV and the released JSON; no identifiers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from linewise.report.suppress import (
    COUNT_KEYS,
    HIDDEN,
    SuppressionPolicy,
    find_small_counts,
    suppress_results,
)

from ._html import numbers, resolve
from .conftest import PLANTED_ID

SVG = "{http://www.w3.org/2000/svg}"


def test_policy_rules():
    p = SuppressionPolicy(5)
    assert [p.apply(v) for v in (0, 1, 4, 4.0, 5, 120)] == ["<5", "<5", "<5", "<5", 5, 120]
    assert SuppressionPolicy(11, keep_zero=True).apply(0) == 0
    assert p.apply(True) is True and p.apply("x") == "x" and p.apply(None) is None
    with pytest.raises(ValueError):
        SuppressionPolicy(0)


def test_derived_values_are_withheld():
    r = {"table_one": {"variables": [{"levels": [{"cells": {"A": {"n": 3, "N": 40, "percent": 7.5},
                                                            "B": {"n": 30, "N": 40, "percent": 75.0}}}]},
                                     {"cells": {"A": {"n": 4, "median": 61.0, "min": 50.0, "max": 70.0}}}]},
         "rate": {"x": 2, "n": 18, "estimate": 0.11, "lower": 0.01, "upper": 0.35},
         "counts": {"A": {"CR": 1, "PR": 9}}, "steps": {"n_risk": [30, 9, 4, 1]}}
    s = suppress_results(r, SuppressionPolicy(5))
    assert s["table_one"]["variables"][0]["levels"][0]["cells"]["A"] == {"n": "<5", "N": 40, "percent": HIDDEN}
    assert s["table_one"]["variables"][0]["levels"][0]["cells"]["B"]["percent"] == 75.0
    assert s["table_one"]["variables"][1]["cells"]["A"] == {"n": "<5", "median": HIDDEN, "min": HIDDEN, "max": HIDDEN}
    assert s["rate"] == {"x": "<5", "n": 18, "estimate": HIDDEN, "lower": HIDDEN, "upper": HIDDEN}
    assert s["counts"] == {"A": {"CR": "<5", "PR": 9}}
    assert s["steps"]["n_risk"] == [30, 9, "<5", "<5"]
    assert find_small_counts(s, SuppressionPolicy(5)) == []
    assert find_small_counts(r, SuppressionPolicy(5))


def test_released_json_has_no_small_count(suppressed, unsuppressed_small):
    released = json.loads(suppressed.json.read_text(encoding="utf-8"))
    assert find_small_counts(released, SuppressionPolicy(5)) == []
    assert released["suppression"] == {"min_cell_count": 5, "keep_zero": False}
    # the same study unsuppressed does have small counts: the test above has something to catch
    raw = json.loads(unsuppressed_small.json.read_text(encoding="utf-8"))
    assert len(find_small_counts(raw, SuppressionPolicy(5))) > 20


def _is_small_number(text: str) -> bool:
    t = text.replace(",", "").strip()
    return t.isdigit() and int(t) < 5


def test_html_tables_show_small_counts_as_less_than_5(suppressed):
    html = suppressed.html.read_text(encoding="utf-8")
    items = numbers(html)
    counts = [(k, t) for k, t in items if k.rsplit("/", 1)[-1] in COUNT_KEYS or "/counts/" in k
              or "/group_n/" in k or "/missing/" in k]
    assert counts
    assert any(t == "<5" for _, t in counts)
    for key, text in counts:
        assert not _is_small_number(text), (key, text)
    assert "n = &lt;5" not in html and "n = <5" not in html
    # a percentage is never printed next to a suppressed count
    assert not re.search(r'>&lt;5</span> \(', html)


def _svg_texts(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg.encode())
    out = {}
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        if texts:
            out[gid] = " ".join(texts)
    return out


def test_figure_labels_are_suppressed(suppressed):
    folder = suppressed.html.parent / "figures"
    seen_suppressed = False
    for svg_file in folder.glob("*.svg"):
        texts = _svg_texts(svg_file.read_text(encoding="utf-8"))
        for gid, text in texts.items():
            if gid.startswith("risk-"):  # numbers at risk
                assert not _is_small_number(text), (svg_file.name, gid, text)
                seen_suppressed |= text == "<5"
            for m in re.finditer(r"\bn = ([\d,]+)", text):  # legends, attrition boxes
                assert int(m.group(1).replace(",", "")) >= 5, (svg_file.name, text)
            for m in re.finditer(r"\b([\d,]+) \(([\d,]+)\)", text):  # subgroup "patients (events)"
                assert not _is_small_number(m.group(1)) and not _is_small_number(m.group(2)), text
    assert seen_suppressed


def test_csv_tables_are_suppressed(suppressed):
    for path in (suppressed.html.parent / "tables").glob("at_risk_*.csv"):
        rows = path.read_text(encoding="utf-8").splitlines()[1:]
        for row in rows:
            for cell in row.split(",")[1:]:
                assert not _is_small_number(cell), (path.name, row)
    attrition = (suppressed.html.parent / "tables" / "attrition.csv").read_text(encoding="utf-8")
    assert "<5" in attrition


def test_no_patient_identifier_anywhere(suppressed, unsuppressed_small):
    for out in (suppressed, unsuppressed_small):
        folder = out.html.parent
        for path in folder.rglob("*"):
            if path.suffix in (".html", ".json", ".csv", ".svg"):
                text = path.read_text(encoding="utf-8")
                assert PLANTED_ID not in text, path
                assert '"mrn"' not in text and '"patient_id"' not in text, path  # no such field released
            elif path.is_file():
                assert PLANTED_ID.encode() not in path.read_bytes(), path
        html = out.html.read_text(encoding="utf-8")
        assert "Removed patient-identifier field(s)" in html


def test_every_suppressed_number_traces_to_the_released_json(suppressed):
    released = json.loads(suppressed.json.read_text(encoding="utf-8"))
    for key, text in numbers(suppressed.html.read_text(encoding="utf-8")):
        value = resolve(released, key)
        if value == "<5":
            assert text == "<5"
        if value == HIDDEN:
            assert text == "\u2014"
