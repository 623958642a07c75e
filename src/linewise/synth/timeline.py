"""Metastatic timelines: when each line starts and ends, progression, death and follow-up.

Times are days after the metastatic diagnosis. A patient's *pivot* line is the T-DM1 line
(line 1 for patients never given T-DM1). Lines before the pivot end in progression or
toxicity (these patients reached T-DM1); the pivot line's event is followed by a
post-progression survival whose group-specific median carries Study C's OS contrast; later
lines fill the time until death. Progression found by imaging is dated at the restaging scan
after the latent progression time (every 9-12 weeks), as in practice.

The composite event time ``x`` of a line (progression, stop for toxicity, or death: Study C's
PFS definition) is what the calibration of :mod:`.params` targets.

Calendar time matters (docs/calibration.md): the metastatic diagnosis is drawn in a window of
the patient's group, no drug is given before it was available, and a patient whose line before
T-DM1 progressed before T-DM1 was in use stays on that line until it was.
"""

from __future__ import annotations

import numpy as np

from . import params as p
from . import regimens as rg
from ._random import Random, S, lognormal, weibull
from .population import Patients
from .profile import RegistryProfile
from .sequences import choose, last_early_families, make_early_lines

PROGRESSION, TOXICITY, COMPLETED, DECISION, OTHER, DEATH = range(6)
END_REASONS = ("progression", "toxicity", "completed", "patient_decision", "other", "death")

_ECOG_CUTS = np.array([0.2533, 1.4758, 2.3263, 2.8782])  # normal quantiles of cumsum(ECOG_LINE1_PROBS)


class Lines:
    """Metastatic lines of a chunk, arrays of shape (n, MAX_LINES); column k is line k + 1."""

    def __init__(self, n: int) -> None:
        shape = (n, p.MAX_LINES)
        self.exists = np.zeros(shape, dtype=bool)
        self.regimen = np.zeros(shape, dtype=np.int64)
        self.start = np.zeros(shape, dtype=np.int64)  # days after metastatic diagnosis
        self.stop = np.zeros(shape, dtype=np.int64)  # administrations lie before start + stop
        self.x = np.zeros(shape, dtype=np.int64)  # composite event (PFS, Study C)
        self.prog = np.full(shape, -1, dtype=np.int64)  # progression, days after start; -1 none
        self.kind = np.zeros(shape, dtype=np.int8)
        self.radiological = np.zeros(shape, dtype=bool)
        self.interval = np.zeros(shape, dtype=np.int64)
        self.ecog = np.zeros(shape, dtype=np.int8)


def _times(rnd: Random, pt: Patients, k: int, median_days: np.ndarray, log_hr: np.ndarray,
           shape: float = p.WEIBULL_SHAPE_PFS) -> dict:
    """Event times of line ``k`` (1-based) for every patient (callers mask what they use)."""
    gid = pt.gid
    latent = weibull(rnd.uniform(S.PFS, gid, k), median_days, shape, log_hr)
    rad = rnd.uniform(S.RADIOLOGICAL, gid, k) < p.P_RADIOLOGICAL
    interval = np.array(p.ASSESS_INTERVALS)[rnd.choice(S.ASSESS_INTERVAL, np.ones(len(p.ASSESS_INTERVALS)), gid, k)]
    jstar = np.maximum(1, np.ceil(latent / interval)).astype(np.int64)
    prog = np.where(rad, jstar * interval + scan_jitter(rnd, gid, k, jstar),
                    np.maximum(14, np.round(latent))).astype(np.int64)
    kind = rnd.choice(S.END_KIND, p.END_KIND_PROBS, gid, k).astype(np.int8)
    f = rnd.uniform(S.STOP_FRACTION, gid, k)
    tox_stop = np.maximum(14, np.round((0.15 + 0.75 * f) * prog)).astype(np.int64)
    early_stop = np.round((0.3 + 0.5 * f) * prog).astype(np.int64)
    early_kind = (kind >= COMPLETED) & (kind <= OTHER)
    kind = np.where(early_kind & ((early_stop < 28) | (early_stop >= prog)), PROGRESSION, kind).astype(np.int8)
    stop = np.select([kind == TOXICITY, (kind >= COMPLETED) & (kind <= OTHER)], [tox_stop, early_stop], prog)
    x = np.where(kind == TOXICITY, tox_stop, prog)
    return {"stop": stop, "x": x, "prog": np.where(kind == TOXICITY, -1, prog), "kind": kind,
            "radiological": rad, "interval": interval}


def scan_jitter(rnd: Random, gid, k, j) -> np.ndarray:
    """Days (0-6) by which restaging scan ``j`` of line ``k`` is late; shared with the scans table."""
    return rnd.integers(S.ASSESS_JITTER, 0, 7, gid, k, j)


