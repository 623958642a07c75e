"""Raw drug records implied by the lines: one row per administration or dispensing.

Every component of a line's regimen is given from ``start + offset`` every ``interval`` days
(plus a 0-2 day delay), for at most ``max_cycles`` cycles and never on or after the line's
stop day (the day of progression, the toxicity stop or death) nor after the end of
observation. Oral drugs are dispensings whose end date is the start plus the days supply,
cut at the last day of treatment. Realistic details, all consistent with the lines-of-therapy
rules: taxanes stop after six cycles while antibodies go on (maintenance; dropping a drug does
not advance a line), paclitaxel <-> docetaxel substitutions and trastuzumab IV -> SC switches
after the 28-day regimen window (in-family or same drug, no new line), ondansetron on
chemotherapy days and bone-targeted drugs through the metastatic course (exempt classes that
never form a line).
"""

from __future__ import annotations

import numpy as np

from . import regimens as rg
from ._random import Random, S

P_SUBSTITUTE = 0.08  # taxane swapped within the family (mostly for neuropathy / oedema)
P_SC_SWITCH = 0.2  # trastuzumab IV -> SC during maintenance
P_ONDANSETRON = 0.15  # antiemetic recorded with IV chemotherapy
SUPPORT_SLOT = 15


class FlatLines:
    """Lines (and support segments) as flat arrays: pidx, gid, slot, regimen, start (absolute
    day), stop (administrations before start + stop), last (last allowed day after start)."""

    def __init__(self, pidx, gid, slot, regimen, start, stop, last) -> None:
        self.pidx, self.gid, self.slot, self.regimen = pidx, gid, slot, regimen
        self.start, self.stop, self.last = start, stop, last
        self.n = len(pidx)


class Exposures:
    """Rows: pidx, line (index into the flat lines), drug (id), start, end (absolute days), route."""


