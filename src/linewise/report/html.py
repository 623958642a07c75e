"""One self-contained HTML file: inline SVG figures, embedded font, no network request.

Self-contained means: figures are inline SVG (text stays text, so numbers can be searched and
copied), the only font is a subset of the font matplotlib laid the figures out with (DejaVu
Sans, see :mod:`.style`) embedded as a ``data:`` URI, there is no script, and a Content-Security-Policy of
``default-src 'none'`` makes the browser refuse any request the page might still try. Links
to the exported PNG/SVG/PDF files are relative.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .style import FONT_FAMILY, font_files
from .tables import Seg, Table

__all__ = ["FigureBlock", "inline_svg", "render_html"]


@dataclass(frozen=True)
class FigureBlock:
    """A figure as the HTML shows it: inline SVG, caption and relative links to its files."""

    id: str
    caption: str
    svg: str
    files: tuple[str, ...] = ()


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """Make matplotlib's SVG embeddable: no XML prolog, metadata or namespaces, unique ids.

    Several SVGs in one document share an id space, so every ``id`` (and each reference to
    it) gets ``prefix``; the width becomes responsive (the viewBox keeps the aspect ratio).

    Examples
    --------
    >>> s = ('<?xml version="1.0"?>\\n<svg xmlns="http://www.w3.org/2000/svg" width="10pt" '
    ...      'height="5pt" viewBox="0 0 10 5"><defs><clipPath id="c1"/></defs>'
    ...      '<g clip-path="url(#c1)"/></svg>')
    >>> inline_svg(s, "f1", "demo")
    '<svg role="img" aria-label="demo" width="100%" style="max-width:10pt" viewBox="0 0 10 5"><defs><clipPath id="f1-c1"/></defs><g clip-path="url(#f1-c1)"/></svg>'
    """
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg, flags=re.S)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    m = re.search(r'<svg\b([^>]*)>', svg)
    if m:
        attrs = m.group(1)
        width = re.search(r'\bwidth="([^"]+)"', attrs)
        attrs = re.sub(r'\s+(width|height|version)="[^"]*"', "", attrs)
        style = f' style="max-width:{width.group(1)}"' if width else ""
        head = f'<svg role="img" aria-label="{html.escape(label)}" width="100%"{style}{attrs}>'
        svg = svg[: m.start()] + head + svg[m.end():]
    return svg.strip()


def _font_face(chars: str) -> str:
    """@font-face rules with the figures' font (regular, bold) subset to the characters used."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    rules = []
    for weight, path in font_files().items():
        # recalcTimestamp=False: the 'head' table keeps its date, so the bytes are stable.
        font = TTFont(path, recalcTimestamp=False)
        options = subset.Options()
        options.flavor = "woff"
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
        sub = subset.Subsetter(options)
        sub.populate(text=chars)
        sub.subset(font)
        buf = io.BytesIO()
        font.flavor = "woff"
        font.save(buf)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;"
            f"font-weight:{weight};src:url(data:font/woff;base64,{data}) format('woff');}}"
        )
    return "\n".join(rules)


_CSS = """
:root{--ink:#1a1a1a;--muted:#5a5a5a;--rule:#c8c8c8;--accent:#0072B2;--warn:#8a4b00;--warnbg:#fff4e0}
*{box-sizing:border-box}
html{font-family:'Linewise Sans','DejaVu Sans',sans-serif;color:var(--ink);background:#fff;font-size:15px;line-height:1.5}
body{margin:0 auto;max-width:1040px;padding:28px 32px 64px}
h1{font-size:1.55rem;line-height:1.25;margin:0 0 .3rem}
h2{font-size:1.2rem;margin:2.4rem 0 .8rem;padding-bottom:.25rem;border-bottom:2px solid var(--ink)}
h3{font-size:1.02rem;margin:1.6rem 0 .5rem}
p{margin:.5rem 0}
.sub{color:var(--muted);margin:0 0 1rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.85rem;margin:.8rem 0;
 padding:.7rem .9rem;border:1px solid var(--rule);border-radius:4px}
dl.meta dt{color:var(--muted)} dl.meta dd{margin:0;overflow-wrap:anywhere}
nav ol{columns:2;font-size:.9rem;margin:.4rem 0;padding-left:1.3rem}
nav a,figure a{color:var(--accent)}
.warnings{border-left:4px solid #D55E00;background:var(--warnbg);padding:.6rem 1rem;margin:1rem 0}
.warnings li{margin:.3rem 0}
figure{margin:1rem 0 1.8rem}
figure .svg{overflow-x:auto}
figure svg{display:block;height:auto}
figcaption{font-size:.86rem;color:var(--muted);margin-top:.3rem}
table.t{border-collapse:collapse;margin:.6rem 0 1.6rem;font-size:.86rem;min-width:60%}
table.t caption{text-align:left;font-weight:bold;padding-bottom:.4rem;font-size:.95rem}
table.t th{font-weight:bold;text-align:left;vertical-align:bottom;padding:.3rem .6rem;border-top:1.5px solid var(--ink);
 border-bottom:1px solid var(--ink)}
table.t td{padding:.22rem .6rem;vertical-align:top}
table.t td:first-child{min-width:12rem}
table.t td.r,table.t th.r{text-align:right;white-space:nowrap}
table.t tbody tr:last-child td{border-bottom:1.5px solid var(--ink)}
table.t tr.level td:first-child{padding-left:1.6rem}
table.t tr.label td:first-child{font-weight:bold}
table.t tfoot td{font-size:.78rem;color:var(--muted);padding:.15rem .6rem;border:0}
.methods p{max-width:48rem}
footer{margin-top:3rem;font-size:.8rem;color:var(--muted);border-top:1px solid var(--rule);padding-top:.6rem}
@media print{body{max-width:none;padding:0} nav{display:none} h2{break-after:avoid} figure,table.t{break-inside:avoid}}
"""

