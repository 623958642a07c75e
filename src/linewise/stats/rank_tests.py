"""Two- and k-sample location tests as R computes them.

* :func:`mann_whitney` — R ``wilcox.test(x, y)``: exact p-value when both samples have fewer
  than 50 values and there are no ties, otherwise the normal approximation with continuity and
  tie corrections.
* :func:`kruskal_wallis` — R ``kruskal.test`` (tie-corrected H, chi-square reference).
* :func:`t_test` — R ``t.test(x, y)``: Welch by default, pooled variance on request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._result import TidyResult
from ._validate import StatsInputError, as_float_array, as_group_array, as_probability

__all__ = [
    "KruskalWallisResult",
    "MannWhitneyResult",
    "TTestResult",
    "kruskal_wallis",
    "mann_whitney",
    "t_test",
]

#: R's wilcox.test uses the exact null distribution only below this sample size (each sample).
EXACT_MAX_N = 50
#: Largest ``n_x * n_y`` for which an explicitly requested exact distribution is computed (the
#: recurrence costs ~(n_x n_y)^2 operations).
EXACT_MAX_CELLS = 10_000


def _sample(name: str, values) -> np.ndarray:
    arr = as_float_array(name, values)
    if arr.size == 0:
        raise StatsInputError(f"{name}: is empty; each group needs at least one value")
    return arr


def _tie_sizes(values: np.ndarray) -> np.ndarray:
    """Sizes of the groups of equal values (1 for untied values)."""
    return np.unique(values, return_counts=True)[1].astype(float)


@dataclass(frozen=True)
class MannWhitneyResult(TidyResult):
    """Wilcoxon rank-sum / Mann-Whitney test (R ``wilcox.test``)."""

    statistic: float
    pvalue: float
    exact: bool
    n_x: int
    n_y: int
    title: str = "Wilcoxon rank sum test"

    @property
    def method(self) -> str:
        """R's description of the computation used."""
        if self.exact:
            return "Wilcoxon rank sum exact test"
        return "Wilcoxon rank sum test with continuity correction"

    def summary(self) -> pd.DataFrame:
        """One row: method, W statistic, p-value, sample sizes."""
        return pd.DataFrame(
            {
                "method": [self.method],
                "statistic": [self.statistic],
                "pvalue": [self.pvalue],
                "n_x": [self.n_x],
                "n_y": [self.n_y],
            }
        )


def _rank_sum_counts(m: int, n: int) -> np.ndarray:
    """Number of arrangements giving each value ``u = 0..m*n`` of the Mann-Whitney statistic.

    Recurrence on the largest observation (Mann & Whitney 1947):
    ``f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u)``; only additions of positive terms, so
    the tails keep full relative precision (unlike a polynomial division).
    """
    # counts[j] holds f(i, j, .) for the current i, as arrays of length m*n + 1.
    size = m * n + 1
    prev = [np.zeros(size) for _ in range(n + 1)]
    for j in range(n + 1):
        prev[j][0] = 1.0  # f(0, j, 0) = 1
    for _ in range(1, m + 1):
        cur = [np.zeros(size) for _j in range(n + 1)]
        cur[0][0] = 1.0  # f(i, 0, 0) = 1 for the current i
        for j in range(1, n + 1):
            cur[j] = cur[j - 1].copy()
            cur[j][j:] += prev[j][: size - j]
        prev = cur
    return prev[n]