def _ecog(rnd: Random, pt: Patients, k: int) -> np.ndarray:
    z = 0.8 * pt.frailty + 0.6 * rnd.normal(S.ECOG, pt.gid, k) + p.ECOG_LINE_SHIFT * (k - 1)
    return np.searchsorted(_ECOG_CUTS, z).astype(np.int8)


def _gap(rnd: Random, pt: Patients, k: int) -> np.ndarray:
    """Days from a line's event to the next line: 1-3 weeks, sometimes a treatment holiday."""
    gap = np.clip(np.round(lognormal(rnd.normal(S.GAP, pt.gid, k), 18.0, 0.5)), 5, 90)
    holiday = rnd.uniform(S.HOLIDAY, pt.gid, k) < 0.1
    return (gap + np.where(holiday, 60 + np.round(180 * rnd.uniform(S.HOLIDAY, pt.gid, k, 1)), 0)).astype(np.int64)


def _next_start(start, x, gap):
    """Next line start: after the event and the gap, and past the 28-day regimen window of
    this line (else a line-of-therapy algorithm would merge the two regimens)."""
    return np.maximum(start + x + gap, start + 29)


def _put(lines: Lines, k: int, mask: np.ndarray, start: np.ndarray, t: dict, ecog: np.ndarray) -> None:
    c = k - 1
    lines.exists[:, c] |= mask
    lines.start[:, c] = np.where(mask, start, lines.start[:, c])
    for name in ("stop", "x", "prog", "kind", "radiological", "interval"):
        getattr(lines, name)[:, c] = np.where(mask, t[name], getattr(lines, name)[:, c])
    lines.ecog[:, c] = np.where(mask, ecog, lines.ecog[:, c])


