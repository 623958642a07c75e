"""Loglik, score and information of the Cox partial likelihood at one linear predictor.

The per-step kernel of the Newton-Raphson engine in :mod:`.cox_fit` (R ``survival`` 3.5
``coxfit6`` / ``agfit4``), vectorised over the risk-set layout of :mod:`.cox_risk`:

* The risks are summed per block of rows between consecutive event times (one sparse
  product for ``risk * x``), and the risk-set sums are reverse cumulative sums over the
  few block sums, read at each group's first block (minus the same over entry-ordered
  blocks for rows not yet entered, with delayed entry); a group's event rows form one
  block.
* Each row is at risk for a contiguous range ``[lo, hi)`` of event groups, so the
  second-derivative term ``sum_g a_g S2_g`` is the weighted Gram matrix ``X' diag(v) X``
  with ``v_i = risk_i * sum_{g in [lo_i, hi_i)} a_g`` -- symmetric BLAS updates (``syrk``)
  over cache-sized row chunks.
* Sums over the Efron terms of a group reduce to scalars times the group's ``S1`` and
  ``D1``, so no (events x covariates) array is built; there is no Python loop over rows
  or times.  The passes over the (n x p) matrix run over row ranges on threads for large
  inputs (:mod:`._parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _parallel
from ._parallel import PARTS, map_rows, run_ranges, split_rows
from .cox_risk import RiskSets


def _suffix_sums(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``out[b] = values[b:].sum(axis=0)``, with a trailing zero row (length B + 1)."""
    if out is None:
        out = np.empty((values.shape[0] + 1,) + values.shape[1:])
    out[-1] = 0.0
    np.cumsum(values[::-1], axis=0, out=out[-2::-1])
    return out


def _risk_set_sums(rs: RiskSets, risk: np.ndarray, x: np.ndarray, ws: _Work):
    """Per group: ``S0, S1`` over the rows at risk and ``D0, D1`` over the group's events.

    The rows are summed per block (runs of sorted rows between consecutive group
    boundaries), then the few block sums are accumulated from the largest time downwards
    -- the order in which R's C code accumulates risk sets.  A group's events are one
    block.  With delayed entry the rows not yet entered (entry >= t) are subtracted the
    same way, from blocks of the entry-ordered rows (as ``agfit4`` does).
    """
    b0, b1 = rs.exit_blocks.sums(risk, x, ws if ws.store is not None else None)
    r0, r1 = _suffix_sums(b0), _suffix_sums(b1, ws.get("r1", (b1.shape[0] + 1, b1.shape[1])))
    g, p = rs.n_groups, x.shape[1]
    s0 = r0[rs.blk_first]
    s1 = np.take(r1, rs.blk_first, axis=0, out=ws.get("s1", (g, p)), mode="clip")
    if rs.blk_end is not None:
        s0 -= r0[rs.blk_end]
        s1 -= r1[rs.blk_end]
    if rs.counting:
        e0, e1 = rs.entry_blocks.sums(risk, x)
        q0, q1 = _suffix_sums(e0), _suffix_sums(e1)
        s0 -= q0[rs.eblk_first] - q0[rs.eblk_end]
        s1 -= q1[rs.eblk_first] - q1[rs.eblk_end]
    return s0, s1, b0[rs.blk_first], np.take(b1, rs.blk_first, axis=0, out=ws.get("d1", (g, p)), mode="clip")


def _at_risk_sums(rs: RiskSets, per_group: np.ndarray, own_event: np.ndarray, out=None) -> np.ndarray:
    """Per row: ``sum of per_group[g] over the groups at risk - [row is an event of g] own_event[g]``.

    (n,) or (n, p).  An event row's last group at risk is its own (``hi - 1``), so both
    cases read one table of prefix sums indexed by ``2 hi + event`` -- one gather from a
    small table, no scatter over the event rows.
    """
    shape = per_group.shape[1:]
    c = np.zeros((per_group.shape[0] + 1, *shape))
    np.cumsum(per_group, axis=0, out=c[1:])
    table = np.empty((2 * c.shape[0], *shape))
    table[0::2] = c
    table[1::2] = c
    table[3::2] -= own_event
    res = np.take(table, rs.hi_event, axis=0, out=out, mode="clip")
    if not rs.lo_zero:
        res -= np.take(c, rs.lo, axis=0)
    return res


