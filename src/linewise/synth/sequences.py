"""Treatment sequences: early-disease lines and the regimen of every metastatic line.

Regimens are drawn per line slot from weighted catalogues (:mod:`.regimens`), masked by
eligibility: hormone-receptor status, era (pertuzumab, T-DXd, tucatinib) and novelty — a line
must bring at least one drug family the previous line did not have, so that the rule-based
line-of-therapy algorithm (regimen window 28 days, a new drug after the window advances the
line) finds exactly the recorded lines.
"""

from __future__ import annotations

import numpy as np

from . import params as p
from . import regimens as rg
from ._random import Random, S
from .population import Patients

N_EARLY = 3  # chemo (+ HER2), a sequential second chemo part, endocrine
NEOADJUVANT, ADJUVANT, METASTATIC = 0, 1, 2
SETTINGS = ("neoadjuvant", "adjuvant", "metastatic")


def choose(rnd: Random, ids: tuple, parts, prev_families, hr_pos, start_abs, where=None) -> np.ndarray:
    """One regimen per row from a weighted catalogue, masked by :func:`eligible`.

    ``parts`` is a list of ``(rows, weights)``: a boolean row mask (or ``None`` for all rows)
    and a weight vector over all regimens; a row's weights are the sum of the parts it is in.
    Only regimens with a weight somewhere, and only rows in ``where`` (a boolean mask; other
    rows get 0), are looked at, which keeps the (n, k) work small.
    """
    if where is not None:
        idx = np.flatnonzero(where)
        out = np.zeros(len(where), dtype=np.int64)
        if idx.size:
            sub = [(None if r is None else r[idx], w) for r, w in parts]
            out[idx] = choose(rnd, tuple(np.asarray(i)[idx] if np.ndim(i) else i for i in ids), sub,
                              prev_families[idx], hr_pos[idx], start_abs[idx])
        return out
    n = len(prev_families)
    cols = np.flatnonzero(np.any([w > 0 for _, w in parts], axis=0))
    ww = np.zeros((n, len(cols)))
    for rows, w in parts:
        if rows is None:
            ww += w[cols][None, :]
        else:
            ww += rows[:, None] * w[cols][None, :]
    ok = eligible(prev_families, hr_pos, start_abs, cols)
    masked = np.where(ok, ww, 0.0)
    empty = masked.sum(axis=1) <= 0
    masked[empty] = ww[empty]
    cum = np.cumsum(masked, axis=1)
    u = rnd.uniform(S.REGIMEN, *ids) * cum[:, -1]
    pick = np.minimum((cum <= u[:, None]).sum(axis=1), len(cols) - 1)
    return cols[pick].astype(np.int64)


