"""Benchmark: Study C on DuckDB, PostgreSQL and Spark local, in the same run.

For each size, a synthetic registry (Parquet) is bulk-loaded into a fresh store on each engine
(DuckDB ``read_parquet``, PostgreSQL ``COPY``, Spark ``read.parquet``) — the validating
importer is benchmarked separately (``bench_import``) — and then, each in its own subprocess so
that the peak resident memory is that of the Python process of that engine alone:

* ``study C``: ``run_study("tdm1_treatment_sequences")`` (cohort SQL pushed down; the analysis
  table written to Parquet by the engine; KM, log-rank, follow-up and Table 1 counts aggregated
  in the engine; one fetch of the Cox / Table 1-median columns for Cox and rank tests in numpy);
* ``KM + log-rank pushdown``: PFS on the first T-DM1 line by line group from risk-set counts
  aggregated in the engine (only the counts leave it).

PostgreSQL: ``LINEWISE_BENCH_POSTGRES`` (or ``LINEWISE_TEST_POSTGRES``), a URL of a role that
may create databases; without one the PostgreSQL rows say so. Spark: ``local[2]``.
Run: ``python -m benchmarks.bench_engines [n ...]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
engine, location, registry, out, warehouse, repo = sys.argv[1:7]
sys.path[:0] = [repo, repo + "/tests"]
from pathlib import Path
from benchmarks.bench_engines import load
from linewise.store.store import Store
if engine == "spark":
    from linewise.store.engines import spark_session
    s = spark_session("local[2]", warehouse=warehouse)
    s.sparkContext.setLogLevel("ERROR")
    s.sql(f"CREATE DATABASE IF NOT EXISTS {location}")
    s.catalog.setCurrentDatabase(location)
    store = Store.open(s)
else:
    store = Store.open(location)
rows = [{"task": "bulk load", "seconds": load(store, Path(registry)), "note": ""}]

def timed(label, fn):
    t = time.perf_counter()
    try:
        note, sec = fn(), None
        sec = time.perf_counter() - t
    except Exception as exc:
        note = f"failed: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:150]}"
    rows.append({"task": label, "seconds": sec, "note": note})

def study():
    from linewise.study import run_study
    res = run_study("tdm1_treatment_sequences", store, out)
    return "attrition " + " > ".join(str(s["n"]) for s in res.results["attrition"])

def pushdown():
    from engines._golden import pushdown_rows
    row = pushdown_rows(store)
    return "cohort " + ", ".join(f"{k[7:]} {v}" for k, v in row.items() if k.startswith("cohort."))

timed("study C", study)
timed("KM + log-rank pushdown", pushdown)
# VmHWM: this process's peak resident memory (ru_maxrss would carry the parent's peak over exec)
try:
    peak = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for r in rows:
    r["peak_mb"] = peak
print(json.dumps(rows))
"""

TABLES = ("patients", "metastatic_sites", "therapy_lines", "response_assessments", "performance_status", "drug_exposures")
REPO = str(Path(__file__).resolve().parent.parent)


