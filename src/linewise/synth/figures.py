"""The published figures of STUDIES.md, one :class:`~.published.Figure` each (see
:mod:`linewise.synth.published` for the tolerances and docs/calibration.md for the decisions)."""

from __future__ import annotations

from dataclasses import replace

from .profile import RegistryProfile
from .published import (
    STUDY_A,
    STUDY_B,
    STUDY_C,
    Figure,
    Value,
    bor_pct,
    bor_share,
    cox_hr,
    follow_up,
    group_share,
    headline_median_row,
    hr_band,
    hr_excludes_one,
    km_median,
    logrank_hr,
    logrank_p,
    med,
    median_band,
    median_of_range,
    pct,
    rate,
    response,
    step_share,
    subgroup,
    subgroup_hr,
    t1_median,
    t1_percent,
    wilson,
)

CI = "published 95% CI"


def _wilson_text(k: int, n: int) -> str:
    return f"Wilson 95% CI of {k}/{n}"


def _share(study, label, k, n, get, **kw) -> Figure:
    lo, hi = wilson(k, n)
    return Figure(study, label, f"{k}/{n} ({100 * k / n:.1f}%)", lo, hi, _wilson_text(k, n), get,
                  target=100 * k / n, **kw)


def _median_fig(study, label, m, n, events, get, kind, **kw) -> Figure:
    lo, hi = median_band(m, events)
    return Figure(study, label, f"{m:g}", lo, hi, f"±1.96/√d, d ≈ {kind} of n={n}", get, target=m, **kw)


def _null_hr(study, label, published, d1, d2, n_text, get, **kw) -> Figure:
    lo, hi = hr_band(1.0, d1, d2)
    return Figure(study, label, published, lo, hi, f"no-difference band at {n_text}", get,
                  direction=kw.pop("direction", "no difference (HR within the band)"), **kw)


# --- Study A: PFS on T-DM1 after pertuzumab, by line (n = 58: 34 / 14 / 10) ------------------------
STUDY_A_FIGURES = [
    Figure("A", "median PFS, all", "4.8 (3.0–7.8)", 3.0, 7.8, CI, headline_median_row(STUDY_A, "all")),
    Figure("A", "median PFS, 2nd line", "7.7 (2.8–12.2)", 2.8, 12.2, CI, headline_median_row(STUDY_A, "2nd line")),
    Figure("A", "median PFS, 3rd line", "4.2 (2.3–NA)", 2.3, None, CI, headline_median_row(STUDY_A, "3rd line"),
           "shorter than 2nd line", lambda r: med(r, STUDY_A, "pfs_by_line", "3rd line")
           < med(r, STUDY_A, "pfs_by_line", "2nd line")),
    Figure("A", "median PFS, 4th line or later", "4.0 (1.8–NA)", 1.8, None, CI,
           headline_median_row(STUDY_A, "4th line or later"), "shorter than 2nd line",
           lambda r: med(r, STUDY_A, "pfs_by_line", "4th line or later") < med(r, STUDY_A, "pfs_by_line", "2nd line")),
    _share("A", "T-DM1 in 2nd line, share", 34, 58, group_share(STUDY_A, "2nd line"),
           direction="the most common line", check=lambda r: pct(r, group_share(STUDY_A, "2nd line")) > 50,
           joint=False, off="above",
           note="Study C's group sizes (1st-line Pmab then T-DM1: 177 in 2nd line, 11 later) fix how "
                "often T-DM1 after Pmab is 2nd line; Study A's registry had more later-line T-DM1."),
    _share("A", "pertuzumab in 1st line, share", 46, 58, t1_percent(STUDY_A, "pmab_line1", "yes"),
           direction="most patients", check=lambda r: pct(r, t1_percent(STUDY_A, "pmab_line1", "yes")) > 50),
]

# --- Study B: Tmab/Pmab (18) vs Tmab (24) before T-DM1 -------------------------------------------
_PMAB, _TMAB = "Tmab/Pmab", "Tmab"
_B_PFS_NOTE = ("Study B's PFS counts radiological PD only, so on the same patients it is at least "
               "Study C's composite PFS2, whose Pmab-pretreated median is 6 months; one registry "
               "cannot give 2.8 months here and 6 there (Study B's 18 patients are a small, early "
               "series).")