def make_exposures(rnd: Random, fl: FlatLines, is_line: np.ndarray) -> tuple[Exposures, np.ndarray, np.ndarray]:
    """Administrations of every flat line; returns (rows, given-component mask, line end).

    ``is_line`` marks real lines (support segments get no ondansetron). Work per row is a few
    integer operations: random choices are drawn per line or per line component and only
    indexed per row (8-15 million rows per 100,000 patients).
    """
    reg = fl.regimen
    ncomp = rg.COMP_COUNT[reg]
    lc_line = np.repeat(np.arange(fl.n), ncomp)
    lc_start = np.cumsum(ncomp) - ncomp
    within = np.arange(lc_line.size) - np.repeat(lc_start, ncomp)
    comp = rg.COMP_START[reg[lc_line]] + within
    last = np.minimum(fl.stop - 1, fl.last)[lc_line]  # last day an administration may fall on
    off = rg.COMP_OFFSET[comp]
    interval = rg.COMP_INTERVAL[comp]
    ncyc = np.where(last >= off, np.minimum((last - off) // interval + 1, rg.COMP_MAX[comp]), 0)
    given = (ncyc > 0).astype(np.int64) << within
    mask = np.add.reduceat(given, lc_start) if fl.n else np.zeros(0, dtype=np.int64)

    # per line and per line component: delays, substitution and SC-switch cycles
    lc_key = (fl.slot[lc_line].astype(np.int64) << 4) | within
    h = rnd.bits(S.ADMIN_JITTER, fl.gid[lc_line], lc_key)
    line_u = rnd.uniform(S.SUBSTITUTE, fl.gid, fl.slot)
    sub_at = np.where(rg.COMP_INTERVAL[comp] == 7, 6, 2) + (h >> np.uint64(62)).astype(np.int64)
    sub_at = np.where(line_u[lc_line] < P_SUBSTITUTE, sub_at, 1 << 30)
    sc_u = rnd.uniform(S.SC_SWITCH, fl.gid, fl.slot)
    sc_at = np.where(sc_u[lc_line] < P_SC_SWITCH, 4 + (sc_u[lc_line] * 1e6).astype(np.int64) % 5, 1 << 30)

    # rows: ncyc cycles x (1 or 2 days per cycle), in line-component order (int32 throughout:
    # this is the hot loop, 8-15 million rows per 100,000 patients)
    second_day = rg.COMP_SECOND_DAY[comp]
    two = (second_day >= 0).astype(np.int32)
    nrow = (ncyc << two).astype(np.int64)
    r = np.repeat(np.arange(lc_line.size, dtype=np.int32), nrow)
    t = np.arange(r.size, dtype=np.int32) - np.repeat((np.cumsum(nrow) - nrow).astype(np.int32), nrow)
    two_r = two[r]
    j = t >> two_r
    nominal = (off.astype(np.int32)[r] + j * interval.astype(np.int32)[r]
               + (t & two_r) * np.maximum(second_day, 0).astype(np.int32)[r])
    seed32 = (h & np.uint64(0x7FFFFFFF)).astype(np.int32)
    mixed = (seed32[r] ^ (j * np.int32(40503))) * np.int32(-1640531535)
    jitter = np.where(j > 0, np.minimum((mixed >> 13) & 3, 2), 0).astype(np.int32)
    lst = last.astype(np.int32)[r]
    day = np.minimum(nominal + jitter, np.maximum(lst, nominal))
    keep = day <= lst  # only second days of a cycle can fall beyond the stop
    if not keep.all():
        r, j, day, lst = r[keep], j[keep], day[keep], lst[keep]
    c = comp[r]
    line = lc_line[r]
    drug = rg.COMP_DRUG[c]
    partner = rg.TAXANE_PARTNER[drug]
    swap = (partner >= 0) & (j >= sub_at[r]) & (day >= 35)
    drug = np.where(swap, partner, drug).astype(np.int16)
    route = rg.COMP_ROUTE[c]
    route = np.where((drug == rg.DRUG_INDEX["trastuzumab"]) & (j >= sc_at[r]), rg.SC, route).astype(np.int8)
    supply = rg.COMP_SUPPLY.astype(np.int32)[c]
    end = np.where(supply > 0, np.minimum(day + supply - 1, lst), day)
    # rows are grouped by line (line-major), so a line's last exposure is a segment maximum
    bounds = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    line_end = np.full(fl.n, -1, dtype=np.int64)
    line_end[line[bounds]] = np.maximum.reduceat(end, bounds) if bounds.size else []

    # Ondansetron on the days of the regimen's first IV chemotherapy.
    onda_line = (rnd.uniform(S.ONDANSETRON, fl.gid, fl.slot) < P_ONDANSETRON) & is_line
    onda = (c == rg.FIRST_CHEMO_COMP[reg[line]]) & onda_line[line]
    n_onda = int(onda.sum())
    ex = Exposures()
    ex.line = np.concatenate([line, line[onda]])
    ex.drug = np.concatenate([drug, np.full(n_onda, rg.ONDANSETRON, dtype=np.int16)])
    ex.route = np.concatenate([route, np.full(n_onda, rg.IV, dtype=np.int8)])
    base = fl.start.astype(np.int32)[ex.line]
    ex.start = base + np.concatenate([day, day[onda]])
    ex.end = base + np.concatenate([end, day[onda]])
    ex.pidx = fl.pidx[ex.line]
    # order by patient, date, drug: one sort of packed int64 keys whose low bits carry the row
    # (patient < 2^15 per chunk, day < 2^15 (year 2059), drug < 2^5; keys are unique)
    nbits = max(1, int(ex.pidx.size).bit_length())
    key = (((ex.pidx.astype(np.int64) << 15 | ex.start.astype(np.int64)) << 5 | ex.drug) << nbits) | np.arange(ex.pidx.size)
    order = np.sort(key) & ((1 << nbits) - 1)
    for name in ("line", "drug", "route", "start", "end", "pidx"):
        setattr(ex, name, getattr(ex, name)[order])
    return ex, mask, np.where(line_end >= 0, fl.start + line_end, -1)
