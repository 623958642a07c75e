"""Benchmark: synthetic registry generation (target: 1 million patients <= 60 s, <= 2 GiB).

Each size runs in a fresh subprocess so that the peak resident memory (``ru_maxrss``) is that
of the generation alone. Run: ``python -m benchmarks.bench_synth [n ...] [--parquet] [--messy]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

_CHILD = """
import json, resource, sys, time
from linewise.synth import generate_registry
n, fmt, messy, out = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4]
t = time.perf_counter()
res = generate_registry(out, n, seed=1, fmt=fmt, messy=messy)
sec = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": sec, "peak_mb": ru.ru_maxrss / 1024, "cpu": ru.ru_utime + ru.ru_stime,
                  "rows": sum(v for k, v in res.rows.items() if k != "truth_lines"),
                  "exposures": res.rows["drug_exposures"]}))
"""


def measure(n: int, fmt: str = "csv", messy: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(n), fmt, "1" if messy else "0", out],
                              capture_output=True, text=True, check=True)
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    note = (f"{fmt}{', messy' if messy else ''}; {r['rows']:,} rows ({r['exposures']:,} drug records); "
            f"CPU {r['cpu']:.1f} s (the machine may be shared)")
    return {"task": "synth registry", "n": n, "tool": "linewise.synth", "seconds": r["seconds"],
            "peak_mb": r["peak_mb"], "note": note}


def run(sizes, fmts=("csv",), messy: bool = False) -> list[dict]:
    """One row per size and format: seconds and peak MB of ``generate_registry``."""
    return [measure(n, fmt, messy) for n in sizes for fmt in fmts]


if __name__ == "__main__":
    args = sys.argv[1:]
    sizes = [int(a) for a in args if a.isdigit()] or [100_000, 1_000_000]
    fmts = ("parquet",) if "--parquet" in args else ("csv",)
    rows = run(sizes, fmts, "--messy" in args)
    print(f"{'task':<16} {'n':>10} {'seconds':>9} {'peak MB':>8}  note")
    for r in rows:
        print(f"{r['task']:<16} {r['n']:>10,} {r['seconds']:9.1f} {r['peak_mb']:8.0f}  {r['note']}")
