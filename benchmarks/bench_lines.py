"""Benchmark: lines of therapy from raw drug records, set-based SQL vs a pandas groupby-apply,
and the same SQL on PostgreSQL and Spark local.

For each size, the synthetic registry (Parquet) is loaded into a DuckDB file (drug_exposures,
patients, response_assessments; loading is not timed), then, each in a fresh process so that
its peak resident memory (``VmHWM``) is its own:

- ``linewise (DuckDB)``: :func:`linewise.lines.algorithm.derive_lines` with DuckDB's
  ``memory_limit`` and a spill directory (DuckDB spills to disk past the limit);
- ``pandas groupby-apply``: :func:`linewise.lines.oracle.derive_lines_pandas`, the same rules
  patient by patient, up to ``--pandas-max`` patients (it is the slow reference); above that
  its time is extrapolated linearly from the largest size measured in the same run (a
  per-patient loop is linear in patients) and the row says so.

With ``--engines N`` a registry of ``N`` patients is bulk-loaded into a linewise store on DuckDB,
PostgreSQL (``LINEWISE_BENCH_POSTGRES`` or ``LINEWISE_TEST_POSTGRES``, e.g. from
``source .ci/engines.sh``) and Spark ``local[2]`` (the loader of ``benchmarks/_engines.py``), lines are
derived on each (timed) and fetched; the run fails unless all three give the same lines.

Run: ``python -m benchmarks.bench_lines [n_patients ...] [--engines N] [--pandas-max N]
[--data DIR]`` (default 100000; ``--data`` keeps the generated stores there for reuse, as long
as the generator code is unchanged, instead of a temporary folder; ``LINEWISE_BENCH_TMP``
chooses where temporary folders go). The issue's run: ``python -m benchmarks.bench_lines 100000
1000000`` (about 10 GB of disk for the 1M store) and ``source .ci/engines.sh; python -m
benchmarks.bench_lines --engines 20000``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._engines import ENGINES

PANDAS_MAX = 200_000
#: DuckDB's own limit; it spills to the temp directory beyond it. Peak RSS stays ~1 GB above it
#: (Python, Arrow buffers, allocator slack): 4 GB keeps the process under the 6 GiB target.
MEMORY_LIMIT = "4GB"
REPO = str(Path(__file__).resolve().parent.parent)


def make_store(folder: Path, n: int, seed: int = 1) -> dict:
    """Synthetic registry of ``n`` patients as Parquet, loaded into ``folder/bench.duckdb``
    (reused when ``folder/info.json`` says it holds that registry)."""
    import duckdb

    from linewise.synth import generate_registry

    info_file = folder / "info.json"
    made_by = synth_fingerprint()
    if info_file.exists():
        info = json.loads(info_file.read_text())
        if (info.get("n"), info.get("seed"), info.get("synth")) == (n, seed, made_by) and (folder / "bench.duckdb").exists():
            return info
    files = folder / "files"
    res = generate_registry(files, n, seed=seed, fmt="parquet")
    (folder / "bench.duckdb").unlink(missing_ok=True)
    con = duckdb.connect(str(folder / "bench.duckdb"))
    con.execute(f"""CREATE TABLE drug_exposures AS SELECT CAST(patient_id AS VARCHAR) AS patient_id,
        CAST(drug_source_value AS VARCHAR) AS drug_source_value, CAST(drug AS VARCHAR) AS drug,
        start_date, end_date FROM read_parquet('{files / 'drug_exposures.parquet'}')""")
    con.execute(f"""CREATE TABLE patients AS SELECT CAST(patient_id AS VARCHAR) AS patient_id, metastatic_diagnosis_date,
        surgery_date, death_date, last_contact_date FROM read_parquet('{files / 'patients.parquet'}')""")
    con.execute(f"""CREATE TABLE response_assessments AS SELECT CAST(patient_id AS VARCHAR) AS patient_id,
        assessment_date, CAST(response AS VARCHAR) AS response FROM read_parquet('{files / 'response_assessments.parquet'}')""")
    con.close()
    info = {"n": n, "seed": seed, "synth": made_by, "records": res.rows["drug_exposures"],
            "truth_lines": res.rows["truth_lines"]}
    info_file.write_text(json.dumps(info))
    return info


def synth_fingerprint() -> str:
    """Hash of the synthetic registry's generator code: a kept store is reused only when the
    generator that made it is unchanged."""
    import hashlib

    import linewise.synth

    h = hashlib.sha256()
    for f in sorted(Path(linewise.synth.__file__).parent.glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


class _Source:
    """The three tables a store offers the algorithm, from a plain DuckDB file."""

    def __init__(self, con) -> None:
        self.con = con

    def table(self, name):
        return self.con.table(name)


_PEAK = """
def _peak_mb():
    # VmHWM: this process's peak resident memory (ru_maxrss can carry a parent's peak over exec)
    try:
        return next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def _child(kind: str, folder: str) -> dict:
    code = _PEAK + f"""
import json, os, time
from pathlib import Path
folder = Path({folder!r})
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
    secs = time.perf_counter() - t0
    c = run.counts
    lines = c["lines"]
    note = f"{{run.iterations}} iterations, memory_limit {MEMORY_LIMIT}"
else:
    import duckdb
    from linewise.lines.oracle import derive_lines_pandas
    t0 = time.perf_counter()
    con = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    con.execute("SET enable_progress_bar = false")
    ex = con.execute("SELECT patient_id, drug, start_date, end_date FROM drug_exposures").df()
    pt = con.execute("SELECT * FROM patients").df()
    pr = con.execute("SELECT patient_id, assessment_date AS date FROM response_assessments WHERE response = 'PD'").df()
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = derive_lines_pandas(ex, pt, progressions=pr)
    secs = time.perf_counter() - t0
    lines = len(out)
    note = f"+ {{load:.1f}} s to read the tables into pandas"
print(json.dumps({{"seconds": secs, "peak_mb": _peak_mb(), "lines": lines, "load": os.getloadavg()[0], "note": note}}))
"""
    env = dict(os.environ, PYTHONPATH=REPO)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed: {out.stderr.strip()[-2000:]}")
    return json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1])


