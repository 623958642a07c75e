"""Read ``results.json`` and prepare it for display (the sub-schema is in ``schema.md``).

Three steps, none of which estimates anything:

1. :func:`load_results` reads the file and checks the structure the report relies on, with
   errors that name the JSON path (``survival[0].curves[1].steps``) in one line;
2. :func:`prepare_results` converts times to months, picks the x-axis breaks of each
   Kaplan-Meier plot and reads the numbers at risk at those breaks off the step tables (the
   rule of ``summary(survfit, times =)``: the risk set at the first step time at or after the
   break), turns censoring counts into censor-mark flags and removes any key that names a
   patient identifier;
3. small-cell suppression (:mod:`.suppress`) then runs on the prepared results, so every
   table, figure label and the JSON that leaves see the same suppressed counts.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import LinewiseError
from .adapt import from_study_results, is_study_results

__all__ = [
    "IDENTIFIER_KEYS",
    "ResultsError",
    "load_results",
    "prepare_results",
    "time_breaks",
]

SCHEMA = "linewise.results/1"

#: Months per unit: a month is 365.25 / 12 = 30.4375 days (as R's lubridate and survminer
#: users convert with ``xscale = "d_m"``).
TIME_FACTORS = {"months": 1.0, "days": 12.0 / 365.25, "weeks": 7.0 * 12.0 / 365.25, "years": 12.0}

#: Keys that would carry a direct or indirect patient identifier. Results never need one; if
#: a producer puts one in, it is removed before anything is shown or written.
IDENTIFIER_KEYS = frozenset(
    {
        "patient_id", "patient_ids", "person_id", "subject_id", "record_id", "pid", "mrn",
        "patient_name", "first_name", "last_name", "surname", "initials", "date_of_birth",
        "birth_date", "dob", "ssn", "nhs_number", "insurance_number", "address", "postcode", "zip",
        "email", "phone",
    }
)

#: Candidate break steps in months (survminer's ``break.time.by``): the smallest step giving
#: at most 10 intervals; 3/6/12-month multiples match how oncology papers label time.
_BREAK_STEPS = (1.0, 2.0, 3.0, 6.0, 12.0, 18.0, 24.0, 36.0, 48.0, 60.0, 120.0, 240.0)
_MAX_INTERVALS = 10


class ResultsError(LinewiseError):
    """``results.json`` is missing, unreadable or lacks what the report needs."""


# --- loading and checking ----------------------------------------------------------------------
def load_results(source) -> dict:
    """Read and check results: a ``results.json`` path, its folder, or an already-read dict.

    Parameters
    ----------
    source : str, pathlib.Path or mapping
        A folder holding ``results.json``, the file itself, or the parsed content.

    Returns
    -------
    dict
        A deep copy of the results (JSON ``null`` for not reached / not estimable values).

    Raises
    ------
    ResultsError
        File missing or not JSON, or a block lacks a field the report needs; the message names
        the JSON path.

    Examples
    --------
    >>> r = load_results({"study": {"name": "demo"}})
    >>> r["study"]["name"]
    'demo'
    """
    if isinstance(source, Mapping):
        data = copy.deepcopy(dict(source))
        where = "results"
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "results.json"
        if not path.is_file():
            raise ResultsError(f"{path}: no such file (run `linewise run SPEC --out DIR` first)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ResultsError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        except UnicodeDecodeError:
            raise ResultsError(f"{path}: not UTF-8 text") from None
        where = path.name
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: expected a JSON object at the top level, got {type(data).__name__}")
    if is_study_results(data):
        data = from_study_results(data)
    if not isinstance(source, Mapping):
        _add_run_date(data, path)
    _check(data, where)
    return data


def _add_run_date(data: dict, results_path: Path) -> None:
    """Take the run date from ``run_info.json`` beside ``results.json`` (the engine keeps it out
    of results.json so that reruns are byte-identical), when its hash says it is this run's."""
    info_path = results_path.with_name("run_info.json")
    if not info_path.is_file() or "run_date" in data.get("provenance", {}):
        return
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    digest = hashlib.sha256(results_path.read_bytes()).hexdigest()
    if isinstance(info, dict) and info.get("results_sha256") == digest and isinstance(info.get("run_date"), str):
        data.setdefault("provenance", {})["run_date"] = info["run_date"]


