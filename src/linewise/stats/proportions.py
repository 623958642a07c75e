"""Confidence intervals for a binomial proportion (response rates, disease control rates).

* ``"clopper-pearson"`` — the exact interval R ``binom.test`` reports (beta quantiles).
* ``"wilson"`` — the score interval R ``prop.test(x, n, correct = FALSE)`` reports.
* ``"wald"`` — ``p ± z sqrt(p (1 - p) / n)`` clipped to [0, 1]; shown for comparison only (it
  collapses to a point at 0 and n and under-covers for small n).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._result import TidyResult
from ._validate import StatsInputError, as_choice, as_probability

__all__ = ["ProportionCI", "proportion_ci"]

ProportionMethod = Literal["clopper-pearson", "wilson", "wald"]
_METHODS = {
    "clopper-pearson": "clopper-pearson",
    "exact": "clopper-pearson",
    "wilson": "wilson",
    "score": "wilson",
    "wald": "wald",
}


@dataclass(frozen=True)
class ProportionCI(TidyResult):
    """A proportion ``x / n`` with its confidence interval."""

    x: int
    n: int
    estimate: float
    conf_low: float
    conf_high: float
    conf_level: float
    method: str
    title: str = "Proportion with confidence interval"

    @property
    def conf_int(self) -> tuple[float, float]:
        """``(conf_low, conf_high)``."""
        return (self.conf_low, self.conf_high)

    def summary(self) -> pd.DataFrame:
        """One row: x, n, estimate, confidence limits, level and method."""
        return pd.DataFrame(
            {
                "x": [self.x],
                "n": [self.n],
                "estimate": [self.estimate],
                "conf_low": [self.conf_low],
                "conf_high": [self.conf_high],
                "conf_level": [self.conf_level],
                "method": [self.method],
            }
        )


def _whole(name: str, value, *, minimum: int) -> int:
    if isinstance(value, bool | np.bool_):
        raise StatsInputError(f"{name}: {value!r} is a boolean, not a count")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise StatsInputError(f"{name}: {value!r} is not a number") from None
    if not np.isfinite(v) or v != np.floor(v):
        raise StatsInputError(f"{name}: {value!r} must be a whole number")
    if v < minimum:
        raise StatsInputError(f"{name}: {value!r} must be at least {minimum}")
    if v > 2**53:
        raise StatsInputError(f"{name}: {value!r} is too large")
    return int(v)


def proportion_ci(
    x: int,
    n: int,
    method: ProportionMethod = "clopper-pearson",
    conf_level: float = 0.95,
) -> ProportionCI:
    """Confidence interval for the proportion of ``x`` successes out of ``n``.

    Parameters
    ----------
    x : int
        Number of successes, ``0 <= x <= n``.
    n : int
        Number of trials, at least 1.
    method : {"clopper-pearson", "wilson", "wald"}, default "clopper-pearson"
        ``"clopper-pearson"``: R ``binom.test(x, n)$conf.int`` — ``qbeta(a/2, x, n - x + 1)``
        and ``qbeta(1 - a/2, x + 1, n - x)``, with 0 and 1 at the boundaries.
        ``"wilson"``: R ``prop.test(x, n, correct = FALSE)$conf.int`` (score interval).
        ``"wald"``: normal approximation, clipped to [0, 1].
    conf_level : float, default 0.95
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionCI
        ``estimate`` = x / n, ``conf_low``, ``conf_high``.

    Examples
    --------
    Study B, tumour response 2 of 18 with pertuzumab pre-treatment:

    >>> from linewise.stats import proportion_ci
    >>> ci = proportion_ci(2, 18)
    >>> round(ci.estimate, 3), round(ci.conf_low, 4), round(ci.conf_high, 4)
    (0.111, 0.0138, 0.3471)
    >>> round(proportion_ci(2, 18, method="wilson").conf_high, 4)
    0.328
    """
    n_ = _whole("n", n, minimum=1)
    x_ = _whole("x", x, minimum=0)
    if x_ > n_:
        raise StatsInputError(f"x: {x!r} successes exceed n = {n_} trials")
    kind = as_choice("method", method, _METHODS)
    level = as_probability("conf_level", conf_level, open_interval=True)
    alpha = 1.0 - level
    p = x_ / n_
    if kind == "clopper-pearson":
        low = 0.0 if x_ == 0 else float(sps.beta.ppf(alpha / 2.0, x_, n_ - x_ + 1))
        high = 1.0 if x_ == n_ else float(sps.beta.ppf(1.0 - alpha / 2.0, x_ + 1, n_ - x_))
    elif kind == "wilson":
        # prop.test's interval without continuity correction (Wilson 1927):
        # (p + z^2/2n ± z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), with 0 / 1 at the ends.
        z = float(sps.norm.ppf(1.0 - alpha / 2.0))
        z22n = z * z / (2.0 * n_)
        root = z * np.sqrt(p * (1.0 - p) / n_ + z22n / (2.0 * n_))
        high = 1.0 if p >= 1.0 else (p + z22n + root) / (1.0 + 2.0 * z22n)
        low = 0.0 if p <= 0.0 else (p + z22n - root) / (1.0 + 2.0 * z22n)
        low, high = max(low, 0.0), min(high, 1.0)
    else:
        z = float(sps.norm.ppf(1.0 - alpha / 2.0))
        half = z * np.sqrt(p * (1.0 - p) / n_)
        low, high = max(0.0, p - half), min(1.0, p + half)
    return ProportionCI(
        x=x_,
        n=n_,
        estimate=float(p),
        conf_low=float(low),
        conf_high=float(high),
        conf_level=level,
        method=kind,
    )
