"""Patients: treatment-sequence group, tumour biology, demographics, metastatic sites.

Shares follow Study C's whole cohort (STUDIES.md); see :mod:`linewise.synth.params`.
"""

from __future__ import annotations

import numpy as np

from . import params as p
from ._random import Random, S
from .profile import RegistryProfile


class Patients:
    """Patient-level arrays of one chunk (internal; one attribute per characteristic)."""

    def __init__(self, gid: np.ndarray) -> None:
        self.gid = gid
        self.n = len(gid)


def _group(rnd: Random, gid: np.ndarray, prof: RegistryProfile) -> np.ndarray:
    counts = np.array(prof.group_counts, dtype=float)
    probs = np.concatenate([[prof.p_never_tdm1], (1 - prof.p_never_tdm1) * counts / counts.sum()])
    return rnd.choice(S.GROUP, probs, gid)


def make_patients(rnd: Random, gid: np.ndarray, prof: RegistryProfile) -> Patients:
    """Draw every patient-level characteristic of the patients numbered ``gid`` (0-based)
    with the group mix, line mix and subtype mix of the registry profile ``prof``."""
    pt = Patients(gid)
    g = _group(rnd, gid, prof)
    pt.group = g
    late = np.array(list(prof.late_tdm1_line_probs.values()))
    late_line = np.array(list(prof.late_tdm1_line_probs))[rnd.choice(S.TDM1_LINE, late, gid)]
    pt.tdm1_line = np.select([g == 0, (g == 1) | (g == 3), g == 5], [0, 2, 1], late_line).astype(np.int64)
    pt.pivot = np.maximum(pt.tdm1_line, 1)
    pt.rechallenge = (g > 0) & (pt.tdm1_line <= 4) & (rnd.uniform(S.RECHALLENGE, gid) < p.P_RECHALLENGE)
    pt.no_her2 = ((g == 1) | (g == 2)) & (rnd.uniform(S.NO_HER2, gid) < p.P_NO_HER2_PRIOR)

    # --- tumour biology
    sub = _subtype(rnd, gid, g, prof)
    pt.subtype = sub
    pt.er_pos = (sub == p.SUBTYPE_TP) | (sub == p.SUBTYPE_ER_ONLY)
    pt.pgr_pos = (sub == p.SUBTYPE_TP) | (sub == p.SUBTYPE_PGR_ONLY)
    pt.hr_pos = sub != p.SUBTYPE_HR_NEG
    # Percentages: positive tumours mostly strongly positive (10-100% in steps of 10); negative 0.
    # Values 1-9% ("ER-low") are avoided so that status and percentage never disagree.
    er_pct = 10 * (1 + np.floor(10 * rnd.uniform(S.ER_PCT, gid) ** 0.5))
    pgr_pct = 10 * (1 + np.floor(10 * rnd.uniform(S.PGR_PCT, gid) ** 0.8))
    pt.er_pct = np.where(pt.er_pos, np.minimum(er_pct, 100), 0.0)
    pt.pgr_pct = np.where(pt.pgr_pos, np.minimum(pgr_pct, 100), 0.0)
    pt.pct_known = rnd.uniform(S.PGR_UNKNOWN, gid) < 0.8
    pt.her2_ihc3 = rnd.uniform(S.HER2, gid) < p.P_IHC3
    # ISH is done for every 2+ (amplified: that made them HER2-positive), for some 3+.
    pt.ish_done = ~pt.her2_ihc3 | (rnd.uniform(S.HER2_ISH, gid) < 0.25)
    ki = rnd.choice(S.KI67, p.KI67_PROBS, gid)
    kv = rnd.uniform(S.KI67_VALUE, gid)
    pt.ki67 = np.select([ki == 0, ki == 1], [5 * (1 + np.floor(4 * kv)), 25 + 5 * np.floor(14 * kv ** 1.3)], np.nan)
    pt.ki67_high = ki == 1
    pt.grade = rnd.choice(S.GRADE, p.GRADE_PROBS, gid)  # 0 G1, 1 G2, 2 G3, 3 unknown
    pt.histology = rnd.choice(S.HISTOLOGY, p.HISTOLOGY_PROBS, gid)
    pt.female = rnd.uniform(S.SEX, gid) < p.P_FEMALE
    centre_w = 1.0 / np.arange(1, prof.n_centres + 1) ** 0.7  # a few large centres, many small
    pt.centre = rnd.choice(S.CENTRE, centre_w, gid).astype(np.int64) + 1

    pt.age = np.clip(p.AGE_MEDIAN + p.AGE_SD * rnd.normal(S.AGE, gid), p.AGE_MIN, p.AGE_MAX)

    # --- early disease
    pt.de_novo = rnd.uniform(S.DE_NOVO, gid) < p.P_DE_NOVO
    early = ~pt.de_novo
    pt.early_treated = early & (rnd.uniform(S.EARLY_TREATED, gid) < p.P_EARLY_TREATED)
    pt.early_tmab = pt.early_treated & ~pt.no_her2 & (rnd.uniform(S.EARLY_TMAB, gid) < p.P_EARLY_TMAB)
    pt.neoadjuvant = pt.early_treated & (rnd.uniform(S.NEOADJUVANT, gid) < p.P_NEOADJUVANT)
    dfi_median = np.array([p.DFI_MEDIAN[k] for k in range(6)])[g] * p.MONTH
    dfi = np.round(dfi_median * np.exp(p.DFI_SIGMA * rnd.normal(S.DFI, gid)))
    # at most 15 years, and the primary diagnosis at 20 or older
    dfi = np.minimum(dfi, np.minimum(15 * 365.25, (pt.age - 20) * 365.25 - 200))
    pt.dfi = np.maximum(p.DFI_MIN_DAYS, dfi).astype(np.int64)

    _sites(rnd, pt)
    pt.frailty = rnd.normal(S.FRAILTY, gid)
    return pt


