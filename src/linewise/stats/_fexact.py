"""Exact p-value of Fisher's test for r x c tables (the quantity R's ``fisher.test`` reports).

Why hand-written: :func:`scipy.stats.fisher_exact` (1.15+) accepts r x c tables but then
estimates the p-value by Monte Carlo simulation (or a full permutation test), so it neither
reproduces R's exact value nor is deterministic. R's ``fisher.test`` computes it exactly with the
FEXACT network algorithm (Mehta & Patel 1983, 1986): the p-value is the total probability,
under independence with both margins fixed (multiple hypergeometric), of every table whose
probability does not exceed the observed one (relative tolerance 1e-7).

The same network idea is used here, kept simple because Table 1 tables are small (2 x k, 3 x 4,
n up to a few hundred):

* a table is built column by column; after some columns are filled only the multiset of the
  remaining row sums matters for the rest (a "node"), so nodes with equal sorted remaining row
  sums are merged, and within a node identical partial values ("past paths") are merged;
* with ``S(T) = sum(log x_ij!)`` the table probability is ``K exp(-S)``. A backward pass over
  the network gives, for every node, the exact smallest and largest ``S`` of its completions
  (FEXACT's shortest and longest paths). A past path whose value plus the smallest completion
  already reaches the threshold counts with all its completions at once (their total weight has
  the closed form ``M! / (prod r! prod c!)``); one whose value plus the largest completion stays
  below it is dropped; only the rest is expanded to the next column;
* the last two columns are summed in closed form: once the second-to-last column is chosen the
  last is forced, so the completions of a node are one vector, sorted once, and every past path
  is resolved with a binary search and a cumulative sum.

References: Mehta, C. R. & Patel, N. R. (1983). A network algorithm for performing Fisher's exact
test in r x c contingency tables. JASA 78, 427-434. R ``stats::fisher.test``.
"""

from __future__ import annotations

from math import comb

import numpy as np
from scipy.special import gammaln

from ._validate import StatsInputError

#: R's relative tolerance when comparing table probabilities with the observed one.
RELATIVE_TOLERANCE = 1e-7
#: Past-path values equal to this absolute precision (log scale) are merged.
_MERGE_DIGITS = 10
#: Most column fillings (summed over the network) enumerated before giving up: a 3 x 4 table
#: with n = 300 needs ~4e6; each kept filling costs ~12 bytes (its value and child index).
MAX_FILLINGS = 10_000_000


class ExactTooLarge(StatsInputError):
    """The table is too large (too many subjects spread over too many cells) to enumerate."""


def _fillings_bound(total: int, caps: tuple[int, ...]) -> int:
    """Upper bound of the number of fillings of one column (checked before building them)."""
    free = 1
    for cap in caps[:-1]:
        free *= min(cap, total) + 1
    return min(comb(total + len(caps) - 1, len(caps) - 1), free)


def _lfact(x) -> np.ndarray:
    return gammaln(np.asarray(x, dtype=float) + 1.0)


