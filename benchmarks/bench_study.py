"""Benchmark: a study end to end on a synthetic registry of 1 million patients on DuckDB.

Target (issue 5): <= 2 minutes for the study run on this 2-core machine.

Set-up, not timed as part of the study: the synthetic registry is generated as Parquet
(``linewise.synth``) and loaded straight into a store; the synthetic data is clean, and import
throughput has its own benchmark (``bench_import``). Drug exposures are not loaded: the
recipes use recorded lines. The timed part is :func:`linewise.study.run_study` on the store,
from the spec to ``results.json``, broken down by stage.

Run: ``python -m benchmarks.bench_study [n_patients] [recipe] [--cache DIR]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from linewise.model.registry import TABLES_BY_NAME
from linewise.store.store import Store, arrow_schema

LOADED = ("patients", "therapy_lines", "metastatic_sites", "performance_status", "response_assessments")
YES = ("yes", "true", "1")


def generate(folder: Path, n_patients: int, seed: int) -> float:
    from linewise.synth import generate_registry

    t0 = time.perf_counter()
    generate_registry(folder, n_patients, seed=seed, fmt="parquet")
    return time.perf_counter() - t0


def _column(name: str, values: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_list(target):  # regimen "a + b" -> ["a", "b"] (the generator writes generic names)
        return pc.split_pattern(values, " + ").cast(target)
    if pa.types.is_boolean(target) and not pa.types.is_boolean(values.type):
        return pc.is_in(pc.utf8_lower(values), pa.array(YES))
    return values.cast(target)


def load(folder: Path, store: Store) -> float:
    """Load the generator's Parquet files into the store's model tables (no validation)."""
    t0 = time.perf_counter()
    for name in LOADED:
        schema = arrow_schema(TABLES_BY_NAME[name])
        src = pq.read_table(folder / f"{name}.parquet")
        cols = []
        for field in schema:
            if field.name in src.column_names:
                cols.append(_column(field.name, src[field.name], field.type))
            elif field.name.endswith("_precision"):
                base = field.name.removesuffix("_precision")
                cols.append(pc.if_else(pc.is_valid(src[base]), "day", pa.scalar(None, pa.string())))
            elif field.name == "_source_row":
                cols.append(pa.array(range(2, src.num_rows + 2), pa.int64()))
            elif field.name == "_import_id":
                cols.append(pa.array([1] * src.num_rows, pa.int64()))
            else:
                cols.append(pa.nulls(src.num_rows, field.type))
        store.delete_all(name)
        store.insert(name, pa.Table.from_arrays(cols, schema=schema))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n_patients", nargs="?", type=int, default=1_000_000)
    ap.add_argument("recipe", nargs="?", default="tdm1_treatment_sequences")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "linewise-bench-study",
                    help="Where the generated registry and its store are kept between runs.")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)

    folder = args.cache / f"synth_{args.n_patients}_{args.seed}"
    store_path = args.cache / f"synth_{args.n_patients}_{args.seed}.duckdb"
    out = {"n_patients": args.n_patients, "recipe": args.recipe}
    if not (folder / "patients.parquet").exists():
        out["generate_s"] = round(generate(folder, args.n_patients, args.seed), 1)
    if not store_path.exists():
        store = Store.open(store_path)
        out["load_s"] = round(load(folder, store), 1)
        store.close()

    from linewise.study import run_study

    store = Store.open(store_path, create=False)
    stages: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    result = run_study(args.recipe, store, args.cache / f"out_{args.recipe}_{args.n_patients}",
                       progress=lambda msg: stages.append((msg, time.perf_counter())))
    total = time.perf_counter() - t0
    marks = [*stages, ("done", t0 + total)]
    out["stages_s"] = {name: round(marks[i + 1][1] - t, 2) for i, (name, t) in enumerate(marks[:-1])}
    out["study_s"] = round(total, 1)
    out["cohort"] = result.results["attrition"][-1]["n"]
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["target_s"] = 120
    out["headline"] = [[row["label"], *row["cells"], row.get("p_text", "")]
                       for table in result.results["headline"] for row in table["rows"]]
    print(json.dumps(out, indent=1))
    return out


def run(sizes, recipes=("tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences")) -> list[dict]:
    """Rows for ``python -m benchmarks``: one per size and recipe (each in a fresh process, so
    peak memory is its own)."""
    import subprocess

    rows = []
    for n in sizes:
        for recipe in recipes:
            proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_study", str(n), recipe],
                                  capture_output=True, text=True)
            if proc.returncode:
                rows.append({"task": f"study {recipe}", "n": n, "tool": "linewise (DuckDB)", "seconds": None,
                             "peak_mb": None, "note": proc.stderr.strip().splitlines()[-1:]})
                continue
            out = json.loads(proc.stdout)
            stages = ", ".join(f"{k} {v:.0f}s" for k, v in out["stages_s"].items())
            rows.append({"task": f"study {recipe}", "n": n, "tool": "linewise (DuckDB)", "seconds": out["study_s"],
                         "peak_mb": out["peak_rss_mib"], "note": f"target <= {out['target_s']} s; cohort "
                         f"{out['cohort']:,}; {stages}"})
    return rows


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
