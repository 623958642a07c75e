"""Value normalisation: text cells to typed model values, one parser per column kind.

Each distinct raw value is parsed once (``pd.factorize``) and the result broadcast back to its
rows: a million-row file has only thousands of distinct dates, codes and regimens, so this is
fast without giving up exact, per-value error messages.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..lines.vocabulary import closest_drug, normalize_drug, normalize_regimen
from ..model.types import Column, Kind, Table
from .dates import PartialDateRule, SlashOrder, parse_date, slash_evidence
from .issues import concat_issues, issue_frame

#: Cells meaning "not known" in any column (compared lower-case).
MISSING_TOKENS = frozenset({
    "na", "n/a", "n.a.", "nan", "null", "none", "unknown", "unk", "?", "missing", "not known",
    "nk", "k.a.", "unbekannt", "nd", "not done", "#n/a",
})

_TRUE = frozenset({"yes", "y", "true", "t", "1", "ja", "j", "x"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "nein"})
_POSITIVE = frozenset({"positive", "pos", "pos.", "+", "p", "yes", "positiv"})
_NEGATIVE = frozenset({"negative", "neg", "neg.", "-", "n", "no", "negativ"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
_RECEPTOR_PCT = re.compile(r"^(?:(positive|pos|negative|neg)\s*)?\(?\s*(\d+(?:[.,]\d+)?)\s*%\s*\)?$", re.IGNORECASE)

# ASCO/CAP 2020 guideline (Allison et al., J Clin Oncol 2020;38:1346): ER/PgR are positive
# when >= 1% of tumour nuclei stain.
RECEPTOR_POSITIVE_THRESHOLD = 1.0


@dataclass(frozen=True)
class ImportOptions:
    """How cells are read; recorded with every import.

    Parameters
    ----------
    date_format : str, optional
        ``strptime`` format for every date column, for files whose dates are ambiguous.
    partial_dates : PartialDateRule
        Imputation of partial dates (``middle`` by default; ``earliest`` / ``latest``).
    code_map : dict
        Per model column, the user's codes mapped to model codes (from a mapping file).
    today : date
        Dates after this day are rejected (``future_date``); the import day by default.
    """

    date_format: str | None = None
    partial_dates: PartialDateRule = PartialDateRule.MIDDLE
    code_map: dict[str, dict[str, str]] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class Parsed:
    """Result of parsing one distinct value: the value, or the rule and message it broke."""

    value: object = None
    extra: object = None
    rule: str | None = None
    message: str | None = None
    warning: str | None = None
    warning_message: str | None = None


@dataclass
class ColumnResult:
    values: pd.Series
    issues: pd.DataFrame
    precision: pd.Series | None = None
    extra: pd.Series | None = None
    notes: list[str] = field(default_factory=list)


def _suggest(text: str, choices) -> str:
    match = difflib.get_close_matches(text.lower(), [str(c).lower() for c in choices], n=1, cutoff=0.6)
    if not match:
        return ""
    canon = {str(c).lower(): c for c in choices}[match[0]]
    return f"; did you mean {canon!r}?"


def _code_parser(column: Column, user_map: dict[str, str]) -> Callable[[str], Parsed]:
    lookup = {c.lower(): c for c in column.codes}
    lookup.update({k.lower(): v for k, v in column.code_aliases.items()})
    lookup.update({str(k).strip().lower(): v for k, v in user_map.items()})

    def parse(text: str) -> Parsed:
        key = re.sub(r"\s+", " ", text.lower())
        if key in lookup:
            return Parsed(lookup[key])
        allowed = ", ".join(column.codes)
        return Parsed(rule="code", message=f"not an allowed code ({allowed}){_suggest(text, column.codes)}")

    return parse


def _number(text: str, column: Column, integer: bool) -> Parsed:
    s = text.strip().replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")  # decimal comma (German, French exports)
    if integer:
        if not _INTEGER.match(s):
            return Parsed(rule="type", message="not a whole number")
        value: float = int(float(s))
    else:
        if not _NUMBER.match(s):
            return Parsed(rule="type", message="not a number")
        value = float(s)
    if column.minimum is not None and value < column.minimum or column.maximum is not None and value > column.maximum:
        return Parsed(rule="range", message=f"outside the allowed range {column.minimum:g} to {column.maximum:g}")
    return Parsed(value)


def _boolean(text: str) -> Parsed:
    key = text.lower()
    if key in _TRUE:
        return Parsed(True)
    if key in _FALSE:
        return Parsed(False)
    return Parsed(rule="type", message="not a yes/no value (yes, no, true, false, 1, 0)")


def _receptor(text: str) -> Parsed:
    key = text.lower().strip()
    if key in _POSITIVE:
        return Parsed("positive")
    if key in _NEGATIVE:
        return Parsed("negative")
    m = _RECEPTOR_PCT.match(key)
    if m:
        pct = float(m.group(2).replace(",", "."))
        if pct > 100:
            return Parsed(rule="range", message="a receptor percentage above 100")
        status = "positive" if pct >= RECEPTOR_POSITIVE_THRESHOLD else "negative"
        word = (m.group(1) or "").lower()
        if word and word.startswith("neg") != (status == "negative"):
            return Parsed(rule="code", message=f"says {word} but {pct:g}% is {status} (>= 1% is positive, ASCO/CAP)")
        return Parsed(status, extra=pct)
    return Parsed(rule="code", message="not a receptor status (positive/negative, +/-, pos/neg or a percentage like 90%)")


def _drug(text: str) -> Parsed:
    name = normalize_drug(text)
    if name is not None:
        return Parsed(name)
    drugs, unknown = normalize_regimen(text)
    if len(drugs) == 1 and not unknown:
        return Parsed(drugs[0])
    hint = closest_drug(text)
    suffix = f"; did you mean {hint!r}?" if hint else ""
    return Parsed(None, warning="drug_unrecognised", warning_message=f"not in the cancer-drug vocabulary{suffix}")


def _drug_list(text: str) -> Parsed:
    drugs, unknown = normalize_regimen(text)
    if unknown:
        hints = [f"{u!r} -> {h!r}" for u in unknown if (h := closest_drug(u))]
        suffix = f"; did you mean {', '.join(hints)}?" if hints else ""
        return Parsed(rule="drug_unknown", message=f"unknown drug(s) {', '.join(map(repr, unknown))}{suffix}")
    if not drugs:
        return Parsed(rule="required", message="no drug named")
    return Parsed(list(drugs))


def _infer_slash_order(uniques: list[str], given: str | None) -> tuple[SlashOrder, str | None]:
    """Choose the day/month order of a column's slash dates from the values that prove one.

    Where values disagree the majority wins and the others are reported as invalid dates;
    where none proves an order, day-first is assumed and a warning is given.
    """
    if given:
        return SlashOrder.DAY_FIRST, None
    votes = {SlashOrder.DAY_FIRST: 0, SlashOrder.MONTH_FIRST: 0}
    ambiguous = 0
    for u in uniques:
        ev = slash_evidence(u)
        if ev is not None:
            votes[ev] += 1
        elif "/" in u and u.count("/") == 2:
            ambiguous += 1
    if votes[SlashOrder.MONTH_FIRST] > votes[SlashOrder.DAY_FIRST]:
        return SlashOrder.MONTH_FIRST, None
    if votes[SlashOrder.DAY_FIRST] == 0 and ambiguous:
        return SlashOrder.DAY_FIRST, "slash dates are ambiguous; day-first (dd/mm/yyyy) was assumed"
    return SlashOrder.DAY_FIRST, None


def normalize_column(
    column: Column, raw: pd.Series, options: ImportOptions, slash_order: SlashOrder | None = None
) -> ColumnResult:
    """Parse one column of text cells into model values, with the issues found.

    ``slash_order`` fixes the day/month order of ``a/b/yyyy`` dates; by default it is inferred
    from this column's values.

    Examples
    --------
    >>> import pandas as pd
    >>> from linewise.model.registry import PATIENTS
    >>> res = normalize_column(PATIENTS.column("grade"), pd.Series(["III", "G2", None, "G5"]), ImportOptions())
    >>> res.values.tolist()
    ['G3', 'G2', None, None]
    >>> res.issues[["pos", "rule"]].values.tolist()
    [[3, 'code']]
    """
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    # Missing-value tokens are found among the distinct values, then mapped to code -1.
    keep_tokens = _NEGATIVE | _POSITIVE if column.kind is Kind.RECEPTOR else frozenset()
    is_missing = np.array([str(u).lower() in MISSING_TOKENS and str(u).lower() not in keep_tokens for u in uniques], dtype=bool)
    if is_missing.any():
        remap = np.full(len(uniques) + 1, -1, dtype=np.int64)
        remap[np.flatnonzero(~is_missing)] = np.arange(int((~is_missing).sum()))
        codes = remap[codes]  # code -1 indexes the last slot, which is -1
        uniques = uniques[~is_missing]
    uniq = [str(u) for u in uniques]
    notes: list[str] = []
    precision_of: list[str | None] | None = None

    if column.kind is Kind.DATE:
        order, note = (slash_order, None) if slash_order else _infer_slash_order(uniq, options.date_format)
        if note:
            notes.append(f"column {column.name!r}: {note}")
        parsed, precision_of = [], []
        for u in uniq:
            try:
                pd_ = parse_date(u, slash_order=order, partial=options.partial_dates, fmt=options.date_format)
            except ValueError as exc:
                parsed.append(Parsed(rule="type", message=str(exc)))
                precision_of.append(None)
                continue
            if pd_.value > options.today:
                parsed.append(Parsed(rule="future_date", message=f"is after the import day {options.today.isoformat()}"))
                precision_of.append(None)
            else:
                parsed.append(Parsed(np.datetime64(pd_.value, "D")))
                precision_of.append(pd_.precision.value)
    else:
        parser: Callable[[str], Parsed]
        if column.kind is Kind.CODE:
            parser = _code_parser(column, options.code_map.get(column.name, {}))
        elif column.kind is Kind.INTEGER:
            parser = lambda s: _number(s, column, integer=True)  # noqa: E731
        elif column.kind is Kind.NUMBER:
            parser = lambda s: _number(s, column, integer=False)  # noqa: E731
        elif column.kind is Kind.BOOLEAN:
            parser = _boolean
        elif column.kind is Kind.RECEPTOR:
            parser = _receptor
        elif column.kind is Kind.DRUG:
            parser = _drug
        elif column.kind is Kind.DRUG_LIST:
            parser = _drug_list
        else:
            parser = Parsed
        parsed = [parser(u) for u in uniq]

    issues = []
    value_of = np.empty(len(parsed) + 1, dtype=object)
    value_of[: len(parsed)] = [p.value for p in parsed]
    value_of[-1] = None
    values = pd.Series(value_of[codes], index=raw.index, dtype=object)
    for k, p in enumerate(parsed):
        if p.rule is None and p.warning is None:
            continue
        pos = np.flatnonzero(codes == k)
        if p.rule is not None:
            issues.append(issue_frame(pos, column.name, uniq[k], p.rule, p.message))
        if p.warning is not None:
            issues.append(issue_frame(pos, column.name, uniq[k], p.warning, p.warning_message))
    if column.required:
        pos = np.flatnonzero(codes == -1)
        if pos.size:
            issues.append(issue_frame(pos, column.name, raw.iloc[pos].tolist(), "required", "a value is required"))

    result = ColumnResult(values=_typed(values, column.kind), issues=concat_issues(issues), notes=notes)
    if precision_of is not None:
        prec = np.array(precision_of + [None], dtype=object)
        result.precision = pd.Series(prec[codes], index=raw.index, dtype=object)
    if column.kind is Kind.RECEPTOR:
        extra = np.array([p.extra for p in parsed] + [None], dtype=object)
        result.extra = pd.Series(extra[codes], index=raw.index, dtype=object)
    return result


def _typed(values: pd.Series, kind: Kind) -> pd.Series:
    if kind is Kind.DATE:
        return pd.Series(pd.to_datetime(values.astype("datetime64[s]")), index=values.index).dt.normalize()
    if kind is Kind.INTEGER:
        return values.astype("Int64")
    if kind is Kind.NUMBER:
        return values.astype("Float64")
    if kind is Kind.BOOLEAN:
        return values.astype("boolean")
    return values


def normalize_table(table: Table, frame: pd.DataFrame, options: ImportOptions) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Normalise every model column of ``frame`` (already renamed to model names).

    Returns the typed frame (model columns plus ``<date>_precision`` columns), the issues, and
    file-level notes. Model columns absent from the source are added empty.
    """
    out: dict[str, pd.Series] = {}
    issues: list[pd.DataFrame] = []
    notes: list[str] = []
    n = len(frame)
    receptor_pct: dict[str, pd.Series] = {}
    # One export writes all its dates alike, so the day/month order of slash dates is decided
    # from the evidence of every date column of the file together.
    date_values = [str(v) for c in table.date_columns if c in frame for v in frame[c].dropna().unique()]
    order, note = _infer_slash_order(date_values, options.date_format)
    if note:
        notes.append(f"dates: {note}")
    for column in table.columns:
        raw = frame[column.name] if column.name in frame else pd.Series([None] * n, index=frame.index, dtype=object)
        res = normalize_column(column, raw, options, slash_order=order)
        out[column.name] = res.values
        issues.append(res.issues)
        notes.extend(res.notes)
        if res.precision is not None:
            out[f"{column.name}_precision"] = res.precision
        if res.extra is not None:
            receptor_pct[column.name.replace("_status", "_percent")] = res.extra
    # "ER 90%" in a status column also gives the percentage when that column is empty.
    for pct_col, pct in receptor_pct.items():
        if pct_col in out:
            out[pct_col] = out[pct_col].fillna(pd.Series(pct, dtype="Float64"))
    if table.name == "drug_exposures":
        # The normalised drug comes from what was written wherever the source gives none
        # (no ``drug`` column, or an empty cell in it).
        if "drug_source_value" in frame:
            empty = out["drug"].isna() & (frame["drug"].isna() if "drug" in frame else True)
            if empty.any():
                res = normalize_column(table.column("drug"), frame["drug_source_value"][empty], options)
                out["drug"] = out["drug"].astype(object)
                out["drug"].loc[empty] = res.values
                positions = np.flatnonzero(empty.to_numpy())
                issues.append(res.issues.assign(column="drug_source_value", pos=positions[res.issues["pos"].to_numpy(dtype=np.int64)]))
    return pd.DataFrame(out, index=frame.index), concat_issues(issues), notes
