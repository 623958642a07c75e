"""The Cox engine's fast paths give the same numbers as the plain ones.

Performance work on :func:`linewise.stats.cox` (block sums per event time, a radix sort on
integer keys, a model matrix without formulaic for plain numeric columns, a lazily
computed concordance, timefix through ``np.unique``) must not change results: each fast
path is checked here against the straightforward computation it replaces.  Agreement
with R itself is in ``test_cox.py`` (golden values).
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from linewise.stats import concordance
from linewise.stats.cox import cox
from linewise.stats.cox_fit import derivatives
from linewise.stats.cox_risk import _ranks, _stable_argsort, build_risk_sets
from linewise.stats.timefix import timefix

cox_risk = importlib.import_module("linewise.stats.cox_risk")
cox_design = importlib.import_module("linewise.stats.cox_design")


def _data(n=400, seed=11, continuous=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    t = np.ceil(rng.exponential(30.0 * np.exp(-x @ np.array([0.4, -0.2, 0.1]))))
    if continuous:
        t = t + rng.uniform(0, 0.9, n)
    return pd.DataFrame(
        {
            "t": t,
            "e": (rng.random(n) < 0.7).astype(int),
            "a": x[:, 0],
            "b": x[:, 1],
            "k": rng.integers(0, 5, n),  # integer column
            "f32": x[:, 2].astype(np.float32),
            "odd name": rng.normal(size=n),
            "flag": rng.random(n) < 0.5,
            "g": rng.choice(["u", "v", "w"], n),
            "s": rng.integers(0, 3, n),
            "w": rng.integers(1, 4, n).astype(float),
            "start": np.floor(t * rng.uniform(0.0, 0.8, n)) - 1.0,
        }
    )


@pytest.mark.parametrize(
    "formula", ["a + b", "b + a + a", "a + k + f32", "`odd name` + a", "k"]
)
def test_plain_numeric_design_equals_formulaic(formula, monkeypatch):
    df = _data()
    fast = cox_design._design(df, formula)
    monkeypatch.setattr(cox_design, "_plain_numeric_design", lambda *_: None)
    slow = cox_design._design(df, formula)
    np.testing.assert_array_equal(fast[0], slow[0])
    assert fast[1] == slow[1]
    assert [(n, c.tolist()) for n, c in fast[2]] == [(n, c.tolist()) for n, c in slow[2]]


@pytest.mark.parametrize("names", [["a", "b"], ["b", "a"], ["a"], ["a", "odd name", "b"], ["k", "a"], ["f32", "a"]])
@pytest.mark.parametrize("layout", ["dict", "row-major"])
def test_float_block_equals_to_numpy_and_is_read_only(names, layout):
    """The in-place view of the covariate block holds exactly the columns' values."""
    df = _data(50)
    if layout == "row-major":  # one C-ordered float block, as DataFrame(ndarray) makes
        df = pd.DataFrame(df[["a", "b", "odd name"]].to_numpy(copy=True), columns=["a", "b", "odd name"]).assign(
            k=df["k"], f32=df["f32"]
        )
    got = cox_design._float_block(df, names)
    np.testing.assert_array_equal(got, df[names].to_numpy(dtype=float))
    if not got.flags.writeable:
        with pytest.raises(ValueError):
            got[0, 0] = 1.0


def test_fit_with_missing_covariate_values_drops_rows_as_before():
    """NaN in a plain covariate: those rows are dropped (na.omit), as on the formulaic path."""
    df = _data()
    df.loc[[3, 17], "b"] = np.nan
    res = cox(df, "t", "e", "a + b")
    ref = cox(df.dropna(subset=["b"]).reset_index(drop=True), "t", "e", "a + b")
    assert res.n_dropped == 2 and res.n == ref.n
    np.testing.assert_allclose(res.coefficients["coef"], ref.coefficients["coef"], rtol=1e-12)


@pytest.mark.parametrize("formula", ["flag + a", "g", "a:b", "np.log(k + 1)", "C(k)", "a + b:k"])
def test_other_formulas_go_through_formulaic(formula):
    assert cox_design._plain_numeric_design(_data(), formula) is None


