"""Tests of independence for contingency tables: Pearson's chi-square and Fisher's exact test.

Both reproduce R's ``stats`` functions: :func:`chi_square` is ``chisq.test`` (Pearson statistic,
Yates' continuity correction only on request and only for 2 x 2 tables, as R does), and
:func:`fisher_exact` is ``fisher.test`` (exact two-sided p-value summing the probabilities of
tables no more likely than the observed one, relative tolerance 1e-7; for 2 x 2 tables also the
conditional maximum likelihood odds ratio and its exact confidence interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._fexact import RELATIVE_TOLERANCE, fisher_rxc_pvalue
from ._result import TidyResult
from ._validate import StatsInputError
from ._zeroin import zeroin

__all__ = ["ChiSquareResult", "FisherExactResult", "chi_square", "fisher_exact"]

#: Largest count accepted (integers above 2**53 are not exact in floating point).
_MAX_COUNT = 2**53


def as_count_table(name: str, table) -> np.ndarray:
    """Return ``table`` as a 2-D int64 array of counts, or raise :class:`StatsInputError`.

    Rules: at least 2 rows and 2 columns, finite non-negative whole numbers, and no row or
    column summing to zero (an empty group or level has no expected counts).
    """
    if isinstance(table, pd.DataFrame):
        table = table.to_numpy()
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise StatsInputError(f"{name}: cannot be read as a table of counts ({exc})") from None
    if arr.ndim != 2:
        raise StatsInputError(f"{name}: expected a 2-D table of counts, got shape {arr.shape}")
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise StatsInputError(f"{name}: needs at least 2 rows and 2 columns, got shape {arr.shape}")
    with np.errstate(invalid="ignore"):
        checks = [
            (~np.isfinite(arr), "missing or infinite counts are not allowed"),
            (arr < 0, "counts must be non-negative"),
            (arr != np.floor(arr), "counts must be whole numbers"),
            (arr > _MAX_COUNT, f"counts above {_MAX_COUNT} are not supported"),
        ]
    for bad, rule in checks:
        where = np.argwhere(bad)
        if where.size:
            i, j = (int(v) for v in where[0])
            raise StatsInputError(f"{name}: cell [{i}, {j}] is {arr[i, j]!r}; {rule}")
    counts = arr.astype(np.int64)
    for axis, what in ((1, "row"), (0, "column")):
        empty = np.flatnonzero(counts.sum(axis=axis) == 0)
        if empty.size:
            raise StatsInputError(
                f"{name}: {what} {int(empty[0])} sums to zero; remove empty {what}s "
                "(an empty group or level) before testing"
            )
    return counts


def _expected(counts: np.ndarray) -> np.ndarray:
    """Expected counts under independence: row total x column total / grand total."""
    return np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class ChiSquareResult(TidyResult):
    """Pearson's chi-square test of independence (R ``chisq.test``)."""

    statistic: float
    df: int
    pvalue: float
    observed: np.ndarray
    expected: np.ndarray
    correction: bool
    title: str = "Pearson's Chi-squared test"

    @property
    def min_expected(self) -> float:
        """Smallest expected count (the chi-square approximation is doubtful below 5)."""
        return float(self.expected.min())

    @property
    def method(self) -> str:
        """R's name of the test performed."""
        if self.correction:
            return "Pearson's Chi-squared test with Yates' continuity correction"
        return "Pearson's Chi-squared test"

    def summary(self) -> pd.DataFrame:
        """One row: method, statistic, df, p-value, smallest expected count, n."""
        return pd.DataFrame(
            {
                "method": [self.method],
                "statistic": [self.statistic],
                "df": [self.df],
                "pvalue": [self.pvalue],
                "min_expected": [self.min_expected],
                "n": [int(self.observed.sum())],
            }
        )


