"""Shared behaviour of the frozen statistics result objects.

Every result object of :mod:`linewise.stats` is a frozen dataclass with a tidy
``summary()`` DataFrame; this mixin gives them one HTML representation so notebooks show
the same table the report uses.
"""

from __future__ import annotations

import html

import pandas as pd


class TidyResult:
    """Mixin: ``_repr_html_`` built from ``summary()`` and a one-line ``title``."""

    #: Heading shown above the summary table in notebooks.
    title: str = "result"

    def summary(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        table = self.summary().to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="NA")
        return f"<div class='linewise-result'><strong>{html.escape(self.title)}</strong>{table}</div>"