def _b_lower(key):
    return lambda r: response(r[STUDY_B], key, _PMAB)["percent"] < response(r[STUDY_B], key, _TMAB)["percent"]


STUDY_B_FIGURES = [
    _share("B", "excluded: prior T-DM1 (of identified)", 2, 49, step_share(STUDY_B, "prior_tdm1"),
           direction="some", check=lambda r: pct(r, step_share(STUDY_B, "prior_tdm1")) > 0),
    _share("B", "excluded: neither Tmab nor Pmab (of the rest)", 5, 47, step_share(STUDY_B, "neither_tmab_nor_pmab"),
           direction="some", check=lambda r: pct(r, step_share(STUDY_B, "neither_tmab_nor_pmab")) > 0),
    _share("B", "Tmab/Pmab share of the analysed", 18, 42, group_share(STUDY_B, _PMAB),
           direction="the smaller group", check=lambda r: pct(r, group_share(STUDY_B, _PMAB)) < 50),
    Figure("B", "median PFS, Tmab/Pmab", "2.8 (1.7–4.8)", 1.7, 4.8, CI, km_median(STUDY_B, "pfs_km", _PMAB),
           "shorter than Tmab, log-rank p < 0.05",
           lambda r: med(r, STUDY_B, "pfs_km", _PMAB) < med(r, STUDY_B, "pfs_km", _TMAB)
           and logrank_p(r, STUDY_B, "pfs_km") < 0.05, joint=False, off="above", note=_B_PFS_NOTE, target=2.8),
    Figure("B", "median PFS, Tmab", "7.8 (5.5–15.9)", 5.5, 15.9, CI, km_median(STUDY_B, "pfs_km", _TMAB)),
    Figure("B", "HR Tmab/Pmab vs Tmab", "2.83 (1.37–5.89)", 1.37, 5.89, CI,
           cox_hr(STUDY_B, "pfs_cox", "univariable", "pretreatment"), "> 1, CI excludes 1",
           lambda r: hr_excludes_one(r, STUDY_B, "pfs_cox", "univariable", "pretreatment")),
    Figure("B", "HR adjusted for PS, visceral, HR status", "3.07 (1.46–6.54)", 1.46, 6.54, CI,
           cox_hr(STUDY_B, "pfs_cox", "multivariable", "pretreatment"), "> 1, CI excludes 1",
           lambda r: hr_excludes_one(r, STUDY_B, "pfs_cox", "multivariable", "pretreatment")),
    _share("B", "TRR, Tmab/Pmab", 2, 18, rate(STUDY_B, "trr", _PMAB), direction="lower than Tmab", check=_b_lower("trr")),
    _share("B", "TRR, Tmab", 6, 24, rate(STUDY_B, "trr", _TMAB)),
    _share("B", "DCR, Tmab/Pmab", 3, 18, rate(STUDY_B, "dcr", _PMAB), direction="lower than Tmab", check=_b_lower("dcr"),
           joint=False, off="above", note="Disease control beyond 6 months goes with PFS: " + _B_PFS_NOTE),
    _share("B", "DCR, Tmab", 15, 24, rate(STUDY_B, "dcr", _TMAB)),
    _share("B", "best response SD, Tmab/Pmab", 6, 18, bor_share(STUDY_B, "SD", _PMAB), joint=False, off="above",
           note="Best response follows PFS (see median PFS, Tmab/Pmab)."),
    _share("B", "best response SD, Tmab", 15, 24, bor_share(STUDY_B, "SD", _TMAB)),
    _share("B", "best response PD, Tmab/Pmab", 10, 18, bor_share(STUDY_B, "PD", _PMAB), direction="more than Tmab",
           check=lambda r: bor_pct(r, STUDY_B, "PD", _PMAB) > bor_pct(r, STUDY_B, "PD", _TMAB),
           joint=False, off="below", note="Best response follows PFS (see median PFS, Tmab/Pmab)."),
    _share("B", "best response PD, Tmab", 3, 24, bor_share(STUDY_B, "PD", _TMAB)),
    Figure("B", "follow-up median, Tmab/Pmab", "2.8 (0.7–12.2)", *median_band(2.8, 18), "±1.96/√n, n=18",
           follow_up(STUDY_B, _PMAB), "shorter than Tmab",
           lambda r: follow_up(STUDY_B, _PMAB)(r).value < follow_up(STUDY_B, _TMAB)(r).value,
           joint=False, off="above", note="Follow-up on the PFS endpoint follows PFS: " + _B_PFS_NOTE, target=2.8),
    Figure("B", "follow-up median, Tmab", "7.5 (1.1–45.7)", *median_band(7.5, 24), "±1.96/√n, n=24",
           follow_up(STUDY_B, _TMAB)),
    Figure("B", "age median, Tmab/Pmab", "53 (43–73)", *median_of_range(53, 43, 73, 18), "median ± SE, sd = range/4",
           t1_median(STUDY_B, "age", _PMAB), "not older than Tmab",
           lambda r: t1_median(STUDY_B, "age", _PMAB)(r).value <= t1_median(STUDY_B, "age", _TMAB)(r).value),
    Figure("B", "age median, Tmab", "60 (30–74)", *median_of_range(60, 30, 74, 24), "median ± SE, sd = range/4",
           t1_median(STUDY_B, "age", _TMAB)),
    _share("B", "ECOG PS 0, Tmab/Pmab", 13, 18, t1_percent(STUDY_B, "ecog", "0", _PMAB)),
    _share("B", "ECOG PS 0, Tmab", 13, 24, t1_percent(STUDY_B, "ecog", "0", _TMAB)),
    _share("B", "visceral, Tmab/Pmab", 13, 18, t1_percent(STUDY_B, "visceral", "yes", _PMAB)),
    _share("B", "visceral, Tmab", 18, 24, t1_percent(STUDY_B, "visceral", "yes", _TMAB)),
    _share("B", "ER+ and/or PgR+, Tmab/Pmab", 11, 18, t1_percent(STUDY_B, "hr_status", "positive", _PMAB)),
    _share("B", "ER+ and/or PgR+, Tmab", 10, 24, t1_percent(STUDY_B, "hr_status", "positive", _TMAB),
           joint=False, off="above",
           note="Study C's cohort is 64% hormone-receptor positive (353 of 555 ER+) in every sequence "
                "group; the registry has no reason to make Study B's Tmab group 42%."),
    Figure("B", "prior chemotherapy regimens, Tmab/Pmab", "1 (1–2)", 0.5, 1.5, "integer median ± 0.5",
           t1_median(STUDY_B, "prior_chemo", _PMAB), "not more than Tmab",
           lambda r: t1_median(STUDY_B, "prior_chemo", _PMAB)(r).value
           <= t1_median(STUDY_B, "prior_chemo", _TMAB)(r).value),
    Figure("B", "prior chemotherapy regimens, Tmab", "2 (0–6)", 1.5, 2.5, "integer median ± 0.5",
           t1_median(STUDY_B, "prior_chemo", _TMAB), joint=False, off="below", target=2,
           note="Study C has more T-DM1 in 2nd line without Pmab (194) than in 3rd or later (148), so "
                "most of the Tmab group had one metastatic chemotherapy line before T-DM1."),
    _share("B", "lapatinib before T-DM1, Tmab/Pmab", 0, 18, t1_percent(STUDY_B, "lapatinib_before", "yes", _PMAB),
           direction="rarer than Tmab",
           check=lambda r: pct(r, t1_percent(STUDY_B, "lapatinib_before", "yes", _PMAB))
           < pct(r, t1_percent(STUDY_B, "lapatinib_before", "yes", _TMAB))),
    _share("B", "lapatinib before T-DM1, Tmab", 6, 24, t1_percent(STUDY_B, "lapatinib_before", "yes", _TMAB)),
    Figure("B", "HER2 therapy months, Tmab/Pmab", "15.1 (3.5–32.5)", *median_of_range(15.1, 3.5, 32.5, 18),
           "median ± SE, sd = range/4", t1_median(STUDY_B, "her2_months", _PMAB), "shorter than Tmab",
           lambda r: t1_median(STUDY_B, "her2_months", _PMAB)(r).value
           < t1_median(STUDY_B, "her2_months", _TMAB)(r).value),
    Figure("B", "HER2 therapy months, Tmab", "31.0 (1.8–90.2)", *median_of_range(31.0, 1.8, 90.2, 24),
           "median ± SE, sd = range/4", t1_median(STUDY_B, "her2_months", _TMAB), joint=False, off="above", target=31.0,
           note="Before 2013 the Pmab-naive patients' HER2 therapy went on beyond progression until T-DM1 "
                "was available (the registry's mechanism for Study C's long time to T-DM1, see above)."),
]