def _folder(data: Path | None, n: int):
    """A folder for size ``n``: kept under ``data``, else a temporary one."""
    if data is not None:
        path = data / f"lines_{n}"
        path.mkdir(parents=True, exist_ok=True)
        return _Kept(path)
    return tempfile.TemporaryDirectory(prefix="linewise-lines-", dir=os.environ.get("LINEWISE_BENCH_TMP"))


class _Kept:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> str:
        return str(self.path)

    def __exit__(self, *exc) -> None:
        return None


def run(sizes: list[int], *, pandas_max: int = PANDAS_MAX, data: Path | None = None,
        engines_n: int | None = None) -> list[dict]:
    """Rows of ``task, n, tool, seconds, peak_mb, lines, load, note`` for each size (and the
    engines comparison when ``engines_n`` is given)."""
    rows = []
    pandas_ref = None  # (n, seconds) of the largest pandas run measured here
    for n in sorted(sizes):
        with _folder(data, n) as tmp:
            info = make_store(Path(tmp), n)
            task = f"lines from {info['records']:,} drug records"
            rows.append({"task": task, "n": n, "tool": "linewise (DuckDB)", **_child("linewise", tmp)})
            _report(rows[-1])
            if n <= pandas_max:
                rows.append({"task": task, "n": n, "tool": "pandas groupby-apply", **_child("pandas", tmp)})
                pandas_ref = (n, rows[-1]["seconds"], rows[-1]["peak_mb"])
                _report(rows[-1])
            elif pandas_ref is not None:
                # it holds every record in memory: its peak grows with the records as well
                m, secs, peak = pandas_ref
                rows.append({"task": task, "n": n, "tool": "pandas groupby-apply", "seconds": secs * n / m,
                             "peak_mb": None, "lines": None, "load": None,
                             "note": f"EXTRAPOLATED (not run): {secs:.1f} s at {m:,} patients x {n / m:g}; "
                                     f"peak ~{peak * n / m / 1024:.0f} GB extrapolated"})
    if engines_n:
        rows.extend(run_engines(engines_n))
    return rows


def _report(row: dict) -> None:
    print(json.dumps(row), file=sys.stderr, flush=True)


# --- the same lines on PostgreSQL and Spark ----------------------------------------------------
_ENGINE_CHILD = _PEAK + r"""
import json, os, sys, time
engine, location, registry, warehouse, out, repo = sys.argv[1:7]
sys.path[:0] = [repo]
from pathlib import Path
from benchmarks._engines import load, open_store
from linewise.lines.algorithm import derive_lines
store = open_store(engine, location, warehouse)
load_s = load(store, Path(registry))
t0 = time.perf_counter()
run = derive_lines(store)
secs = time.perf_counter() - t0
cols = ["patient_id", "line_seq", "line_number", "setting", "start_date", "end_date", "agents", "drugs_given",
        "start_rule", "end_rule", "maintenance", "rechallenge", "n_exposures"]
import pyarrow.parquet as pq
pq.write_table(store.con.table(run.lines_table).select(*cols).to_pyarrow(), out)
note = f"{run.iterations} iterations; bulk load {load_s:.0f} s (not timed)"
print(json.dumps({"seconds": secs, "peak_mb": _peak_mb(), "lines": run.counts["lines"], "load": os.getloadavg()[0],
                  "note": note}))
"""


