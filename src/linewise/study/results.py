"""``results.json``: every number of a run, its provenance, and the headline tables.

The file is deterministic: keys sorted, floats written with Python's shortest round-trip
representation (full precision, the same on every run), NaN and infinities as ``null`` ("not
reached" / "not estimable"), no time stamps or paths. Same store content + spec + seed gives
byte-identical bytes.

Examples
--------
>>> dumps({"b": float("nan"), "a": (1, 2.5)})
'{\\n "a": [\\n  1,\\n  2.5\\n ],\\n "b": null\\n}\\n'
>>> fmt_ci(4.8, 3.0, float("nan"))
'4.8 (3.0–NR)'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from enum import Enum

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..store.store import Store
from .spec import HeadlineTable, StudySpec

SCHEMA = "linewise.results/1"
NOT_REACHED = "NR"
DASH = "–"  # en dash between confidence limits, as journals print them


def to_jsonable(obj):
    """Plain JSON types: NaN/inf -> None, numpy -> Python, dates -> ISO text, frames -> records."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, pd.Timestamp):
        return None if pd.isna(obj) else obj.date().isoformat()
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, pd.DataFrame):
        return to_jsonable(obj.to_dict("records"))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray | pd.Series):
        return [to_jsonable(v) for v in list(obj)]
    if obj is pd.NA or obj is pd.NaT:
        return None
    raise TypeError(f"cannot write {type(obj).__name__} to results.json")


