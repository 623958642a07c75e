"""Run every benchmark and print one table: ``python -m benchmarks [AREA ...] [--quick]``.

Each area module has ``run(sizes) -> list[dict]`` (task, n, tool, seconds, peak_mb, note); the
peers named in the issues are measured in the same run by the modules themselves.
"""

from __future__ import annotations

import importlib
import sys

#: area -> (module, full sizes, quick sizes)
AREAS = {
    "import": ("benchmarks.bench_import", [1_000_000], [100_000]),
    "synth": ("benchmarks.bench_synth", [100_000, 1_000_000], [100_000]),
    "km": ("benchmarks.stats.bench_km", [10_000, 100_000, 1_000_000], [10_000, 100_000]),
    "cox": ("benchmarks.stats.bench_cox", [10_000, 100_000, 1_000_000], [10_000]),
    "lines": ("benchmarks.bench_lines", [100_000], [10_000]),
    "study": ("benchmarks.bench_study", [1_000_000], [100_000]),
    "report": ("benchmarks.bench_report", [100_000], [10_000]),
    "engines": ("benchmarks.bench_engines", [100_000, 1_000_000], [10_000]),
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")] or list(AREAS)
    unknown = [a for a in wanted if a not in AREAS]
    if unknown:
        print(f"unknown area(s) {', '.join(unknown)}; choose from {', '.join(AREAS)}")
        return 2
    rows: list[dict] = []
    for area in wanted:
        module_name, full, small = AREAS[area]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            print(f"[{area}] not available: {exc}")
            continue
        print(f"[{area}] running ...", flush=True)
        rows.extend(module.run(small if quick else full))
    print(f"\n{'task':<34} {'n':>10} {'tool':<26} {'seconds':>9} {'peak MB':>8}  note")
    for r in rows:
        secs = r.get("seconds")
        peak = r.get("peak_mb")
        secs_s = f"{secs:9.3f}" if isinstance(secs, int | float) else f"{'-':>9}"
        peak_s = f"{peak:8.0f}" if isinstance(peak, int | float) else f"{'-':>8}"
        print(f"{r['task'][:34]:<34} {r['n']:>10,} {r['tool'][:26]:<26} {secs_s} {peak_s}  {r.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
