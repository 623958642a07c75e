"""The recipes on synthetic registries give the published figures of STUDIES.md: the published
tables' rows and columns, effects in the published direction, and each estimate within the
published figure's sampling error (one test per profile and figure; see linewise.synth.figures
and docs/calibration.md, whose tables this module also keeps current).

Each study is checked on its own registry profile (``study-a``, ``study-b``, ``study-c``: the
registry it came from); the combined ``default`` registry of the demo against every figure,
with the figures it documents as not jointly reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from linewise.synth.calibration import (
    CALIBRATION_RUNS,
    document,
    evaluate,
    markdown,
    refresh,
    run_recipes,
)
from linewise.synth.figures import FIGURES, figures_for
from linewise.synth.profile import PROFILES, ProfileName
from linewise.synth.published import STUDY_A, STUDY_B, STUDY_C, hr_band, median_band, wilson

DOC = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"
REGENERATE = "python -m linewise.synth.calibration --write docs/calibration.md"
CASES = [(name, f) for name in ProfileName for f in figures_for(PROFILES[name])]


@pytest.fixture(scope="module")
def calibration():
    """Each profile's recipes run once on its seeded registry of the check (CALIBRATION_RUNS)."""
    cache: dict[ProfileName, tuple] = {}

    def get(name: ProfileName):
        if name not in cache:
            n, seed = CALIBRATION_RUNS[name]
            results = run_recipes(n, seed, profile=name)
            checks = evaluate(results, figures_for(PROFILES[name]))
            cache[name] = results, {(c.figure.study, c.figure.label): c for c in checks}
        return cache[name]
    return get


@pytest.fixture(scope="module")
def results(calibration):
    """The default registry's results (all three recipes)."""
    return calibration(ProfileName.DEFAULT)[0]


@pytest.mark.parametrize(("profile", "figure"), CASES, ids=[f"{p.value} | {f.study}: {f.label}" for p, f in CASES])
def test_published_figure(calibration, profile, figure):
    check = calibration(profile)[1][figure.study, figure.label]
    assert check.passed, f"[{profile.value}] {check.problem()}"


def test_figures_are_unique_and_the_documented_exceptions_explained():
    keys = [(f.study, f.label) for f in FIGURES]
    assert len(keys) == len(set(keys))
    assert all(f.note for f in FIGURES if not f.joint)
    # the main contrasts are reproduced jointly, not documented away
    main = {("B", "HR Tmab/Pmab vs Tmab"), ("C", "univariate HR OS, 1st-line Pmab"),
            ("C", "univariate HR PFS2, 1st-line Pmab"), ("C", "log-rank HR PFS1, group 3 vs 1"),
            ("C", "log-rank HR OS from T-DM1 start, group 3 vs 1")}
    assert all(f.joint for f in FIGURES if (f.study, f.label) in main)


def test_headline_tables_have_the_published_rows_and_columns(results):
    a = results[STUDY_A]["headline"][0]
    assert a["columns"] == ["n", "median", "95% CI"]
    assert [r["label"] for r in a["rows"]] == ["all", "2nd line", "3rd line", "4th line or later"]
    b = results[STUDY_B]["headline"][0]
    assert b["columns"] == ["Tmab/Pmab", "Tmab"]
    assert [r["label"] for r in b["rows"]] == [
        "n", "median PFS, months (95% CI)", "HR Tmab/Pmab vs Tmab (95% CI)", "HR adjusted for PS, visceral, HR status",
        "TRR, n (%)", "DCR, n (%)", "PR / SD / PD, n", "follow-up, median (range) months"]
    # Study B's baseline table, in the published order
    assert [v["variable"] for v in results[STUDY_B]["table_one"]["variables"]] == [
        "age", "ecog", "visceral", "hr_status", "prior_chemo", "lapatinib_before", "her2_months"]
    c = results[STUDY_C]["headline"][0]
    assert c["columns"] == ["3", "1"]  # Pmab-pretreated, Pmab-naive
    published = ["median OS from metastatic diagnosis", "median OS from T-DM1 start", "median PFS1 (1st line)",
                 "median PFS2 (T-DM1)", "univariate HR OS, 1st-line Pmab", "univariate HR PFS2, 1st-line Pmab",
                 "multivariable HR OS, 1st-line Pmab"]
    labels = [r["label"] for r in c["rows"]]
    assert [x for x in labels if x in published] == published
    # besides them only n and the immortal-time remedies of the first row
    assert all(x in published or x == "n" or x.startswith("  same,") for x in labels)
    assert [lv["name"] for lv in results[STUDY_C]["groups"]["levels"]] == ["1", "2", "3", "4", "5"]


def test_doc_tables_are_current(calibration):
    tables = {name: markdown(list(calibration(name)[1].values()), *CALIBRATION_RUNS[name], name) for name in ProfileName}
    text = DOC.read_text(encoding="utf-8")
    assert refresh(text, document(tables)) == text, f"docs/calibration.md is stale; run: {REGENERATE}"


def test_wilson_matches_statsmodels():
    for k, n in ((2, 18), (0, 18), (15, 24), (194, 555)):
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert wilson(k, n) == pytest.approx((100 * lo, 100 * hi), rel=1e-9)


def test_bands_are_symmetric_on_the_log_scale():
    lo, hi = median_band(10, 100)
    assert lo * hi == pytest.approx(100) and hi / 10 == pytest.approx(1.2165225, rel=1e-6)
    lo, hi = hr_band(1.0, 100, 100)
    assert lo * hi == pytest.approx(1.0) and hi == pytest.approx(1.3194049, rel=1e-6)
