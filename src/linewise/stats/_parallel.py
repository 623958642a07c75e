"""Split a large row-wise numpy pass over the machine's cores (threads).

The Cox fit's heavy steps are passes over a million-row covariate matrix made of numpy
calls that release the GIL (``take``, ufuncs, BLAS products, einsum).  Running each
pass as a few contiguous row ranges on threads uses more than one core without copying
data or starting processes.  Small inputs run in the calling thread: below
``MIN_ROWS`` rows the thread hand-off costs more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: rows below which a pass runs in the calling thread
MIN_ROWS = 200_000
#: row ranges of a large pass (fixed: the combined sums do not depend on the core count)
PARTS = 4

_pool: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    # a forked child inherits the pool object but not its threads: start a new one there
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def workers() -> int:
    """Threads to use: the cores this process may run on, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def split_rows(n: int, parts: int, align: int = 1) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges covering ``0 .. n``; inner cuts multiples of ``align``."""
    cuts = [0]
    for k in range(1, parts):
        cut = (n * k // parts) // align * align
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(n)
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def map_rows(fn: Callable[[int, int], T], n: int, align: int = 1) -> list[T]:
    """``[fn(start, stop) for each row range]``, the ranges run on threads when ``n`` is large.

    ``fn`` must only write to disjoint parts of shared arrays (its own row range) and
    return whatever has to be combined (e.g. partial sums, added by the caller in range
    order).  A large input is always cut into ``PARTS`` ranges, whatever the number of
    cores, so that sums combined in range order are the same on every machine.
    """
    return run_ranges(fn, split_rows(n, PARTS if n >= MIN_ROWS else 1, align))


def run_ranges(fn: Callable[[int, int], T], ranges: list[tuple[int, int]]) -> list[T]:
    """``[fn(a, b) for (a, b) in ranges]``, on the thread pool when there are several."""
    if len(ranges) == 1 or workers() == 1:
        return [fn(a, b) for a, b in ranges]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="linewise-rows")
    return [f.result() for f in [_pool.submit(fn, a, b) for a, b in ranges]]
