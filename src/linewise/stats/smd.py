"""Standardised mean differences (balance diagnostics for Table 1 and propensity-score work).

Definitions follow R ``tableone`` (``ExtractSmd``), which follows Yang & Dalton (2012):

* continuous: ``|mean_1 - mean_2| / sqrt((s_1^2 + s_2^2) / 2)`` (sample variances); 0 when both
  the difference and the variances are 0;
* categorical with levels ``1..K``: ``sqrt(T' S^+ T)`` where ``T`` is the difference of the level
  proportions without the first (redundant) level and ``S`` the average of the two multinomial
  covariance matrices (``p_k (1 - p_k)`` on the diagonal, ``-p_k p_l`` off it), ``S^+`` its
  Moore-Penrose inverse (as ``MASS::ginv``, so empty levels do not break it); NaN when ``S`` is
  zero and ``T`` is not;
* more than two groups: every pair is computed and the reported value is their average.

Reference: Yang, D. & Dalton, J. E. (2012). A unified approach to measuring the effect size
between two groups using SAS. SAS Global Forum, paper 335-2012.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._result import TidyResult
from ._validate import StatsInputError, as_choice, as_float_array, as_group_array

__all__ = ["StandardizedDifference", "standardized_mean_difference"]

SmdKind = Literal["auto", "continuous", "categorical"]
_KINDS = {"auto": "auto", "continuous": "continuous", "categorical": "categorical"}
#: MASS::ginv's default tolerance: singular values below sqrt(eps) x the largest are dropped.
_GINV_TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class StandardizedDifference(TidyResult):
    """Standardised difference between groups: ``smd`` (average over pairs) and each pair."""

    smd: float
    kind: str
    pairs: tuple[tuple[Any, Any], ...]
    pairwise: tuple[float, ...]
    title: str = "Standardized mean difference"

    def __float__(self) -> float:
        return float(self.smd)

    def summary(self) -> pd.DataFrame:
        """One row per pair of groups (and the average when there are more than two groups)."""
        rows = [
            {"group_1": a, "group_2": b, "kind": self.kind, "smd": v}
            for (a, b), v in zip(self.pairs, self.pairwise, strict=True)
        ]
        if len(rows) > 1:
            rows.insert(
                0, {"group_1": "average", "group_2": "", "kind": self.kind, "smd": self.smd}
            )
        return pd.DataFrame(rows, columns=["group_1", "group_2", "kind", "smd"])


def _continuous_pair(a: np.ndarray, b: np.ndarray) -> float:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        diff = float(a.mean() - b.mean())
        var_a = float(a.var(ddof=1)) if a.size > 1 else np.nan
        var_b = float(b.var(ddof=1)) if b.size > 1 else np.nan
        pooled = (var_a + var_b) / 2.0
        if diff == 0.0 and pooled == 0.0:
            return 0.0  # one constant shared by both groups
        return float(abs(diff) / np.sqrt(pooled))


def _categorical_pair(p1: np.ndarray, p2: np.ndarray) -> float:
    def cov(p):
        m = -np.outer(p, p)
        np.fill_diagonal(m, p * (1.0 - p))
        return m

    s = (cov(p1) + cov(p2)) / 2.0
    t = p1 - p2
    if np.all(s == 0.0):
        # A zero covariance has a zero generalised inverse; tableone reports NaN unless T = 0.
        return 0.0 if np.all(t == 0.0) else float("nan")
    value = float(t @ np.linalg.pinv(s, rtol=_GINV_TOL) @ t)
    return float(np.sqrt(max(value, 0.0)))


def pairwise_continuous(samples: list[np.ndarray]) -> list[float]:
    """Continuous SMD of every pair of samples, in ``itertools.combinations`` order."""
    return [_continuous_pair(a, b) for a, b in combinations(samples, 2)]


def pairwise_categorical(counts: np.ndarray) -> list[float]:
    """Categorical SMD of every pair of rows of a groups x levels table of counts."""
    props = counts / counts.sum(axis=1, keepdims=True)
    if props.shape[1] > 1:
        props = props[:, 1:]  # drop the first level: the proportions sum to one
    return [_categorical_pair(p1, p2) for p1, p2 in combinations(props, 2)]


def standardized_mean_difference(values, groups, kind: SmdKind = "auto") -> StandardizedDifference:
    """Standardised difference of ``values`` between the groups, as R ``tableone``.

    Parameters
    ----------
    values : array_like
        The variable (no missing values: drop them first, as tableone does).
    groups : array_like
        Group label of each value (no missing labels), at least two groups.
    kind : {"auto", "continuous", "categorical"}, default "auto"
        ``"auto"`` treats numeric (non-boolean) values as continuous and anything else as
        categorical; pass ``"categorical"`` for numeric codes such as ECOG 0/1/2.

    Returns
    -------
    StandardizedDifference
        ``smd`` (float; the average over pairs when there are more than two groups),
        ``pairwise`` values in the order of ``pairs``.

    Examples
    --------
    >>> from linewise.stats import standardized_mean_difference
    >>> res = standardized_mean_difference([1.0, 2.0, 3.0, 3.0, 4.0, 5.0], ["a"] * 3 + ["b"] * 3)
    >>> float(res)  # |2 - 4| / sqrt((1 + 1) / 2)
    2.0
    >>> ecog = [0, 0, 1, 1, 0, 1, 1, 2]
    >>> res = standardized_mean_difference(ecog, ["x"] * 4 + ["y"] * 4, kind="categorical")
    >>> round(res.smd, 4)
    0.8944
    """
    how = as_choice("kind", kind, _KINDS)
    raw = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else values
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"values: cannot be read as an array ({exc})") from None
    if arr.ndim != 1:
        raise StatsInputError(f"values: expected a 1-D array, got shape {arr.shape}")
    codes, levels = as_group_array("groups", groups, n=arr.shape[0])
    if len(levels) < 2:
        raise StatsInputError("groups: need at least two groups to compare")
    if how == "auto":
        numeric = arr.dtype.kind in "iuf" and arr.dtype.kind != "b"
        how = "continuous" if numeric else "categorical"
    pairs = list(combinations(range(len(levels)), 2))
    if how == "continuous":
        v = as_float_array("values", arr)
        pairwise = pairwise_continuous([v[codes == g] for g in range(len(levels))])
    else:
        level_codes, _ = as_group_array("values", arr, n=arr.shape[0])
        counts = np.zeros((len(levels), int(level_codes.max()) + 1))
        np.add.at(counts, (codes, level_codes), 1.0)
        pairwise = pairwise_categorical(counts)
    return StandardizedDifference(
        smd=float(np.mean(pairwise)),
        kind=how,
        pairs=tuple((levels[i], levels[j]) for i, j in pairs),
        pairwise=tuple(float(p) for p in pairwise),
    )
