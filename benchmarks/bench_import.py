"""Benchmark: import of a 1-million-line therapy-lines CSV (target <= 30 s on 2 cores).

Baselines measured in the same run: DuckDB's own CSV reader into a table (no normalisation,
no validation) — the floor of what loading alone costs — and pandas ``read_csv``.

Run: ``python -m benchmarks.bench_import [n_lines]``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REGIMENS = ["Herceptin + Perjeta + Docetaxel", "trastuzumab + pertuzumab + paclitaxel", "T-DM1", "Kadcyla",
            "capecitabine + lapatinib", "vinorelbine + trastuzumab", "eribulin", "T-DXd", "letrozole + trastuzumab"]


def write_files(folder: Path, n_lines: int, seed: int = 1) -> tuple[Path, Path]:
    """Patients (n_lines / 4) and therapy lines (4 per patient), dates as a registry writes them."""
    rng = np.random.default_rng(seed)
    n_pat = n_lines // 4
    ids = np.char.add("P", np.char.zfill(np.arange(n_pat).astype(str), 7))
    met = np.datetime64("2012-01-01") + rng.integers(0, 3000, n_pat).astype("timedelta64[D]")
    pat = folder / "patients.csv"
    with pat.open("w") as fh:
        fh.write("patient_id,sex,metastatic_diagnosis_date,er_status,grade\n")
        for i in range(n_pat):
            fh.write(f"{ids[i]},F,{met[i]},{'pos' if i % 3 else 'neg'},G{1 + i % 3}\n")
    lines = folder / "therapy_lines.csv"
    starts = met[:, None] + (30 + np.arange(4) * 200 + rng.integers(0, 150, (n_pat, 4))).astype("timedelta64[D]")
    ends = starts + rng.integers(20, 180, (n_pat, 4)).astype("timedelta64[D]")
    reg = rng.integers(0, len(REGIMENS), (n_pat, 4))
    with lines.open("w") as fh:
        fh.write("patient_id,line_number,setting,start_date,end_date,agents,end_reason,progression_date,best_response\n")
        for i in range(n_pat):
            for k in range(4):
                fh.write(f"{ids[i]},{k + 1},metastatic,{starts[i, k]},{ends[i, k]},{REGIMENS[reg[i, k]]},progression,{ends[i, k]},PR\n")
    return pat, lines


def _child(kind: str, folder: str) -> dict:
    """Run one measurement in a fresh process so peak memory (max RSS) is its own."""
    code = f"""
import json, resource, time, sys
from pathlib import Path
folder = Path({folder!r})
t0 = time.perf_counter()
if {kind!r} == "linewise":
    from linewise.io.importer import import_files
    from linewise.store.store import Store
    store = Store.open(folder / "bench.duckdb")
    import_files(store, [folder / "patients.csv"])
    t0 = time.perf_counter()
    [rep] = import_files(store, [folder / "therapy_lines.csv"])
    note = f"stored {{rep.rows_stored}}, rejected {{rep.rows_rejected}}"
elif {kind!r} == "duckdb":
    import duckdb
    con = duckdb.connect(str(folder / "raw.duckdb"))
    con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{{folder / 'therapy_lines.csv'}}')")
    note = "read_csv into a table, no validation"
else:
    import pandas as pd
    df = pd.read_csv(folder / "therapy_lines.csv", dtype=str)
    note = "read_csv(dtype=str), no validation"
secs = time.perf_counter() - t0
print(json.dumps({{"seconds": secs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "note": note}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(sizes: list[int]) -> list[dict]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_files(Path(tmp), n)
            for tool, label in (("linewise", "linewise import"), ("duckdb", "duckdb read_csv"), ("pandas", "pandas read_csv")):
                res = _child(tool, tmp)
                rows.append({"task": "import therapy_lines CSV", "n": n, "tool": label, **res})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'task':<26} {'n':>10} {'tool':<18} {'seconds':>8} {'peak MB':>8}  note")
    for r in rows:
        print(f"{r['task']:<26} {r['n']:>10,} {r['tool']:<18} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f}  {r['note']}")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000]
    print(f"# {dt.date.today()} import benchmark")
    print_table(run(sizes))