# No script; styles and fonts only from this document and data: URIs.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:"


def _seg(seg: Seg) -> str:
    text = html.escape(seg.text)
    if seg.key is not None:
        text = f'<span class="num" data-k="{html.escape(seg.key)}">{text}</span>'
    if seg.sup:
        text = f"<sup>{text}</sup>"
    return ("<br>" if seg.br else "") + text


def render_table(table: Table, number: int | None = None) -> str:
    """A :class:`Table` as an HTML ``<table>`` (numbers wrapped with their JSON pointer)."""
    numeric = table.numeric or tuple(False for _ in table.header)
    cls = ['class="r"' if n else "" for n in numeric]
    title = f"Table {number}. {table.title}" if number is not None else table.title
    out = [f'<table class="t" id="table-{table.name}"><caption>{html.escape(title)}</caption><thead><tr>']
    out += [f"<th {c}>{''.join(_seg(s) for s in h)}</th>".replace("<th >", "<th>") for h, c in zip(table.header, cls, strict=True)]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(table.rows):
        style = table.styles[i] if i < len(table.styles) else ""
        out.append(f'<tr class="{style}">' if style else "<tr>")
        for cell, c in zip(row, cls, strict=True):
            out.append(f"<td {c}>{''.join(_seg(s) for s in cell)}</td>".replace("<td >", "<td>"))
        out.append("</tr>")
    out.append("</tbody>")
    if table.footnotes:
        notes = "<br>".join(_footnote(n) for n in table.footnotes)
        out.append(f'<tfoot><tr><td colspan="{len(table.header)}">{notes}</td></tr></tfoot>')
    out.append("</table>")
    return "".join(out)


def _footnote(note: str) -> str:
    # "a Pearson's Chi-squared test." -> superscript letter as journals print test footnotes
    m = re.match(r"^([a-j]) (.*)$", note)
    return f"<sup>{m.group(1)}</sup>{html.escape(m.group(2))}" if m else html.escape(note)


def render_figure(fig: FigureBlock, number: int) -> str:
    """A figure with its caption and download links."""
    links = " · ".join(f'<a href="{html.escape(f)}">{html.escape(f.rsplit(".", 1)[-1].upper())}</a>' for f in fig.files)
    return (
        f'<figure id="{fig.id}"><div class="svg">{fig.svg}</div><figcaption><b>Figure {number}.</b> '
        f"{html.escape(fig.caption)}{f' Download: {links}.' if links else ''}</figcaption></figure>"
    )


@dataclass(frozen=True)
class Section:
    """A top-level section: heading, anchor and HTML body."""

    id: str
    title: str
    body: str


def render_html(
    *,
    title: str,
    subtitle: str,
    meta: Sequence[tuple[str, str]],
    warnings: Sequence[str],
    sections: Sequence[Section],
    footer: str,
) -> str:
    """Assemble the report page (embedding the font subset for the characters it uses)."""
    nav = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    meta_html = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in meta)
    warn_html = ""
    if warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        warn_html = (f'<section id="warnings" class="warnings" aria-label="Warnings"><strong>Read before use</strong>'
                     f"<ul>{items}</ul></section>")
    body = "".join(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>{s.body}</section>' for s in sections)
    main = (
        f"<header><h1>{html.escape(title)}</h1><p class=\"sub\">{html.escape(subtitle)}</p>"
        f'<dl class="meta">{meta_html}</dl></header>'
        f'<nav aria-label="Contents"><ol>{nav}</ol></nav>{warn_html}<main>{body}</main>'
        f"<footer>{html.escape(footer)}</footer>"
    )
    chars = "".join(sorted(set(html.unescape(re.sub(r"<[^>]+>", " ", main))) | set(" 0123456789.,–-<>()%")))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="linewise"><title>{html.escape(title)}</title>'
        f"<style>{_font_face(chars)}\n{_CSS}</style></head>\n<body>{main}</body></html>\n"
    )