def make_timelines(rnd: Random, pt: Patients, prof: RegistryProfile):
    """Metastatic lines, early lines, death and follow-up of every patient of the chunk, with
    the diagnosis windows, T-DM1 outcomes and cut-off of the registry profile ``prof``.

    Sets on ``pt``: ``met_dx``, ``death`` (-1 when not recorded), ``last_contact``, ``lost``,
    ``enrolment`` (absolute days) and returns ``(lines, early_lines)``.
    """
    gid, n, g = pt.gid, pt.n, pt.group
    m = pt.pivot
    lines = Lines(n)
    lp_pfs = (p.LOGHR_PFS["brain"] * pt.brain + p.LOGHR_PFS["hr_negative"] * ~pt.hr_pos
              + p.LOGHR_PFS["visceral"] * pt.visceral + p.LOGHR_PFS["ki67_high"] * pt.ki67_high)
    s = np.clip(np.round(lognormal(rnd.normal(S.D0, gid), 21.0, 0.5)), 3, 90).astype(np.int64)

    # Lines before the pivot: progression or toxicity, never death (these patients reach it).
    pfs1 = np.array([p.PFS1_MEDIAN[i] for i in range(6)])[g] * p.MONTH
    for k in range(1, 6):
        mask = k < m
        if not mask.any():
            break
        ecog = _ecog(rnd, pt, k)
        median = pfs1 if k == 1 else np.full(n, p.PFS_MID_MEDIAN * p.MONTH)
        t = _times(rnd, pt, k, median, lp_pfs + p.LOGHR_PFS["ecog"] * ecog)
        _put(lines, k, mask, s, t, ecog)
        s = np.where(mask, _next_start(s, t["x"], _gap(rnd, pt, k)), s)
    lo, hi = (np.array([prof.dx_window[i][j] for i in range(6)])[g] for j in (0, 1))
    met_dx = lo + np.floor(rnd.uniform(S.ANCHOR, gid) * (hi - lo)).astype(np.int64)
    pt.met_dx = met_dx
    # T-DM1 not before it is in use: the line before it continues beyond its progression
    # (administrations go on, PFS unchanged) or, when it stopped for another reason, the
    # treatment-free interval grows (params.TDM1_FROM explains why).
    avail = p.TDM1_FROM + np.floor(rnd.uniform(S.TDM1_UPTAKE, gid) * p.TDM1_UPTAKE_DAYS).astype(np.int64)
    wait = np.where((g > 0) & (m > 1), np.maximum(0, avail - (met_dx + s)), 0)
    before = np.maximum(m - 2, 0)
    rows = np.arange(n)
    beyond = (wait > 0) & (lines.kind[rows, before] == PROGRESSION)
    lines.stop[rows, before] += np.where(beyond, wait, 0)
    pivot_start = s + wait  # days after metastatic diagnosis
    early = make_early_lines(rnd, pt, met_dx)

    # Regimens of the lines before the pivot.
    prev = last_early_families(early)
    pmab_first = (g == 3) | (g == 4)
    mid_pmab = np.zeros(n, dtype=bool)
    for k in range(1, 6):
        mask = k < m
        if not mask.any():
            break
        start_abs = met_dx + lines.start[:, k - 1]
        her2 = ~pt.no_her2
        if k == 1:
            parts = [(pmab_first & her2, rg.W_FIRST_PMAB), (~pmab_first & her2, rg.W_FIRST_NO_PMAB),
                     (pt.no_her2, rg.W_FIRST_NO_HER2)]
        else:
            later_pmab = ((g == 2) & her2 & (k == 2) & (start_abs >= p.PERTUZUMAB_FROM)
                          & (rnd.uniform(S.REGIMEN, gid, 99) < prof.p_mid_pmab))
            mid_pmab |= mask & later_pmab
            parts = [(pt.no_her2, rg.W_MID_NO_HER2), (her2 & ~later_pmab, rg.W_MID), (later_pmab, rg.W_MID_PMAB)]
        reg = choose(rnd, (gid, k), parts, prev, pt.hr_pos, start_abs, where=mask)
        lines.regimen[:, k - 1] = np.where(mask, reg, lines.regimen[:, k - 1])
        prev = np.where(mask, rg.ALL_FAMILIES[reg], prev)

    # The pivot line: T-DM1, or the first line of patients who never get T-DM1.
    c = m - 1
    never = g == 0
    pmab_era = met_dx >= p.PERTUZUMAB_FROM
    reg_first = choose(rnd, (gid, 1), [(pmab_era, rg.W_NEVER_FIRST_PMAB), (~pmab_era, rg.W_FIRST_NO_PMAB)],
                       prev, pt.hr_pos, met_dx + pivot_start, where=never)
    reg = np.where(never, reg_first, rg.REGIMEN_INDEX["TDM1"])
    median = np.array([prof.pfs_tdm1_median.get(i, p.PFS1_MEDIAN[0]) for i in range(6)])[g] * p.MONTH
    median = np.where(pmab_first, median * np.array(prof.pmab_pfs_subtype)[pt.subtype], median)
    median = np.where(mid_pmab, median * prof.pmab_mid_tdm1_factor, median)
    shape = np.select([never, pmab_first], [p.WEIBULL_SHAPE_PFS, prof.weibull_shape_tdm1_pmab], prof.weibull_shape_tdm1)
    ecog = np.zeros(n, dtype=np.int8)
    t = {name: np.zeros(n, dtype=np.int64) for name in ("stop", "x", "prog", "kind", "radiological", "interval")}
    for k in range(1, 7):  # evaluate per possible pivot line number so streams stay keyed by line
        at = m == k
        if at.any():
            e_k = _ecog(rnd, pt, k)
            t_k = _times(rnd, pt, k, median, lp_pfs + p.LOGHR_PFS["ecog"] * e_k, shape)
            ecog = np.where(at, e_k, ecog)
            for name in t:
                t[name] = np.where(at, t_k[name], t[name])
    die_on = rnd.uniform(S.DEATH_ON_LINE, gid) < p.P_DEATH_ON_PIVOT
    t["kind"] = np.where(die_on, DEATH, t["kind"])
    t["stop"] = np.where(die_on, t["x"], t["stop"])
    t["prog"] = np.where(die_on, -1, t["prog"])
    for name in t:
        getattr(lines, name)[rows, c] = t[name]
    lines.exists[rows, c] = True
    lines.start[rows, c] = pivot_start
    lines.regimen[rows, c] = reg
    lines.ecog[rows, c] = ecog
    lp_pps = (p.LOGHR_PPS["brain"] * pt.brain + p.LOGHR_PPS["hr_negative"] * ~pt.hr_pos
              + p.LOGHR_PPS["visceral"] * pt.visceral + p.LOGHR_PPS["ecog"] * ecog
              + p.LOGHR_PPS["age10"] * (pt.age - p.AGE_MEDIAN) / 10)
    pps_median = np.array([prof.pps_median[i] for i in range(6)])[g] * p.MONTH
    pps_median = np.where(pmab_first, pps_median * np.array(prof.pmab_pps_subtype)[pt.subtype], pps_median)
    pps_median = np.where(met_dx + pivot_start + t["x"] >= p.TDXD_FROM, pps_median * p.PPS_TDXD_ERA, pps_median)
    pps = np.maximum(1, np.round(weibull(rnd.uniform(S.PPS, gid), pps_median, p.WEIBULL_SHAPE_PPS, lp_pps)))
    death = pivot_start + t["x"] + np.where(die_on, 0, pps).astype(np.int64)

    # Lines after the pivot, until death or a move to best supportive care.
    prev = rg.ALL_FAMILIES[reg]
    alive_line = ~die_on
    s = _next_start(pivot_start, t["x"], _gap(rnd, pt, 0))
    for k in range(2, p.MAX_LINES + 1):
        mask = (k > m) & alive_line & (s < death - p.NO_LINE_BEFORE_DEATH)
        if not mask.any():
            continue
        start_abs = met_dx + s
        parts = [(None, rg.W_LATER), (None, rg.W_LATER_TDXD)]
        if k == 2:
            parts.append((never, 2.0 * rg.W_LATER_TDXD))
        reg = choose(rnd, (gid, k), parts, prev, pt.hr_pos, start_abs, where=mask)
        reg = np.where(pt.rechallenge & (k == m + 2), rg.REGIMEN_INDEX["TDM1"], reg)
        factor = np.where(rg.HAS_TDXD[reg], p.REGIMEN_PFS_FACTOR["trastuzumab deruxtecan"],
                          np.where(rg.HAS_TUCATINIB[reg], p.REGIMEN_PFS_FACTOR["tucatinib"], 1.0))
        ecog = _ecog(rnd, pt, k)
        t = _times(rnd, pt, k, p.PFS_LATER_MEDIAN * p.MONTH * factor, lp_pfs + p.LOGHR_PFS["ecog"] * ecog)
        dies = s + t["x"] >= death
        t["kind"] = np.where(dies, DEATH, t["kind"]).astype(np.int8)
        t["x"] = np.where(dies, death - s, t["x"])
        t["stop"] = np.where(dies, t["x"], t["stop"])
        t["prog"] = np.where(dies, -1, t["prog"])
        _put(lines, k, mask, s, t, ecog)
        lines.regimen[:, k - 1] = np.where(mask, reg, lines.regimen[:, k - 1])
        prev = np.where(mask, rg.ALL_FAMILIES[reg], prev)
        alive_line &= ~(mask & dies)
        alive_line &= ~(mask & (rnd.uniform(S.HOLIDAY, gid, k, 2) < p.P_STOP_THERAPY))
        s = np.where(mask, _next_start(s, t["x"], _gap(rnd, pt, k)), s)
    pt.death_rel = death
    pt.pivot_start = pivot_start
    _follow_up(rnd, pt, prof.cutoff, prof.p_lost, prof.drop_out_per_year)
    return lines, early