# --- Study C: sequences; 2nd-line T-DM1 group 3 (Pmab, 177) vs group 1 (naive, 194) ---------------
_G3, _G1 = "3", "1"


def _c_shorter(analysis):
    return lambda r: (med(r, STUDY_C, analysis, _G3) < med(r, STUDY_C, analysis, _G1)
                      and logrank_p(r, STUDY_C, analysis) < 0.05)


def _five_group_p(analysis):
    def get(r) -> Value:
        b = next(b for b in r[STUDY_C]["survival"] if b["analysis"] == analysis and b.get("remedy") is None)
        return Value(b["tests"]["logrank"]["p"], str(next(c["n"] for c in b["curves"] if c["group"] == "Overall")))
    return get


def _subgroup_sig(analysis, level):
    return lambda r: subgroup(r[STUDY_C], analysis, level)["hr"] > 1 and subgroup(r[STUDY_C], analysis, level)["lower"] > 1


# Study C's 2nd-line groups: 177 / 194; OS events ~ n/2, PFS events ~ 0.8 n. Subtypes of the
# 371 2nd-line patients by the cohort shares: TP 163, ER or PgR+ 73, HR-negative 135.
STUDY_C_FIGURES = [
    *[_share("C", f"group {g} share", k, 555, group_share(STUDY_C, g)) for g, k in
      (("1", 194), ("2", 148), ("3", 177), ("4", 11), ("5", 25))],
    *[_share("C", f"T-DM1 in {lab} line", k, 555, t1_percent(STUDY_C, "tdm1_line", lab)) for lab, k in
      (("1st", 25), ("2nd", 371), ("3rd", 96), ("later", 63))],
    _median_fig("C", "median OS from metastatic diagnosis, group 3", 52, 177, 177 / 2, km_median(STUDY_C, "os_met_2nd", _G3),
                "n/2", direction="shorter than group 1, p < 0.05", check=_c_shorter("os_met_2nd")),
    _median_fig("C", "median OS from metastatic diagnosis, group 1", 74, 194, 194 / 2, km_median(STUDY_C, "os_met_2nd", _G1),
                "n/2"),
    Figure("C", "median OS from T-DM1 start, group 3", "not reached", None, None, "not reached",
           km_median(STUDY_C, "os_tdm1_2nd", _G3), "not shorter than group 1",
           lambda r: med(r, STUDY_C, "os_tdm1_2nd", _G3) >= med(r, STUDY_C, "os_tdm1_2nd", _G1),
           joint=False, off="reached",
           note="The registry follows the pertuzumab era (from 2013) to a 2024 cut-off, Study C to about "
                "2019: with the same hazard as group 1 (p 0.78) the synthetic curve reaches 0.5."),
    _median_fig("C", "median OS from T-DM1 start, group 1", 34, 194, 194 / 2, km_median(STUDY_C, "os_tdm1_2nd", _G1),
                "n/2"),
    _null_hr("C", "log-rank HR OS from T-DM1 start, group 3 vs 1", "p 0.78", 177 / 2, 194 / 2, "d = 89 / 97",
             logrank_hr(STUDY_C, "os_tdm1_2nd", _G3, _G1)),
    _median_fig("C", "median PFS1, group 3", 11, 177, 0.8 * 177, km_median(STUDY_C, "pfs1_2nd", _G3), "0.8"),
    _median_fig("C", "median PFS1, group 1", 10, 194, 0.8 * 194, km_median(STUDY_C, "pfs1_2nd", _G1), "0.8"),
    _null_hr("C", "log-rank HR PFS1, group 3 vs 1", "p 0.22", 0.8 * 177, 0.8 * 194, "d = 142 / 155",
             logrank_hr(STUDY_C, "pfs1_2nd", _G3, _G1)),
    _median_fig("C", "median PFS2 (T-DM1), group 3", 6, 177, 0.8 * 177, km_median(STUDY_C, "pfs2_2nd", _G3), "0.8",
                direction="shorter than group 1, p < 0.05", check=_c_shorter("pfs2_2nd")),
    _median_fig("C", "median PFS2 (T-DM1), group 1", 10, 194, 0.8 * 194, km_median(STUDY_C, "pfs2_2nd", _G1), "0.8"),
    Figure("C", "univariate HR OS, 1st-line Pmab", "1.79 (1.23–2.61)", 1.23, 2.61, CI,
           cox_hr(STUDY_C, "cox_os_2nd", "univariable", "pmab_line1"), "> 1, CI excludes 1",
           lambda r: hr_excludes_one(r, STUDY_C, "cox_os_2nd", "univariable", "pmab_line1")),
    Figure("C", "univariate HR PFS2, 1st-line Pmab", "1.23 (1.00–1.67)", 1.00, 1.67, CI,
           cox_hr(STUDY_C, "cox_pfs2_2nd", "univariable", "pmab_line1"), "> 1, CI excludes 1",
           lambda r: hr_excludes_one(r, STUDY_C, "cox_pfs2_2nd", "univariable", "pmab_line1")),
    Figure("C", "multivariable HR OS, 1st-line Pmab", "1.89 (1.24–2.89)", 1.24, 2.89, CI,
           cox_hr(STUDY_C, "cox_os_2nd", "multivariable", "pmab_line1"), "> 1, CI excludes 1",
           lambda r: hr_excludes_one(r, STUDY_C, "cox_os_2nd", "multivariable", "pmab_line1")),
    # T-DM1 in 3rd line or later (groups 2 + 4: 148 + 11): no difference by Pmab (adjusted)
    _null_hr("C", "3rd+ line: adjusted HR OS, 1st-line Pmab", "p 0.99", 148 / 2, 11 / 2, "d = 74 / 5.5",
             cox_hr(STUDY_C, "cox_os_later", "multivariable", "pmab_line1")),
    _null_hr("C", "3rd+ line: adjusted HR PFS1, 1st-line Pmab", "p 0.76", 0.8 * 148, 0.8 * 11, "d = 118 / 9",
             cox_hr(STUDY_C, "cox_pfs1_later", "multivariable", "pmab_line1")),
    _null_hr("C", "3rd+ line: adjusted HR PFS2, 1st-line Pmab", "p 0.26", 0.8 * 148, 0.8 * 11, "d = 118 / 9",
             cox_hr(STUDY_C, "cox_pfs2_later", "multivariable", "pmab_line1")),
    Figure("C", "OS across the five groups, log-rank p", "< 0.0001", 0.0, 1e-4, "p as published or smaller",
           _five_group_p("os_met_groups"), "differ (p < 0.05)", lambda r: logrank_p(r, STUDY_C, "os_met_groups") < 0.05),
    Figure("C", "PFS2 across the five groups, log-rank p", "0.001", 0.0, 0.001, "p as published or smaller",
           _five_group_p("pfs2_groups"), "differ (p < 0.05)", lambda r: logrank_p(r, STUDY_C, "pfs2_groups") < 0.05),
    _median_fig("C", "median OS, whole cohort", 73, 555, 555 / 2, km_median(STUDY_C, "os_met_groups", "Overall"), "n/2"),
    # by IHC subtype, 1st-line Pmab in 2nd-line T-DM1
    Figure("C", "OS HR of Pmab, HR-negative", "lower OS (p < 0.0001)", 1.0, None, "HR > 1",
           subgroup_hr(STUDY_C, "subtype_os", "HR-negative"), "> 1, CI excludes 1, largest of the subtypes",
           lambda r: _subgroup_sig("subtype_os", "HR-negative")(r) and all(
               subgroup(r[STUDY_C], "subtype_os", "HR-negative")["hr"] > subgroup(r[STUDY_C], "subtype_os", s)["hr"]
               for s in ("TP", "ER or PgR+"))),
    _null_hr("C", "OS HR of Pmab, TP", "no difference", 163 / 4, 163 / 4, "d = 41 / 41",
             subgroup_hr(STUDY_C, "subtype_os", "TP")),
    _null_hr("C", "OS HR of Pmab, ER or PgR+", "no difference", 73 / 4, 73 / 4, "d = 18 / 18",
             subgroup_hr(STUDY_C, "subtype_os", "ER or PgR+")),
    Figure("C", "PFS2 HR of Pmab, TP", "shorter (p 0.04)", 1.0, None, "HR > 1",
           subgroup_hr(STUDY_C, "subtype_pfs2", "TP"), "> 1, CI excludes 1", _subgroup_sig("subtype_pfs2", "TP")),
    Figure("C", "PFS2 HR of Pmab, HR-negative", "shorter (p 0.003)", 1.0, None, "HR > 1",
           subgroup_hr(STUDY_C, "subtype_pfs2", "HR-negative"), "> 1, CI excludes 1",
           _subgroup_sig("subtype_pfs2", "HR-negative")),
    _null_hr("C", "PFS2 HR of Pmab, ER or PgR+", "no difference", 0.4 * 73, 0.4 * 73, "d = 29 / 29",
             subgroup_hr(STUDY_C, "subtype_pfs2", "ER or PgR+")),
    Figure("C", "median follow-up (diagnosis to death or last contact)", "41", *median_band(41, 555), "±1.96/√n, n=555",
           follow_up(STUDY_C, "Overall"), joint=False, off="above", target=41,
           note="The registry's pre-2013 diagnoses (the Pmab-naive groups, see docs) are followed to a 2024 "
                "cut-off; Study C's ended about 2019."),
    # whole-cohort characteristics (Ki-67 and grade: percent of the known)
    *[_share("C", label, k, n, t1_percent(STUDY_C, var, level)) for label, var, level, k, n in (
        ("TP", "ihc_subtype", "TP", 244, 555),
        ("HR-negative", "ihc_subtype", "HR-negative", 202, 555),
        ("Ki-67 > 20% (of known)", "ki67_high", "yes", 389, 492),
        ("grade 3 (of known)", "grade", "G3", 339, 493),
        ("metastatic at diagnosis", "de_novo", "yes", 157, 555),
        ("visceral", "visceral", "yes", 397, 555),
        ("bone-only", "bone_only", "yes", 25, 555),
        ("brain", "brain", "yes", 155, 555),
        ("1 metastatic site", "n_sites", "1", 397, 555),
        ("2 metastatic sites", "n_sites", "2", 85, 555),
    )],
]