def _compositions(total: int, caps: tuple[int, ...], budget: list[int]) -> np.ndarray:
    """All integer vectors ``x`` with ``sum(x) == total`` and ``0 <= x <= caps`` (rows).

    ``budget`` is a one-element list of fillings still allowed; exceeding it raises
    :class:`ExactTooLarge` before any large allocation.
    """
    budget[0] -= _fillings_bound(total, caps)
    if budget[0] < 0:
        raise ExactTooLarge(
            "table: too many subjects in too many cells for the exact Fisher enumeration "
            f"(more than {MAX_FILLINGS} partial tables); use chi_square instead"
        )
    caps_arr = np.asarray(caps, dtype=np.int64)
    # Suffix capacity: what the rows after i can still absorb.
    room_after = np.concatenate([np.cumsum(caps_arr[::-1])[::-1][1:], [0]])
    parts = np.zeros((1, 0), dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    for i, cap in enumerate(caps_arr[:-1]):
        lo = np.maximum(left - room_after[i], 0)
        hi = np.minimum(left, cap)
        counts = np.maximum(hi - lo + 1, 0)
        rep = np.repeat(np.arange(left.size), counts)
        offsets = np.arange(rep.size) - np.repeat(np.cumsum(counts) - counts, counts)
        xi = lo[rep] + offsets
        parts = np.column_stack([parts[rep], xi])
        left = left[rep] - xi
    ok = left <= caps_arr[-1]
    out = np.column_stack([parts[ok], left[ok]])
    return out


def fisher_rxc_pvalue(table: np.ndarray) -> float:
    """Exact two-sided p-value of Fisher's test for a validated non-negative integer table."""
    t = np.asarray(table, dtype=np.int64)
    # Empty rows and columns carry no information (a single way to fill them).
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.ndim != 2 or min(t.shape) < 2:
        return 1.0
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows -> smaller node keys and fewer compositions per column
    rows = t.sum(axis=1)
    # Ascending column totals: the first levels branch little, and the two largest columns
    # (most fillings) are handled by the vectorised closed form of the last level.
    cols = np.sort(t.sum(axis=0))
    n = int(rows.sum())
    log_k = float(np.sum(_lfact(rows)) + np.sum(_lfact(cols)) - _lfact(n))
    s_obs = float(np.sum(_lfact(t)))
    # Count tables with P <= P_obs (1 + 1e-7)  <=>  S >= S_obs - log(1 + 1e-7).
    threshold = s_obs - np.log1p(RELATIVE_TOLERANCE)

    budget = [MAX_FILLINGS]
    n_levels = cols.size - 1  # level j: columns j.. still to fill; the last column is forced
    base = np.int64(n + 1)
    powers = base ** np.arange(rows.size, dtype=np.int64)

    # Forward: the network of nodes (sorted remaining row sums) per level, and for each node the
    # value of every filling of its column plus the child node it leads to.
    keys = [np.sort(rows)[None, :]]
    steps: list[list[np.ndarray]] = []
    links: list[list[np.ndarray]] = []
    for j in range(n_levels - 1):
        blocks, step_j = [], []
        for r in keys[j]:
            comp = _compositions(int(cols[j]), tuple(r.tolist()), budget)
            blocks.append(np.sort(r[None, :] - comp, axis=1))
            step_j.append(np.sum(_lfact(comp), axis=1))
        children = np.concatenate(blocks)
        codes = children @ powers
        _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        keys.append(children[first])
        bounds_at = np.cumsum([0] + [b.shape[0] for b in blocks])
        inverse = inverse.reshape(-1).astype(np.int32)
        links.append([inverse[bounds_at[i] : bounds_at[i + 1]] for i in range(len(blocks))])
        steps.append(step_j)

    # Backward: the exact smallest and largest S of the completions of every node (FEXACT's
    # shortest and longest paths). At the last level the completions are one sorted vector.
    last_values = []
    for r in keys[-1]:
        comp = _compositions(int(cols[-2]), tuple(r.tolist()), budget)
        last_values.append(np.sort(np.sum(_lfact(comp), axis=1) + np.sum(_lfact(r - comp), axis=1)))
    lo_s = [None] * n_levels
    hi_s = [None] * n_levels
    lo_s[-1] = np.array([v[0] for v in last_values])
    hi_s[-1] = np.array([v[-1] for v in last_values])
    for j in range(n_levels - 2, -1, -1):
        pairs = list(zip(steps[j], links[j], strict=True))
        lo_s[j] = np.array([np.min(st + lo_s[j + 1][ln]) for st, ln in pairs])
        hi_s[j] = np.array([np.max(st + hi_s[j + 1][ln]) for st, ln in pairs])

    # Past paths: node index, partial value S so far, multiplicity (merged when equal).
    node = np.zeros(1, dtype=np.int64)
    past = np.zeros(1)
    mult = np.ones(1)
    pvalue = 0.0
    for j in range(n_levels - 1):
        rest = cols[j:]
        k = keys[j]
        log_w = _lfact(k.sum(axis=1)) - np.sum(_lfact(k), axis=1) - np.sum(_lfact(rest))
        # Every completion counts: add their total weight M!/(prod r! prod c!) in one go.
        all_in = past + lo_s[j][node] >= threshold
        pvalue += float(np.sum(mult[all_in] * np.exp(log_k - past[all_in] + log_w[node[all_in]])))
        # No completion counts: drop the path.
        live = ~all_in & (past + hi_s[j][node] >= threshold)
        node, past, mult = node[live], past[live], mult[live]
        if node.size == 0:
            return min(pvalue, 1.0)
        starts = np.searchsorted(node, np.arange(k.shape[0] + 1))
        pair_node, pair_value, pair_mult = [], [], []
        for m in np.unique(node):
            lo, hi = starts[m], starts[m + 1]
            step, link = steps[j][m], links[j][m]
            pair_node.append(np.repeat(link, hi - lo))
            pair_value.append((step[:, None] + past[None, lo:hi]).ravel())
            pair_mult.append(np.tile(mult[lo:hi], step.size))
        node = np.concatenate(pair_node)
        value = np.round(np.concatenate(pair_value), _MERGE_DIGITS)
        pm = np.concatenate(pair_mult)
        order = np.lexsort((value, node))
        node, value, pm = node[order], value[order], pm[order]
        new = np.ones(node.size, dtype=bool)
        new[1:] = (node[1:] != node[:-1]) | (value[1:] != value[:-1])
        first = np.flatnonzero(new)
        node, past, mult = node[first], value[first], np.add.reduceat(pm, first)

    # Last level: binary search of each past path in the node's sorted completion values.
    starts = np.searchsorted(node, np.arange(keys[-1].shape[0] + 1))
    for m in np.unique(node):
        s_rest = last_values[m]
        # Suffix sums of exp(-S) over the sorted completion values (scaled by the largest term).
        w = np.exp(-(s_rest - s_rest[0]))
        suffix = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]])
        p_m, w_m = past[starts[m] : starts[m + 1]], mult[starts[m] : starts[m + 1]]
        first = np.searchsorted(s_rest, threshold - p_m, side="left")
        pvalue += float(np.sum(w_m * np.exp(log_k - p_m - s_rest[0]) * suffix[first]))
    return min(pvalue, 1.0)
