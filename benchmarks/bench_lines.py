"""Benchmark: lines of therapy from raw drug records, set-based SQL vs a pandas groupby-apply.

For each size, the synthetic registry (Parquet) is loaded into a DuckDB store (drug_exposures,
patients, response_assessments; loading is not timed), then, each in a fresh process so that
peak memory (max RSS) is its own:

- ``linewise (DuckDB)``: :func:`linewise.lines.algorithm.derive_lines` on the store, with a
  memory limit and a spill directory (DuckDB spills to disk past the limit);
- ``pandas groupby-apply``: :func:`linewise.lines.oracle.derive_lines_pandas`, the same rules
  patient by patient (only up to ``PANDAS_MAX`` patients: it is the slow reference).

Run: ``python -m benchmarks.bench_lines [n_patients ...]`` (default 100000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PANDAS_MAX = 200_000
MEMORY_LIMIT = "4GB"  # DuckDB's own limit; spills to the temp directory beyond it


def make_store(folder: Path, n: int, seed: int = 1) -> dict:
    """Synthetic registry of ``n`` patients as Parquet, loaded into ``folder/bench.duckdb``."""
    import duckdb

    from linewise.synth import generate_registry

    files = folder / "files"
    res = generate_registry(files, n, seed=seed, fmt="parquet")
    con = duckdb.connect(str(folder / "bench.duckdb"))
    con.execute(f"""CREATE TABLE drug_exposures AS SELECT CAST(patient_id AS VARCHAR) AS patient_id,
        CAST(drug_source_value AS VARCHAR) AS drug_source_value, CAST(drug AS VARCHAR) AS drug,
        start_date, end_date FROM read_parquet('{files / 'drug_exposures.parquet'}')""")
    con.execute(f"""CREATE TABLE patients AS SELECT CAST(patient_id AS VARCHAR) AS patient_id, metastatic_diagnosis_date,
        surgery_date, death_date, last_contact_date FROM read_parquet('{files / 'patients.parquet'}')""")
    con.execute(f"""CREATE TABLE response_assessments AS SELECT CAST(patient_id AS VARCHAR) AS patient_id,
        assessment_date, CAST(response AS VARCHAR) AS response FROM read_parquet('{files / 'response_assessments.parquet'}')""")
    con.close()
    return {"records": res.rows["drug_exposures"], "truth_lines": res.rows["truth_lines"]}


class _Source:
    """The three tables a store offers the algorithm, from a plain DuckDB file."""

    def __init__(self, con) -> None:
        self.con = con

    def table(self, name):
        return self.con.table(name)


def _child(kind: str, folder: str) -> dict:
    code = f"""
import json, resource, time
from pathlib import Path
folder = Path({folder!r})
t0 = time.perf_counter()
if {kind!r} == "linewise":
    import ibis
    from benchmarks.bench_lines import _Source
    from linewise.lines.algorithm import derive_lines
    con = ibis.duckdb.connect(str(folder / "bench.duckdb"))
    con.raw_sql("SET memory_limit = '{MEMORY_LIMIT}'")
    con.raw_sql("SET temp_directory = '" + str(folder / "spill") + "'")
    con.raw_sql("SET preserve_insertion_order = false")
    t0 = time.perf_counter()
    run = derive_lines(_Source(con))
    c = run.counts
    note = f"{{c['lines']:,}} lines, {{run.iterations}} iterations, memory_limit {MEMORY_LIMIT}"
else:
    import duckdb
    from linewise.lines.oracle import derive_lines_pandas
    con = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    con.execute("SET enable_progress_bar = false")
    ex = con.execute("SELECT patient_id, drug, start_date, end_date FROM drug_exposures").df()
    pt = con.execute("SELECT * FROM patients").df()
    pr = con.execute("SELECT patient_id, assessment_date AS date FROM response_assessments WHERE response = 'PD'").df()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = derive_lines_pandas(ex, pt, progressions=pr)
    note = f"{{len(out):,}} lines; + {{load:.1f}} s to read the tables into pandas"
secs = time.perf_counter() - t0
print(json.dumps({{"seconds": secs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "note": note}}))
"""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1])


def run(sizes: list[int], *, pandas_max: int = PANDAS_MAX) -> list[dict]:
    """Rows of ``task, n, tool, seconds, peak_mb, note`` for each size."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=os.environ.get("LINEWISE_BENCH_TMP")) as tmp:
            info = make_store(Path(tmp), n)
            task = f"lines from {info['records']:,} drug records"
            rows.append({"task": task, "n": n, "tool": "linewise (DuckDB)", **_child("linewise", tmp)})
            if n <= pandas_max:
                rows.append({"task": task, "n": n, "tool": "pandas groupby-apply", **_child("pandas", tmp)})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'task':<36} {'patients':>10} {'tool':<22} {'seconds':>8} {'peak MB':>8}  note")
    for r in rows:
        print(f"{r['task']:<36} {r['n']:>10,} {r['tool']:<22} {r['seconds']:>8.1f} {r['peak_mb']:>8.0f}  {r['note']}")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [100_000]
    print(f"# {dt.date.today()} lines-of-therapy benchmark ({os.cpu_count()} cores)")
    print_table(run(sizes))