def _arrow_for_store(batch, schema):
    """A batch of a registry Parquet file as the store table's Arrow schema (lists, booleans,
    bookkeeping columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = []
    for f in schema:
        if f.name == "_import_id":
            cols.append(pa.array([1] * batch.num_rows, pa.int64()))
        elif f.name == "_source_row":
            cols.append(pa.array(range(2, batch.num_rows + 2), pa.int64()))
        elif f.name.endswith("_precision"):
            base = batch.column(f.name.removesuffix("_precision"))
            cols.append(pc.if_else(pc.is_null(base), pa.scalar(None, pa.string()), "day"))
        else:
            c = batch.column(f.name)
            if pa.types.is_dictionary(c.type):
                c = c.cast(c.type.value_type)
            if pa.types.is_list(f.type):
                c = pc.split_pattern(c.cast(pa.string()), " + ")
            elif pa.types.is_boolean(f.type) and not pa.types.is_boolean(c.type):
                c = pc.equal(c.cast(pa.string()), "yes")
            cols.append(c.cast(f.type))
    return pa.table(cols, schema=schema)


def load(store, registry: Path, batch_rows: int = 2_000_000) -> float:
    """Bulk-load every registry table into ``store`` in batches (bounded memory); returns seconds."""
    import pyarrow.parquet as pq

    from linewise.model.registry import get_table
    from linewise.store.store import arrow_schema

    t0 = time.perf_counter()
    for name in TABLES:
        schema = arrow_schema(get_table(name))
        source = pq.ParquetFile(registry / f"{name}.parquet")
        spark_file = registry / f"store_{name}.parquet"  # Spark skips files named _* or .*
        writer = pq.ParquetWriter(spark_file, schema) if store.con.name == "pyspark" else None
        for batch in source.iter_batches(batch_size=batch_rows):
            data = _arrow_for_store(batch, schema)
            if store.con.name == "duckdb":
                store.con.con.register("_bench_load", data)
                store.con.raw_sql(f'INSERT INTO "{name}" SELECT * FROM _bench_load')
                store.con.con.unregister("_bench_load")
            elif writer is not None:
                writer.write_table(data)
            else:
                store.insert(name, data)
        if writer is not None:
            writer.close()
            store.con._session.read.parquet(str(spark_file)).write.insertInto(name)
    return time.perf_counter() - t0


def _child(engine: str, location: str, registry: Path, out: Path, warehouse: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, engine, location, str(registry), str(out), warehouse, REPO],
                          capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("[")]
    if not lines:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return [{"task": "bulk load", "seconds": None, "peak_mb": None, "note": f"crashed: {tail[0][:200]}"}]
    return json.loads(lines[-1])


def _pg_url() -> str | None:
    return os.environ.get("LINEWISE_BENCH_POSTGRES") or os.environ.get("LINEWISE_TEST_POSTGRES")


def run(sizes, engines=("duckdb", "postgres", "spark")) -> list[dict]:
    """Rows of dicts task, n, tool, seconds, peak_mb, note (peak: the engine's Python process,
    over load, study and pushdown)."""
    import pyarrow.parquet as pq

    from linewise.synth import generate_registry

    rows: list[dict] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="linewise-bench-") as tmp:
            reg = Path(tmp) / "registry"
            generate_registry(reg, n, seed=1, fmt="parquet")
            drug_rows = pq.read_metadata(reg / "drug_exposures.parquet").num_rows
            for engine in engines:
                tool = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark local[2]"}[engine]
                try:
                    location, warehouse, cleanup = _prepare(engine, n, Path(tmp))
                except RuntimeError as exc:
                    rows.append({"task": "study C", "n": n, "tool": tool, "seconds": None, "peak_mb": None, "note": str(exc)})
                    continue
                try:
                    for r in _child(engine, location, reg, Path(tmp) / f"out_{engine}", warehouse):
                        if r["task"] == "bulk load":
                            r["note"] = f"{drug_rows:,} drug records" + (f"; {r['note']}" if r["note"] else "")
                        rows.append({"n": n, "tool": tool, **r})
                        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                finally:
                    cleanup()
    return rows


def _prepare(engine: str, n: int, tmp: Path):
    if engine == "duckdb":
        return str(tmp / "bench.duckdb"), "", lambda: None
    if engine == "spark":
        return f"bench_{n}", str(tmp / "warehouse"), lambda: None
    url = _pg_url()
    if not url:
        raise RuntimeError("no PostgreSQL: set LINEWISE_BENCH_POSTGRES=postgresql://user@host/db")
    import psycopg

    name = f"linewise_bench_{n}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')

    def cleanup():
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')  # the children have disconnected

    head, _, _ = url.rpartition("/")
    return f"{head}/{name}", "", cleanup


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000, 1_000_000]
    engines = tuple(a for a in sys.argv[1:] if a in ("duckdb", "postgres", "spark")) or ("duckdb", "postgres", "spark")
    result = run(sizes, engines)
    print(f"{'task':<24} {'n':>10} {'tool':<16} {'seconds':>9} {'peak MB':>8}  note")
    for r in result:
        s = f"{r['seconds']:9.1f}" if isinstance(r["seconds"], int | float) else f"{'-':>9}"
        p = f"{r['peak_mb']:8.0f}" if isinstance(r["peak_mb"], int | float) else f"{'-':>8}"
        print(f"{r['task']:<24} {r['n']:>10,} {r['tool']:<16} {s} {p}  {r['note']}")
