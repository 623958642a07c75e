"""R's timefix (aeqSurv): near-equal times are merged before survival computations."""

from __future__ import annotations

import numpy as np
import pytest

from linewise.stats._validate import StatsInputError
from linewise.stats.timefix import timefix, timefix_with_unique, unique_values


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


@pytest.mark.parametrize(
    "values",
    [
        np.arange(-1500.0, 1500.0)[::-1],  # whole numbers, negative too
        np.concatenate([np.arange(2000.0), [1e-17, -1.0]]),  # a value just off a whole number
        np.concatenate([np.arange(2000.0), [0.5]]),
        np.concatenate([np.arange(2000.0), [1e9]]),  # range too wide for a presence table
        np.concatenate([np.arange(2000.0), [np.inf]]),
    ],
)
def test_unique_values_equals_np_unique(values):
    """The presence-table path for whole-day times gives exactly ``np.unique``."""
    rng = np.random.default_rng(3)
    values = rng.permutation(np.concatenate([values, values[:700]]))
    np.testing.assert_array_equal(unique_values(values), np.unique(values))


@pytest.mark.parametrize(
    "times",
    [
        ([5.0, 10.0, 10 + 1e-10, 20.0, 20 - 1e-11],),
        ([0.5, 1.0, 1.001, 2.0],),
        ([0.0, 1.0 + 1e-12], [1.0, 3.0]),
    ],
)
def test_timefix_with_unique_hands_on_the_distinct_adjusted_values(times):
    fixed, uniq = timefix_with_unique(*times)
    for got, want in zip(fixed, timefix(*times), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(uniq, np.unique(np.concatenate(fixed)))
