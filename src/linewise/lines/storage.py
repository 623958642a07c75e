"""Derived lines in the store: the ``derived_lines`` table and a log of the runs that made it.

``derived_lines`` holds the lines of the latest run (columns in :mod:`.summarize` plus
``run_id``); ``derived_line_runs`` one row per run with its parameters (JSON, fingerprint),
vocabulary fingerprint, counts of records used and ignored, and the linewise version, so any
line can be traced to the rules that made it. Both are created here through Ibis / portable
SQL; the model tables of the store are untouched.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json

import ibis
import pyarrow as pa

from .. import __version__
from ..errors import LinewiseError
from . import _sql
from .algorithm import LineRun
from .vocabulary import Vocabulary

DERIVED_LINES = "derived_lines"
RUNS = "derived_line_runs"
RUNS_SCHEMA = ibis.schema({
    "run_id": "int64", "created_at": "timestamp", "linewise_version": "string", "rules": "string",
    "rules_fingerprint": "string", "vocabulary_fingerprint": "string", "counts": "string", "iterations": "int32",
})


def vocabulary_fingerprint(vocabulary: Vocabulary) -> str:
    """Short hash of the drugs, classes, families and synonyms a run used."""
    text = json.dumps(sorted((d.name, d.drug_class.value, d.family, sorted(d.synonyms)) for d in vocabulary.drugs))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def save_run(store, run: LineRun, vocabulary: Vocabulary) -> int:
    """Replace ``derived_lines`` with the run's lines and log the run; returns its ``run_id``."""
    con = store.con
    if RUNS not in con.list_tables():
        con.create_table(RUNS, schema=RUNS_SCHEMA)
    last = con.table(RUNS).run_id.max().execute()
    run_id = 1 if last is None or last != last else int(last) + 1
    lines = con.table(run.lines_table).mutate(run_id=ibis.literal(run_id, "int64"))
    _sql.create_as(con, DERIVED_LINES, lines, temp=False)
    con.insert(RUNS, pa.table({
        "run_id": [run_id], "created_at": [_dt.datetime.now().replace(microsecond=0)],
        "linewise_version": [__version__], "rules": [json.dumps(run.rules.to_dict(), sort_keys=True)],
        "rules_fingerprint": [run.rules.fingerprint()], "vocabulary_fingerprint": [vocabulary_fingerprint(vocabulary)],
        "counts": [json.dumps(run.counts, sort_keys=True)], "iterations": pa.array([run.iterations], pa.int32()),
    }, schema=RUNS_SCHEMA.to_pyarrow()))
    return run_id


def derived_lines(store) -> ibis.Table:
    """The stored derived lines (error when none have been derived yet)."""
    if DERIVED_LINES not in store.con.list_tables():
        raise LinewiseError(f"{store.location}: no derived lines yet (run `linewise lines --store {store.location}`)")
    return store.con.table(DERIVED_LINES)


def latest_run(store) -> dict | None:
    """The newest run's log row as a dict (rules and counts decoded), or ``None``."""
    if RUNS not in store.con.list_tables():
        return None
    t = store.con.table(RUNS)
    rows = t.order_by(ibis.desc("run_id")).limit(1).execute()
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    row["rules"] = json.loads(row["rules"])
    row["counts"] = json.loads(row["counts"])
    return row