def test_concordance_is_lazy_cached_and_equal_to_standalone():
    df = _data()
    res = cox(df, "t", "e", "a + b + k")
    assert "concordance" not in res.__dict__  # not computed by the fit itself
    c = res.concordance
    assert res.concordance is c
    eta = df[["a", "b", "k"]].to_numpy() @ res.coefficients["coef"].to_numpy()
    alone = concordance(df["t"], df["e"], eta, reverse=True)
    assert c.concordance == pytest.approx(alone.concordance, rel=1e-12)
    assert c.std_err == pytest.approx(alone.std_err, rel=1e-9)


def test_lazy_parts_do_not_see_later_changes_to_the_data():
    df = _data()
    res = cox(df, "t", "e", "a + b", weights="w")
    before = cox(df, "t", "e", "a + b", weights="w").concordance
    df.loc[:, ["t", "a", "w"]] = 1.0  # the caller reuses its frame after fitting
    assert res.concordance.concordance == before.concordance
    assert res.concordance.std_err == before.std_err


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("layout", ["plain", "strata", "entry", "weights"])
def test_block_sums_match_brute_force_risk_sets(continuous, layout):
    """Loglik, score and information at a random beta, against sums over explicit risk sets."""
    df = _data(150, seed=5, continuous=continuous)
    x = df[["a", "b", "k"]].to_numpy(float)
    t, e = df["t"].to_numpy(float), df["e"].to_numpy(bool)
    w = df["w"].to_numpy() if layout == "weights" else np.ones(len(df))
    strata = df["s"].to_numpy() if layout == "strata" else None
    entry = df["start"].to_numpy(float) if layout == "entry" else None
    rs = build_risk_sets(t, e, w, strata, entry, "efron")
    beta = np.array([0.3, -0.2, 0.1])
    xs = x[rs.order]
    d = derivatives(rs, xs, xs @ beta)
    dw = derivatives(rs, xs, xs @ beta, work={})  # reused-buffer path, as in Newton
    for got in (d, dw):
        ll, u, imat = _brute_force(t, e, w, strata, entry, x, beta)
        assert got.loglik == pytest.approx(ll, rel=1e-12)
        np.testing.assert_allclose(got.u, u, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got.imat, imat, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("layout", ["plain", "strata", "entry", "weights"])
def test_sorted_keys_from_counts_equal_gathered(layout, monkeypatch):
    """Time, event and stratum rebuilt from key counts equal the gathered (sorted) ones."""
    df = _data(300, seed=8, continuous=layout == "entry")
    t, e = df["t"].to_numpy(float), df["e"].to_numpy(bool)
    w = df["w"].to_numpy() if layout == "weights" else np.ones(len(df))
    strata = df["s"].to_numpy() if layout == "strata" else None
    entry = df["start"].to_numpy(float) if layout == "entry" else None
    direct = build_risk_sets(t, e, w, strata, entry, "efron")
    monkeypatch.setattr(cox_risk, "_DIRECT_KEYS", -(10**9))
    gathered = build_risk_sets(t, e, w, strata, entry, "efron")
    fields = (
        "order obs_time event obs_stratum hi hi_event lo lo_zero death_idx efron_frac weights "
        "group_start group_d group_w group_time group_stratum exit_first death_group stratum_end blk_first"
    ).split()
    for name in fields:
        np.testing.assert_array_equal(getattr(direct, name), getattr(gathered, name), err_msg=name)
    np.testing.assert_array_equal(direct.obs_time, t[direct.order])
    np.testing.assert_array_equal(direct.event, e[direct.order])


@pytest.mark.parametrize("layout", ["plain", "strata", "entry", "weights"])
def test_row_ranges_on_threads_give_the_serial_fit(layout, monkeypatch):
    """Large-input passes (threads over row ranges) give the single-range results."""
    df = _data(3000, seed=2)
    kw = {
        "plain": {},
        "strata": {"strata": "s"},
        "entry": {"entry": "start"},
        "weights": {"weights": "w", "robust": False},
    }[layout]
    serial = cox(df, "t", "e", "a + b + k", **kw)
    parallel = importlib.import_module("linewise.stats._parallel")
    monkeypatch.setattr(parallel, "MIN_ROWS", 100)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    split = cox(df, "t", "e", "a + b + k", **kw)
    for col in ("coef", "se"):
        np.testing.assert_allclose(split.coefficients[col], serial.coefficients[col], rtol=1e-12)
    assert split.loglik == pytest.approx(serial.loglik, rel=1e-14)
    assert split.iterations == serial.iterations


def test_split_rows_covers_the_range_in_aligned_pieces():
    parallel = importlib.import_module("linewise.stats._parallel")
    assert parallel.split_rows(10, 4) == [(0, 2), (2, 5), (5, 7), (7, 10)]
    assert parallel.split_rows(10_000, 4, align=4096) == [(0, 4096), (4096, 10_000)]
    assert parallel.split_rows(3, 4) == [(0, 1), (1, 2), (2, 3)]


def _brute_force(t, e, w, strata, entry, x, beta):
    """Efron loglik / score / information by looping over the distinct event times."""
    strata = np.zeros(t.size, int) if strata is None else strata
    entry = np.full(t.size, -np.inf) if entry is None else entry
    eta = x @ beta
    r = w * np.exp(eta)
    ll, u, imat = 0.0, np.zeros(x.shape[1]), np.zeros((x.shape[1],) * 2)
    for s in np.unique(strata):
        for time in np.unique(t[e & (strata == s)]):
            risk = (strata == s) & (t >= time) & (entry < time)
            dead = risk & e & (t == time)
            d, wd = dead.sum(), w[dead].sum()
            s0, s1 = r[risk].sum(), r[risk] @ x[risk]
            s2 = (x[risk] * r[risk, None]).T @ x[risk]
            d0, d1 = r[dead].sum(), r[dead] @ x[dead]
            d2 = (x[dead] * r[dead, None]).T @ x[dead]
            ll += w[dead] @ eta[dead]
            u += w[dead] @ x[dead]
            for k in range(d):
                f = k / d
                den = s0 - f * d0
                m = (s1 - f * d1) / den
                ll -= wd / d * np.log(den)
                u -= wd / d * m
                imat += wd / d * ((s2 - f * d2) / den - np.outer(m, m))
    return ll, u, imat


def test_rank_lookup_and_radix_sort_equal_searchsorted_and_lexsort():
    rng = np.random.default_rng(2)
    for values in (
        np.ceil(rng.exponential(300, 5000)),  # whole days: lookup table
        np.ceil(rng.exponential(300, 5000)) - 400.0,  # negative whole numbers
        rng.exponential(300, 5000),  # continuous: binary search
    ):
        uniq = np.unique(values)
        np.testing.assert_array_equal(_ranks(values, uniq), np.searchsorted(uniq, values))
    event = rng.random(5000) < 0.5
    time = np.ceil(rng.exponential(300, 5000))
    strata = rng.integers(0, 3, 5000)
    for big in (False, True):
        tt = time * 1000 if big else time  # > 16 bits of keys: the int64 stable sort
        uniq = np.unique(tt)
        key = 2 * (strata * (uniq.size + 1) + 1 + np.searchsorted(uniq, tt)) + ~event
        np.testing.assert_array_equal(_stable_argsort(key), np.lexsort((~event, tt, strata)))


def test_timefix_equals_find_interval_reference():
    rng = np.random.default_rng(4)
    base = np.round(rng.exponential(100, 3000), 2)
    jitter = base * (1 + rng.choice([0.0, 1e-12, -1e-12, 1e-10], base.size))
    times = np.where(rng.random(base.size) < 0.5, base, jitter)
    (got,) = timefix(times)
    pooled = np.unique(times)
    dy = np.diff(pooled)
    tol = np.sqrt(np.finfo(float).eps)
    cuts = pooled[np.concatenate(([True], ~((dy <= tol) | (dy / np.mean(np.abs(pooled)) <= tol))))]
    np.testing.assert_array_equal(got, cuts[np.searchsorted(cuts, times, side="right") - 1])


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_threaded_fit_works_in_a_forked_child(monkeypatch):
    """The row-range thread pool is rebuilt in a forked child (its threads do not survive fork)."""
    import multiprocessing

    parallel = importlib.import_module("linewise.stats._parallel")
    monkeypatch.setattr(parallel, "MIN_ROWS", 100)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    df = _data(3000, seed=4)
    want = cox(df, "t", "e", "a + b").coefficients["coef"].to_numpy()  # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_fit_coef, (df,)).get(timeout=60)
    np.testing.assert_array_equal(got, want)


def _fit_coef(df):
    parallel = importlib.import_module("linewise.stats._parallel")
    parallel.MIN_ROWS = 100
    parallel.workers = lambda: 2
    return cox(df, "t", "e", "a + b").coefficients["coef"].to_numpy()
