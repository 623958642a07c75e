"""Input validation of linewise.stats.cox: clear StatsInputError, never another exception."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.stats._validate import StatsInputError
from linewise.stats.cox import cox


def _df(n=8):
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "t": rng.integers(1, 20, n).astype(float),
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b"], n),
            "w": np.ones(n),
            "s": rng.integers(0, 2, n),
        }
    ).assign(e=lambda d: d["e"].where(d.index > 0, 1))


def test_missing_column_is_named():
    with pytest.raises(StatsInputError, match="'nope'"):
        cox(_df(), "nope", "e", "x")
    with pytest.raises(StatsInputError, match="'zz'"):
        cox(_df(), "t", "e", "x + zz")
    with pytest.raises(StatsInputError, match="strata"):
        cox(_df(), "t", "e", "x", strata="missing")


def test_nan_rows_are_dropped_and_counted_like_na_omit():
    df = _df(12)
    df.loc[3, "x"] = np.nan
    df.loc[5, "t"] = np.nan
    res = cox(df, "t", "e", "x")
    assert res.n_dropped == 2
    assert res.n == 10
    ref = cox(df.dropna(), "t", "e", "x")
    np.testing.assert_allclose(res.coefficients["coef"], ref.coefficients["coef"])


def test_infinite_covariate_names_column_and_row():
    df = _df()
    df.loc[4, "x"] = np.inf
    with pytest.raises(StatsInputError, match=r"'x' row 4 .*infinite"):
        cox(df, "t", "e", "x")


def test_bad_event_values():
    df = _df()
    df.loc[2, "e"] = 2
    with pytest.raises(StatsInputError, match=r"event: column 'e' row 2 is 2\.0"):
        cox(df, "t", "e", "x")
    with pytest.raises(StatsInputError, match="no events"):
        cox(_df().assign(e=0), "t", "e", "x")


def test_entry_must_precede_time():
    df = _df().assign(entry=0.0)
    df.loc[1, "entry"] = df.loc[1, "t"]
    with pytest.raises(StatsInputError, match="entry: column 'entry' row 1"):
        cox(df, "t", "e", "x", entry="entry")


def test_weights_must_be_positive():
    df = _df()
    df.loc[0, "w"] = 0.0
    with pytest.raises(StatsInputError, match="weights"):
        cox(df, "t", "e", "x", weights="w")


def test_options_are_validated():
    with pytest.raises(StatsInputError, match="ties"):
        cox(_df(), "t", "e", "x", ties="exact")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="robust"):
        cox(_df(), "t", "e", "x", robust="yes")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="data"):
        cox(_df().to_dict(), "t", "e", "x")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="formula"):
        cox(_df(), "t", "e", "x +")
    # like coxph, which forces the intercept for contrast coding, "0 + g" codes g as "g"
    np.testing.assert_allclose(
        cox(_df(20), "t", "e", "0 + g").coefficients["coef"], cox(_df(20), "t", "e", "g").coefficients["coef"]
    )


def test_non_numeric_time_is_reported():
    df = _df().astype({"t": object})
    df.loc[3, "t"] = "soon"
    with pytest.raises(StatsInputError, match=r"time: column 't' must be numeric; row 3 has value 'soon'"):
        cox(df, "t", "e", "x")


def test_collinear_columns_get_nan_like_r():
    df = _df(30).assign(x2=lambda d: 2 * d["x"])
    with pytest.warns(RuntimeWarning, match="singular"):
        res = cox(df, "t", "e", "x + x2")
    assert np.isnan(res.coefficients["coef"].iloc[1])
    assert np.isfinite(res.coefficients["coef"].iloc[0])
    assert res.likelihood_ratio_test.df == 1


def test_cluster_with_robust_false_is_ignored_with_warning():
    with pytest.warns(RuntimeWarning, match="cluster ignored"):
        res = cox(_df(20), "t", "e", "x", cluster="s", robust=False)
    assert not res.robust


_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-3, 3),
    st.sampled_from(["a", "b", "", "1"]),
    st.none(),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    t=st.lists(_cells, min_size=1, max_size=8),
    e=st.lists(_cells, min_size=1, max_size=8),
    x=st.lists(_cells, min_size=1, max_size=8),
    ties=st.sampled_from(["efron", "breslow", "exact", 3]),
)
def test_arbitrary_bad_input_gives_stats_input_error(t, e, x, ties):
    n = min(len(t), len(e), len(x))
    df = pd.DataFrame({"t": t[:n], "e": e[:n], "x": x[:n]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = cox(df, "t", "e", "x", ties=ties)
        except StatsInputError:
            return
    # a fit that succeeded must be a coherent result
    assert res.n + res.n_dropped == n
    assert res.n_events >= 1
