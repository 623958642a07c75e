"""``write_report``: results -> HTML report, figures (PNG/SVG/PDF), tables (CSV), report.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import LinewiseError
from .attrition import attrition_figure
from .blocks import jsonable
from .fmt import fmt_count, fmt_p, is_missing, is_suppressed
from .forest import forest_figure, model_rows, subgroup_figure
from .html import FigureBlock, Section, inline_svg, render_figure, render_html, render_table
from .inputs import load_results, prepare_results
from .km_plot import KMPlotOptions, km_figure
from .methods import methods_paragraphs
from .style import FORMATS, save_figure
from .suppress import SuppressionPolicy, find_small_counts, suppress_results
from .tables import (
    Table,
    at_risk_table,
    attrition_table,
    bias_table,
    cox_table,
    follow_up_table,
    model_title,
    response_table,
    subgroup_table,
    survival_table,
    table_one_table,
)

__all__ = ["ReportOptions", "ReportOutput", "write_report"]

#: Groups smaller than this get a plain-language caution (estimates too imprecise to compare).
SMALL_GROUP = 20


@dataclass(frozen=True)
class ReportOptions:
    """What the report shows and how.

    Attributes
    ----------
    min_cell_count : int or None
        Small-cell suppression threshold (``--min-cell-count``); None shows every count.
    keep_zero : bool
        With suppression, still show zero counts.
    km : KMPlotOptions
        Kaplan-Meier figure options (CI ribbons, censor marks, median lines, ...).
    formats : tuple of str
        Exported figure formats (subset of png, svg, pdf).
    alpha : float
        Significance level used to word the proportional-hazards warning.
    """

    min_cell_count: int | None = None
    keep_zero: bool = False
    km: KMPlotOptions = field(default_factory=KMPlotOptions)
    formats: tuple[str, ...] = FORMATS
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.min_cell_count is not None and (
            isinstance(self.min_cell_count, bool) or not isinstance(self.min_cell_count, int) or self.min_cell_count < 1
        ):
            raise LinewiseError(f"--min-cell-count must be a whole number >= 1, got {self.min_cell_count!r}")
        bad = [f for f in self.formats if f not in FORMATS]
        if bad:
            raise LinewiseError(f"unknown figure format(s) {bad}; choose from {list(FORMATS)}")


@dataclass(frozen=True)
class ReportOutput:
    """Paths written by :func:`write_report`."""

    html: Path
    json: Path
    figures: tuple[Path, ...]
    tables: tuple[Path, ...]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_").lower() or "x"


def _unique(stem: str, used: set[str]) -> str:
    name, k = stem, 2
    while name in used:
        name, k = f"{stem}_{k}", k + 1
    used.add(name)
    return name


def _warnings(r: dict, notes: list[str], labels: dict[str, str], alpha: float) -> list[str]:
    """Plain-language warnings: the producer's, then checks of what the results show."""
    given = [w for w in r.get("warnings") or []]
    out = [str(w.get("message") if isinstance(w, dict) else w) for w in given]
    out += notes
    warned_ph = {w.get("analysis") for w in given if isinstance(w, dict) and w.get("kind") == "proportional_hazards"}
    for m in r.get("cox") or []:
        for w in m.get("warnings") or []:
            out.append(f"{str(m.get('kind', '')).capitalize()} Cox model of "
                       f"{_lower(labels.get(m['endpoint'], m['endpoint']))}: {w}")
        ph = m.get("ph_test") or {}
        p = ph.get("global_p")
        if m.get("analysis") in warned_ph and m.get("analysis") is not None:
            continue
        if isinstance(p, int | float) and not is_missing(p) and p < alpha:
            what = f"{m.get('kind', '')} Cox model of {_lower(labels.get(m['endpoint'], m['endpoint']))}".strip()
            if m.get("variant"):
                what += f" ({m['variant']})"
            if m.get("kind") == "univariable":
                what += " (" + "; ".join(str(t["label"]) for t in m["terms"]) + ")"
            out.append(
                f"Proportional hazards may not hold in the {what} (cox.zph global test {_p_eq(p)}): the "
                "hazard ratio is an average of an effect that changes over follow-up. Look at the curves, and "
                "consider reporting the effect over separate time periods."
            )
    seen = set()
    for b in r.get("survival") or []:
        for c in b["curves"]:
            n = c.get("n")
            small = is_suppressed(n) or (isinstance(n, int | float) and n < SMALL_GROUP)
            if small and (c["group"], b["endpoint"]) not in seen and len(b["curves"]) > 1:
                seen.add((c["group"], b["endpoint"]))
                out.append(
                    f"Group {c['group']} has {fmt_count(n)} patients for {labels.get(b['endpoint'], b['endpoint'])}: "
                    "its median and curve are imprecise, and comparisons with it have little power."
                )
    return list(dict.fromkeys(out))