def chi_square(table, correction: bool = False) -> ChiSquareResult:
    """Pearson's chi-square test of independence for an r x c table of counts.

    Parameters
    ----------
    table : array_like or DataFrame
        Counts (rows x columns), at least 2 x 2, whole non-negative numbers, no empty row or
        column.
    correction : bool, default False
        Apply Yates' continuity correction; as R ``chisq.test`` it only applies to 2 x 2
        tables (the absolute differences are reduced by ``min(0.5, |O - E|)``). The default
        (no correction) is the Pearson test of Study B and of gtsummary's ``add_p``.

    Returns
    -------
    ChiSquareResult
        ``statistic``, ``df`` = (r - 1)(c - 1), ``pvalue`` (upper chi-square tail),
        ``expected`` counts and ``min_expected``.

    Examples
    --------
    Study B, tumour response rate (2 of 18 vs 6 of 24 responders):

    >>> from linewise.stats import chi_square
    >>> res = chi_square([[2, 16], [6, 18]])
    >>> round(res.pvalue, 4)
    0.2566
    >>> round(res.min_expected, 3)
    3.429
    """
    counts = as_count_table("table", table)
    expected = _expected(counts)
    diff = np.abs(counts - expected)
    applied = bool(correction) and counts.shape == (2, 2)
    if applied:
        # R: YATES <- min(0.5, abs(x - E)) (one value; all |O - E| are equal in a 2 x 2 table).
        diff = diff - min(0.5, float(diff.min()))
    statistic = float(np.sum(diff**2 / expected))
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    return ChiSquareResult(
        statistic=statistic,
        df=int(df),
        pvalue=float(sps.chi2.sf(statistic, df)),
        observed=_frozen(counts),
        expected=_frozen(expected),
        correction=applied,
    )


@dataclass(frozen=True, eq=False)
class FisherExactResult(TidyResult):
    """Fisher's exact test (R ``fisher.test``); odds ratio and CI only for 2 x 2 tables."""

    pvalue: float
    odds_ratio: float
    conf_low: float
    conf_high: float
    conf_level: float
    observed: np.ndarray
    title: str = "Fisher's Exact Test for Count Data"

    @property
    def conf_int(self) -> tuple[float, float]:
        """Confidence interval of the odds ratio (NaN for tables larger than 2 x 2)."""
        return (self.conf_low, self.conf_high)

    def summary(self) -> pd.DataFrame:
        """One row: p-value, conditional MLE odds ratio and its confidence limits, n."""
        return pd.DataFrame(
            {
                "method": [self.title],
                "pvalue": [self.pvalue],
                "odds_ratio": [self.odds_ratio],
                "conf_low": [self.conf_low],
                "conf_high": [self.conf_high],
                "conf_level": [self.conf_level],
                "n": [int(self.observed.sum())],
            }
        )


class _NoncentralHypergeometric:
    """Fisher's noncentral hypergeometric law of the top-left cell given the margins.

    The conditional likelihood used by R ``fisher.test`` for the odds ratio (Cornfield 1956;
    Agresti, *Categorical Data Analysis*, 3.5.7): ``P(X = x) ∝ dhyper(x) * psi**x`` on the
    support ``lo..hi``.
    """

    def __init__(self, counts: np.ndarray):
        m = int(counts[:, 0].sum())  # first-column total ("white balls")
        n = int(counts[:, 1].sum())
        k = int(counts[0, :].sum())  # first-row total ("balls drawn")
        self.x = int(counts[0, 0])
        self.lo, self.hi = max(0, k - n), min(k, m)
        self.support = np.arange(self.lo, self.hi + 1)
        self.logdc = sps.hypergeom.logpmf(self.support, m + n, m, k)

    def density(self, psi: float) -> np.ndarray:
        d = self.logdc + np.log(psi) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, psi: float) -> float:
        if psi == 0:
            return float(self.lo)
        if np.isinf(psi):
            return float(self.hi)
        return float(np.sum(self.support * self.density(psi)))

    def tail(self, psi: float, upper: bool) -> float:
        """``P(X >= x)`` (upper) or ``P(X <= x)`` at odds ratio ``psi``."""
        x = self.x
        if psi == 0:
            return float(x <= self.lo) if upper else float(x >= self.lo)
        if np.isinf(psi):
            return float(x <= self.hi) if upper else float(x >= self.hi)
        d = self.density(psi)
        return float(d[self.support >= x].sum() if upper else d[self.support <= x].sum())

    def pvalue(self) -> float:
        # Two-sided: tables no more likely than the observed one (R's relErr = 1 + 1e-7).
        d = self.density(1.0)
        d_obs = d[self.x - self.lo]
        return float(min(1.0, d[d <= d_obs * (1 + RELATIVE_TOLERANCE)].sum()))

    def _solve(self, g, target_at_one: float, target: float, increasing: bool) -> float:
        """Odds ratio psi with ``g(psi) == target``; R searches (0, 1) or 1 / (eps, 1)."""
        eps = float(np.finfo(float).eps)
        below = target_at_one > target if increasing else target_at_one < target
        if target_at_one == target:
            return 1.0
        if below:
            return zeroin(lambda t: g(t) - target, 0.0, 1.0)
        return 1.0 / zeroin(lambda t: g(1.0 / t) - target, eps, 1.0)

    def mle(self) -> float:
        """Conditional MLE: the psi whose mean equals the observed count."""
        if self.x == self.lo:
            return 0.0
        if self.x == self.hi:
            return float("inf")
        return self._solve(self.mean, self.mean(1.0), float(self.x), increasing=True)

    def conf_int(self, conf_level: float) -> tuple[float, float]:
        alpha = (1.0 - conf_level) / 2.0
        if self.x == self.lo:
            low = 0.0
        else:
            upper_tail = lambda t: self.tail(t, upper=True)  # noqa: E731 - increasing in psi
            low = self._solve(upper_tail, upper_tail(1.0), alpha, increasing=True)
        if self.x == self.hi:
            high = float("inf")
        else:
            lower_tail = lambda t: self.tail(t, upper=False)  # noqa: E731 - decreasing in psi
            high = self._solve(lower_tail, lower_tail(1.0), alpha, increasing=False)
        return low, high


