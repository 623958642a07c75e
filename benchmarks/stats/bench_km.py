"""Benchmark: Kaplan-Meier and two-group log-rank on 1e4 .. 1e6 subjects.

Tools: linewise, lifelines (if installed), R ``survival`` through ``Rscript`` (if on PATH).
Data: seeded, two groups, exponential event times and uniform censoring rounded up to whole
days (so times are tied, as in registry data). Target: linewise KM + log-rank on 1e6 subjects
in under 1 s.

What is timed:
* linewise: ``kaplan_meier`` (full table, CIs, median + CI) / ``logrank``.
* lifelines: ``KaplanMeierFitter().fit`` + ``median_survival_time_`` /
  ``statistics.logrank_test``.
* R: ``survfit(Surv(time, event) ~ 1)`` + ``quantile(fit, 0.5)`` / ``survdiff``, timed inside
  R with ``system.time`` (reading the data is not timed).

Peak memory: Python tools by ``tracemalloc`` in a second, traced run (numpy reports its
buffers to tracemalloc); R by ``gc()``'s "max used" after ``gc(reset = TRUE)`` minus what was in
use at the reset (R's own allocations; the data read before are not counted).

Run: ``python -m benchmarks.stats.bench_km``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

SEED = 20240601

_R_SCRIPT = r"""
args <- commandArgs(TRUE)
n <- as.integer(args[2])
con <- file(args[1], "rb")
time <- readBin(con, "double", n)
event <- readBin(con, "double", n)
group <- readBin(con, "double", n)
close(con)
suppressMessages(library(survival))
base <- sum(gc(reset = TRUE)[, 2])
t_km <- system.time({fit <- survfit(Surv(time, event) ~ 1); med <- quantile(fit, 0.5)})[["elapsed"]]
m_km <- sum(gc()[, 6]) - base
rm(fit)
base <- sum(gc(reset = TRUE)[, 2])
t_lr <- system.time(sd <- survdiff(Surv(time, event) ~ group))[["elapsed"]]
m_lr <- sum(gc()[, 6]) - base
cat(sprintf("%.6f %.3f %.6f %.3f %.10g %.10g %s\n", t_km, m_km, t_lr, m_lr, med$quantile, sd$chisq,
            as.character(packageVersion("survival"))))
"""


def make_data(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded two-group survival data in whole days (hazard ratio about 1.3, ~60% events)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    event_time = np.ceil(rng.exponential(365.0 * np.where(group == 1, 1.0, 1.3)))
    censor_time = np.ceil(rng.uniform(30.0, 2000.0, n))
    time_ = np.minimum(event_time, censor_time)
    event = (event_time <= censor_time).astype(float)
    return time_, event, group.astype(float)


def _measure(fn: Callable[[], object], trace_memory: bool = True) -> tuple[float, float | None, object]:
    """Seconds of one untraced run, then peak MB of a second run under tracemalloc."""
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = None
    if trace_memory:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, out


def _row(task: str, n: int, tool: str, seconds, peak_mb, note: str) -> dict:
    return {"task": task, "n": n, "tool": tool, "seconds": seconds, "peak_mb": peak_mb, "note": note}


def _linewise(n: int, data) -> list[dict]:
    from linewise.stats import kaplan_meier, logrank

    t, e, g = data
    s, m, fit = _measure(lambda: kaplan_meier(t, e))
    rows = [_row("KM", n, "linewise", s, m, f"median {fit.median:g}")]
    s, m, lr = _measure(lambda: logrank(t, e, g))
    rows.append(_row("log-rank", n, "linewise", s, m, f"chisq {lr.statistic:.6g}"))
    return rows


def _lifelines(n: int, data) -> list[dict]:
    if importlib.util.find_spec("lifelines") is None:
        note = "skipped: lifelines not installed (pip install lifelines)"
        return [_row(task, n, "lifelines", None, None, note) for task in ("KM", "log-rank")]
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    t, e, g = data
    a, b = g == 0, g == 1

    def km():
        f = KaplanMeierFitter().fit(t, e)
        return f.median_survival_time_

    s, m, med = _measure(km)
    rows = [_row("KM", n, "lifelines", s, m, f"median {med:g}")]
    s, m, lr = _measure(lambda: logrank_test(t[a], t[b], e[a], e[b]))
    rows.append(_row("log-rank", n, "lifelines", s, m, f"chisq {lr.test_statistic:.6g}"))
    return rows


def _r_survival(n: int, data) -> list[dict]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        note = "skipped: Rscript not found"
        return [_row(task, n, "R survival", None, None, note) for task in ("KM", "log-rank")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.bin"
        with path.open("wb") as fh:
            for a in data:
                np.ascontiguousarray(a, dtype="<f8").tofile(fh)
        script = Path(tmp) / "bench.R"
        script.write_text(_R_SCRIPT)
        proc = subprocess.run([rscript, str(script), str(path), str(n)], capture_output=True, text=True)
    if proc.returncode != 0:
        note = f"failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no output'}"
        return [_row(task, n, "R survival", None, None, note) for task in ("KM", "log-rank")]
    t_km, m_km, t_lr, m_lr, med, chisq, version = proc.stdout.split()
    tool = f"R survival {version}"
    return [
        _row("KM", n, tool, float(t_km), float(m_km), f"median {float(med):g}; R gc max used above baseline"),
        _row("log-rank", n, tool, float(t_lr), float(m_lr), f"chisq {float(chisq):.6g}; R gc max used above baseline"),
    ]


def run(sizes: list[int]) -> list[dict]:
    """Time KM and log-rank for each size and tool; one dict per (task, n, tool).

    Keys: task ("KM" or "log-rank"), n, tool, seconds (None when skipped), peak_mb, note.
    """
    rows: list[dict] = []
    for n in sizes:
        data = make_data(int(n))
        for bench in (_linewise, _lifelines, _r_survival):
            rows.extend(bench(int(n), data))
    return rows


def format_table(rows: list[dict]) -> str:
    """Plain-text table of the rows."""
    head = f"{'task':<9} {'n':>9} {'tool':<20} {'seconds':>9} {'peak MB':>9}  note"
    lines = [head, "-" * len(head)]
    for r in rows:
        sec = "-" if r["seconds"] is None else f"{r['seconds']:.3f}"
        mem = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.1f}"
        lines.append(f"{r['task']:<9} {r['n']:>9} {r['tool']:<20} {sec:>9} {mem:>9}  {r['note']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(run([10_000, 100_000, 1_000_000])))