def _follow_up(rnd: Random, pt: Patients, cutoff: int, p_lost: float, drop_out_per_year: float) -> None:
    """Data cut-off (``cutoff``, days since 1970), loss to
    follow-up (share ``p_lost``; and at ``drop_out_per_year``, independently of the outcome),
    last contact, enrolment."""
    gid = pt.gid
    anchor = pt.met_dx + pt.pivot_start
    death = pt.met_dx + pt.death_rel
    lo = np.where(pt.group > 0, anchor + 14, pt.met_dx + 30)
    hi = np.minimum(death, cutoff) - 1
    lost = (rnd.uniform(S.LOST, gid) < p_lost) & (hi > lo)
    lost_at = lo + np.floor(rnd.uniform(S.LOST_TIME, gid) * np.maximum(hi - lo, 0)).astype(np.int64)
    if drop_out_per_year > 0:
        # exponential time to drop-out, independent of death: censoring that a Kaplan-Meier
        # curve can ignore (unlike p_lost's, which always precedes death)
        drop = lo + np.floor(-np.log(rnd.uniform(S.DROP_OUT, gid)) * 365.25 / drop_out_per_year).astype(np.int64)
        dropped = ~lost & (drop < hi)
        lost, lost_at = lost | dropped, np.where(dropped, drop, lost_at)
    dead = ~lost & (death <= cutoff)
    last = np.where(lost, lost_at, np.where(dead, death, cutoff - rnd.integers(S.LAST_CONTACT, 0, 91, gid)))
    pt.lost = lost
    pt.death = np.where(dead, death, -1)
    pt.last_contact = last
    kind = rnd.choice(S.ENROL_KIND, p.ENROL_PROBS, gid)
    u = rnd.uniform(S.ENROL_TIME, gid)
    enrol = np.select(
        [kind == 0, kind == 1],
        [pt.met_dx + np.floor(30 * u), pt.met_dx + np.floor(u * (anchor - pt.met_dx))],
        anchor + 1 + np.floor(u * np.clip(last - anchor - 1, 0, 180)),
    ).astype(np.int64)
    pt.enrolment = np.minimum(enrol, last)
