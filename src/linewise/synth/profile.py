"""Registry profiles: the generator parameters that differ between the registries of the papers.

The three reference studies come from three different registries (STUDIES.md): Study A from a
prospective multi-centre registry (abstract 2018), Study B from one centre's pharmacy records
of T-DM1 between two dates (2019), Study C from 45 centres with data to about 2019 (2020). One
synthetic registry cannot be all three (docs/calibration.md, "What one registry cannot
reproduce"). A :class:`RegistryProfile` holds what differs — data cut-off, centres, the mix of
treatment-sequence groups and T-DM1 lines, subtype mix by group, diagnosis windows, T-DM1 PFS,
response and survival by group — and the generator takes it explicitly. Everything else stays
in :mod:`.params`, shared by every profile.

``default`` is the combined registry whose module constants :mod:`.params` holds (the demo's);
``study-a``, ``study-b`` and ``study-c`` are each the registry its study came from, calibrated
so that that study's recipe reproduces its published figures (``linewise.synth.calibration``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from types import MappingProxyType

from . import params as p
from . import regimens as rg

GROUPS = range(6)  # 0 = never T-DM1, 1..5 = Study C's sequence groups


class ProfileName(StrEnum):
    """Names of the built-in profiles (``linewise synth --profile``)."""

    DEFAULT = "default"
    STUDY_A = "study-a"
    STUDY_B = "study-b"
    STUDY_C = "study-c"


def _frozen(value):
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


@dataclass(frozen=True)
class RegistryProfile:
    """Generator parameters of one kind of registry (validated on construction, immutable).

    Attributes
    ----------
    name : str
        Profile name (``default``, ``study-a`` ...).
    description : str
        What registry this is, one sentence.
    study : str or None
        The study (``"A"``, ``"B"``, ``"C"``) whose figures the profile is calibrated to;
        ``None`` for the combined default registry (checked against all three).
    cutoff : int
        Data cut-off (days since 1970-01-01): nothing is recorded after it.
    n_centres : int
        Centres contributing patients (a few large, many small).
    p_never_tdm1 : float
        Share of patients never given T-DM1.
    group_counts : tuple of 5 int
        Relative sizes of Study C's sequence groups 1..5 among T-DM1 patients.
    late_tdm1_line_probs : mapping int -> float
        T-DM1 line (3..6) of groups 2 and 4 (T-DM1 in 3rd line or later).
    p_mid_pmab : float
        Share of group-2 patients given pertuzumab in line 2 (before T-DM1, once available).
    subtype_probs : mapping group -> tuple of 4 float
        Subtype TP, ER+PgR-, ER-PgR+, HR-negative by group.
    dx_window : mapping group -> (int, int)
        Metastatic diagnosis dates (days since 1970) by group.
    pfs_tdm1_median : mapping group -> float
        Latent T-DM1 progression-time median (months) by group (1..5).
    weibull_shape_tdm1, weibull_shape_tdm1_pmab : float
        Weibull shape of the T-DM1 line, without / after first-line pertuzumab.
    pmab_pfs_subtype : tuple of 4 float
        Multiplier of the group-3/4 T-DM1 median by subtype.
    pmab_mid_tdm1_factor : float
        Multiplier of the T-DM1 median after pertuzumab in a later line (group 2).
    orr_tdm1 : mapping group -> float
        Probability of CR/PR on T-DM1 (given a scan before the event) by group (1..5).
    pps_median : mapping group -> float
        Survival after the pivot line's event (months) by group.
    pmab_pps_subtype : tuple of 4 float
        Multiplier of the group-3/4 survival after the T-DM1 line by subtype.
    p_lost : float
        Share of patients lost to follow-up (last contact before death and cut-off).
    drop_out_per_year : float
        Rate (per patient-year from the anchor on) of leaving follow-up independently of the
        outcome — moving away, care transferred to a centre outside the registry; the last
        contact is then the drop-out day (0: none besides ``p_lost``).
    """

    name: str
    description: str
    study: str | None = None
    cutoff: int = p.CUTOFF
    n_centres: int = p.N_CENTRES
    p_never_tdm1: float = p.P_NEVER_TDM1
    group_counts: tuple[int, ...] = p.GROUP_COUNTS
    late_tdm1_line_probs: Mapping[int, float] = field(default_factory=lambda: dict(p.LATE_TDM1_LINE_PROBS))
    p_mid_pmab: float = rg.P_MID_PMAB
    subtype_probs: Mapping[int, tuple[float, ...]] = field(
        default_factory=lambda: dict.fromkeys(GROUPS, p.SUBTYPE_PROBS))
    dx_window: Mapping[int, tuple[int, int]] = field(default_factory=lambda: dict(p.DX_WINDOW))
    pfs_tdm1_median: Mapping[int, float] = field(default_factory=lambda: dict(p.PFS_TDM1_MEDIAN))
    weibull_shape_tdm1: float = p.WEIBULL_SHAPE_TDM1
    weibull_shape_tdm1_pmab: float = p.WEIBULL_SHAPE_TDM1_PMAB
    pmab_pfs_subtype: tuple[float, ...] = p.PMAB_PFS_SUBTYPE
    pmab_mid_tdm1_factor: float = p.PMAB_MID_TDM1_FACTOR
    orr_tdm1: Mapping[int, float] = field(default_factory=lambda: dict(p.ORR_TDM1))
    pps_median: Mapping[int, float] = field(default_factory=lambda: dict(p.PPS_MEDIAN))
    pmab_pps_subtype: tuple[float, ...] = p.PMAB_PPS_SUBTYPE
    p_lost: float = p.P_LOST
    drop_out_per_year: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name)))
        _validate(self)

    def with_(self, **changes) -> RegistryProfile:
        """A copy with some parameters changed (validated again)."""
        return replace(self, **changes)


def _validate(pr: RegistryProfile) -> None:
    """Raise ``ValueError`` naming the profile and the parameter that is wrong."""

    def bad(what: str, why: str):
        raise ValueError(f"registry profile {pr.name!r}: {what} {why}")

    def prob(what: str, x: float):
        if not (isinstance(x, (int, float)) and 0.0 <= x <= 1.0):
            bad(what, f"must be a probability in [0, 1], not {x!r}")

    def positive(what: str, x: float):
        if not (isinstance(x, (int, float)) and math.isfinite(x) and x > 0):
            bad(what, f"must be a positive number, not {x!r}")

    def weights(what: str, w, length: int | None = None):
        if length is not None and len(w) != length:
            bad(what, f"must have {length} entries, not {len(w)}")
        if any(x < 0 for x in w) or sum(w) <= 0:
            bad(what, f"must be non-negative weights with a positive sum, not {tuple(w)}")

    def keyed(what: str, m: Mapping, keys) -> None:
        missing = sorted(set(keys) - set(m))
        if missing:
            bad(what, f"has no value for group(s) {missing}")

    if not pr.name:
        bad("name", "must not be empty")
    if pr.study not in (None, "A", "B", "C"):
        bad("study", f"must be 'A', 'B', 'C' or None, not {pr.study!r}")
    if not (isinstance(pr.n_centres, int) and pr.n_centres >= 1):
        bad("n_centres", f"must be a positive integer, not {pr.n_centres!r}")
    prob("p_never_tdm1", pr.p_never_tdm1)
    if pr.p_never_tdm1 >= 1:
        bad("p_never_tdm1", "must leave some T-DM1 patients (< 1)")
    prob("p_mid_pmab", pr.p_mid_pmab)
    prob("p_lost", pr.p_lost)
    if not (isinstance(pr.drop_out_per_year, (int, float)) and 0 <= pr.drop_out_per_year <= 1):
        bad("drop_out_per_year", f"must be a rate in [0, 1] per year, not {pr.drop_out_per_year!r}")
    weights("group_counts", pr.group_counts, 5)
    if set(pr.late_tdm1_line_probs) - {3, 4, 5, 6}:
        bad("late_tdm1_line_probs", f"lines must be 3..6, not {sorted(pr.late_tdm1_line_probs)}")
    weights("late_tdm1_line_probs", list(pr.late_tdm1_line_probs.values()))
    keyed("subtype_probs", pr.subtype_probs, GROUPS)
    for g in GROUPS:
        weights(f"subtype_probs[{g}]", pr.subtype_probs[g], 4)
    keyed("dx_window", pr.dx_window, GROUPS)
    for g in GROUPS:
        lo, hi = pr.dx_window[g]
        if not lo < hi:
            bad(f"dx_window[{g}]", "must start before it ends")
        # a patient needs time to be treated and followed before the cut-off
        if hi > pr.cutoff - 180:
            bad(f"dx_window[{g}]", "must end at least 180 days before the data cut-off")
    if pr.cutoff <= p.TDM1_FROM:
        bad("cutoff", "must be after T-DM1 came into use (2013-11-15)")
    keyed("pfs_tdm1_median", pr.pfs_tdm1_median, range(1, 6))
    for g in range(1, 6):
        positive(f"pfs_tdm1_median[{g}]", pr.pfs_tdm1_median[g])
    positive("weibull_shape_tdm1", pr.weibull_shape_tdm1)
    positive("weibull_shape_tdm1_pmab", pr.weibull_shape_tdm1_pmab)
    positive("pmab_mid_tdm1_factor", pr.pmab_mid_tdm1_factor)
    for what in ("pmab_pfs_subtype", "pmab_pps_subtype"):
        if len(getattr(pr, what)) != 4:
            bad(what, "must have 4 entries (TP, ER+PgR-, ER-PgR+, HR-negative)")
        for x in getattr(pr, what):
            positive(what, x)
    keyed("orr_tdm1", pr.orr_tdm1, range(1, 6))
    for g in range(1, 6):
        prob(f"orr_tdm1[{g}]", pr.orr_tdm1[g])
    keyed("pps_median", pr.pps_median, GROUPS)
    for g in GROUPS:
        positive(f"pps_median[{g}]", pr.pps_median[g])


#: Today's combined registry: :mod:`.params` as it stands (the demo's and the default of
#: ``linewise synth``). Study C's groups, follow-up to 2024, Study B and A inside it.
DEFAULT = RegistryProfile(
    name=ProfileName.DEFAULT.value,
    description="Combined registry: Study C's sequence groups, 45 centres, 2006-2024 (the demo's).",
)

_BASE_SUBTYPES = p.SUBTYPE_PROBS
#: Study B's Tmab group: 10 of 24 ER+ and/or PgR+ (41.7%; Study C's cohort 64%).
_HR_NEGATIVE_RICH = (0.25, 0.15, 0.02, 0.58)


def _windows(**by_group: tuple[str, str]) -> dict[int, tuple[int, int]]:
    """Diagnosis windows from ISO dates, keyed ``g0`` .. ``g5``."""
    return {int(k[1:]): (p.day(a), p.day(b)) for k, (a, b) in by_group.items()}


#: Study A's registry: prospective, multi-centre, all lines of therapy, analysed in 2018.
STUDY_A = DEFAULT.with_(
    name=ProfileName.STUDY_A.value, study="A",
    description="Study A's prospective multi-centre registry, all therapy lines, data to mid-2018.",
    # The abstract is from 2018: nothing after mid-2018 (diagnoses end 2017, before the cut-off).
    cutoff=p.day("2018-06-30"),
    # Study A's 58 patients after pertuzumab: 34 in 2nd line, 14 in 3rd, 10 later, pertuzumab
    # in 1st line in 46 (79.3%). Study C's mix (177 Pmab-1st-line then 2nd-line T-DM1, 11
    # later) gives 74% in 2nd line; a registry of every line has more later-line T-DM1 after
    # first-line pertuzumab (group 4) and after pertuzumab in 2nd line (group 2): 57% / 78%.
    group_counts=(150, 200, 170, 85, 25),
    dx_window={**DEFAULT.dx_window, **_windows(
        g0=("2010-01-01", "2017-12-31"), g1=("2007-01-01", "2015-06-30"), g3=("2013-06-01", "2017-06-30"),
        g4=("2013-06-01", "2016-12-31"), g5=("2014-03-01", "2017-12-31"))},
    # Median PFS on 2nd-line T-DM1 after pertuzumab 7.7 months (Study C's composite PFS2: 6).
    pfs_tdm1_median={**DEFAULT.pfs_tdm1_median, 3: 7.6},
)

#: Study B's centre: one hospital's pharmacy records of T-DM1 between two dates (2013-2018).
STUDY_B = DEFAULT.with_(
    name=ProfileName.STUDY_B.value, study="B",
    description="Study B's single centre: pharmacy records of T-DM1 2013-2018, charts to the end of 2018.",
    cutoff=p.day("2018-12-31"),  # published 2019
    n_centres=1,
    # Tmab/Pmab 18 of 42; prior chemotherapy regimens median 2 (0-6) in the Tmab group: most
    # Pmab-naive patients had T-DM1 in 3rd line or later (group 2), unlike Study C's (194 in 2nd
    # line vs 148 later); lapatinib before T-DM1 in 6 of 24 goes with it.
    group_counts=(6, 16, 17, 1, 2),
    # pertuzumab only in 1st line (its licence): Tmab/Pmab prior chemotherapy 1 (1-2)
    p_mid_pmab=0.1,
    # ER+ and/or PgR+ 10 of 24 in the Tmab group, 11 of 18 in the Tmab/Pmab group.
    subtype_probs={0: _BASE_SUBTYPES, 1: _HR_NEGATIVE_RICH, 2: _HR_NEGATIVE_RICH, 3: _BASE_SUBTYPES,
                   4: _BASE_SUBTYPES, 5: _HR_NEGATIVE_RICH},
    # T-DM1 given 2013-2018: diagnoses up to 2016-2018; Pmab-naive patients from 2008 on
    # (HER2 therapy before T-DM1 31 months in the Tmab group, 15.1 in the Tmab/Pmab group).
    dx_window=_windows(
        g0=("2010-01-01", "2018-01-01"), g1=("2009-01-01", "2016-06-30"), g2=("2008-01-01", "2016-06-30"),
        g3=("2013-06-01", "2017-12-31"), g4=("2013-06-01", "2017-06-30"), g5=("2014-03-01", "2018-03-31")),
    # Median PFS (radiological PD) 2.8 months after Tmab/Pmab, PD as best response in 10 of 18,
    # disease control in 3 of 18: most progress at the first restaging (Study C's 177, a
    # composite PFS2 of 6 months, cannot be the same patients).
    pfs_tdm1_median={**DEFAULT.pfs_tdm1_median, 3: 2.4, 4: 2.2},
    # TRR 2 of 18 after Tmab/Pmab: few scans before progression leave few responses (the
    # response probability grows with the scans, tables._scans), so the base rate is higher.
    orr_tdm1={**DEFAULT.orr_tdm1, 3: 0.24, 4: 0.24},
)

#: Study C's registry: 45 centres, retrospective, data to mid-2019 (published 2020).
STUDY_C = DEFAULT.with_(
    name=ProfileName.STUDY_C.value, study="C",
    description="Study C's 45 centres, retrospective chart review, data to mid-2019.",
    # Median follow-up 41 months and OS from T-DM1 start "not reached" in group 3: follow-up
    # ended about 2019, before T-DXd (2020) changed survival after T-DM1.
    cutoff=p.day("2019-06-30"),
    # Pmab-naive groups diagnosed 2008/09-2015 (they waited for T-DM1: OS from diagnosis 74),
    # Pmab-pretreated group 3 from mid-2014 (pertuzumab in first-line use in the centres), so
    # its follow-up is short (OS from T-DM1 start not reached, overall median follow-up 41).
    dx_window=_windows(
        g0=("2010-01-01", "2018-06-30"), g1=("2009-01-01", "2015-06-30"), g2=("2008-01-01", "2015-06-30"),
        g3=("2014-06-01", "2018-06-30"), g4=("2013-06-01", "2017-06-30"), g5=("2014-03-01", "2018-06-30")),
    # Without the T-DXd era (default: survival after a line ending from 2020 x1.5) group 3's
    # survival after T-DM1 is set directly: OS from diagnosis 52 (group 1: 74), univariate HR
    # 1.79, OS from T-DM1 start p 0.78; TP patients gain more (OS by subtype: lower with
    # pertuzumab only in HR-negative).
    pps_median={**DEFAULT.pps_median, 1: 30.0, 3: 52.0},
    pmab_pps_subtype=(1.6, 1.35, 1.35, 0.6),
    # 45 centres' chart review: patients leave follow-up (moved, care transferred) at about a
    # fifth a year, independently of their outcome — median follow-up 41 months although the
    # whole-cohort median OS is 73. Study C counts loss to follow-up as a PFS event, so the
    # latent T-DM1 medians are longer than default for the same published PFS2 (10 and 6).
    drop_out_per_year=0.22,
    pfs_tdm1_median={**DEFAULT.pfs_tdm1_median, 1: 15.0, 2: 13.5, 3: 7.8, 5: 15.5},
)

PROFILES: Mapping[ProfileName, RegistryProfile] = MappingProxyType({
    ProfileName.DEFAULT: DEFAULT, ProfileName.STUDY_A: STUDY_A,
    ProfileName.STUDY_B: STUDY_B, ProfileName.STUDY_C: STUDY_C,
})


def resolve_profile(profile: str | ProfileName | RegistryProfile) -> RegistryProfile:
    """The profile named ``profile`` (a :class:`RegistryProfile` is returned as it is).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if isinstance(profile, RegistryProfile):
        return profile
    try:
        return PROFILES[ProfileName(profile)]
    except ValueError:
        known = ", ".join(n.value for n in ProfileName)
        raise ValueError(f"unknown registry profile {profile!r}; known profiles: {known}") from None
