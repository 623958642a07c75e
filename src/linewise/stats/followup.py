"""Median follow-up: reverse Kaplan-Meier (Schemper & Smith 1996) or observed times.

The reverse Kaplan-Meier estimate treats censoring as the event and events as censoring, so
it estimates the potential follow-up had nobody had the event; its median is the usual
"median follow-up" of trial reports (Schemper M, Smith TL. A note on quantifying follow-up in
studies of failure time. Control Clin Trials 1996;17:343-6). In R:
``survfit(Surv(time, 1 - status) ~ 1)`` and its printed median and CI.
The "observed" method is the median of the observed follow-up times (events and censorings
alike) with the range, as many retrospective studies report it ("median (range)").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._km_core import ConfType, check_conf, prepare
from ._result import TidyResult
from ._validate import as_choice
from .km import _fit_one

__all__ = ["FollowUpResult", "median_follow_up"]

FollowUpMethod = Literal["reverse_km", "observed"]
_METHODS = {"reverse_km": "reverse_km", "observed": "observed"}


@dataclass(frozen=True, eq=False)
class FollowUpResult(TidyResult):
    """Median follow-up with its CI (reverse KM only; NaN for "observed") and the range."""

    method: str
    n: int
    median: float
    lower: float
    upper: float
    minimum: float
    maximum: float
    conf_level: float

    @property
    def title(self) -> str:  # type: ignore[override]
        how = "reverse Kaplan-Meier" if self.method == "reverse_km" else "observed times"
        return f"Median follow-up ({how})"

    @property
    def median_ci(self) -> tuple[float, float]:
        """Confidence limits of the median (NaN if not reached or for "observed")."""
        return (self.lower, self.upper)

    @property
    def range(self) -> tuple[float, float]:
        """Shortest and longest observed follow-up time."""
        return (self.minimum, self.maximum)

    def summary(self) -> pd.DataFrame:
        """One row: method, n, median, lower, upper, minimum, maximum."""
        return pd.DataFrame(
            [[self.method, self.n, self.median, self.lower, self.upper, self.minimum, self.maximum]],
            columns=["method", "n", "median", "lower", "upper", "minimum", "maximum"],
        )


def median_follow_up(
    time,
    event,
    method: FollowUpMethod = "reverse_km",
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
) -> FollowUpResult:
    """Median follow-up time by reverse Kaplan-Meier or as the median of observed times.

    Parameters
    ----------
    time : array_like of float
        Follow-up time of every subject (>= 0).
    event : array_like of {0, 1}
        1 if the event happened (then the subject's follow-up is censored for this purpose).
    method : {"reverse_km", "observed"}, default "reverse_km"
        "reverse_km": median of the Kaplan-Meier estimate with censoring as the event
        (``survfit(Surv(time, 1 - status) ~ 1)``; a censoring tied with an event is a
        reverse-event at that time with the event still at risk, as R does). "observed":
        ``median(time)`` of all subjects; no CI.
    conf_level, conf_type
        For the CI of the reverse-KM median, as :func:`kaplan_meier`.

    Returns
    -------
    FollowUpResult
        ``median``, ``median_ci`` (``lower``, ``upper``), ``range`` (min, max of ``time``).

    Examples
    --------
    >>> median_follow_up([1, 2, 3, 4], [1, 0, 1, 0]).median
    4.0
    >>> r = median_follow_up([1, 2, 3, 4], [1, 0, 1, 0], method="observed")
    >>> (r.median, r.range)
    (2.5, (1.0, 4.0))
    """
    how = as_choice("method", method, _METHODS)
    level, ctype = check_conf(conf_level, conf_type)
    data = prepare(time, event)
    lo, hi = float(np.min(data.time)), float(np.max(data.time))
    if how == "observed":
        med = float(np.median(data.time))
        return FollowUpResult(how, data.n, med, float("nan"), float("nan"), lo, hi, level)
    reverse = type(data)(data.time, ~data.event, None, None)
    fit = _fit_one(reverse, level, ctype)
    return FollowUpResult(how, data.n, fit.median, fit.median_ci[0], fit.median_ci[1], lo, hi, level)
