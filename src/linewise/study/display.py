"""Print a study run on the terminal: attrition, headline tables, warnings (rich tables).

Examples
--------
>>> import io
>>> from rich.console import Console
>>> console = Console(file=io.StringIO(), width=100, record=True)
>>> print_attrition([{"step": "registry", "label": "Patients in the registry", "n": 49, "excluded": 0},
...                  {"step": "prior_tdm1", "label": "Prior T-DM1", "n": 47, "excluded": 2}], console)
>>> "Prior T-DM1" in console.export_text()
True
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .run import StudyResult


def print_attrition(steps: list[dict], console: Console) -> None:
    table = Table(title="Cohort (attrition)")
    table.add_column("step")
    table.add_column("patients", justify="right")
    table.add_column("excluded", justify="right")
    table.add_column("unknown", justify="right")
    for s in steps:
        table.add_row(s["label"], f"{s['n']:,}", f"{s['excluded']:,}" if s.get("excluded") else "",
                      f"{s['unknown']:,}" if s.get("unknown") else "")
    console.print(table)


def print_headline(tables: list[dict], console: Console) -> None:
    for h in tables:
        table = Table(title=h["title"])
        if h["kind"] == "medians":
            table.add_column("subgroup")
            for col in h["columns"]:
                table.add_column(col, justify="right")
            for row in h["rows"]:
                table.add_row(row["label"], *row["cells"])
        else:
            table.add_column("")
            for col in h["columns"]:
                table.add_column(col, justify="right")
            table.add_column("p", justify="right")
            for row in h["rows"]:
                table.add_row(row["label"], *row["cells"], row["p_text"])
        console.print(table)


def print_warnings(warnings: list[dict], console: Console) -> None:
    for w in warnings:
        style = "yellow" if w["kind"] in ("immortal_time", "proportional_hazards") else "dim"
        console.print(f"warning [{w['kind']}]: {w['message']}", style=style, markup=False, highlight=False,
                      soft_wrap=True)


def print_result(result: StudyResult, console: Console) -> None:
    """Attrition, headline tables and warnings of a run."""
    console.print(f"[bold]{result.spec.title}[/bold] ({result.spec.name})")
    print_attrition(result.results["attrition"], console)
    print_headline(result.results["headline"], console)
    print_warnings(result.results["warnings"], console)
