"""Benchmark: Study C on DuckDB, PostgreSQL and Spark local, in the same run.

For each size, a synthetic registry (Parquet) is bulk-loaded into a fresh store on each engine
(``benchmarks/_engines.py``: DuckDB from Arrow batches, PostgreSQL with ``COPY``, Spark from a
Parquet file) — the validating importer is benchmarked separately (``bench_import``) — and
then, each in its own subprocess so that the peak resident memory is that of the Python
process of that engine alone:

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
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._engines import ENGINES, prepare

_CHILD = r"""
import json, os, resource, sys, time
engine, location, registry, out, warehouse, repo = sys.argv[1:7]
sys.path[:0] = [repo, repo + "/tests"]
from pathlib import Path
from benchmarks._engines import load, open_store
store = open_store(engine, location, warehouse)
rows = [{"task": "bulk load", "seconds": load(store, Path(registry)), "note": "", "load": os.getloadavg()[0]}]

def timed(label, fn):
    t, sec = time.perf_counter(), None
    try:
        note = fn()
        sec = time.perf_counter() - t
    except Exception as exc:
        note = f"failed: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:150]}"
    rows.append({"task": label, "seconds": sec, "note": note, "load": os.getloadavg()[0]})  # 1-min load at the end

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

REPO = str(Path(__file__).resolve().parent.parent)


def _child(engine: str, location: str, registry: Path, out: Path, warehouse: str) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, engine, location, str(registry), str(out), warehouse, REPO],
                          capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("[")]
    if not lines:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return [{"task": "bulk load", "seconds": None, "peak_mb": None, "load": None, "note": f"crashed: {tail[0][:200]}"}]
    return json.loads(lines[-1])


def run(sizes, engines=("duckdb", "postgres", "spark")) -> list[dict]:
    """Rows of dicts task, n, tool, seconds, peak_mb, load, note (peak: the engine's Python
    process, over load, study and pushdown; load: the 1-minute load average when the task ended)."""
    import pyarrow.parquet as pq

    from linewise.synth import generate_registry

    rows: list[dict] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="linewise-bench-") as tmp:
            reg = Path(tmp) / "registry"
            generate_registry(reg, n, seed=1, fmt="parquet")
            drug_rows = pq.read_metadata(reg / "drug_exposures.parquet").num_rows
            for engine in engines:
                tool = ENGINES[engine]
                try:
                    location, warehouse, cleanup = prepare(engine, n, Path(tmp))
                except RuntimeError as exc:
                    rows.append({"task": "study C", "n": n, "tool": tool, "seconds": None, "peak_mb": None, "load": None,
                                 "note": str(exc)})
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


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000, 1_000_000]
    engines = tuple(a for a in sys.argv[1:] if a in ("duckdb", "postgres", "spark")) or ("duckdb", "postgres", "spark")
    result = run(sizes, engines)
    print(f"{'task':<24} {'n':>10} {'tool':<16} {'seconds':>9} {'peak MB':>8} {'load':>5}  note")
    for r in result:
        s = f"{r['seconds']:9.1f}" if isinstance(r["seconds"], int | float) else f"{'-':>9}"
        p = f"{r['peak_mb']:8.0f}" if isinstance(r["peak_mb"], int | float) else f"{'-':>8}"
        lo = f"{r['load']:5.1f}" if isinstance(r.get("load"), int | float) else f"{'-':>5}"
        print(f"{r['task']:<24} {r['n']:>10,} {r['tool']:<16} {s} {p} {lo}  {r['note']}")