FIGURES: list[Figure] = STUDY_A_FIGURES + STUDY_B_FIGURES + STUDY_C_FIGURES

#: Figures that a study's own registry profile still does not reproduce: profile name ->
#: {(study, label): changes to the :class:`Figure` (``joint=False``, ``off``, ``note``)}. Empty
#: when the study profile reproduces every figure of its study (docs/calibration.md, "Profiles").
PROFILE_EXCEPTIONS: dict[str, dict[tuple[str, str], dict]] = {
    "study-c": {
        ("C", "median OS from T-DM1 start, group 3"): dict(
            joint=False, off="reached",
            note="Group 3 is followed from T-DM1 start to about 40 months, where its Kaplan-Meier curve is near "
                 "0.5: whether it ends above (Study C's 177 patients: not reached) or crosses hangs on the few "
                 "patients at risk at the end (seed 1: crosses at ~42 months; seed 2: not reached). OS from "
                 "metastatic diagnosis is never shorter, so following group 3 for less (later diagnoses, more "
                 "drop-out; tried) loses its median OS from diagnosis (52) as well."),
    },
}


def figures_for(profile: RegistryProfile) -> list[Figure]:
    """The figures checked on a registry of ``profile``.

    The combined ``default`` registry is checked against every figure, with the documented
    exceptions of :data:`FIGURES` (one registry cannot be all three). A study profile is the
    registry its study came from: checked against that study's figures only, each within its
    tolerance unless :data:`PROFILE_EXCEPTIONS` documents otherwise.
    """
    if profile.study is None:
        return list(FIGURES)
    changes = PROFILE_EXCEPTIONS.get(profile.name, {})
    out = []
    for f in FIGURES:
        if f.study == profile.study:
            ch = changes.get((f.study, f.label))
            out.append(replace(f, **ch) if ch else replace(f, joint=True, off="", note=""))
    return out
