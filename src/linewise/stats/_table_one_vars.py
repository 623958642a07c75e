"""Per-variable summaries behind :func:`linewise.stats.table_one` (vectorised over patients).

Each summary holds the numbers of one variable for every group (index ``0..G-1``) and for the
overall column (index ``-1``: every patient with a non-missing group).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validate import StatsInputError
from .smd import pairwise_categorical, pairwise_continuous

UNKNOWN = "Unknown"
OVERALL = "Overall"


def infer_type(series: pd.Series, name: str, max_levels: int) -> str:
    """gtsummary's rule: numeric with fewer than ``max_levels`` distinct values is categorical."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise StatsInputError(
            f"variables: {name!r} holds dates or durations; convert it to a number (e.g. age in "
            "years, months since diagnosis) before summarising"
        )
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "categorical" if series.nunique(dropna=True) < max_levels else "continuous"
    return "categorical"


def _level_text(value) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))  # a 0/1/2 code read as float (because of NaN) prints as 0/1/2
    return str(value)


@dataclass(frozen=True, eq=False)
class CategoricalSummary:
    """Counts per group and level; missing values per group."""

    levels: list
    level_text: list[str]
    counts: np.ndarray  # groups x levels
    missing_by_group: np.ndarray

    def count(self, i: int, level: int) -> int:
        return int(self.counts[:, level].sum() if i == -1 else self.counts[i, level])

    def nonmissing(self, i: int) -> int:
        return int(self.counts.sum() if i == -1 else self.counts[i].sum())

    def missing(self, i: int) -> int:
        return int(self.missing_by_group.sum() if i == -1 else self.missing_by_group[i])

    def smd(self) -> float:
        present = self.counts[self.counts.sum(axis=1) > 0]
        if present.shape[0] < 2:
            return float("nan")
        return float(np.mean(pairwise_categorical(present.astype(float))))

    def long_rows(self, var: str, label: str, group_names: list[str]) -> list[dict]:
        out = []
        for i, gname in [(-1, OVERALL)] + list(enumerate(group_names)):
            denom = self.nonmissing(i)
            for li, lev in enumerate(self.level_text):
                n = self.count(i, li)
                out.append(
                    {
                        "variable": var,
                        "label": label,
                        "type": "categorical",
                        "level": lev,
                        "group": gname,
                        "n": n,
                        "N": denom,
                        "percent": 100.0 * n / denom if denom else np.nan,
                    }
                )
            out.append(
                {
                    "variable": var,
                    "label": label,
                    "type": "categorical",
                    "level": UNKNOWN,
                    "group": gname,
                    "n": self.missing(i),
                    "N": np.nan,
                    "percent": np.nan,
                }
            )
        return out


def summarise_categorical(series: pd.Series, g: np.ndarray, n_groups: int, name: str):
    """Counts of each level by group (levels: factor order, else sorted values)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = np.asarray(series.array.codes, dtype=np.intp)
        levels = list(series.array.categories)
    else:
        try:
            codes, uniques = pd.factorize(series, sort=True)
        except TypeError:  # mixed types (e.g. numbers and text): order by their text
            codes, uniques = pd.factorize(series.astype("string"), sort=True)
        codes = np.asarray(codes, dtype=np.intp)
        levels = list(uniques)
    levels = [v.item() if isinstance(v, np.generic) else v for v in levels]
    ok = codes >= 0
    n_levels = len(levels)
    counts = np.bincount(g[ok] * n_levels + codes[ok], minlength=n_groups * n_levels)
    return CategoricalSummary(
        levels=levels,
        level_text=[_level_text(v) for v in levels],
        counts=counts.reshape(n_groups, n_levels),
        missing_by_group=np.bincount(g[~ok], minlength=n_groups),
    )


@dataclass(frozen=True, eq=False)
class ContinuousSummary:
    """Non-missing values per group (sorted) and missing counts."""

    samples: list[np.ndarray]
    missing_by_group: np.ndarray

    def _sample(self, i: int) -> np.ndarray:
        return np.concatenate(self.samples) if i == -1 else self.samples[i]

    def missing(self, i: int) -> int:
        return int(self.missing_by_group.sum() if i == -1 else self.missing_by_group[i])

    def stats(self, i: int) -> dict:
        x = self._sample(i)
        if x.size == 0:
            nan = float("nan")
            return {
                "n": 0,
                "median": nan,
                "q1": nan,
                "q3": nan,
                "min": nan,
                "max": nan,
                "mean": nan,
                "sd": nan,
            }
        # numpy's default "linear" quantile is R's quantile(type = 7).
        q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
        with np.errstate(over="ignore", invalid="ignore"):  # |x| near 1e308: inf, not a warning
            mean = float(x.mean())
            sd = float(x.std(ddof=1)) if x.size > 1 else float("nan")
        return {
            "n": int(x.size),
            "median": float(med),
            "q1": float(q1),
            "q3": float(q3),
            "min": float(x.min()),
            "max": float(x.max()),
            "mean": mean,
            "sd": sd,
        }

    def smd(self) -> float:
        present = [s for s in self.samples if s.size]
        if len(present) < 2:
            return float("nan")
        return float(np.mean(pairwise_continuous(present)))

    def long_rows(self, var: str, label: str, group_names: list[str]) -> list[dict]:
        out = []
        for i, gname in [(-1, OVERALL)] + list(enumerate(group_names)):
            row = {
                "variable": var,
                "label": label,
                "type": "continuous",
                "level": "",
                "group": gname,
            }
            row.update(self.stats(i))
            row["n_missing"] = self.missing(i)
            out.append(row)
        return out


def summarise_continuous(series: pd.Series, g: np.ndarray, n_groups: int, name: str):
    """Values by group; anything that is neither a number nor missing is refused."""
    if pd.api.types.is_bool_dtype(series.dtype):
        raise StatsInputError(f"types: {name!r} is yes/no; it cannot be continuous")
    missing = series.isna().to_numpy()
    numeric = pd.to_numeric(series, errors="coerce")
    values = numeric.to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero((~missing & np.isnan(values)) | np.isinf(values))
    if bad.size:
        i = int(bad[0])
        raise StatsInputError(
            f"variables: {name!r} row {series.index[i]!r} is {series.iloc[i]!r}; a continuous "
            f"variable needs finite numbers ({bad.size} such value(s))"
        )
    ok = ~missing
    order = np.argsort(g[ok], kind="stable")
    vals, grp = values[ok][order], g[ok][order]
    bounds = np.searchsorted(grp, np.arange(n_groups + 1))
    samples = [vals[bounds[k] : bounds[k + 1]] for k in range(n_groups)]
    return ContinuousSummary(
        samples=samples, missing_by_group=np.bincount(g[missing], minlength=n_groups)
    )