def dumps(results: dict) -> str:
    """The canonical text of ``results.json``."""
    return json.dumps(to_jsonable(results), sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def store_content_hash(store: Store) -> str | None:
    """SHA-256 over the content hashes of the latest import of each model table (None if the
    store was filled some other way)."""
    imports = store.table("imports").execute()
    if imports.empty:
        return None
    latest = imports.sort_values("import_id").groupby("table_name").tail(1).sort_values("table_name")
    text = "\n".join(f"{r.table_name}={r.content_hash}:{int(r.rows_stored)}" for r in latest.itertuples())
    return hashlib.sha256(text.encode()).hexdigest()


#: Canonical column types of :func:`table_hash`: what a column holds, not how wide an engine
#: stores it (DuckDB's int8 event flag and PostgreSQL's int32 are both "integer").
CANONICAL_TYPES = ("integer", "float", "boolean", "string", "date")


def canonical_type(dtype: pa.DataType) -> str:
    """The canonical type name of an Arrow column type (see :data:`CANONICAL_TYPES`)."""
    if pa.types.is_integer(dtype):
        return "integer"
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        return "float"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return "string"
    if pa.types.is_date(dtype) or pa.types.is_timestamp(dtype):
        return "date"
    if pa.types.is_null(dtype):  # a column that is missing everywhere
        return "null"
    raise TypeError(f"analysis table: no canonical form for a column of type {dtype}")


def _canonical_values(col: pa.Array, kind: str) -> np.ndarray:
    """One column as numpy: text as objects (None = missing), everything else as float64
    (NaN = missing): integers, flags (0/1) and dates (days since 1970-01-01) are exact there
    up to 2**53; -0.0 is written as 0.0."""
    if kind == "string":
        return col.cast(pa.string()).to_numpy(zero_copy_only=False)
    if kind == "null":
        return np.full(len(col), np.nan)
    if kind == "date":
        col = col.cast(pa.date32()).cast(pa.int32())
    elif kind == "boolean":
        col = col.cast(pa.int8())
    values = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return values + 0.0  # -0.0 + 0.0 == +0.0


def table_hash(schema: pa.Schema, batches) -> str:
    """SHA-256 of a table in canonical form, the same whatever engine produced it.

    The canonical form: the column names with their canonical types (:func:`canonical_type`),
    then one 64-bit hash per row (pandas' fixed-key ``hash_pandas_object`` over the row's
    canonical values, :func:`_canonical_values`), the row hashes sorted. Sorting makes the
    hash independent of row order (and of an engine's string collation: rows carry their
    unique ``patient_id``), and the row hashes are computed batch by batch, so the table never
    has to be in memory at once.
    """
    kinds = [canonical_type(f.type) for f in schema]
    h = hashlib.sha256()
    h.update(json.dumps([[f.name, k] for f, k in zip(schema, kinds, strict=True)]).encode())
    rows = []
    for batch in batches:
        frame = pd.DataFrame({i: _canonical_values(batch.column(i), k) for i, k in enumerate(kinds)})
        rows.append(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    h.update(np.sort(np.concatenate(rows) if rows else np.zeros(0, np.uint64)).tobytes())
    return h.hexdigest()


def frame_hash(df: pd.DataFrame) -> str:
    """:func:`table_hash` of a pandas frame (as its Arrow conversion)."""
    arrow = pa.Table.from_pandas(df, preserve_index=False)
    return table_hash(arrow.schema, arrow.to_batches())


SOFTWARE = ("numpy", "scipy", "pandas", "pyarrow", "ibis-framework", "duckdb", "formulaic", "pydantic")


def software() -> dict[str, str]:
    """Versions of Python and the packages the numbers depend on (for the methods paragraph)."""
    import platform
    from importlib import metadata

    out = {"python": platform.python_version(), "linewise": __version__}
    for name in SOFTWARE:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance(spec: StudySpec, store: Store, table_sha256: str) -> dict:
    """Where the numbers come from. No run date: results of the same inputs are byte-identical."""
    return {"spec_hash": spec.spec_hash(), "data_hash": store_content_hash(store),
            "analysis_table_hash": table_sha256, "linewise_version": __version__, "seed": spec.seed,
            "lines_source": spec.lines.source.value, "software": software(),
            "data_cutoff": spec.data_cutoff.isoformat() if spec.data_cutoff else None}


# --- formatting -------------------------------------------------------------------------------------
def _num(v, digits: int) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return NOT_REACHED
    return f"{float(v):.{digits}f}"


def fmt_ci(est, lo, hi, digits: int = 1) -> str:
    """``est (lo–hi)``; a limit the curve never reaches is printed as NR."""
    return f"{_num(est, digits)} ({_num(lo, digits)}{DASH}{_num(hi, digits)})"


def fmt_p(p) -> str:
    if p is None or (isinstance(p, float) and not math.isfinite(p)):
        return ""
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def _find(items: list[dict], **match) -> list[dict]:
    return [i for i in items if all(i.get(k) == v for k, v in match.items())]


def _curve(block: dict, group: str) -> dict | None:
    return next((c for c in block.get("curves", []) if c["group"] == group), None)


#: What the numbers of a headline row are: ``count`` (patients; suppressible), ``estimate``
#: (median, HR, follow-up). ``rate`` rows hold counts of responders (``values``) with their percent.
ROW_TYPES = {"n": "count", "counts": "count", "rate": "count", "median": "estimate", "hr": "estimate",
             "follow_up": "estimate"}


def _comparison(table: HeadlineTable, res: dict) -> dict:
    rows = []
    for row in table.rows:
        cells, values, p = [""] * len(table.columns), [None] * len(table.columns), None
        if row.show in ("median", "n"):
            blocks = _find(res.get("survival", []), analysis=row.analysis, remedy=row.remedy.value if row.remedy else None)
            if blocks:
                b = blocks[0]
                for i, col in enumerate(table.columns):
                    c = _curve(b, col)
                    if c is not None:
                        values[i] = c["n"] if row.show == "n" else c["median"]
                        cells[i] = str(c["n"]) if row.show == "n" else fmt_ci(c["median"], c["lower"], c["upper"])
                p = b.get("tests", {}).get("logrank", {}).get("p") if row.show == "median" else None
        elif row.show == "hr":
            models = _find(res.get("cox", []), analysis=row.analysis, model=row.model,
                           remedy=row.remedy.value if row.remedy else None)
            if models:
                m = models[0]
                var = row.term or m.get("exposure")
                for t in m["terms"]:
                    if t["variable"] != var:
                        continue
                    i = table.columns.index(t["level"]) if t["level"] in table.columns else 0
                    values[i] = t["hr"]
                    cells[i] = fmt_ci(t["hr"], t["lower"], t["upper"], digits=2)
                    p = t["p"]
        elif row.show in ("rate", "counts"):
            blocks = _find(res.get("responses", []), analysis=row.analysis, response=row.response)
            if blocks:
                b = blocks[0]
                for i, col in enumerate(table.columns):
                    g = next((x for x in b["groups"] if x["group"] == col), None)
                    if g is None:
                        continue
                    if row.show == "rate":
                        values[i] = g["x"]
                        cells[i] = f"{g['x']} ({_num(g['percent'], 1)})"
                    else:
                        cats = row.categories or list(g["counts"])
                        values[i] = [g["counts"].get(c, 0) for c in cats]
                        cells[i] = " / ".join(str(v) for v in values[i])
                p = (b.get("test") or {}).get("p") if row.show == "rate" else None
        elif row.show == "follow_up":
            fu = _find(res.get("follow_up", {}).get("rows", []), analysis=row.analysis)
            for i, col in enumerate(table.columns):
                r = next((x for x in fu if x["group"] == col), None)
                if r is not None:
                    values[i] = r["median"]
                    cells[i] = f"{_num(r['median'], 1)} ({_num(r['min'], 1)}{DASH}{_num(r['max'], 1)})"
        rows.append({"label": row.label, "show": row.show, "row_type": ROW_TYPES[row.show], "cells": cells,
                     "values": values, "p": p,
                     "p_text": fmt_p(p)})
    return {"title": table.title, "kind": table.kind, "columns": list(table.columns), "rows": rows}


def _medians(table: HeadlineTable, res: dict) -> dict:
    blocks = _find(res.get("survival", []), analysis=table.analysis, remedy=None)
    rows = []
    if blocks:
        for c in blocks[0].get("curves", []):
            rows.append({"label": "all" if c["group"] == "Overall" else c["group"], "row_type": "estimate", "n": c["n"],
                         "median": c["median"], "lower": c["lower"], "upper": c["upper"],
                         "cells": [str(c["n"]), _num(c["median"], 1), f"{_num(c['lower'], 1)} {DASH} {_num(c['upper'], 1)}"]})
    return {"title": table.title, "kind": table.kind, "columns": ["n", "median", "95% CI"], "rows": rows}


def headline(spec: StudySpec, res: dict) -> list[dict]:
    """The spec's headline tables filled from the results (cells as printed, values as numbers)."""
    return [_comparison(t, res) if t.kind == "comparison" else _medians(t, res) for t in spec.headline]