def _same_lines(a, b) -> str | None:
    """None when the two line tables (pandas) are equal, else what differs."""
    import pandas as pd

    key = ["patient_id", "line_seq"]
    a, b = (f.sort_values(key).reset_index(drop=True) for f in (a, b))
    if len(a) != len(b):
        return f"{len(a):,} vs {len(b):,} lines"
    for f in (a, b):
        for col in ("agents", "drugs_given"):
            f[col] = f[col].map(lambda v: " + ".join(v))
        for col in ("start_date", "end_date"):
            f[col] = pd.to_datetime(f[col])
        f["line_number"] = f["line_number"].astype("Int64")
    bad = [c for c in a.columns if not a[c].astype(object).equals(b[c].astype(object))]
    if not bad:
        return None
    first = next(i for i in range(len(a)) if any(a[c].iloc[i] != b[c].iloc[i] for c in bad))
    return (f"columns differ: {', '.join(bad)}; first at {a.patient_id.iloc[first]} line {a.line_seq.iloc[first]}: "
            f"{[a[c].iloc[first] for c in bad]} vs {[b[c].iloc[first] for c in bad]}")


def run_engines(n: int, engines=tuple(ENGINES)) -> list[dict]:
    """Lines of ``n`` patients on DuckDB, PostgreSQL and Spark; asserts they are the same."""
    import pandas as pd
    import pyarrow.parquet as pq

    from benchmarks._engines import prepare
    from linewise.synth import generate_registry

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="linewise-lines-engines-", dir=os.environ.get("LINEWISE_BENCH_TMP")) as tmp:
        reg = Path(tmp) / "registry"
        generate_registry(reg, n, seed=1, fmt="parquet")
        records = pq.read_metadata(reg / "drug_exposures.parquet").num_rows
        task = f"lines from {records:,} drug records"
        frames = {}
        for engine in engines:
            tool = ENGINES[engine]
            try:
                location, warehouse, cleanup = prepare(engine, n, Path(tmp))
            except RuntimeError as exc:
                rows.append({"task": task, "n": n, "tool": tool, "seconds": None, "peak_mb": None, "lines": None,
                             "load": None, "note": str(exc)})
                continue
            out = Path(tmp) / f"lines_{engine}.parquet"
            try:
                proc = subprocess.run([sys.executable, "-c", _ENGINE_CHILD, engine, location, str(reg), warehouse,
                                       str(out), REPO], capture_output=True, text=True)
            finally:
                cleanup()
            if proc.returncode != 0:
                raise RuntimeError(f"{engine}: {proc.stderr.strip()[-2000:]}")
            res = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
            rows.append({"task": task, "n": n, "tool": f"linewise ({tool} store)", **res})
            _report(rows[-1])
            frames[engine] = pd.read_parquet(out)
        ref = frames.get("duckdb")
        for engine, frame in frames.items():
            if ref is not None and engine != "duckdb":
                diff = _same_lines(ref, frame)
                if diff:
                    raise AssertionError(f"{ENGINES[engine]} lines differ from DuckDB's: {diff}")
                next(r for r in rows if r["tool"] == f"linewise ({ENGINES[engine]} store)")["note"] += \
                    "; lines equal to DuckDB's"
    return rows


def print_table(rows: list[dict]) -> None:
    def num(v, fmt):
        width = int(fmt.split(".")[0].rstrip(",f")) if fmt[0].isdigit() else 0
        return f"{'-':>{width}}" if v is None else format(v, fmt)

    print(f"{'task':<38} {'patients':>10} {'tool':<30} {'seconds':>8} {'peak MB':>8} {'load':>5} {'lines':>10}  note")
    for r in rows:
        print(f"{r['task']:<38} {r['n']:>10,} {r['tool']:<30} {num(r['seconds'], '8.1f')} {num(r['peak_mb'], '8.0f')} "
              f"{num(r['load'], '5.1f')} {num(r['lines'], '10,')}  {r['note']}")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_lines", description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, help="patients (default 100000; none with --engines alone)")
    p.add_argument("--engines", type=int, default=None, metavar="N", help="also compare engines at N patients")
    p.add_argument("--pandas-max", type=int, default=PANDAS_MAX)
    p.add_argument("--data", type=Path, default=None, help="keep generated stores here (reused)")
    a = p.parse_args(argv)
    if not a.sizes and a.engines is None:
        a.sizes = [100_000]
    print(f"# {dt.date.today()} lines-of-therapy benchmark ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print_table(run(a.sizes, pandas_max=a.pandas_max, data=a.data, engines_n=a.engines))


if __name__ == "__main__":
    main(sys.argv[1:])
