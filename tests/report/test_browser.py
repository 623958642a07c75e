"""The report in real headless Chromium (Debian's ``chromium`` driven by Playwright).

Checks: the page loads with no console error, no page error and no network request (every
request the page makes is recorded; only the report file itself may be fetched), the embedded
font is the one used, every figure is rendered with a non-zero size and is inside the
viewport once scrolled to, the numbers at risk sit under the x-axis ticks as laid out by the
browser, and a full-page screenshot is saved under ``tests/report/artifacts/``.

Locally the test is skipped only when Chromium or Playwright is truly missing and ``CI`` is
unset; under ``CI`` a missing browser is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from .conftest import ARTIFACTS

CHROMIUM = os.environ.get("LINEWISE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium ({CHROMIUM})")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package")
    if missing:
        message = f"browser test needs {' and '.join(missing)}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI must install them (.ci/run: apt-get install -y chromium; pip install '.[dev]')")
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, html_path: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    log = {"console": [], "errors": [], "requests": [], "failed": []}
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("requestfailed", lambda r: log["failed"].append(r.url))
    # Any request beyond the report file itself is recorded and refused.
    context.route("**/*", lambda route: route.continue_() if route.request.url == html_path.as_uri() else route.abort())
    page.goto(html_path.as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page, log


def test_report_in_chromium(browser, report):
    context, page, log = _open(browser, report.html)
    try:
        assert page.title()
        assert log["requests"] == [report.html.as_uri()], log["requests"]
        assert log["failed"] == []
        assert [c for c in log["console"] if c[0] in ("error", "warning")] == [], log["console"]
        assert log["errors"] == []
        assert page.evaluate("document.fonts.check(\"12px 'Linewise Sans'\")")
        assert page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').length") >= 2

        figures = page.locator("figure")
        n = figures.count()
        assert n == 7
        for i in range(n):
            fig = figures.nth(i)
            svg = fig.locator("svg")
            svg.scroll_into_view_if_needed()
            box = svg.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150, (i, box)
            visible = svg.evaluate(
                "e => { const r = e.getBoundingClientRect();"
                " return r.top >= -1 && r.bottom <= innerHeight + 1 && r.width > 0 && r.height > 0 }"
            )
            assert visible or box["height"] > 900, (i, box)  # a figure taller than the viewport cannot fit
            assert svg.evaluate("e => e.querySelectorAll('path, text').length") > 20

        # numbers at risk under the ticks, as the browser laid them out with the embedded font
        km = page.locator("#fig-km_pfs svg")
        km.scroll_into_view_if_needed()
        ticks = km.evaluate(
            "svg => [...svg.querySelectorAll('g[id*=\"xtick_\"] text')].map(t => {"
            " const r = t.getBoundingClientRect(); return r.left + r.width / 2 })"
        )
        risk = km.evaluate(
            "svg => [...svg.querySelectorAll('g[id*=\"risk-\"] text')].map(t => {"
            " const r = t.getBoundingClientRect(); const id = t.closest('g[id*=\"risk-\"]').id;"
            " return [Number(id.split('-').pop()), r.left + r.width / 2] })"
        )
        assert ticks and risk
        for j, x in risk:
            assert abs(x - ticks[j]) < 1.0, (j, x, ticks[j])

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report_full_page.png"), full_page=True)
        km.screenshot(path=str(ARTIFACTS / "report_km_pfs.png"))
        assert (ARTIFACTS / "report_full_page.png").stat().st_size > 50_000
    finally:
        context.close()


def test_suppressed_report_in_chromium(browser, suppressed):
    context, page, log = _open(browser, suppressed.html)
    try:
        assert log["requests"] == [suppressed.html.as_uri()]
        assert [c for c in log["console"] if c[0] in ("error", "warning")] == [] and log["errors"] == []
        text = page.inner_text("body")
        assert "<5" in text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report_suppressed_full_page.png"), full_page=True)
    finally:
        context.close()
