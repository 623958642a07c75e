"""Benchmark: Study C on DuckDB, PostgreSQL and Spark local, in the same run.

For each size, a synthetic registry (Parquet) is bulk-loaded into a fresh store on each engine
(DuckDB ``read_parquet``, PostgreSQL ``COPY``, Spark ``read.parquet``) — the validating
importer is benchmarked separately (``bench_import``) — and then, each in its own subprocess so
that the peak resident memory is that of the Python process of that engine alone:

* ``study C``: ``run_study("tdm1_treatment_sequences")`` (cohort SQL pushed down, the analysis
  table fetched, KM / log-rank / Cox / tests in numpy);
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
engine, location, task, out = sys.argv[1:5]
from linewise.store.store import Store
if engine == "spark":
    from linewise.store.engines import spark_session
    s = spark_session("local[2]", warehouse=sys.argv[5])
    s.sparkContext.setLogLevel("ERROR")
    s.catalog.setCurrentDatabase(location)
    store = Store.open(s)
else:
    store = Store.open(location)
t = time.perf_counter()
note = ""
try:
    if task == "study":
        from linewise.study import run_study
        res = run_study("tdm1_treatment_sequences", store, out)
        note = "attrition " + " > ".join(str(s["n"]) for s in res.results["attrition"])
    else:
        sys.path.insert(0, sys.argv[6])
        from engines._golden import pushdown_rows
        row = pushdown_rows(store)
        note = "cohort " + ", ".join(f"{k[6:]} {v}" for k, v in row.items() if k.startswith("cohort."))
    ok = True
except Exception as exc:
    ok, note = False, f"failed: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:150]}"
sec = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": sec if ok else None, "peak_mb": ru.ru_maxrss / 1024, "note": note}))
"""

TABLES = ("patients", "metastatic_sites", "therapy_lines", "response_assessments", "performance_status", "drug_exposures")
TESTS_DIR = str(Path(__file__).resolve().parent.parent / "tests")


def _arrow_for_store(path: Path, name: str, schema):
    """A registry Parquet file as the store table's Arrow schema (lists, booleans, bookkeeping)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    cols = []
    for f in schema:
        if f.name == "_import_id":
            cols.append(pa.array([1] * t.num_rows, pa.int64()))
        elif f.name == "_source_row":
            cols.append(pa.array(range(2, t.num_rows + 2), pa.int64()))
        elif f.name.endswith("_precision"):
            base = t.column(f.name.removesuffix("_precision"))
            cols.append(pc.if_else(pc.is_null(base), pa.scalar(None, pa.string()), "day"))
        else:
            c = t.column(f.name)
            if pa.types.is_dictionary(c.type):
                c = c.cast(c.type.value_type)
            if pa.types.is_list(f.type):
                c = pc.split_pattern(c.cast(pa.string()), " + ")
            elif pa.types.is_boolean(f.type) and not pa.types.is_boolean(c.type):
                c = pc.equal(c.cast(pa.string()), "yes")
            cols.append(c.cast(f.type))
    return pa.table(cols, schema=schema)


def load(store, registry: Path) -> float:
    """Bulk-load every registry table into ``store``; returns seconds."""
    from linewise.model.registry import get_table
    from linewise.store.store import arrow_schema

    t0 = time.perf_counter()
    for name in TABLES:
        data = _arrow_for_store(registry / f"{name}.parquet", name, arrow_schema(get_table(name)))
        if store.con.name == "duckdb":
            store.con.con.register("_bench_load", data)
            store.con.raw_sql(f'INSERT INTO "{name}" SELECT * FROM _bench_load')
            store.con.con.unregister("_bench_load")
        elif store.con.name == "pyspark":
            session = store.con._session
            tmp = registry / f"_{name}_store.parquet"
            import pyarrow.parquet as pq

            pq.write_table(data, tmp)
            session.read.parquet(str(tmp)).write.insertInto(name)
        else:
            store.insert(name, data)
    return time.perf_counter() - t0


def _child(engine: str, location: str, task: str, out: str, warehouse: str = "") -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, engine, location, task, out, warehouse, TESTS_DIR],
                          capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        return {"seconds": None, "peak_mb": None, "note": f"crashed: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(lines[-1])


def _pg_url() -> str | None:
    return os.environ.get("LINEWISE_BENCH_POSTGRES") or os.environ.get("LINEWISE_TEST_POSTGRES")


def run(sizes, engines=("duckdb", "postgres", "spark")) -> list[dict]:
    """Rows of dicts task, n, tool, seconds, peak_mb, note."""
    from linewise.synth import generate_registry

    rows: list[dict] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="linewise-bench-") as tmp:
            reg = Path(tmp) / "registry"
            generate_registry(reg, n, seed=1, fmt="parquet")
            drug_rows = __import__("pyarrow.parquet", fromlist=["x"]).read_metadata(reg / "drug_exposures.parquet").num_rows
            for engine in engines:
                tool = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark local[2]"}[engine]
                try:
                    location, warehouse, cleanup = _prepare(engine, n, Path(tmp))
                except RuntimeError as exc:
                    rows.append({"task": "study C", "n": n, "tool": tool, "seconds": None, "peak_mb": None, "note": str(exc)})
                    continue
                try:
                    store, session = _open(engine, location, warehouse)
                    secs = load(store, reg)
                    rows.append({"task": "bulk load", "n": n, "tool": tool, "seconds": secs, "peak_mb": None,
                                 "note": f"{drug_rows:,} drug records"})
                    store.close()
                    if session is not None:
                        session.stop()
                    for task, label in (("study", "study C"), ("pushdown", "KM + log-rank pushdown")):
                        r = _child(engine, location, task, str(Path(tmp) / f"out_{engine}"), warehouse)
                        rows.append({"task": label, "n": n, "tool": tool, **r})
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


def _open(engine: str, location: str, warehouse: str):
    from linewise.store.store import Store

    if engine != "spark":
        return Store.open(location), None
    from linewise.store.engines import spark_session

    s = spark_session("local[2]", warehouse=warehouse)
    s.sparkContext.setLogLevel("ERROR")
    s.sql(f"CREATE DATABASE IF NOT EXISTS {location}")
    s.catalog.setCurrentDatabase(location)
    return Store.open(s), s


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000, 1_000_000]
    engines = tuple(a for a in sys.argv[1:] if a in ("duckdb", "postgres", "spark")) or ("duckdb", "postgres", "spark")
    result = run(sizes, engines)
    print(f"{'task':<24} {'n':>10} {'tool':<16} {'seconds':>9} {'peak MB':>8}  note")
    for r in result:
        s = f"{r['seconds']:9.1f}" if isinstance(r["seconds"], int | float) else f"{'-':>9}"
        p = f"{r['peak_mb']:8.0f}" if isinstance(r["peak_mb"], int | float) else f"{'-':>8}"
        print(f"{r['task']:<24} {r['n']:>10,} {r['tool']:<16} {s} {p}  {r['note']}")
