"""Risk-set layout of a Cox model: one sort, event groups, at-risk ranges, row blocks.

Part of the engine in :mod:`.cox_fit` (R ``survival`` 3.5 ``coxfit6`` / ``agfit4``).  The
rows are sorted once by (stratum, exit time, events first); event times are grouped per
(stratum, time).  Sorted row ``i`` is at risk for the contiguous range ``[lo_i, hi_i)`` of
groups.  The rows are also cut into *blocks* -- runs between consecutive group boundaries
-- so that a risk-set sum is a sum over a few block sums (one per distinct event time)
instead of a cumulative sum over all rows; with whole-day times there are only a few
thousand blocks for a million rows.  With delayed entry the same is done on the rows in
entry order, for the rows not yet entered (``agfit4``'s subtraction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from . import _parallel
from .timefix import unique_values


@dataclass(frozen=True)
class Blocks:
    """A partition of the rows, in some row order, into contiguous runs (blocks).

    ``cuts`` are the block boundaries (0 .. n) in that order; ``rows`` maps an ordered
    position to a sorted position (``None``: the sorted order itself).  Per-block sums
    of ``risk`` and of ``risk * x`` are one ``np.add.reduceat`` and one sparse
    (blocks x rows) product -- a pass over the rows without an (n x p) temporary.
    """

    cuts: np.ndarray  # (B + 1,) int32/int64, strictly increasing, cuts[0] = 0, cuts[-1] = n
    rows: np.ndarray | None  # (n,) sorted position of each ordered position; None: identity
    cols: np.ndarray  # (n,) column indices of the block matrix (``rows``, or arange(n))

    def sums(self, risk: np.ndarray, x: np.ndarray, work=None) -> tuple[np.ndarray, np.ndarray]:
        """Per block: sum of ``risk`` (B,) and of ``risk * x`` (B, p).

        ``work`` (a ``cox_derivatives._Work``) lends scratch arrays: with about as many blocks as
        rows (continuous times) the block sums are a ``reduceat`` over ``risk * x``
        built in a reused buffer, and the (B, p) result is a reused buffer as well.
        """
        r = risk if self.rows is None else risk[self.rows]
        s0 = np.add.reduceat(r, self.cuts[:-1])
        n_blocks = self.cuts.size - 1
        if work is not None and self.rows is None and 8 * n_blocks > risk.size:
            rx = np.multiply(x, r[:, None], out=work.get("rx", x.shape))
            return s0, np.add.reduceat(rx, self.cuts[:-1], axis=0, out=work.get("b1", (n_blocks, x.shape[1])))
        if self.rows is not None or x.shape[0] < _parallel.MIN_ROWS:
            m = scipy.sparse.csr_array((r, self.cols, self.cuts), shape=(n_blocks, risk.size))
            return s0, m @ x
        # sorted order: the block matrix splits into diagonal pieces over row ranges cut
        # at block boundaries, one sparse product per piece (on threads)
        first = np.searchsorted(self.cuts, [a for a, _ in _parallel.split_rows(risk.size, _parallel.PARTS)])
        bounds = np.unique(np.append(first, n_blocks))

        def piece(b0: int, b1: int) -> np.ndarray:
            b0, b1 = int(bounds[b0]), int(bounds[b1])
            lo, hi = int(self.cuts[b0]), int(self.cuts[b1])
            m = scipy.sparse.csr_array(
                (r[lo:hi], self.cols[: hi - lo], self.cuts[b0 : b1 + 1] - self.cuts[b0]), shape=(b1 - b0, hi - lo)
            )
            return m @ x[lo:hi]

        parts = _parallel.run_ranges(piece, [(k, k + 1) for k in range(bounds.size - 1)])
        return s0, np.concatenate(parts) if len(parts) > 1 else parts[0]


#: sorted keys are rebuilt from key counts (no gathers) when there are at most
#: ``4 n + _DIRECT_KEYS`` possible keys (a count table of that size is cheap)
_DIRECT_KEYS = 2**16


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy's hash-based unique is slow on millions of ints)."""
    s = np.sort(values)
    keep = np.empty(s.size, dtype=bool)
    keep[:1] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _blocks(n: int, boundaries: list[np.ndarray], rows=None) -> tuple[Blocks, list[np.ndarray]]:
    """Blocks cut at every given boundary, and each boundary array as block indices."""
    cuts = _sorted_unique(np.concatenate([np.array([0, n], dtype=np.int64), *boundaries]))
    # int32 indices keep the sparse product free of index conversions
    itype = np.int32 if n < 2**31 - 1 else np.int64
    rows = None if rows is None else rows.astype(itype)
    blocks = Blocks(cuts.astype(itype), rows, np.arange(n, dtype=itype) if rows is None else rows)
    return blocks, [np.searchsorted(cuts, b) for b in boundaries]


