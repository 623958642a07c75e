"""Problems found while importing: each names file, row, column, value, rule and what to do.

Issues are collected column-wise as small DataFrames (one row per problem) so that checking a
million-row file never builds a million Python objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.registry import all_rules

ISSUE_COLUMNS = ["pos", "column", "value", "rule", "severity", "message"]


def issue_frame(pos, column: str | None, values, rule: str, message) -> pd.DataFrame:
    """Issues for frame positions ``pos`` (array) breaking ``rule``; ``message`` may be per row."""
    pos = np.asarray(pos, dtype=np.int64)
    n = len(pos)
    severity = all_rules()[rule].severity.value
    return pd.DataFrame({
        "pos": pos,
        "column": [column] * n,
        "value": list(values) if not isinstance(values, str | None) else [values] * n,
        "rule": [rule] * n,
        "severity": [severity] * n,
        "message": list(message) if not isinstance(message, str) else [message] * n,
    })


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "pos" else object) for c in ISSUE_COLUMNS})


def concat_issues(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_issues()
    return pd.concat(frames, ignore_index=True)


def format_issue(source: str, row_label: str, row, column, value, rule: str, severity: str, message: str) -> str:
    """One line a person can act on, e.g.
    ``lines.csv, row 213, column 'agents', value 'pertuzamab': [drug_unknown] ...``."""
    parts = [source]
    if row is not None and not (isinstance(row, float) and np.isnan(row)):
        parts.append(f"{row_label} {int(row)}")
    if column:
        parts.append(f"column {column!r}")
    if value is not None and not (isinstance(value, float) and np.isnan(value)):
        parts.append(f"value {str(value)[:80]!r}")
    return f"{', '.join(parts)}: {severity} [{rule}] {message}"