def _need(obj, key: str, kind, path: str, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise ResultsError(f"{where}: {path} lacks the field '{key}'")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ResultsError(f"{where}: {path}.{key} should be {names}, got {type(value).__name__}")
    return value


def _check(data: dict, where: str) -> None:
    """Check the blocks the report draws from (others are shown only if present)."""
    for key in ("attrition", "survival", "cox", "subgroups", "warnings", "endpoints", "response_tables", "bias"):
        if data.get(key) is not None and not isinstance(data[key], list):
            raise ResultsError(f"{where}: '{key}' should be a list, got {type(data[key]).__name__}")
    for i, step in enumerate(data.get("attrition", [])):
        _need(step, "step", str, f"attrition[{i}]", where)
        _need(step, "n", (int, float, str), f"attrition[{i}]", where)
    for i, block in enumerate(data.get("survival", [])):
        path = f"survival[{i}]"
        _need(block, "endpoint", str, path, where)
        unit = block.get("time_unit", "months")
        if unit not in TIME_FACTORS:
            raise ResultsError(f"{where}: {path}.time_unit is {unit!r}; use one of {sorted(TIME_FACTORS)}")
        curves = _need(block, "curves", list, path, where)
        if not curves:
            raise ResultsError(f"{where}: {path}.curves is empty")
        for j, curve in enumerate(curves):
            cpath = f"{path}.curves[{j}]"
            steps = _need(curve, "steps", dict, cpath, where)
            lengths = {}
            for col in ("time", "survival", "n_risk"):
                lengths[col] = len(_need(steps, col, list, f"{cpath}.steps", where))
            for col in ("n_event", "n_censor", "lower", "upper", "censored"):
                if col in steps:
                    lengths[col] = len(steps[col])
            if len(set(lengths.values())) > 1:
                raise ResultsError(f"{where}: {cpath}.steps columns differ in length {lengths}")
    for i, model in enumerate(data.get("cox", [])):
        for j, term in enumerate(_need(model, "terms", list, f"cox[{i}]", where)):
            for col in ("label", "hr", "lower", "upper"):
                _need(term, col, None, f"cox[{i}].terms[{j}]", where)
    for i, sub in enumerate(data.get("subgroups", [])):
        for j, level in enumerate(_need(sub, "levels", list, f"subgroups[{i}]", where)):
            for col in ("level", "hr", "lower", "upper"):
                _need(level, col, None, f"subgroups[{i}].levels[{j}]", where)
    if data.get("table_one"):
        t1 = data["table_one"]
        _need(t1, "groups", list, "table_one", where)
        for j, var in enumerate(_need(t1, "variables", list, "table_one", where)):
            _need(var, "label", str, f"table_one.variables[{j}]", where)
            _need(var, "type", str, f"table_one.variables[{j}]", where)


# --- preparation for display -------------------------------------------------------------------
def time_breaks(max_time: float) -> list[float]:
    """x-axis breaks in months from 0 to the end of follow-up (at most 10 intervals).

    The step is the smallest of 1, 2, 3, 6, 12, 18, 24, 36, 48, 60, 120, 240 months giving at
    most 10 intervals; the last break is the first multiple at or after ``max_time`` (so the
    axis ends on a labelled tick and the risk table has a column there, as survminer does with
    ``xlim`` set to a multiple of ``break.time.by``).

    Examples
    --------
    >>> time_breaks(45.7)
    [0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0, 42.0, 48.0]
    >>> time_breaks(12.2)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]
    """
    top = float(max_time) if math.isfinite(float(max_time)) and max_time > 0 else 1.0
    for step in _BREAK_STEPS:
        if math.ceil(top / step - 1e-9) <= _MAX_INTERVALS:
            break
    last = math.ceil(top / step - 1e-9)
    return [float(k * step) for k in range(last + 1)]


def _strip_identifiers(obj, path: str, removed: list[str]):
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, str) and k.lower() in IDENTIFIER_KEYS:
                removed.append(f"{path}.{k}" if path else k)
                continue
            out[k] = _strip_identifiers(v, f"{path}.{k}" if path else str(k), removed)
        return out
    if isinstance(obj, list):
        return [_strip_identifiers(v, f"{path}[{i}]", removed) for i, v in enumerate(obj)]
    return obj