@dataclass(frozen=True)
class RiskSets:
    """Event-group structure of one data set, computed once per fit.

    Every per-observation array is in *sorted order* (stratum, then exit time, events
    before censorings at equal times); ``order[k]`` is the original row of sorted
    position ``k``.  Groups are the distinct (stratum, event time) pairs in the same
    order; sorted observation ``i`` is at risk for groups ``lo[i] <= g < hi[i]``.
    """

    n: int
    n_groups: int
    order: np.ndarray  # (n,) sorted position -> original row
    lo: np.ndarray  # (n,) first group at risk
    lo_zero: bool  # every row is at risk from the first group on (one stratum, no entry)
    hi_event: np.ndarray  # (n,) 2 * hi + event (an event row's own group is hi - 1)
    event: np.ndarray  # (n,) bool
    weights: np.ndarray  # (n,)
    unit_weights: bool  # all weights are 1 (the risk needs no multiplication)
    death_idx: np.ndarray  # (n_d,) sorted positions of the event records
    efron_frac: np.ndarray  # (n_d,) r/d for Efron, 0 for Breslow
    group_start: np.ndarray  # (G,) first event record of each group (index into death_idx)
    group_d: np.ndarray  # (G,) number of event records in the group
    group_w: np.ndarray  # (G,) summed weights of the event records
    group_time: np.ndarray  # (G,)
    group_stratum: np.ndarray  # (G,)
    exit_first: np.ndarray  # (G,) first row with exit >= group time (same stratum); events
    #                         come first among equal times, so rows exit_first .. + d - 1
    #                         are the group's events
    stratum_end: np.ndarray  # (G,) one past the last sorted position of the group's stratum
    exit_blocks: Blocks  # sorted rows cut at every exit_first, exit_first + d, stratum_end
    blk_first: np.ndarray  # (G,) block starting at exit_first (= the group's events)
    blk_end: np.ndarray | None  # (G,) block starting at stratum_end; None: all at the end
    entry_order: np.ndarray | None  # (n,) sorted positions ordered by (stratum, entry)
    entry_first: np.ndarray | None  # (G,) first entry-ordered position with entry >= time
    entry_end: np.ndarray | None  # (G,) one past the stratum in entry order
    entry_blocks: Blocks | None  # entry-ordered rows cut at entry_first and entry_end
    eblk_first: np.ndarray | None
    eblk_end: np.ndarray | None
    obs_time: np.ndarray  # (n,) exit times
    obs_entry: np.ndarray | None  # (n,) entry times
    obs_stratum: np.ndarray  # (n,) stratum codes
    counting: bool

    @property
    def hi(self) -> np.ndarray:
        """(n,) one past the last group at risk (kept as ``hi_event >> 1``)."""
        return self.hi_event >> 1

    @property
    def death_group(self) -> np.ndarray:
        """(n_d,) the group of each event record."""
        return np.repeat(np.arange(self.n_groups), self.group_d)


