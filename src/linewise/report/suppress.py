"""Small-cell suppression: counts below a threshold become ``"<N"`` before anything leaves.

Suppression runs once, on the prepared results, before any table, figure or JSON is made,
so every output shows the same thing (``--min-cell-count 5``: a count of 3 is ``"<5"`` in
Table 1, in the numbers-at-risk table under a Kaplan-Meier plot, in a legend label, in the
CSV tables and in ``report.json``).

What counts as a count is decided by the key it is stored under (:data:`COUNT_KEYS`, listed
in ``schema.md``), everywhere in the results, including blocks the report does not draw.
Values derived from a suppressed count are blanked too, because they would give it back:
the percentage next to it, a proportion and its exact confidence limits, and the summary
statistics of a continuous variable in a group that small (its minimum and maximum are
single patients' values).

Not done: complementary (secondary) suppression. A suppressed cell can still be recovered by
subtraction from a shown total (e.g. two attrition counts); reviewers of outputs that leave a
secure environment should check totals, as OHDSI and CMS cell-size rules also require.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COUNT_KEYS", "HIDDEN", "SuppressionPolicy", "find_small_counts", "suppress_results"]

#: What a value derived from a suppressed count becomes (printed as an em dash).
HIDDEN = "suppressed"

#: Keys whose values are counts of patients or events (scalars, lists or nested dicts of them).
COUNT_KEYS = frozenset(
    {
        "n", "N", "x", "events", "excluded", "count", "counts", "missing", "group_n", "n_total",
        "n_risk", "n_event", "n_censor", "n_events", "n_missing", "n_patients", "n_analysed",
        "n_included", "n_excluded", "unknown",
    }
)
#: Keys blanked in the same object when one of its counts is suppressed (they reveal it).
_DERIVED = ("percent", "estimate", "lower", "upper", "median", "q1", "q3", "min", "max", "mean", "sd")
#: Keys that hold a count but are also a denominator of derived values in the same object.
_DENOMINATORS = ("n", "N", "x")


@dataclass(frozen=True)
class SuppressionPolicy:
    """Small-cell rule: counts below ``min_cell_count`` are shown as ``"<min_cell_count"``.

    Attributes
    ----------
    min_cell_count : int
        Threshold (e.g. 5 or 11); counts ``< min_cell_count`` are suppressed.
    keep_zero : bool, default False
        Show zero counts as 0. Off by default: "any count below it" is suppressed, which is the
        stricter reading (some cell-size policies allow zeros).

    Examples
    --------
    >>> p = SuppressionPolicy(5)
    >>> p.apply(3), p.apply(5), p.apply(0), SuppressionPolicy(5, keep_zero=True).apply(0)
    ('<5', 5, '<5', 0)
    """

    min_cell_count: int
    keep_zero: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.min_cell_count, bool) or not isinstance(self.min_cell_count, int) or self.min_cell_count < 1:
            raise ValueError(f"min_cell_count must be a whole number >= 1, got {self.min_cell_count!r}")

    @property
    def label(self) -> str:
        """The replacement text, e.g. ``"<5"``."""
        return f"<{self.min_cell_count}"

    def is_small(self, value) -> bool:
        """True when ``value`` is a count this policy hides."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if value != value:  # NaN
            return False
        if value == 0 and self.keep_zero:
            return False
        return value < self.min_cell_count

    def apply(self, value):
        """``value`` or its replacement text."""
        return self.label if self.is_small(value) else value


def _suppress_counts(value, policy: SuppressionPolicy):
    """Suppress a count value: scalar, list or dict of counts. Returns (new value, any hidden)."""
    if isinstance(value, list):
        parts = [_suppress_counts(v, policy) for v in value]
        return [p[0] for p in parts], any(p[1] for p in parts)
    if isinstance(value, dict):
        parts = {k: _suppress_counts(v, policy) for k, v in value.items()}
        return {k: p[0] for k, p in parts.items()}, any(p[1] for p in parts.values())
    if policy.is_small(value):
        return policy.label, True
    return value, False


def _walk(obj, policy: SuppressionPolicy):
    if isinstance(obj, list):
        return [_walk(v, policy) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    hidden_denominator = False
    for key, value in obj.items():
        if key in COUNT_KEYS and not isinstance(value, dict | list):
            new, hidden = _suppress_counts(value, policy)
            out[key] = new
            hidden_denominator |= hidden and key in _DENOMINATORS
        elif key in COUNT_KEYS and _is_count_container(value):
            out[key] = _suppress_counts(value, policy)[0]
        else:
            out[key] = _walk(value, policy)
    if hidden_denominator:
        for key in _DERIVED:
            if key in out and not isinstance(out[key], dict | list):
                out[key] = HIDDEN
    return out


def _is_count_container(value) -> bool:
    """A list or dict whose leaves are all numbers / None / suppressed strings."""
    if isinstance(value, list):
        return all(_is_count_container(v) if isinstance(v, list | dict) else _is_leaf(v) for v in value)
    if isinstance(value, dict):
        return all(_is_count_container(v) if isinstance(v, list | dict) else _is_leaf(v) for v in value.values())
    return _is_leaf(value)


def _is_leaf(v) -> bool:
    return v is None or isinstance(v, int | float | str) and not isinstance(v, bool)


def suppress_results(results: dict, policy: SuppressionPolicy | None) -> dict:
    """A copy of ``results`` with every count below the threshold replaced by ``"<N"``.

    Parameters
    ----------
    results : dict
        Prepared results (:func:`linewise.report.inputs.prepare_results`).
    policy : SuppressionPolicy or None
        None returns the results unchanged (a copy).

    Examples
    --------
    >>> r = {"attrition": [{"step": "identified", "n": 49}, {"step": "no prior T-DM1", "n": 47,
    ...       "excluded": 2}], "rate": {"x": 2, "n": 18, "estimate": 0.11}}
    >>> s = suppress_results(r, SuppressionPolicy(5))
    >>> s["attrition"][1]["excluded"], s["rate"]
    ('<5', {'x': '<5', 'n': 18, 'estimate': 'suppressed'})
    """
    if policy is None:
        return _walk(results, SuppressionPolicy(1, keep_zero=True))
    out = _walk(results, policy)
    out["suppression"] = {"min_cell_count": policy.min_cell_count, "keep_zero": policy.keep_zero}
    return out


def find_small_counts(results, policy: SuppressionPolicy, path: str = "") -> list[str]:
    """JSON paths of counts under :data:`COUNT_KEYS` that the policy would still hide.

    An empty list means the object is safe to release under ``policy``; used as a final guard
    before writing and by the tests.

    Examples
    --------
    >>> find_small_counts({"groups": [{"n": 3}, {"n": "<5"}]}, SuppressionPolicy(5))
    ['groups[0].n']
    """
    found: list[str] = []
    if isinstance(results, list):
        for i, v in enumerate(results):
            found += find_small_counts(v, policy, f"{path}[{i}]")
    elif isinstance(results, dict):
        for key, value in results.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in COUNT_KEYS:
                found += _small_leaves(value, policy, sub)
            else:
                found += find_small_counts(value, policy, sub)
    return found


def _small_leaves(value, policy: SuppressionPolicy, path: str) -> list[str]:
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _small_leaves(v, policy, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _small_leaves(v, policy, f"{path}.{k}")]
    return [path] if policy.is_small(value) else []