def mann_whitney(x, y, *, exact: bool | None = None, correct: bool = True) -> MannWhitneyResult:
    """Two-sided Wilcoxon rank-sum (Mann-Whitney) test, as R ``wilcox.test(x, y)``.

    Parameters
    ----------
    x, y : array_like
        The two samples (finite numbers, each non-empty).
    exact : bool or None, default None
        ``None`` (R's default): exact when both samples have fewer than 50 values; the exact
        distribution is only used when there are no ties (as R, which warns and falls back).
    correct : bool, default True
        Continuity correction of the normal approximation (R default).

    Returns
    -------
    MannWhitneyResult
        ``statistic`` W = rank sum of ``x`` minus ``n_x (n_x + 1) / 2``; ``pvalue``; ``exact``.

    Examples
    --------
    >>> from linewise.stats import mann_whitney
    >>> res = mann_whitney([1.1, 2.2, 3.3, 4.4], [0.5, 5.5, 6.6])
    >>> res.statistic, round(res.pvalue, 4), res.exact
    (4.0, 0.6286, True)
    """
    xs, ys = _sample("x", x), _sample("y", y)
    nx, ny = xs.size, ys.size
    pooled = np.concatenate([xs, ys])
    ranks = sps.rankdata(pooled)  # average ranks for ties, as R's rank()
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2.0)
    ties = _tie_sizes(pooled)
    use_exact = (nx < EXACT_MAX_N and ny < EXACT_MAX_N) if exact is None else bool(exact)
    if use_exact and np.all(ties == 1):
        if nx * ny > EXACT_MAX_CELLS:
            raise StatsInputError(
                f"exact: the exact distribution for samples of {nx} and {ny} is too large to "
                "compute; use the normal approximation (exact=None or exact=False)"
            )
        counts = _rank_sum_counts(nx, ny)
        total = counts.sum()
        u = int(round(w))
        # R: P(W >= w) above the centre, P(W <= w) at or below, doubled and capped at 1.
        tail = counts[u:].sum() if w > nx * ny / 2.0 else counts[: u + 1].sum()
        pvalue = min(1.0, 2.0 * float(tail / total))
        return MannWhitneyResult(w, pvalue, True, nx, ny)
    n = nx + ny
    z = w - nx * ny / 2.0
    sigma = np.sqrt((nx * ny / 12.0) * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1))))
    correction = np.sign(z) * 0.5 if correct else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (z - correction) / sigma
    pvalue = float(2.0 * min(sps.norm.cdf(z), sps.norm.sf(z))) if np.isfinite(z) else np.nan
    return MannWhitneyResult(w, pvalue, False, nx, ny)


@dataclass(frozen=True)
class KruskalWallisResult(TidyResult):
    """Kruskal-Wallis rank-sum test (R ``kruskal.test``)."""

    statistic: float
    df: int
    pvalue: float
    n: int
    n_groups: int
    title: str = "Kruskal-Wallis rank sum test"

    def summary(self) -> pd.DataFrame:
        """One row: H statistic, df, p-value, n, number of groups."""
        return pd.DataFrame(
            {
                "method": [self.title],
                "statistic": [self.statistic],
                "df": [self.df],
                "pvalue": [self.pvalue],
                "n": [self.n],
                "n_groups": [self.n_groups],
            }
        )


