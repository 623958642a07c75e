"""``linewise omop``: map an OMOP CDM instance, load it into a store, write lines back as episodes.

Mounted on the main command line by :mod:`linewise.cli`; ``linewise synth --format omop``
(synthetic instance) calls :func:`synth_omop` here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

app = typer.Typer(name="omop", help="OMOP CDM v5.4: map to the registry model, load into a store, write episodes.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console()

CdmOpt = Annotated[str, typer.Option("--cdm", help="OMOP CDM: a DuckDB file, a Parquet folder, postgresql://... or spark://...")]
SchemaOpt = Annotated[str | None, typer.Option("--cdm-schema", help="Database schema of the CDM tables.")]


def _open(cdm: str, schema: str | None, *, read_only: bool = True):
    from .cdm import Cdm
    from .synth import open_parquet_cdm

    if Path(cdm).is_dir():
        return open_parquet_cdm(cdm)
    return Cdm.open(cdm, schema=schema, read_only=read_only)


def _print_report(report) -> None:
    table = RichTable(title="OMOP mapping: every record accounted for")
    for col in ("table", "outcome", "records"):
        table.add_column(col, justify="right" if col == "records" else "left")
    for r in report.counts.itertuples():
        table.add_row(r.table, r.outcome, f"{r.records:,}")
    console.print(table)
    if len(report.unmapped_drugs):
        console.print("most frequent unmapped drug concepts:")
        for r in report.unmapped_drugs.itertuples():
            console.print(f"  {r.drug_concept_id} {r.concept_name or '?'} ({r.vocabulary_id} {r.concept_code}): {r.records:,}",
                          markup=False, highlight=False)
    import pandas as pd

    values = report.unmapped_values
    if values is not None and len(values):
        console.print("most frequent unmapped ER / PgR / HER2 results:")
        for r in values.itertuples():
            held = "; ".join(x for x in (
                f"answer concept {r.value_as_concept_id} {r.answer_name or '?'}" if pd.notna(r.value_as_concept_id) and r.value_as_concept_id != 0 else "",
                f"text {r.value_text!r}" if isinstance(r.value_text, str) else "",
                f"number {r.value_as_number:g}" if pd.notna(r.value_as_number) else "") if x) or "no value"
            console.print(f"  {r.table} {r.test}: {r.reason} ({held}): {r.records:,}", markup=False, highlight=False)
    if report.empty_sets:
        console.print("concept sets with no concept in this instance: " + ", ".join(report.empty_sets))


@app.command("map")
def map_cmd(cdm: CdmOpt, cdm_schema: SchemaOpt = None,
            top: Annotated[int, typer.Option("--top", help="Unmapped drug concepts to list.")] = 20) -> None:
    """Count how the instance maps to the registry model (nothing is written)."""
    from .mapping import map_cdm

    report = map_cdm(_open(cdm, cdm_schema)).report(top)
    _print_report(report)


@app.command("load")
def load_cmd(cdm: CdmOpt, store: Annotated[str, typer.Option("--store", "--registry", "-s", help="Store to load into.")],
             cdm_schema: SchemaOpt = None) -> None:
    """Map the instance and load patients, sites, ECOG and drug records into a store."""
    from ..store.store import Store
    from .mapping import load_into_store, map_cdm

    mapping = map_cdm(_open(cdm, cdm_schema))
    _print_report(mapping.report())
    rows = load_into_store(mapping, Store.open(store))
    console.print("stored: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))


@app.command("episodes")
def episodes_cmd(cdm: CdmOpt, cdm_schema: SchemaOpt = None) -> None:
    """Derive lines from the instance's drug records and write them back as episodes."""
    from ..lines.algorithm import derive_lines
    from .episodes import write_episodes
    from .mapping import map_cdm

    c = _open(cdm, cdm_schema, read_only=False)
    mapping = map_cdm(c)
    with console.status("deriving lines in the database") as status:
        run = derive_lines(c.con, exposures=mapping.drug_exposures, patients=mapping.patients,
                           progress=lambda msg: status.update(msg))
        counts = write_episodes(c, c.con.table(run.lines_table), mapping.drug_exposures)
    console.print(f"{counts.lines:,} lines -> {counts.episodes:,} episodes, {counts.events:,} episode_event rows"
                  + (f" (replaced {counts.replaced:,} from an earlier run)" if counts.replaced else ""))


def synth_omop(out: str, patients: int, seed: int, chunk_size: int, progress=None, profile: str = "default") -> None:
    """``linewise synth --format omop``: write a synthetic instance and print its table sizes."""
    from .synth import write_omop

    res = write_omop(out, patients, seed=seed, chunk_size=chunk_size, progress=progress, profile=profile)
    table = RichTable(title=f"Synthetic OMOP CDM v5.4 ({res.kind.value}) in {out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in res.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"planted unmappable drug records: {res.planted_unmapped_drug:,} outside the vocabulary, "
                  f"{res.planted_zero_concept:,} with drug_concept_id 0; unresolvable results: "
                  f"{res.planted_unknown_answer:,} unknown answer concepts, {res.planted_unparsed_text:,} unreadable texts")
