"""``linewise lines``: derive and store lines, explain a patient, agreement, OMOP episodes.

Mounted on the main command line by :mod:`linewise.cli`; user mistakes raise
:class:`~linewise.errors.LinewiseError` (one line, exit 2 there).
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from ..errors import LinewiseError

app = typer.Typer(name="lines", help="Lines of therapy derived from drug records: derive, explain, compare.",
                  invoke_without_command=True, add_completion=False, pretty_exceptions_enable=False)
console = Console()

StoreOpt = Annotated[Path, typer.Option("--store", "-s", "--registry", help="Registry store (a DuckDB file).")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="YAML of line-rule parameters to override.")]
VocabOpt = Annotated[Path | None, typer.Option("--vocabulary", help="YAML of drugs to add or override.")]


class EpisodeFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


def _setup(store: Path, rules: Path | None, vocabulary: Path | None):
    from ..store.store import Store
    from .params import LineRules
    from .vocabulary import DEFAULT

    st = Store.open(store, create=False)
    r = LineRules.from_yaml(rules) if rules else LineRules()
    voc = DEFAULT.with_yaml(vocabulary) if vocabulary else DEFAULT
    return st, r, voc


@app.callback()
def lines(
    ctx: typer.Context,
    store: StoreOpt = Path("registry.duckdb"),
    rules: RulesOpt = None,
    vocabulary: VocabOpt = None,
) -> None:
    """Derive lines of therapy from the store's drug records and store them (derived_lines)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"store": store, "rules": rules, "vocabulary": vocabulary}
        return
    from .algorithm import derive_lines
    from .storage import save_run

    st, r, voc = _setup(store, rules, vocabulary)
    if st.count("drug_exposures") == 0:
        raise LinewiseError(f"{st.location}: no drug records to derive lines from (import drug_exposures first)")
    with console.status("deriving lines") as status:
        run = derive_lines(st, r, voc, progress=lambda text: status.update(f"deriving lines: {text}"))
        run_id = save_run(st, run, voc)
        stats = _line_stats(st)
    _print_run(run, run_id, stats, st.location)


def _line_stats(st) -> dict:
    t = st.con.table("derived_lines")
    df = t.select("setting", "line_number", "start_rule", "end_rule", "maintenance", "rechallenge").execute()
    return {
        "by_setting": Counter(df["setting"]),
        "by_line": Counter(min(int(x), 6) for x in df["line_number"].dropna()),
        "start": Counter(df["start_rule"]), "end": Counter(df["end_rule"]),
        "maintenance": int(df["maintenance"].sum()), "rechallenge": int(df["rechallenge"].sum()),
    }


def _print_run(run, run_id: int, stats: dict, location: str) -> None:
    c = run.counts
    table = RichTable(title=f"Lines of therapy (run {run_id})")
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("drug records read", f"{c['records']:,}")
    table.add_row("  used (eligible, dated)", f"{c['exposures_used']:,}")
    table.add_row("  supportive / bone-targeted (never a line)", f"{c['never_a_line']:,}")
    table.add_row("  not in the drug vocabulary", f"{c['unknown_drug']:,}")
    table.add_row("  no start date", f"{c['no_start_date']:,}")
    table.add_row("patients with lines", f"{c['patients']:,}")
    table.add_row("lines", f"{c['lines']:,}")
    for setting in ("neoadjuvant", "adjuvant", "metastatic"):
        table.add_row(f"  {setting}", f"{stats['by_setting'].get(setting, 0):,}")
    for k in sorted(stats["by_line"]):
        table.add_row(f"    line {k}{'+' if k == 6 else ''}", f"{stats['by_line'][k]:,}")
    table.add_row("maintenance lines", f"{stats['maintenance']:,}")
    table.add_row("re-challenge lines", f"{stats['rechallenge']:,}")
    for rule, n in sorted(stats["start"].items()):
        table.add_row(f"start: {rule}", f"{n:,}")
    for rule, n in sorted(stats["end"].items()):
        table.add_row(f"end: {rule}", f"{n:,}")
    console.print(table)
    params = RichTable(title=f"Rules (fingerprint {run.rules.fingerprint()})")
    params.add_column("parameter")
    params.add_column("value")
    for name, value in run.rules.describe():
        params.add_row(name, value)
    console.print(params)
    console.print(f"stored in derived_lines of {location} ({run.iterations} line-number iterations)")