def kruskal_wallis(values, groups) -> KruskalWallisResult:
    """Kruskal-Wallis rank-sum test of equal distributions across groups (R ``kruskal.test``).

    ``H = (12 / (n (n + 1)) sum R_i^2 / n_i - 3 (n + 1)) / (1 - sum(t^3 - t) / (n^3 - n))`` with
    average ranks and ``t`` the tie sizes; the p-value is the upper chi-square tail with
    ``k - 1`` degrees of freedom.

    Parameters
    ----------
    values : array_like
        Finite numbers.
    groups : array_like
        Group label of each value (no missing labels); at least two distinct groups.

    Returns
    -------
    KruskalWallisResult

    Examples
    --------
    >>> from linewise.stats import kruskal_wallis
    >>> res = kruskal_wallis([1, 2, 3, 4, 5, 6], ["a", "a", "b", "b", "c", "c"])
    >>> round(res.statistic, 4), res.df
    (4.5714, 2)
    """
    v = as_float_array("values", values)
    codes, levels = as_group_array("groups", groups, n=v.size)
    k = len(levels)
    if k < 2:
        raise StatsInputError("groups: all observations are in the same group; need at least two")
    n = v.size
    ranks = sps.rankdata(v)
    sums = np.bincount(codes, weights=ranks, minlength=k)
    sizes = np.bincount(codes, minlength=k).astype(float)
    ties = _tie_sizes(v)
    h = 12.0 * np.sum(sums**2 / sizes) / (n * (n + 1.0)) - 3.0 * (n + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = h / (1.0 - np.sum(ties**3 - ties) / (float(n) ** 3 - n))
    statistic = float(h)
    pvalue = float(sps.chi2.sf(statistic, k - 1)) if np.isfinite(statistic) else np.nan
    return KruskalWallisResult(statistic, k - 1, pvalue, n, k)


@dataclass(frozen=True)
class TTestResult(TidyResult):
    """Two-sample t test (R ``t.test``)."""

    statistic: float
    df: float
    pvalue: float
    mean_x: float
    mean_y: float
    conf_low: float
    conf_high: float
    conf_level: float
    equal_var: bool
    title: str = "Welch Two Sample t-test"

    @property
    def conf_int(self) -> tuple[float, float]:
        """Confidence interval of ``mean_x - mean_y``."""
        return (self.conf_low, self.conf_high)

    def summary(self) -> pd.DataFrame:
        """One row: t, df, p-value, the two means and the CI of their difference."""
        return pd.DataFrame(
            {
                "method": [self.title],
                "statistic": [self.statistic],
                "df": [self.df],
                "pvalue": [self.pvalue],
                "mean_x": [self.mean_x],
                "mean_y": [self.mean_y],
                "conf_low": [self.conf_low],
                "conf_high": [self.conf_high],
            }
        )


def t_test(x, y, equal_var: bool = False, conf_level: float = 0.95) -> TTestResult:
    """Two-sided two-sample t test, as R ``t.test(x, y, var.equal = equal_var)``.

    Welch (default): ``se = sqrt(vx/nx + vy/ny)`` with Welch-Satterthwaite degrees of freedom.
    Pooled (``equal_var=True``): ``df = nx + ny - 2`` and the pooled variance.

    Parameters
    ----------
    x, y : array_like
        Finite numbers. Welch needs at least 2 values in each sample; the pooled test needs at
        least 3 in total with one sample of 2 or more (as R).
    equal_var : bool, default False
        Assume equal variances (pooled test).
    conf_level : float, default 0.95
        Confidence level of the interval for ``mean(x) - mean(y)``.

    Returns
    -------
    TTestResult

    Examples
    --------
    >>> from linewise.stats import t_test
    >>> res = t_test([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    >>> round(res.statistic, 4), round(res.df, 4)
    (-1.7321, 4.4118)
    """
    xs, ys = _sample("x", x), _sample("y", y)
    level = as_probability("conf_level", conf_level, open_interval=True)
    nx, ny = xs.size, ys.size
    if nx < 2 and (not equal_var or ny < 2):
        raise StatsInputError(f"x: not enough observations ({nx}) for a t test")
    if ny < 2 and (not equal_var or nx < 2):
        raise StatsInputError(f"y: not enough observations ({ny}) for a t test")
    mx, my = float(xs.mean()), float(ys.mean())
    vx = float(xs.var(ddof=1)) if nx > 1 else 0.0
    vy = float(ys.var(ddof=1)) if ny > 1 else 0.0
    if equal_var:
        df = float(nx + ny - 2)
        se = float(np.sqrt(((nx - 1) * vx + (ny - 1) * vy) / df * (1.0 / nx + 1.0 / ny)))
        title = "Two Sample t-test"
    else:
        sx2, sy2 = vx / nx, vy / ny
        se = float(np.sqrt(sx2 + sy2))
        title = "Welch Two Sample t-test"
    # R refuses essentially constant data rather than dividing by ~0.
    if se == 0 or se < 10 * np.finfo(float).eps * max(abs(mx), abs(my)):
        raise StatsInputError("x, y: data are essentially constant; the t statistic is undefined")
    if not equal_var:
        # Welch-Satterthwaite df, written in shares of the total variance: the same value as
        # (sx2 + sy2)^2 / (sx2^2/(nx-1) + sy2^2/(ny-1)) without squaring huge variances.
        share_x, share_y = sx2 / (sx2 + sy2), sy2 / (sx2 + sy2)
        df = 1.0 / (share_x**2 / (nx - 1) + share_y**2 / (ny - 1))
    t = (mx - my) / se
    half = sps.t.ppf(1.0 - (1.0 - level) / 2.0, df) * se
    return TTestResult(
        statistic=float(t),
        df=float(df),
        pvalue=float(2.0 * sps.t.sf(abs(t), df)),
        mean_x=mx,
        mean_y=my,
        conf_low=float(mx - my - half),
        conf_high=float(mx - my + half),
        conf_level=level,
        equal_var=bool(equal_var),
        title=title,
    )