def _subtype(rnd: Random, gid: np.ndarray, g: np.ndarray, prof: RegistryProfile) -> np.ndarray:
    """Subtype by group: one draw per patient from the stream, so a profile whose groups share
    one mix gives the same subtypes as a single draw over all patients."""
    mixes = {tuple(prof.subtype_probs[k]) for k in range(6)}
    if len(mixes) == 1:
        return rnd.choice(S.SUBTYPE, mixes.pop(), gid)
    sub = np.zeros(len(gid), dtype=np.int8)
    for k in range(6):
        at = g == k
        if at.any():
            sub[at] = rnd.choice(S.SUBTYPE, prof.subtype_probs[k], gid[at])
    return sub


def _sites(rnd: Random, pt: Patients) -> None:
    """Metastatic sites (any time): count, then which (weighted sampling without replacement)."""
    gid = pt.gid
    k = len(p.SITES)
    n_sites = rnd.choice(S.N_SITES, p.N_SITES_PROBS, gid).astype(np.int64) + 1
    single = rnd.choice(S.SITE_KEYS, p.SINGLE_SITE_PROBS, gid, 99)
    u = rnd.uniform(S.SITE_KEYS, gid[:, None], np.arange(k)[None, :])
    keys = -np.log(u) / np.array(p.MULTI_SITE_WEIGHTS)[None, :]
    rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    mask = rank < n_sites[:, None]
    mask[n_sites == 1] = False
    one = np.flatnonzero(n_sites == 1)
    mask[one, single[one]] = True
    pt.n_sites = n_sites
    pt.site_mask = mask
    # Which sites were found later (at a progression): never the first-ranked site.
    first = np.where(n_sites == 1, single, np.argmin(np.where(mask, rank, 99), axis=1))
    later = (rnd.uniform(S.SITE_LATE, gid[:, None], np.arange(k)[None, :]) < p.P_SITE_LATER) & mask
    later[np.arange(pt.n), first] = False
    pt.site_later = later
    idx = {s: i for i, s in enumerate(p.SITES)}
    pt.brain = mask[:, idx["brain"]]
    pt.visceral = mask[:, idx["liver"]] | mask[:, idx["lung"]] | mask[:, idx["pleura"]]
    pt.bone = mask[:, idx["bone"]]
    pt.bone_only = pt.bone & (n_sites == 1)
