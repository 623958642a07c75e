"""Calibration targets and model parameters of the synthetic registry.

Targets are the published figures of STUDIES.md (Study C, n = 555, unless stated); the
parameters are what the generator needs to reproduce them. Time parameters marked
"calibrated" were tuned by simulation (1e5 patients, latent uncensored times) so that the
Kaplan-Meier medians of the written registry hit the targets: they are inputs to Weibull
draws whose *composite* event (progression snapped to the next scan, toxicity, death) has the
published median. The outcome and calendar parameters were then tuned so that the three recipes
reproduce the published effects: ``python -m linewise.synth.calibration`` checks every figure,
docs/calibration.md explains the mechanism and what cannot be reproduced jointly.
"""

from __future__ import annotations

import numpy as np

MONTH = 30.4375  # days; months in STUDIES.md are calendar months

#: Data cut-off of the registry: nothing is recorded after it.
CUTOFF = np.datetime64("2024-12-31", "D").astype(np.int64)


def day(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int(np.datetime64(iso, "D").astype(np.int64))


# --- treatment-sequence groups (Study C table "Five sequence groups") -------------------------
#: Share of patients who never receive T-DM1 (not in Study C, which selected T-DM1 patients;
#: they give recipes a realistic denominator and the post-2020 T-DXd pathway).
P_NEVER_TDM1 = 0.15
#: Group sizes 1..5 of Study C: 194, 148, 177, 11, 25 of 555.
GROUP_COUNTS = (194, 148, 177, 11, 25)
#: T-DM1 line among groups 2 and 4 (3rd line or later): 3rd 96, later 63 of 159 (Study C).
#: The split of "later" over lines 4, 5, 6 is ours (geometric, ratio ~1/2).
LATE_TDM1_LINE_PROBS = {3: 96 / 159, 4: 33 / 159, 5: 18 / 159, 6: 12 / 159}
#: T-DM1 twice (re-challenge two lines later): Study B excluded 2 of 49 for prior T-DM1.
P_RECHALLENGE = 0.05
#: T-DM1 with neither trastuzumab nor pertuzumab before it (Study B excluded 5 of 49);
#: drawn among groups 1 and 2, on top of group-5 patients without adjuvant trastuzumab.
P_NO_HER2_PRIOR = 0.07

# --- patient and tumour characteristics (Study C whole cohort) ------------------------------
#: Age at metastatic diagnosis, median 54 (range 26-87): normal, sd chosen so that 555 draws
#: span about that range.
AGE_MEDIAN, AGE_SD, AGE_MIN, AGE_MAX = 54.0, 11.5, 24.0, 90.0
P_FEMALE = 0.99
#: Subtype: TP 244, ER or PgR+ 109, HR-negative 202 of 555. The paper's ER+ 353 and PgR+ 258
#: cannot both hold with these subtype counts; the 109 single-positive are split 102 ER+PgR- /
#: 7 ER-PgR+, giving ER+ 346 (62.3% vs 63.6%) and PgR+ 251 (45.2% vs 46.5%).
SUBTYPE_PROBS = (244 / 555, 102 / 555, 7 / 555, 202 / 555)  # TP, ER+PgR-, ER-PgR+, HR-neg
SUBTYPE_TP, SUBTYPE_ER_ONLY, SUBTYPE_PGR_ONLY, SUBTYPE_HR_NEG = 0, 1, 2, 3
#: HER2 IHC 3+ (rest 2+ with ISH amplification, the other route to HER2-positivity).
P_IHC3 = 0.82
#: Ki-67 <= 20% 103, > 20% 389, unknown 63 of 555.
KI67_PROBS = (103 / 555, 389 / 555, 63 / 555)
#: Grade G1 6, G2 148, G3 339, unknown 62 of 555.
GRADE_PROBS = (6 / 555, 148 / 555, 339 / 555, 62 / 555)
HISTOLOGY_PROBS = (0.86, 0.05, 0.04, 0.05)  # ductal, lobular, mixed, other
N_CENTRES = 45  # Study C: 45 centres
#: Metastatic at diagnosis 157 of 555.
P_DE_NOVO = 157 / 555
#: Of the 398 with early disease: neo/adjuvant therapy 363, neo/adjuvant trastuzumab 212
#: (212/363 = 58.4% of the treated; raised slightly because the no-HER2-prior patients get none).
P_EARLY_TREATED = 363 / 398
P_EARLY_TMAB = 0.605
P_NEOADJUVANT = 0.35
#: Disease-free interval (surgery to metastatic diagnosis), median by group 1..5: 40, 53, 47,
#: 28, 17 months; never-T-DM1 patients 40. Log-normal spread, at least 6 months.
DFI_MEDIAN = {0: 40.0, 1: 40.0, 2: 53.0, 3: 47.0, 4: 28.0, 5: 17.0}
DFI_SIGMA = 0.7
DFI_MIN_DAYS = 183

# --- metastatic sites: visceral 397, bone-only 25, brain 155; sites 1: 397, 2: 85, > 2: 73 --
N_SITES_PROBS = (397 / 555, 85 / 555, 45 / 555, 20 / 555, 8 / 555)  # 1, 2, 3, 4, 5 sites
SITES = ("brain", "liver", "lung", "pleura", "bone", "lymph_node", "skin", "other")
#: Site of single-site patients: bone-only 25 of 397, brain-only and visceral-only chosen so
#: that visceral (liver/lung/pleura) and brain (any time) reach 397 and 155 overall.
SINGLE_SITE_PROBS = (0.23, 0.31, 0.27, 0.085, 25 / 397, 0.025, 0.008, 0.009)
#: Weights of sites for patients with more than one site (weighted sampling without replacement).
MULTI_SITE_WEIGHTS = (2.6, 3.2, 3.2, 1.2, 4.0, 2.8, 0.5, 0.5)
#: Share of second and later sites detected later (at a progression) rather than at diagnosis.
P_SITE_LATER = 0.4

# --- calendar ----------------------------------------------------------------------------------
#: Calendar era is the mechanism behind Study C's contrasts (docs/calibration.md): pertuzumab
#: reached first-line use in 2013 (CLEOPATRA), T-DM1 late 2013 (EU approval November 2013), so
#: the Pmab-naive groups 1 and 2 are mostly patients diagnosed before 2013 who had to wait for
#: T-DM1, and the Pmab-pretreated groups 3 and 4 were diagnosed later (shorter follow-up).
#: Metastatic-diagnosis windows by group (0 = never T-DM1).
DX_WINDOW = {
    0: (day("2010-01-01"), day("2023-06-30")),
    1: (day("2007-01-01"), day("2015-06-30")),
    2: (day("2006-01-01"), day("2015-06-30")),
    3: (day("2014-01-01"), day("2022-06-30")),
    4: (day("2013-06-01"), day("2020-06-30")),
    5: (day("2014-03-01"), day("2022-12-31")),
}
PERTUZUMAB_FROM = day("2013-03-01")
#: T-DM1 in use from here (EU approval 2013-11-15), reaching a centre within 4 months. A
#: patient whose line before T-DM1 progressed earlier stays on it (HER2 blockade continued
#: beyond progression, as was usual before 2013) until T-DM1 is there: PFS of that line is
#: unchanged, the time to T-DM1 grows. This is what makes Study C's Pmab-naive group reach
#: T-DM1 about 40 months after metastatic diagnosis (OS from diagnosis 74 = ~40 + OS from
#: T-DM1 34) while its PFS1 is 10 months.
TDM1_FROM = day("2013-11-15")
TDM1_UPTAKE_DAYS = 120
TDXD_FROM = day("2020-01-01")  # T-DXd in later lines (DESTINY-Breast01 approval)
TUCATINIB_FROM = day("2020-06-01")

# --- outcomes (calibrated; months) ------------------------------------------------------------
WEIBULL_SHAPE_PFS = 1.3
WEIBULL_SHAPE_PPS = 1.15
#: Latent progression-time medians of line 1 by group (targets: PFS1 group 1 ~10, group 3 ~11).
PFS1_MEDIAN = {0: 12.0, 1: 11.6, 2: 14.0, 3: 12.8, 4: 12.0, 5: 13.0}
#: Latent medians of lines between line 1 and T-DM1 (groups 2 and 4).
PFS_MID_MEDIAN = 7.5
#: T-DM1 line by group. Targets: Study C PFS2 (composite) group 1 ~10, group 3 ~6 with a
#: univariable HR of only 1.23 (1.00-1.67), hence a flatter Weibull for the T-DM1 line (a given
#: ratio of medians makes a smaller HR); Study B's Tmab group (7.8 months, radiological PD)
#: mixes groups 1, 2 and 5, so Pmab-naive T-DM1 in 3rd or later line (group 2) stays near it.
WEIBULL_SHAPE_TDM1 = 1.1
#: ... and flatter still after first-line pertuzumab: some patients resist both HER2 agents and
#: progress at the first restaging, others benefit as the Pmab-naive do (median 6 vs 10 months
#: with an HR of only 1.23 means the curves draw together later).
WEIBULL_SHAPE_TDM1_PMAB = 0.85
PFS_TDM1_MEDIAN = {1: 13.0, 2: 12.0, 3: 6.8, 4: 4.0, 5: 13.8}
#: Group-2 patients given pertuzumab in line 2 (before T-DM1): Study A's 3rd line 4.2 months.
PMAB_MID_TDM1_FACTOR = 0.4
#: Pertuzumab effect on T-DM1 PFS by subtype (Study C: shorter PFS2 with Pmab in TP and
#: HR-negative, not in single-positive): multiplier of the group-3/4 latent median.
PMAB_PFS_SUBTYPE = (0.92, 1.6, 1.6, 0.85)
#: Lines after the pivot line (after T-DM1, or after line 1 without T-DM1).
PFS_LATER_MEDIAN = 6.0
REGIMEN_PFS_FACTOR = {"trastuzumab deruxtecan": 2.2, "tucatinib": 1.3}
#: Survival after the pivot line's event, by group. One value for groups 1 and 3: Study C found
#: no difference in OS from T-DM1 start (p 0.78); the contrast in OS from metastatic diagnosis
#: (74 vs 52 months) comes from the time to T-DM1 (see TDM1_FROM). Targets: OS from T-DM1
#: group 1 ~34, OS from metastatic diagnosis group 1 ~74, group 3 ~52, whole cohort ~73.
PPS_MEDIAN = {0: 35.0, 1: 27.0, 2: 30.0, 3: 32.5, 4: 50.0, 5: 30.0}
#: Era-dependent survival: a pivot line ending once T-DXd is available (TDXD_FROM) is
#: followed by a longer survival (DESTINY-Breast02/03: OS HR ~0.65 for T-DXd after or instead
#: of T-DM1). The later-diagnosed Pmab-pretreated group meets it more often.
PPS_TDXD_ERA = 1.5
#: Pertuzumab effect on survival by subtype (Study C: lower OS with Pmab only in HR-negative).
PMAB_PPS_SUBTYPE = (1.45, 1.35, 1.35, 0.6)
#: Covariate log hazard ratios (modest, so Cox models of the recipes find them).
LOGHR_PFS = {"brain": 0.15, "hr_negative": 0.10, "ecog": 0.20, "visceral": 0.10, "ki67_high": 0.05}
LOGHR_PPS = {"brain": 0.35, "hr_negative": 0.15, "ecog": 0.25, "visceral": 0.20, "age10": 0.08}
#: How lines end (besides progression): toxicity, completed (then a treatment holiday until
#: progression), patient decision, other. Study B: 1 of 40 T-DM1 stops for toxicity.
END_KIND_PROBS = (0.895, 0.06, 0.02, 0.015, 0.01)  # progression, toxicity, completed, decision, other
P_RADIOLOGICAL = 0.85
P_DEATH_ON_PIVOT = 0.03
#: Restaging every 9-12 weeks (days).
ASSESS_INTERVALS = (63, 70, 77, 84)
#: ECOG at line start: share 0 / 1 / 2 / 3 / 4 at line 1 (Study B at T-DM1: 26 / 15 / 1 of 42).
ECOG_LINE1_PROBS = (0.60, 0.33, 0.055, 0.012, 0.003)
ECOG_LINE_SHIFT = 0.12  # worsening per line (in standard-normal units)

# --- response (probability of CR or PR given at least one scan before the event) -------------
ORR_LINE1 = 0.62
ORR_TDM1 = {1: 0.32, 2: 0.22, 3: 0.16, 4: 0.18, 5: 0.45}
ORR_LATER = 0.25
ORR_TDXD = 0.6
P_CR_OF_RESPONSE = 0.12

# --- follow-up -------------------------------------------------------------------------------
P_LOST = 0.05
#: After each line beyond the pivot, some patients stop anticancer therapy (best supportive
#: care until death); no line starts in the last 60 days of life.
P_STOP_THERAPY = 0.2
NO_LINE_BEFORE_DEATH = 60
MAX_LINES = 8

# --- enrolment (Study A needs delayed entry): at metastatic diagnosis, between it and T-DM1
#: start, or after T-DM1 start.
ENROL_PROBS = (0.70, 0.20, 0.10)