def _check_conf_level(conf_level) -> float:
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        raise StatsInputError(f"conf_level: {conf_level!r} is not a number") from None
    if not 0.0 < level < 1.0:
        raise StatsInputError(f"conf_level: {conf_level!r} must be strictly between 0 and 1")
    return level


def fisher_exact(table, conf_level: float = 0.95) -> FisherExactResult:
    """Fisher's exact test of independence for an r x c table, as R ``fisher.test``.

    The two-sided p-value is the total probability, with both margins fixed, of all tables whose
    probability does not exceed the observed table's (relative tolerance 1e-7, as R). For 2 x 2
    tables the odds ratio is R's conditional maximum likelihood estimate (not the sample odds
    ratio ad/bc) with the exact conditional confidence interval; both are found with the same
    root finder and tolerance as R's ``uniroot`` so the printed figures agree with R's.
    Larger tables are enumerated exactly with a network algorithm (see ``_fexact``), meant for
    Table 1 sized tables (a 3 x 4 table with n = 300 takes ~2 s); when a table needs more than
    ``MAX_FILLINGS`` partial tables a :class:`StatsInputError` says so (R's FEXACT runs out of
    workspace there too) and the chi-square test is the appropriate choice anyway.

    Parameters
    ----------
    table : array_like or DataFrame
        Counts, at least 2 x 2, whole non-negative numbers, no empty row or column.
    conf_level : float, default 0.95
        Confidence level of the odds-ratio interval (2 x 2 only).

    Returns
    -------
    FisherExactResult
        ``pvalue``; for 2 x 2 tables ``odds_ratio``, ``conf_low``, ``conf_high`` (NaN for
        larger tables).

    Examples
    --------
    Study B, disease control rate (3 of 18 vs 15 of 24):

    >>> from linewise.stats import fisher_exact
    >>> res = fisher_exact([[3, 15], [15, 9]])
    >>> round(res.pvalue, 4), round(res.odds_ratio, 3)
    (0.0045, 0.127)
    >>> round(fisher_exact([[13, 5, 0], [13, 10, 1]]).pvalue, 4)
    0.4202
    """
    counts = as_count_table("table", table)
    level = _check_conf_level(conf_level)
    if counts.shape == (2, 2):
        law = _NoncentralHypergeometric(counts)
        low, high = law.conf_int(level)
        return FisherExactResult(
            pvalue=law.pvalue(),
            odds_ratio=law.mle(),
            conf_low=low,
            conf_high=high,
            conf_level=level,
            observed=_frozen(counts),
        )
    try:
        pvalue = fisher_rxc_pvalue(counts)
    except MemoryError:
        raise StatsInputError(
            f"table: {counts.shape[0]} x {counts.shape[1]} table with n = {int(counts.sum())} is "
            "too large for exact enumeration; use chi_square"
        ) from None
    return FisherExactResult(
        pvalue=pvalue,
        odds_ratio=float("nan"),
        conf_low=float("nan"),
        conf_high=float("nan"),
        conf_level=level,
        observed=_frozen(counts),
    )