def _ranks(values: np.ndarray, uniq: np.ndarray) -> np.ndarray:
    """``np.searchsorted(uniq, values)`` for values that are all in ``uniq``.

    Whole-number times (days) in a modest range use a direct lookup table -- a binary
    search per row in random order is the slow part of sorting 1e6 rows otherwise.
    """
    if uniq.size and values.size > 1000:
        lo, hi = float(uniq[0]), float(uniq[-1])
        if hi - lo <= 4 * values.size and np.array_equal(uniq, np.rint(uniq)):
            table = np.zeros(int(hi - lo) + 1, dtype=np.int64)
            table[(uniq - lo).astype(np.int64)] = np.arange(uniq.size)
            return table[(values - lo).astype(np.int64)]
    return np.searchsorted(uniq, values)


def _stable_argsort(key: np.ndarray, key_max: int | None = None) -> np.ndarray:
    """Stable argsort of non-negative integer keys (radix sort when they fit 16 bits).

    ``key_max``: a known upper bound of the keys (saves a pass)."""
    if key.size and (int(key.max()) if key_max is None else key_max) < 2**16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    return np.argsort(key, kind="stable")


def build_risk_sets(time, event, weights, strata=None, entry=None, ties="efron", uniq=None) -> RiskSets:
    """Sort once by (stratum, time); group event times; locate each row's at-risk groups.

    ``uniq``: the sorted distinct values of ``time`` and ``entry`` when already known
    (:func:`.timefix.timefix_with_unique`)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    n = time.shape[0]
    one_stratum = strata is None
    strata = np.zeros(n, dtype=np.int64) if one_stratum else np.asarray(strata, dtype=np.int64)
    unit_weights = bool((weights == 1).all())
    if entry is not None:
        entry = np.asarray(entry, dtype=float)

    # Integer keys (stratum, rank of time) so that comparisons are exact and strata never
    # mix; one stable sort on (key, censored) is the lexicographic (stratum, time, events
    # first) order.
    if uniq is None:
        uniq = unique_values(time if entry is None else np.concatenate([time, entry]))
    k = np.int64(uniq.size + 1)
    stop_key = _ranks(time, uniq)
    stop_key += 1
    if not one_stratum:
        stop_key += strata * k
    sort_key = stop_key << 1
    sort_key += ~event
    n_keys = int(2 * k * (1 if one_stratum else strata.max() + 1)) if n else 0
    order = _stable_argsort(sort_key, n_keys - 1)
    counts = None
    if 0 < n_keys <= 4 * n + _DIRECT_KEYS:
        # Small integer keys: the sorted rows are the key values repeated by their counts
        # (no gathers in random order); time, event and stratum follow from the key.
        counts = np.bincount(sort_key, minlength=n_keys)
        key_stop = np.arange(n_keys, dtype=np.int64) >> 1
        key_event = np.zeros(n_keys, dtype=bool)
        key_event[0::2] = True
        event = np.repeat(key_event, counts)
        time = np.repeat(uniq[key_stop % k - 1], counts)  # (keys with rank 0 do not occur)
        if not one_stratum:
            strata = np.repeat(key_stop // k, counts)
        rows_before = np.concatenate(([0], np.cumsum(counts)))  # rows with a smaller key
    else:
        time, event, stop_key = (np.take(a, order) for a in (time, event, stop_key))
        if not one_stratum:
            strata = np.take(strata, order)
    if not unit_weights:  # (constant arrays need no reordering)
        weights = np.take(weights, order)
    if entry is not None:
        entry = np.take(entry, order)

    if counts is not None:
        # the event groups straight from the key counts: a group is a stop key with
        # events; its events are the rows of the even key 2 * stop
        event_counts = counts[0::2]
        gkey = np.flatnonzero(event_counts)
        group_d = event_counts[gkey]
        exit_first = rows_before[2 * gkey]
        starts = np.cumsum(group_d) - group_d
        nd = int(group_d.sum())
        death_idx = np.arange(nd) + np.repeat(exit_first - starts, group_d)
        gstrat = gkey // k
    else:
        death_idx = np.flatnonzero(event)
        dkey = stop_key[death_idx]
        new_group = np.concatenate(([True], dkey[1:] != dkey[:-1])) if dkey.size else np.zeros(0, bool)
        starts = np.flatnonzero(new_group)
        gkey = dkey[starts]
        gstrat = strata[death_idx[starts]]
        nd = dkey.size
        group_d = np.diff(np.append(starts, nd))
        exit_first = np.searchsorted(stop_key, gkey, side="left")
    if unit_weights:
        group_w = group_d.astype(float)
    else:
        group_w = np.add.reduceat(weights[death_idx], starts) if starts.size else np.zeros(0)
    # per event record, expanded from per-group values (contiguous repeats, no gathers)
    if ties == "efron":
        efron_frac = np.arange(nd, dtype=float)
        efron_frac -= np.repeat(starts.astype(float), group_d)
        efron_frac /= np.repeat(group_d.astype(float), group_d)
    else:
        efron_frac = np.zeros(nd)

    # hi[i] = number of groups with key <= stop_key[i] = number of exit_first <= i (the
    # rows are sorted by key): a running count instead of a binary search per row
    if counts is not None:
        # hi per key value (groups with key <= the row's stop key), repeated by the counts
        key_hi = np.searchsorted(gkey, key_stop, side="right")
        hi_event = np.repeat(2 * key_hi + key_event, counts)
    else:
        hi = np.zeros(n, dtype=np.int64)
        hi[exit_first] = 1
        np.cumsum(hi, out=hi)
        hi_event = 2 * hi + event
    if counts is not None:
        stratum_end = rows_before[np.minimum(2 * (gstrat + 1) * k, n_keys)]
    else:
        stratum_end = np.searchsorted(stop_key, (gstrat + 1) * k, side="left")
    exit_blocks, (blk_first, _, blk_end) = _blocks(n, [exit_first, exit_first + group_d, stratum_end])
    if (stratum_end == n).all():
        blk_end = None  # one stratum: the risk sets run to the last row (nothing to subtract)
    entry_order = entry_first = entry_end = entry_blocks = eblk_first = eblk_end = None
    if entry is None:
        if one_stratum:  # every row at risk from the first group: a read-only zero view
            lo = np.broadcast_to(np.zeros(1, dtype=np.int64), (n,))
        else:
            lo = np.searchsorted(gkey, strata * k, side="left")
    else:
        entry_key = strata * k + 1 + _ranks(entry, uniq)
        # at risk needs entry < t: groups with t <= entry are excluded.
        lo = np.searchsorted(gkey, entry_key, side="right")
        entry_order = _stable_argsort(entry_key)
        sorted_entry_key = entry_key[entry_order]
        entry_first = np.searchsorted(sorted_entry_key, gkey, side="left")
        entry_end = np.searchsorted(sorted_entry_key, (gstrat + 1) * k, side="left")
        entry_blocks, (eblk_first, eblk_end) = _blocks(n, [entry_first, entry_end], entry_order)
    if entry is not None:
        lo = np.minimum(lo, hi_event >> 1)  # (without entry a row's stratum starts at or before hi)
    return RiskSets(
        n=n,
        n_groups=int(starts.size),
        order=order,
        lo=lo,
        lo_zero=(one_stratum and entry is None) or not lo.any(),
        hi_event=hi_event,
        event=event,
        weights=weights,
        unit_weights=unit_weights,
        death_idx=death_idx,
        efron_frac=efron_frac,
        group_start=starts,
        group_d=group_d,
        group_w=group_w,
        group_time=time[death_idx[starts]],
        group_stratum=gstrat,
        exit_first=exit_first,
        stratum_end=stratum_end,
        exit_blocks=exit_blocks,
        blk_first=blk_first,
        blk_end=blk_end,
        entry_order=entry_order,
        entry_first=entry_first,
        entry_end=entry_end,
        entry_blocks=entry_blocks,
        eblk_first=eblk_first,
        eblk_end=eblk_end,
        obs_time=time,
        obs_entry=entry,
        obs_stratum=strata,
        counting=entry is not None,
    )
