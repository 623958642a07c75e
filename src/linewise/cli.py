"""Command line: ``linewise demo | synth | import | validate | schema | info | run | report``.

Exit codes: 0 everything stored / valid, 1 rows rejected (or invalid), 2 a usage error or a
mistake in what was given (one line, never a traceback).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from . import __version__
from .errors import LinewiseError
from .io.dates import PartialDateRule
from .io.importer import ImportReport, import_files, validate_files
from .io.normalize import ImportOptions
from .store.store import Store
from .synth.profile import ProfileName

app = typer.Typer(
    name="linewise",
    help="Real-world treatment-sequence studies in oncology: import, lines of therapy, cohorts, survival statistics, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

from .lines.cli import app as _lines_app  # noqa: E402 - the lines command group (its own module)

app.add_typer(_lines_app, name="lines")
from .omop.cli import app as _omop_app  # noqa: E402 - OMOP CDM input / episodes output

app.add_typer(_omop_app, name="omop")


class OutputFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    OMOP = "omop"  # an OMOP CDM v5.4 instance: *.duckdb file, Parquet folder or postgresql://


def _version(value: bool) -> None:
    if value:
        console.print(f"linewise {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """linewise command line."""


# --- shared options ----------------------------------------------------------------------------
StoreOpt = Annotated[Path, typer.Option("--store", "-s", "--registry", help="Registry store: a DuckDB file, postgresql://user@host:port/db or spark://...")]
TableOpt = Annotated[str | None, typer.Option("--table", "-t", help="Model table the file(s) hold (default: from the file name or columns).")]
MappingOpt = Annotated[Path | None, typer.Option("--mapping", "-m", help="YAML column/code mapping file.")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Excel sheet name.")]
DelimOpt = Annotated[str | None, typer.Option("--delimiter", help="CSV delimiter (default: detected).")]
EncOpt = Annotated[str | None, typer.Option("--encoding", help="CSV encoding (default: UTF-8, else Latin-1).")]
DateFmtOpt = Annotated[str | None, typer.Option("--date-format", help="strptime format for ambiguous dates, e.g. %d/%m/%Y.")]
PartialOpt = Annotated[PartialDateRule, typer.Option("--partial-dates", help="Imputation of partial dates.")]
ShowOpt = Annotated[int, typer.Option("--show", help="How many problems to list (0: none, -1: all).")]
MinCellOpt = Annotated[int | None, typer.Option("--min-cell-count", min=1, help="Show counts below N as <N in every table, figure and report.json.")]


def _print_reports(reports: list[ImportReport], show: int, verb: str) -> int:
    table = RichTable(title=f"{verb} summary", show_lines=False)
    for col in ("table", "file", "rows read", "stored" if verb == "Import" else "valid", "rejected", "warnings", "status"):
        table.add_column(col, justify="right" if col in {"rows read", "stored", "valid", "rejected", "warnings"} else "left")
    for r in reports:
        table.add_row(r.table, r.source, f"{r.rows_read:,}", f"{r.rows_stored:,}", f"{r.rows_rejected:,}",
                      f"{r.warnings:,}", r.status)
    console.print(table)
    for r in reports:
        for note in r.notes:
            console.print(f"{r.source}: {note}", style="dim", markup=False, highlight=False)
        if show and len(r.issues):
            lines = r.messages(None if show < 0 else show)
            for line in lines:
                style = "red" if ": error [" in line else "yellow"
                console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
            if show >= 0 and len(r.issues) > show:
                console.print(f"[dim]... {len(r.issues) - show} more problem(s) in {r.source} (--show -1 lists all)[/dim]")
        if r.rejects_file:
            console.print(f"rejected rows of {r.table} written to {r.rejects_file}")
    return 1 if any(r.rows_rejected for r in reports) else 0


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to import (folders: files named after tables).")],
    store: StoreOpt = Path("registry.duckdb"),
    table: TableOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    delimiter: DelimOpt = None,
    encoding: EncOpt = None,
    date_format: DateFmtOpt = None,
    partial_dates: PartialOpt = PartialDateRule.MIDDLE,
    append: Annotated[bool, typer.Option("--append", help="Add to the table instead of replacing it.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Any error rejects the whole file.")] = False,
    show: ShowOpt = 20,
) -> None:
    """Import registry files into the store; rows in = stored + rejected, rejects kept."""
    st = Store.open(store)
    options = ImportOptions(date_format=date_format, partial_dates=partial_dates)
    with console.status("importing") as status:
        reports = import_files(st, files, table=table, mapping_path=mapping, options=options, append=append,
                               strict=strict, sheet=sheet, delimiter=delimiter, encoding=encoding,
                               progress=lambda f: status.update(f"importing {f}"))
    code = _print_reports(reports, show, "Import")
    console.print(f"store: {st.location}")
    raise typer.Exit(code)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to check.")],
    store: Annotated[Path | None, typer.Option("--store", "-s", help="Check patient ids against this store too.")] = None,
    table: TableOpt = None,
    mapping: MappingOpt = None,
    sheet: SheetOpt = None,
    delimiter: DelimOpt = None,
    encoding: EncOpt = None,
    date_format: DateFmtOpt = None,
    partial_dates: PartialOpt = PartialDateRule.MIDDLE,
    show: ShowOpt = 50,
) -> None:
    """Check files as an import would, without storing anything."""
    st = Store.open(store, create=False) if store else None
    options = ImportOptions(date_format=date_format, partial_dates=partial_dates)
    reports = validate_files(files, store=st, table=table, mapping_path=mapping, options=options,
                             sheet=sheet, delimiter=delimiter, encoding=encoding)
    raise typer.Exit(_print_reports(reports, show, "Validation"))


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the Markdown here (default: print it).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when --out differs from the model.")] = False,
) -> None:
    """Render the registry data model as Markdown (docs/data-model.md)."""
    from .model.docs import render_markdown

    text = render_markdown()
    if out is None:
        console.print(text, markup=False, highlight=False)
        return
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            err_console.print(f"{out} is stale: run `linewise schema --out {out}`")
            raise typer.Exit(1)
        console.print(f"{out} is up to date")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}")


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the registry files into.")],
    patients: Annotated[int, typer.Option("--patients", "-n", min=1, help="Number of patients.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="File format.")] = OutputFormat.CSV,
    messy: Annotated[bool, typer.Option("--messy", help="Add real-world mess and a known list of invalid rows.")] = False,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Patients generated per chunk.")] = 100_000,
    profile: Annotated[ProfileName, typer.Option(
        "--profile", help="Kind of registry: 'default' (combined, calibrated to all three studies) or the registry "
        "one reference study came from ('study-a', 'study-b', 'study-c'); see docs/calibration.md.")] = ProfileName.DEFAULT,
) -> None:
    """Generate a synthetic HER2+ metastatic breast-cancer registry calibrated to the reference studies."""
    from .synth import generate_registry

    if fmt is OutputFormat.OMOP:  # --out cdm.duckdb | folder (Parquet) | postgresql://...
        from .omop.cli import synth_omop

        with _progress() as progress:
            task = progress.add_task("generating", total=patients)
            synth_omop(str(out), patients, seed, chunk_size, progress=lambda done: progress.update(task, completed=done),
                       profile=profile.value)
        return

    with _progress() as progress:
        task = progress.add_task("generating", total=patients)
        result = generate_registry(out, patients, seed=seed, fmt=fmt.value, messy=messy, chunk_size=chunk_size,
                                   progress=lambda done: progress.update(task, completed=done), profile=profile)
    table = RichTable(title=f"Synthetic registry in {out} (profile {profile.value})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in result.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if messy:
        console.print(f"{result.n_invalid:,} invalid rows planted, listed in {Path(out) / 'invalid_rows.csv'}")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


@app.command()
def info(store: StoreOpt = Path("registry.duckdb")) -> None:
    """Summarise a store: rows per table, patients, lines, date ranges, rejects."""
    from .store.summary import store_summary

    st = Store.open(store, create=False)
    summary = store_summary(st)
    table = RichTable(title=f"Registry store {st.location}")
    for col in ("table", "rows", "rejected (latest import)", "dates from", "dates to"):
        table.add_column(col, justify="right" if col not in {"table"} else "left")
    for row in summary.tables:
        table.add_row(row.table, f"{row.rows:,}", f"{row.rejected:,}", row.date_from or "", row.date_to or "")
    console.print(table)
    for line in summary.headline():
        console.print(line)


@app.command("run")
def run_cmd(
    spec: Annotated[str, typer.Argument(help="Study spec: a YAML file or a recipe name (e.g. tdm1_treatment_sequences).")],
    registry: Annotated[Path, typer.Option("--registry", "-r", help="Registry store (a DuckDB file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for analysis_table.parquet/.csv and results.json.")],
    report: Annotated[bool, typer.Option("--report", help="Also write the HTML report into OUT/report.")] = False,
    min_cell_count: MinCellOpt = None,
) -> None:
    """Run a study spec on a registry: attrition, analysis table and every number in results.json."""
    from .study import run_study
    from .study.display import print_result

    st = Store.open(registry, create=False)
    with console.status("running the study") as status:
        result = run_study(spec, st, out, progress=lambda msg: status.update(msg))
    print_result(result, console)
    console.print(f"results: {out / 'results.json'}; analysis table: {out / 'analysis_table.parquet'}")
    if report:
        _write_report(out, out / "report", min_cell_count, ci=False)


def _write_report(results: Path, out: Path, min_cell_count: int | None, ci: bool) -> None:
    from .report import KMPlotOptions, ReportOptions, write_report

    with console.status("writing the report"):
        written = write_report(results, out, ReportOptions(min_cell_count=min_cell_count, km=KMPlotOptions(ci_ribbons=ci)))
    console.print(f"report: {written.html}", soft_wrap=True)
    console.print(f"figures: {len(written.figures)} files (PNG 300 dpi, SVG, PDF) in {out / 'figures'}", soft_wrap=True)
    console.print(f"tables: {len(written.tables)} CSV files in {out / 'tables'}", soft_wrap=True)
    console.print(f"numbers as released: {written.json}", soft_wrap=True)


@app.command("report")
def report_cmd(
    results: Annotated[Path, typer.Argument(help="Results folder of `linewise run` (or its results.json).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Report folder (default: RESULTS/report).")] = None,
    min_cell_count: MinCellOpt = None,
    ci: Annotated[bool, typer.Option("--ci", help="Draw confidence bands on the Kaplan-Meier curves.")] = False,
) -> None:
    """Write the report of a run: self-contained HTML, figures (PNG/SVG/PDF), tables (CSV), report.json."""
    folder = out if out is not None else (results if results.is_dir() else results.parent) / "report"
    _write_report(results, folder, min_cell_count, ci)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo registry, store and outputs.")] = Path("demo-output"),
    patients: Annotated[int, typer.Option("--patients", "-n", min=100)] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """Generate a synthetic registry, import it, run Study C's recipe on it and write its report."""
    from .store.summary import store_summary
    from .synth import generate_registry

    registry_dir = out / "registry"
    with _progress() as progress:
        task = progress.add_task("generating the synthetic registry", total=patients)
        generate_registry(registry_dir, patients, seed=seed, fmt="csv",
                          progress=lambda done: progress.update(task, completed=done))
    store_path = out / "registry.duckdb"
    if store_path.exists():
        store_path.unlink()
    st = Store.open(store_path)
    reports = import_files(st, [registry_dir])
    _print_reports(reports, 5, "Import")
    summary = store_summary(st)
    for line in summary.headline():
        console.print(line)
    from .study import run_study
    from .study.display import print_headline, print_warnings

    study_dir = out / "tdm1_treatment_sequences"
    with console.status("running Study C's recipe (tdm1_treatment_sequences)"):
        result = run_study("tdm1_treatment_sequences", st, study_dir)
    print_headline(result.results["headline"], console)
    print_warnings([w for w in result.warnings if w["kind"] == "immortal_time"][:1], console)
    _write_report(study_dir, study_dir / "report", None, False)
    console.print(f"\n[bold]Demo registry:[/bold] {registry_dir}\n[bold]Store:[/bold] {store_path}"
                  f"\n[bold]Study C results:[/bold] {study_dir / 'results.json'}"
                  f"\n[bold]Study C report:[/bold] {study_dir / 'report' / 'report.html'}")
    console.print("Next: `linewise info --store " + str(store_path) + "`, `linewise run tdm1_tmab_vs_tmab_pmab "
                  f"--registry {store_path} --out {out / 'study-b'}`")


def main() -> None:
    """Entry point: user mistakes become one line on stderr and exit code 2.

    Usage errors are click's own (exit 2); exit codes of commands pass through.
    """
    try:
        app()
    except LinewiseError as exc:
        err_console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