@app.command()
def explain(
    ctx: typer.Context,
    patient: Annotated[str, typer.Argument(help="Patient id.")],
    store: Annotated[Path | None, typer.Option("--store", "-s", "--registry", help="Registry store.")] = None,
) -> None:
    """Print a patient's drug timeline and the rule that started and ended each line."""
    from .explain import explain_patient

    o = ctx.obj or {}
    st, r, voc = _setup(store or o.get("store", Path("registry.duckdb")), o.get("rules"), o.get("vocabulary"))
    exp = explain_patient(st, patient, r, voc)
    for line in exp.text():
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def agreement(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option("--store", "-s", "--registry", help="Registry store.")] = None,
    reference: Annotated[Path | None, typer.Option("--reference", "--truth", help="Lines file to compare with (CSV/Parquet; default: the store's recorded therapy_lines).")] = None,
    end_tolerance: Annotated[int, typer.Option("--end-tolerance", min=0, help="Days an end date may differ.")] = 0,
    ignore_setting: Annotated[bool, typer.Option("--ignore-setting", help="Do not compare neoadjuvant vs adjuvant.")] = False,
) -> None:
    """Agreement of the stored derived lines with recorded (or ground-truth) lines."""
    from .agreement import compare_lines, read_line_file
    from .storage import derived_lines

    o = ctx.obj or {}
    st, _, _ = _setup(store or o.get("store", Path("registry.duckdb")), None, None)
    derived = derived_lines(st)
    if reference is not None:
        ref = read_line_file(reference)
        label = str(reference)
    else:
        if st.count("therapy_lines") == 0:
            raise LinewiseError(f"{st.location}: no recorded therapy_lines to compare with; give --reference FILE")
        ref, label = st.table("therapy_lines"), "recorded therapy_lines"
    rep = compare_lines(st.con, derived, ref, end_tolerance_days=end_tolerance, compare_setting=not ignore_setting)
    table = RichTable(title=f"Derived lines vs {label}")
    table.add_column("")
    table.add_column("", justify="right")
    for name, value in rep.summary_rows():
        table.add_row(name, value)
    console.print(table)
    by_line = RichTable(title="Metastatic lines by line number")
    for col in ("line", "recorded", "derived", "matched", "% matched"):
        by_line.add_column(col, justify="right")
    for row in rep.by_line.itertuples():
        pct = 100.0 * row.matched / row.reference if row.reference else float("nan")
        by_line.add_row(str(row.line_number), f"{row.reference:,}", f"{row.derived:,}", f"{row.matched:,}", f"{pct:.1f}")
    console.print(by_line)


@app.command()
def episodes(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for episode, episode_event, person_map and drug_exposure_map.")],
    store: Annotated[Path | None, typer.Option("--store", "-s", "--registry", help="Registry store.")] = None,
    fmt: Annotated[EpisodeFormat, typer.Option("--format", help="File format.")] = EpisodeFormat.CSV,
) -> None:
    """Write the derived lines as OMOP CDM v5.4 episodes (line = Cancer Drug Treatment episode,
    regimen = Treatment Regimen child) with their episode_event links to the drug records."""
    from ..omop.episodes import export_episodes
    from .storage import derived_lines

    o = ctx.obj or {}
    st, _, _ = _setup(store or o.get("store", Path("registry.duckdb")), None, None)
    rows = export_episodes(st.con, derived_lines(st), st.table("drug_exposures"), out, fmt.value)
    console.print(f"wrote {rows['episode']:,} episodes, {rows['episode_event']:,} episode_event rows, "
                  f"{rows['person_map']:,} persons and {rows['drug_exposure_map']:,} drug records to {out}/*.{fmt.value}")
