"""R's timefix (aeqSurv): near-equal times are merged before survival computations."""

from __future__ import annotations

import numpy as np
import pytest

from linewise.stats._validate import StatsInputError
from linewise.stats.timefix import timefix


def test_merges_within_sqrt_eps():
    """aeqSurv(Surv(c(5, 10, 10 + 1e-10, 20, 20 - 1e-11), ...)) maps the pairs to one time
    (the smaller of each group)."""
    (t,) = timefix([5, 10, 10 + 1e-10, 20, 20 - 1e-11])
    assert t[1] == t[2] == 10
    assert t[3] == t[4] == 20 - 1e-11


def test_distinct_times_untouched():
    x = np.array([0.5, 1.0, 1.001, 2.0])
    (t,) = timefix(x)
    np.testing.assert_array_equal(t, x)


def test_pooled_entry_and_exit():
    entry, stop = timefix([0.0, 1.0 + 1e-12], [1.0, 3.0])
    assert entry[1] == stop[0] == 1.0


def test_collapsed_interval_is_an_error():
    with pytest.raises(StatsInputError, match="effective length 0"):
        timefix([1.0], [1.0 + 1e-12])
