"""The cross-engine golden table: one dict of results per engine, DuckDB's is the reference.

Rows (keys): import counts per table, the store summary, a T-DM1 cohort built in the engine
(size per line group), Kaplan-Meier medians with CIs and log-rank statistics computed from
risk-set counts aggregated *in the engine* (with and without delayed entry), and — where the
study engine runs on the engine — every number of a Study C run (attrition, KM medians,
log-rank, Cox HRs, tests, and the hash of the analysis table), and the lines of therapy derived
from the raw drug records (counts and a digest of every line). Counts and hashes must agree
exactly, statistics to 1e-9 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import ibis

from linewise.io.importer import import_files
from linewise.store.pushdown import km_pushdown, logrank_pushdown
from linewise.store.store import Store
from linewise.store.summary import store_summary

MONTH = 30.4375
RTOL = 1e-9


def tdm1_cohort(store: Store) -> ibis.Table:
    """PFS from the first metastatic T-DM1 line, by line (2, 3, 4+), built entirely in the engine."""
    tl, p = store.table("therapy_lines"), store.table("patients")
    idx = tl.filter((tl.setting == "metastatic") & tl.agents.contains("trastuzumab emtansine") & tl.line_number.notnull())
    first = idx.mutate(rn=ibis.row_number().over(group_by=idx.patient_id, order_by=[idx.start_date, idx.line_number]))
    first = first.filter(first.rn == 0).select("patient_id", "line_number", "start_date", "progression_date")
    j = first.join(p.select("patient_id", "death_date", "last_contact_date", "enrolment_date"), "patient_id")
    end = ibis.coalesce(j.progression_date, j.death_date, j.last_contact_date)
    start = j.start_date.epoch_days()
    entry = j.enrolment_date.epoch_days() - start
    c = j.select(
        "patient_id",
        grp=ibis.ifelse(j.line_number >= 4, 4, j.line_number).cast("int64"),
        days=(end.epoch_days() - start).cast("int64"),
        event=ibis.ifelse(j.progression_date.notnull() | j.death_date.notnull(), 1, 0).cast("int64"),
        entry_days=ibis.greatest(entry, 0).cast("int64"),
    )
    return c.filter(c.days > 0)


def _km_rows(prefix: str, fits) -> dict:
    out = {}
    for g in fits:
        f = fits[g]
        out[f"{prefix}.{g}.n"] = f.n
        out[f"{prefix}.{g}.events"] = f.events
        out[f"{prefix}.{g}.median"] = f.median
        out[f"{prefix}.{g}.lower"], out[f"{prefix}.{g}.upper"] = f.median_ci
    return out


def pushdown_rows(store: Store) -> dict:
    cohort = tdm1_cohort(store)
    row: dict = {}
    sizes = cohort.group_by("grp").aggregate(n=cohort.count()).order_by("grp").to_pyarrow().to_pylist()
    row.update({f"cohort.line{r['grp']}": r["n"] for r in sizes})
    row.update(_km_rows("km_pfs", km_pushdown(cohort, "days", "event", group="grp", time_scale=MONTH)))
    lr = logrank_pushdown(cohort, "days", "event", group="grp", time_scale=MONTH)
    row.update({"logrank_pfs.statistic": lr.statistic, "logrank_pfs.df": lr.df, "logrank_pfs.pvalue": lr.pvalue})
    late = cohort.filter(cohort.entry_days < cohort.days)
    row.update(_km_rows("km_pfs_entry", km_pushdown(late, "days", "event", group="grp", entry="entry_days", time_scale=MONTH)))
    lre = logrank_pushdown(late, "days", "event", group="grp", entry="entry_days", time_scale=MONTH)
    row.update({"logrank_pfs_entry.statistic": lre.statistic, "logrank_pfs_entry.pvalue": lre.pvalue})
    return row


def store_rows(store: Store, registry: Path) -> dict:
    row: dict = {}
    for r in import_files(store, [registry]):
        row[f"import.{r.table}.stored"] = r.rows_stored
        row[f"import.{r.table}.rejected"] = r.rows_rejected
    s = store_summary(store)
    row.update({"summary.patients": s.patients, "summary.deaths": s.deaths, "summary.metastatic_lines": s.metastatic_lines,
                "summary.patients_with_lines": s.patients_with_lines})
    for t in s.tables:
        row[f"summary.{t.table}.rows"], row[f"summary.{t.table}.dates"] = t.rows, f"{t.date_from}..{t.date_to}"
    return row


def lines_rows(store: Store) -> dict:
    """Lines of therapy derived in the engine: counts and every line's content."""
    import hashlib

    from linewise.lines.algorithm import derive_lines

    run = derive_lines(store)
    row = {f"lines.counts.{k}": v for k, v in run.counts.items()}
    row["lines.iterations"] = run.iterations
    lines = run.lines().sort_values(["patient_id", "line_seq"])
    for k, n in lines.groupby(lines.line_number.fillna(0).astype(int)).size().items():
        row[f"lines.by_number.{k}"] = int(n)
    text = "\n".join(
        f"{r.patient_id}|{r.line_seq}|{r.line_number}|{r.setting}|{r.start_date:%F}|{r.end_date:%F}|{'+'.join(r.agents)}|"
        f"{'+'.join(r.drugs_given)}|{int(r.n_exposures)}|{r.start_rule}|{r.end_rule}"
        for r in lines.itertuples())
    row["lines.content_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    run.drop()
    return row


def flatten(x, prefix: str = "") -> dict:
    if isinstance(x, dict):
        return {k: v for key, val in x.items() for k, v in flatten(val, f"{prefix}.{key}" if prefix else str(key)).items()}
    if isinstance(x, list):
        return {k: v for i, val in enumerate(x) for k, v in flatten(val, f"{prefix}[{i}]").items()}
    return {prefix: x}


def study_rows(store: Store, out: Path, recipe: str = "tdm1_treatment_sequences") -> dict:
    from linewise.study import run_study

    run_study(recipe, store, out)
    results = json.loads((out / "results.json").read_text())
    # provenance.analysis_table_hash stays in: it hashes the table in canonical form (integer
    # widths, string and date encodings of the engine do not count), so it must be equal too
    return {f"study.{k}": v for k, v in flatten(results).items()}


def differences(ref: dict, got: dict) -> list[str]:
    """Keys that differ: counts and text exactly, floats to ``RTOL`` (NaN equals NaN)."""
    out = [f"{k}: missing" for k in ref if k not in got] + [f"{k}: extra" for k in got if k not in ref]
    for k, a in ref.items():
        if k not in got:
            continue
        b = got[k]
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None:
                same = a is b
            else:
                fa, fb = float(a), float(b)
                same = (math.isnan(fa) and math.isnan(fb)) or fa == fb or abs(fa - fb) <= RTOL * max(abs(fa), abs(fb))
        else:
            same = a == b
        if not same:
            out.append(f"{k}: {a!r} != {b!r}")
    return out