def eligible(prev_families: np.ndarray, hr_pos: np.ndarray, start_abs: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(n, len(cols)) mask: novelty against the previous line, receptor status and era."""
    novel = (rg.CORE_FAMILIES[cols][None, :] & ~prev_families[:, None]) != 0
    hr_ok = ~rg.HR_POSITIVE_ONLY[cols][None, :] | hr_pos[:, None]
    era = ~(rg.HAS_PERTUZUMAB[cols][None, :] & (start_abs[:, None] < p.PERTUZUMAB_FROM))
    era &= ~(rg.HAS_TDXD[cols][None, :] & (start_abs[:, None] < p.TDXD_FROM))
    era &= ~(rg.HAS_TUCATINIB[cols][None, :] & (start_abs[:, None] < p.TUCATINIB_FROM))
    return novel & hr_ok & era


class EarlyLines:
    """Neoadjuvant/adjuvant lines, shape (n, 3): exists, regimen, start (absolute day),
    stop (days after start before which every administration lies), setting, truncated."""


def _course_last(reg: np.ndarray) -> np.ndarray:
    """Nominal day of the last administration of a full course of each early regimen."""
    last = np.zeros(rg.N_REGIMENS, dtype=np.int64)
    for ri, r in enumerate(rg.REGIMENS):
        last[ri] = max(c.offset + c.interval * ((c.max_cycles or 1) - 1) + max(c.days) for c in r.components)
    return last[reg]


def make_early_lines(rnd: Random, pt: Patients, met_dx: np.ndarray) -> EarlyLines:
    """Early-disease dates and lines, working back from the metastatic diagnosis ``met_dx``.

    Sets ``pt.surgery``, ``pt.primary_dx`` (absolute days; surgery -1 when none).
    """
    gid, n = pt.gid, pt.n
    ri = rg.REGIMEN_INDEX
    u = lambda k: rnd.uniform(S.EARLY_DATES, gid, k)  # noqa: E731
    early = ~pt.de_novo
    surgery = np.where(early, met_dx - pt.dfi, -1)
    # Regimen choice: trastuzumab patients (adjuvant: TCH / weekly paclitaxel + H / EC then
    # docetaxel + H; neoadjuvant: TC(H)(P) / EC then docetaxel + H); others anthracycline-based.
    ur = rnd.uniform(S.EARLY_REGIMEN, gid)
    tmab_adj = np.select([ur < 0.4, ur < 0.6], [ri["E_TCH"], ri["E_PH"]], ri["E_EC"])
    tmab_neo = np.where(ur < 0.55, ri["E_TCH"], ri["E_EC"])
    plain = np.select([ur < 0.4, ur < 0.75], [ri["E_EC"], ri["E_FEC"]], ri["E_TC"])
    first = np.where(pt.early_tmab, np.where(pt.neoadjuvant, tmab_neo, tmab_adj), plain)
    second = np.where(first == ri["E_EC"], np.where(pt.early_tmab, ri["E_DH"], ri["E_D"]), -1)
    # Day of the last neoadjuvant chemotherapy (surgery 3-5 weeks later): EC then docetaxel
    # 84 + 63, six q3w cycles 105, four 63.
    chemo_last = np.select([second >= 0, first == ri["E_TC"]], [147, 63], 105)
    neo_start = surgery - chemo_last - np.round(21 + 14 * u(0)).astype(np.int64)
    adj_start = surgery + np.round(28 + 28 * u(1)).astype(np.int64)
    start1 = np.where(pt.neoadjuvant, neo_start, adj_start)
    # TCHP once neoadjuvant pertuzumab was in use (2015).
    first = np.where((first == ri["E_TCH"]) & pt.neoadjuvant & (start1 >= p.day("2015-01-01")), ri["E_TCHP"], first)
    start2 = start1 + 84
    primary_dx = np.where(pt.neoadjuvant, start1 - np.round(14 + 21 * u(2)).astype(np.int64),
                          surgery - np.round(14 + 28 * u(3)).astype(np.int64))
    primary_dx = np.where(early, primary_dx, met_dx - np.round(45 * u(4)).astype(np.int64))
    pt.surgery, pt.primary_dx = surgery, primary_dx

    el = EarlyLines()
    el.exists = np.zeros((n, N_EARLY), dtype=bool)
    el.regimen = np.zeros((n, N_EARLY), dtype=np.int64)
    el.start = np.zeros((n, N_EARLY), dtype=np.int64)
    el.stop = np.zeros((n, N_EARLY), dtype=np.int64)
    el.setting = np.full((n, N_EARLY), ADJUVANT, dtype=np.int8)
    el.truncated = np.zeros((n, N_EARLY), dtype=bool)
    relapse_limit = met_dx - 14  # no early treatment in the two weeks before relapse is found

    def put(k, mask, reg, start, course_stop, setting):
        ok = mask & (start < met_dx - 30)
        el.exists[:, k] = ok
        el.regimen[:, k] = np.where(ok, reg, 0)
        el.start[:, k] = start
        el.stop[:, k] = np.minimum(course_stop, relapse_limit - start)
        el.truncated[:, k] = ok & (course_stop > relapse_limit - start)
        el.setting[:, k] = setting

    treated = pt.early_treated
    setting = np.where(pt.neoadjuvant, NEOADJUVANT, ADJUVANT)
    put(0, treated, first, start1, _course_last(first) + 3, setting)
    put(1, treated & (second >= 0) & el.exists[:, 0], np.maximum(second, 0), start2,
        _course_last(np.maximum(second, 0)) + 3, setting)
    # Endocrine therapy for HR+ after the last chemo/trastuzumab dose: tamoxifen before 50,
    # an aromatase inhibitor after; five years or until relapse.
    last_end = np.where(el.exists[:, 1], el.start[:, 1] + el.stop[:, 1], el.start[:, 0] + el.stop[:, 0])
    any_trunc = el.truncated[:, 0] | el.truncated[:, 1]
    # Adjuvant endocrine therapy starts after surgery, also after neoadjuvant chemotherapy
    # (whose last dose precedes surgery): a line that starts after surgery is adjuvant.
    e_start = np.maximum(last_end, surgery) + np.round(14 + 28 * u(5)).astype(np.int64)
    age_at_dx = pt.age - (met_dx - primary_dx) / 365.25
    ai = np.where(rnd.uniform(S.ENDOCRINE, gid) < 0.6, ri["E_LET"], ri["E_ANA"])
    endo = np.where(age_at_dx < 50, ri["E_TAM"], ai)
    e_ok = treated & pt.hr_pos & ~any_trunc & (e_start < met_dx - 90)
    put(2, e_ok, endo, e_start, _course_last(endo) + 90, ADJUVANT)
    return el


def last_early_families(el: EarlyLines) -> np.ndarray:
    fam = np.zeros(el.exists.shape[0], dtype=np.int64)
    for k in range(N_EARLY):
        fam = np.where(el.exists[:, k], rg.ALL_FAMILIES[el.regimen[:, k]], fam)
    return fam