class _Work:
    """Scratch arrays reused across Newton steps.

    Fresh multi-megabyte temporaries are not free: each one is new memory from the OS
    (page faults, zeroing) on every step.  ``get`` hands out the same array per name.
    A ``_Work(None)`` allocates every time (one-off calls).
    """

    def __init__(self, store: dict | None):
        self.store = store

    def get(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        shape = (int(shape),) if np.ndim(shape) == 0 else tuple(shape)
        if self.store is None:
            return np.empty(shape)
        arr = self.store.get(name)
        if arr is None or arr.shape != shape:
            arr = self.store[name] = np.empty(shape)
        return arr


#: rows per chunk of the weighted Gram matrix (16384 x 10 doubles: 1.3 MB; measured best
#: at p = 10 among 2k .. 32k rows -- fewer numpy calls, still cache-resident)
_GRAM_ROWS = 16384
#: bytes of covariates per chunk of the other chunked passes (cache-resident)
_CHUNK_BYTES = 1 << 18


def _weighted_gram(x: np.ndarray, v: np.ndarray, overwrite_v: bool = False) -> np.ndarray:
    """``x' diag(v) x``: symmetric rank-k updates with ``sqrt(v) x`` when ``v >= 0``.

    Over row chunks of ``y = sqrt(v) x`` built in one small buffer (no (n x p) temporary
    per Newton step).  ``y.T @ y`` is numpy's own product with a transpose, which it
    hands to BLAS ``syrk`` (half the flops of a general product); for thin ``x`` (p ~ 10)
    this measured about twice as fast as scipy's ``dsyrk`` wrapper on the same chunks.
    Large inputs: row ranges on threads (:mod:`._parallel`), partial sums added in order.
    """
    n, p = x.shape
    if not (n and v.min() >= 0):
        return x.T @ (x * v[:, None])
    sv = np.sqrt(v, out=v if overwrite_v else None)
    rows = _GRAM_ROWS

    def part(start: int, stop: int) -> np.ndarray:
        buf = np.empty((min(rows, stop - start), p))
        g = np.zeros((p, p))
        for a in range(start, stop, rows):
            b = a + rows if a + rows < stop else stop
            y = np.multiply(x[a:b], sv[a:b, None], out=buf[: b - a])
            g += y.T @ y
        return g

    parts = map_rows(part, n, align=rows)
    g = parts[0]
    for other in parts[1:]:
        g += other
    return g


def _information_gram(rs: RiskSets, x: np.ndarray, risk: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_g [a_g S2_g - b_g D2_g]`` as the weighted Gram matrix ``x' diag(v) x``.

    ``v_i = risk_i * (sum of a_g over the groups at risk - [i is an event of g] b_g)``
    (:func:`_at_risk_sums`), computed chunk by chunk inside the Gram pass (from one small
    prefix table) rather than as an n-vector of its own; chunks as :func:`_weighted_gram`,
    on threads for large inputs.  ``v >= 0`` in the fit (``a_g >= b_g >= 0``): a chunk
    uses ``syrk`` on ``sqrt(v) x``; a chunk with a negative weight (the signed time
    weights of ``cox.zph``, or rounding) the general product.
    """
    n, p = x.shape
    c = np.zeros(a.size + 1)
    np.cumsum(a, out=c[1:])
    table = np.empty(2 * c.size)
    table[0::2] = c
    table[1::2] = c
    table[3::2] -= b
    rows = _GRAM_ROWS
    # one stratum without delayed entry: v is a table value times a risk, so a table
    # without negative entries means no chunk needs its own sign check
    nonneg = rs.lo_zero and table.min() >= 0

    def part(start: int, stop: int) -> np.ndarray:
        m = min(rows, stop - start)
        buf, vbuf = np.empty((m, p)), np.empty(m)
        g = np.zeros((p, p))
        for lo in range(start, stop, rows):
            hi = lo + rows if lo + rows < stop else stop
            v = np.take(table, rs.hi_event[lo:hi], out=vbuf[: hi - lo], mode="clip")
            if not rs.lo_zero:
                v -= np.take(c, rs.lo[lo:hi])
            v *= risk[lo:hi]
            if nonneg or v.min() >= 0:
                # (einsum scales the rows ~15% faster than a broadcast multiply)
                y = np.einsum("ij,i->ij", x[lo:hi], np.sqrt(v, out=v), out=buf[: hi - lo])
                g += y.T @ y
            else:
                g += x[lo:hi].T @ np.multiply(x[lo:hi], v[:, None], out=buf[: hi - lo])
        return g

    parts = map_rows(part, n, align=rows)
    g = parts[0]
    for other in parts[1:]:
        g += other
    return g


#: Efron terms per chunk of :func:`_efron_sums` (six rows of this many doubles stay in cache)
_TERM_CHUNK = 1 << 14


def _efron_sums(rs: RiskSets, s0: np.ndarray, d0: np.ndarray) -> np.ndarray:
    """Per group, sums over its Efron terms ``r``: rows ``1/den, f/den, 1/den^2, f/den^2,
    f^2/den^2, log(den)`` with ``den_r = S0 - f_r D0`` (6, G).

    One entry per event record = per Efron term of its group.  Every sum the derivatives
    need is a per-group sum of a power of ``1/den_r`` times a power of ``f_r``; the term
    weight W/d is constant within a group and multiplies the group sums afterwards.
    Done over chunks of whole groups (cache-sized; on threads for many terms), each a
    few ufuncs and one ``reduceat``; ``np.repeat`` over the group sizes expands the
    per-group values (contiguous, faster than a gather).
    """
    gs, d, f = rs.group_start, rs.group_d, rs.efron_frac
    n_groups, nd = gs.size, f.size
    out = np.empty((6, n_groups))
    if not n_groups:
        return out
    cuts = np.unique(np.concatenate(([0], np.searchsorted(gs, np.arange(_TERM_CHUNK, nd, _TERM_CHUNK)), [n_groups])))
    ends = np.append(gs, nd)

    def part(k0: int, k1: int) -> None:
        for k in range(k0, k1):
            g0, g1 = int(cuts[k]), int(cuts[k + 1])
            t0, t1 = int(ends[g0]), int(ends[g1])
            dd = d[g0:g1]
            den = np.repeat(d0[g0:g1], dd)
            den *= f[t0:t1]
            np.subtract(np.repeat(s0[g0:g1], dd), den, out=den)
            terms = np.empty((6, t1 - t0))
            inv, fi, inv2, fi2, f2i2, logden = terms
            with np.errstate(divide="ignore", invalid="ignore"):
                np.divide(1.0, den, out=inv)
                np.log(den, out=logden)
            np.multiply(f[t0:t1], inv, out=fi)
            np.multiply(inv, inv, out=inv2)
            np.multiply(fi, inv, out=fi2)
            np.multiply(fi, fi, out=f2i2)
            out[:, g0:g1] = np.add.reduceat(terms, gs[g0:g1] - t0, axis=1)

    n_chunks = cuts.size - 1
    run_ranges(part, split_rows(n_chunks, PARTS if nd >= _parallel.MIN_ROWS else 1))
    return out


@dataclass(frozen=True)
class Derivatives:
    """Log partial likelihood and its derivatives at one beta, plus per-group pieces.

    With Efron term ``r`` of group ``g`` having denominator ``den_r = S0 - f_r D0`` and
    mean ``m_r = (S1 - f_r D1) / den_r`` (``f_r = r/d``), every sum over the terms that
    the score, information and residuals need is a combination of the group's ``S1``,
    ``D1`` and the scalar sums below -- so no (events x covariates) array is formed.
    """

    loglik: float
    u: np.ndarray
    imat: np.ndarray
    shift: float  # risks are exp(eta - shift)
    s1: np.ndarray  # (G, p) risk-set sums of risk * x
    d1: np.ndarray  # (G, p) sums over the group's events
    a: np.ndarray  # (G,) sum_r h_r,            h_r = (W/d) / den_r (hazard increment)
    b: np.ndarray  # (G,) sum_r h_r f_r
    c0: np.ndarray  # (G,) sum_r h_r / den_r
    c1: np.ndarray  # (G,) sum_r h_r f_r / den_r
    c2: np.ndarray  # (G,) sum_r h_r f_r^2 / den_r
    q0: np.ndarray  # (G,) mean_r 1 / den_r
    q1: np.ndarray  # (G,) mean_r f_r / den_r


def derivatives(
    rs: RiskSets,
    x: np.ndarray,
    eta: np.ndarray,
    group_weight: np.ndarray | None = None,
    event_x: np.ndarray | None = None,
    work: dict | None = None,
    event_eta: float | None = None,
) -> Derivatives:
    """Loglik, score and information of the Cox partial likelihood at linear predictor ``eta``.

    ``x`` and ``eta`` are in the sorted order of ``rs`` (``x[rs.order]``); ``event_x``
    optionally caches ``w[di] @ x[di]``, the weighted covariate sum over the event
    records (constant across Newton iterations; ignored with ``group_weight``),
    ``event_eta`` optionally ``sum(w[di] * eta[di])`` (``event_x @ beta``: no gather), and
    ``work`` a dict of scratch arrays reused across calls (``eta`` may not be one; the
    (G, p) arrays of the result then live in it and are overwritten by the next call).

    ``group_weight`` (one value per event group) multiplies each event time's contribution
    to the score and information (used for the ``cox.zph`` score test, where the time
    function g(t) multiplies the contributions; R ``zph1.c``).
    """
    w = rs.weights
    ws = _Work(work)
    n = rs.n
    risk = ws.get("risk", n)
    shift = float(np.max(map_rows(lambda a_, b_: np.max(eta[a_:b_]), n))) if n else 0.0

    def exp_part(a_: int, b_: int) -> None:
        r = np.subtract(eta[a_:b_], shift, out=risk[a_:b_])
        np.exp(r, out=r)
        if not rs.unit_weights:
            r *= w[a_:b_]

    map_rows(exp_part, n)
    di = rs.death_idx
    d = rs.group_d

    s0, s1, d0, d1 = _risk_set_sums(rs, risk, x, ws)
    sums = _efron_sums(rs, s0, d0)
    tw = rs.group_w / d  # W/d, the weight of each Efron term of the group
    if event_eta is not None:
        loglik = float(event_eta) - shift * float(rs.group_w.sum())
    else:
        eta_d = np.take(eta, di) - shift
        loglik = float(eta_d.sum() if rs.unit_weights else w[di] @ eta_d)
    with np.errstate(invalid="ignore"):
        loglik -= float(tw @ sums[5])
    q0 = sums[0] / d
    q1 = sums[1] / d
    wd = w[di] if event_x is None or group_weight is not None else None
    if group_weight is not None:
        gw = np.asarray(group_weight, dtype=float)
        tw = tw * gw
        wd = wd * gw[rs.death_group]
    a, b, c0, c1, c2 = (tw * sums[k] for k in range(5))

    # score: sum_r (W/d) m_r = S1 a - D1 b
    if wd is not None:
        event_x = wd @ x[di]
    u = event_x - (a @ s1 - b @ d1)
    # information: sum_g [a S2 - b D2] as one weighted Gram matrix, minus
    # sum_r (W/d) m_r m_r' = S1'c0 S1 - S1'c1 D1 - D1'c1 S1 + D1'c2 D1
    cross = s1.T @ (d1 * c1[:, None])
    mm = s1.T @ (s1 * c0[:, None]) - cross - cross.T + d1.T @ (d1 * c2[:, None])
    imat = _information_gram(rs, x, risk, a, b) - mm
    imat = (imat + imat.T) / 2
    return Derivatives(loglik, u, imat, shift, s1, d1, a, b, c0, c1, c2, q0, q1)