def write_report(results, out_dir, options: ReportOptions | None = None) -> ReportOutput:
    """Write the report of a study run: HTML, figures, CSV tables and the released JSON.

    Parameters
    ----------
    results : str, pathlib.Path or dict
        A results folder (with ``results.json``), the file, or its content.
    out_dir : str or pathlib.Path
        Where to write ``report.html``, ``report.json``, ``figures/`` and ``tables/``.
    options : ReportOptions, optional

    Returns
    -------
    ReportOutput

    Examples
    --------
    >>> import tempfile
    >>> from linewise.report.example import example_results
    >>> out = write_report(example_results(60, seed=3), tempfile.mkdtemp(),
    ...                    ReportOptions(min_cell_count=5, formats=("svg",)))
    >>> out.html.name, [p.name for p in out.figures][:2]
    ('report.html', ['attrition.svg', 'km_pfs.svg'])
    """
    options = options or ReportOptions()
    out = Path(out_dir)
    raw = load_results(results)
    prepared, notes = prepare_results(raw)
    policy = SuppressionPolicy(options.min_cell_count, options.keep_zero) if options.min_cell_count else None
    r = suppress_results(prepared, policy)
    if policy is not None:
        left = find_small_counts(r, policy)
        if left:  # a bug, not a user mistake: never write what the policy forbids
            raise RuntimeError(f"small counts left after suppression at {left[:5]}")
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    labels = {e["name"]: e.get("label") or e["name"] for e in r.get("endpoints") or []}
    for b in r.get("survival") or []:
        labels.setdefault(b["endpoint"], b.get("label") or b["endpoint"])
    origins = {e["name"]: e.get("origin") for e in r.get("endpoints") or [] if e.get("origin")}

    used: set[str] = set()
    used_csv: set[str] = set()
    fig_paths: list[Path] = []
    figures: dict[str, list[FigureBlock]] = {}

    def add(section: str, stem: str, fig, caption: str, alt: str) -> None:
        stem = _unique(stem, used)
        written = save_figure(fig, out / "figures" / stem, options.formats)
        fig_paths.extend(written)
        svg_file = out / "figures" / f"{stem}.svg"
        if svg_file.exists():
            svg = svg_file.read_text(encoding="utf-8")
        else:
            from .style import svg_text

            svg = svg_text(fig)
        fig.clear()
        block = FigureBlock(f"fig-{stem}", caption, inline_svg(svg, stem, alt),
                            tuple(f"figures/{p.name}" for p in written))
        figures.setdefault(section, []).append(block)

    if r.get("attrition"):
        levels = (r.get("groups") or {}).get("levels")
        add("flow", "attrition", attrition_figure(r["attrition"], levels), "Patient flow: attrition from the source "
            "population to the analysed cohort, with the reason for each exclusion.", "Patient flow diagram")
    for b in r.get("survival") or []:
        label = labels[b["endpoint"]]
        variant = f" ({b['variant']})" if b.get("variant") else ""
        caption = (f"Kaplan-Meier estimates of {_lower(label)}{variant} with censoring marks (+), dashed lines at the "
                   "median, and the number of patients at risk at each x-axis break.")
        if b.get("delayed_entry"):
            caption += " Patients enter the risk set at their entry time (delayed entry)."
        stem = _slug(f"km_{b.get('analysis') or b['endpoint']}_{b.get('remedy') or b.get('variant') or ''}")
        origin = origins.get(b["endpoint"])
        x_label = b.get("x_label") or (f"Months since {origin}" if origin and not b.get("variant") else None)
        add("survival", stem, km_figure(b, options.km, x_label=x_label), caption, f"Kaplan-Meier plot of {label}")
    for title in dict.fromkeys(model_title(m, labels) for m in r.get("cox") or []):
        models = [m for m in r["cox"] if model_title(m, labels) == title]
        key = models[0].get("analysis") or models[0]["endpoint"]
        add("cox", _slug(f"forest_{key}_{models[0].get('remedy') or models[0].get('variant') or ''}"),
            forest_figure(model_rows(models), title=f"Hazard ratios: {title}"),
            f"Hazard ratios, {title}: univariable and multivariable Cox models (squares: HR; lines: 95% CI; "
            "log scale).", f"Forest plot, {title}")
    for title in dict.fromkeys(model_title(s, labels) for s in r.get("subgroups") or []):
        subs = [s for s in r["subgroups"] if model_title(s, labels) == title]
        key = subs[0].get("analysis") or subs[0]["endpoint"]
        add("subgroups", _slug(f"subgroups_{key}"), subgroup_figure(subs, title=f"Subgroups: {title}"),
            f"Subgroup analyses, {title}, with the "
            "p-value for interaction (\u2020).", f"Subgroup forest plot, {title}")

    tables: dict[str, list[Table]] = {}
    if r.get("attrition"):
        tables.setdefault("flow", []).append(attrition_table(r["attrition"]))
    if r.get("table_one"):
        tables.setdefault("table1", []).append(table_one_table(r["table_one"]))
    if r.get("survival"):
        tables.setdefault("survival", []).append(survival_table(r["survival"]))
    if r.get("cox"):
        tables.setdefault("cox", []).append(cox_table(r["cox"], labels))
    if r.get("subgroups"):
        tables.setdefault("subgroups", []).append(subgroup_table(r["subgroups"], labels))
    if r.get("bias"):
        tables.setdefault("bias", []).append(bias_table(r["bias"], labels))
    for i, resp in enumerate(r.get("response_tables") or []):
        tables.setdefault("response", []).append(response_table(resp, i))
    if r.get("follow_up") and r["follow_up"].get("rows"):
        tables.setdefault("follow_up", []).append(follow_up_table(r["follow_up"], labels))
    csv_paths = []
    for t in [t for ts in tables.values() for t in ts] + [at_risk_table(b, i) for i, b in enumerate(r.get("survival") or [])]:
        path = out / "tables" / f"{_unique(_slug(t.name), used_csv)}.csv"
        path.write_text(t.to_csv(), encoding="utf-8")
        csv_paths.append(path)

    number = iter(range(1, 1000))
    table_number = iter(range(1, 1000))
    sections = []
    for key, title in (("flow", "Patient flow"), ("table1", "Patient characteristics"), ("survival", "Survival"),
                       ("bias", "Immortal-time bias"), ("cox", "Hazard ratios"), ("subgroups", "Subgroup analyses"), ("response", "Tumour response"),
                       ("follow_up", "Follow-up")):
        body = "".join(render_figure(f, next(number)) for f in figures.get(key, []))
        body += "".join(render_table(t, next(table_number)) for t in tables.get(key, []) if key != "flow")
        if body:
            sections.append(Section(key.replace("_", "-"), title, body))
    methods = "".join(f"<h3>{h}</h3><p>{_esc(p)}</p>" for h, p in methods_paragraphs(r))
    sections.append(Section("methods", "Methods", f'<div class="methods">{methods}</div>'))

    study = r.get("study") or {}
    prov = r.get("provenance") or {}
    meta = [
        ("Study", str(study.get("name", "unnamed study"))),
        ("Data snapshot", str(prov.get("data_hash", "not recorded"))),
        ("Study specification", str(prov.get("spec_hash", "not recorded"))),
        ("linewise version", str(prov.get("linewise_version", "not recorded"))),
        ("Run date", str(prov.get("run_date", "not recorded"))),
    ]
    if prov.get("seed") is not None:
        meta.append(("Seed", str(prov["seed"])))
    meta.append(("Small-cell suppression", f"counts below {policy.min_cell_count} shown as {policy.label}"
                 if policy else "none (all counts shown)"))
    page = render_html(
        title=str(study.get("title") or study.get("name") or "Study report"),
        subtitle=str(study.get("description") or ""),
        meta=meta,
        warnings=_warnings(r, notes, labels, options.alpha),
        sections=sections,
        footer=f"Report written by linewise {__version__} from results.json; every number in a table carries "
        "the JSON pointer (data-k) of its value in report.json, released with this report.",
    )
    html_path = out / "report.html"
    html_path.write_text(page, encoding="utf-8")
    json_path = out / "report.json"
    try:
        text = json.dumps(r, indent=1, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # NaN or numpy values from a Python producer: clean first
        text = json.dumps(jsonable(r), indent=1, ensure_ascii=False, allow_nan=False)
    json_path.write_text(text + "\n", encoding="utf-8")
    return ReportOutput(html_path, json_path, tuple(fig_paths), tuple(csv_paths))


def _p_eq(p) -> str:
    text = fmt_p(p)
    return f"p {text[0]} {text[1:]}" if text[:1] in "<>" else f"p = {text}"


def _lower(label: str) -> str:
    # "Progression-free survival" -> "progression-free survival", but keep "PFS", "OS from ..."
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _esc(text: str) -> str:
    import html

    return html.escape(text)