def _scaled(value, factor: float):
    if value is None or isinstance(value, str):
        return value
    return float(value) * factor


def _lookup_at_risk(times: np.ndarray, n_risk: list, breaks: list[float], start: float) -> list:
    """Risk set at the first step time at or after each break, 0 after the last time.

    Same rule as :meth:`linewise.stats.KaplanMeierResult.n_at_risk` (R ``summary(fit, times)``).
    """
    if times.size == 0:
        return [0 for _ in breaks]
    add = times[0] != start
    t0 = np.concatenate(([start], times)) if add else times
    risk = ([n_risk[0]] if add else []) + list(n_risk) + [0]
    idx = np.searchsorted(t0, np.asarray(breaks, dtype=float), side="left")
    return [_as_count(risk[i]) for i in idx]


def _as_count(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _prepare_survival(block: dict, notes: list[str]) -> dict:
    block = dict(block)
    factor = TIME_FACTORS[block.get("time_unit", "months")]
    start = float(block.get("start_time", 0.0) or 0.0) * factor
    curves, max_time = [], 0.0
    for curve in block["curves"]:
        curve = dict(curve)
        steps = dict(curve["steps"])
        steps["time"] = [float(t) * factor for t in steps["time"]]
        if "censored" not in steps:
            steps["censored"] = [bool(c and not isinstance(c, str) and c > 0) for c in steps.get("n_censor", [])] or [
                False
            ] * len(steps["time"])
        for key in ("median", "lower", "upper"):
            if key in curve:
                curve[key] = _scaled(curve[key], factor)
        curve["steps"] = steps
        if steps["time"]:
            max_time = max(max_time, steps["time"][-1])
        curves.append(curve)
    block["curves"] = curves
    block["time_unit"] = "months"
    block["start_time"] = start
    given = block.get("at_risk")
    if given and given.get("times"):
        breaks = [float(t) * factor for t in given["times"]]
        table = {str(k): [_as_count(v) for v in vals] for k, vals in given["n_risk"].items()}
    else:
        breaks = time_breaks(max_time)
        table = {
            str(c["group"]): _lookup_at_risk(np.asarray(c["steps"]["time"]), c["steps"]["n_risk"], breaks, start)
            for c in curves
        }
    block["at_risk"] = {"times": breaks, "n_risk": table}
    return block


def prepare_results(results: dict) -> tuple[dict, list[str]]:
    """Results ready to display: months, risk tables at the axis breaks, no identifiers.

    Parameters
    ----------
    results : dict
        As returned by :func:`load_results`.

    Returns
    -------
    (dict, list of str)
        The prepared copy and notes on what was changed (e.g. identifier fields removed).

    Examples
    --------
    >>> r = {"survival": [{"endpoint": "os", "curves": [{"group": "all", "steps": {
    ...     "time": [2.0, 5.0, 9.0], "survival": [0.9, 0.6, 0.6], "n_risk": [10, 8, 3],
    ...     "n_censor": [0, 0, 3]}}]}]}
    >>> block = prepare_results(load_results(r))[0]["survival"][0]
    >>> block["at_risk"]
    {'times': [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 'n_risk': {'all': [10, 10, 10, 8, 8, 8, 3, 3, 3, 3]}}
    """
    removed: list[str] = []
    out = _strip_identifiers(results, "", removed)
    notes = []
    if removed:
        notes.append(
            "Removed patient-identifier field(s) from the results before reporting: " + ", ".join(removed) + "."
        )
    out["survival"] = [_prepare_survival(b, notes) for b in out.get("survival", [])]
    if isinstance(out.get("follow_up"), dict):
        fu = dict(out["follow_up"])
        factor = TIME_FACTORS.get(fu.get("time_unit", "months"), 1.0)
        rows = []
        for row in fu.get("rows", []):
            row = dict(row)
            for key in ("median", "lower", "upper", "min", "max"):
                if key in row:
                    row[key] = _scaled(row[key], factor)
            rows.append(row)
        fu["rows"], fu["time_unit"] = rows, "months"
        out["follow_up"] = fu
    out.setdefault("schema", SCHEMA)
    return out, notes
