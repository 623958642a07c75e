"""Benchmark: the report of a 100k-patient study (target <= 20 s on 2 cores).

The study is the Study-B-like example of :mod:`linewise.report.example` (two groups, PFS and
OS with day-resolution times, Table 1, univariable and multivariable Cox models, subgroup
analyses, response and follow-up), its results computed once with :mod:`linewise.stats` and
written as ``results.json``. Then ``write_report`` is timed from that file: HTML with inline
SVG, 7 figures as PNG (300 dpi) + SVG + PDF, 9 CSV tables and ``report.json``; once as is
and once with ``--min-cell-count 5``. Each measurement runs in a fresh process so the peak
memory (max RSS) is its own.

Run: ``python -m benchmarks.bench_report [n ...]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

TARGET_SECONDS = 20.0


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_RESULTS = """
import json, resource, time
from pathlib import Path
from linewise.report.example import example_results
t0 = time.perf_counter()
r = example_results({n})
secs = time.perf_counter() - t0
Path({folder!r}, "results.json").write_text(json.dumps(r), encoding="utf-8")
size = Path({folder!r}, "results.json").stat().st_size
print(json.dumps({{"seconds": secs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "note": f"results.json {{size / 1e6:.1f}} MB"}}))
"""

_REPORT = """
import json, resource, time
from pathlib import Path
from linewise.report import ReportOptions, write_report
from linewise.report.style import font_files
font_files()  # built once per machine (matplotlib cache); not part of a report's cost
t0, c0 = time.perf_counter(), time.process_time()
out = write_report({folder!r}, Path({folder!r}) / {name!r}, ReportOptions(min_cell_count={mcc}))
secs, cpu = time.perf_counter() - t0, time.process_time() - c0
html_mb = out.html.stat().st_size / 1e6
print(json.dumps({{"seconds": secs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "note": f"cpu {{cpu:.1f}} s; {{len(out.figures)}} figure files, {{len(out.tables)}} CSV, "
                          f"HTML {{html_mb:.1f}} MB"}}))
"""


def run(sizes: list[int]) -> list[dict]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
            res = _child(_RESULTS.format(n=n, folder=tmp))
            rows.append({"task": "example results (stats)", "n": n, "tool": "linewise.stats", **res})
            for name, mcc in (("report", None), ("report_suppressed", 5)):
                res = _child(_REPORT.format(folder=tmp, name=name, mcc=mcc))
                verdict = "OK" if res["seconds"] <= TARGET_SECONDS else "SLOW"
                res["note"] = f"{res['note']}; target <= {TARGET_SECONDS:g} s: {verdict}"
                task = "report" + (" --min-cell-count 5" if mcc else "")
                rows.append({"task": task, "n": n, "tool": "linewise.report", **res})
    return rows


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100_000]
    rows = run(sizes)
    print(f"{'task':<30} {'n':>9} {'tool':<16} {'seconds':>8} {'peak MB':>8}  note")
    for r in rows:
        print(f"{r['task']:<30} {r['n']:>9,} {r['tool']:<16} {r['seconds']:8.2f} {r['peak_mb']:8.0f}  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
