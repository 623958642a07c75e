"""Shared look of every report figure: palette, matplotlib settings, byte-stable saving.

All figures are drawn inside :func:`figure_context`, so the report never changes the
caller's global matplotlib state, and saved with :func:`save_figure`, which fixes every
source of run-to-run variation (SVG hash salt, creation dates, software tags) so that the
same ``results.json`` gives byte-identical PNG, SVG and PDF files.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)  # no display needed; must precede pyplot-free figure use

from matplotlib.figure import Figure  # noqa: E402

__all__ = [
    "FORMATS",
    "OKABE_ITO",
    "figure_context",
    "group_colours",
    "save_figure",
    "svg_text",
]

#: Okabe & Ito (2008) colour-universal-design palette, reordered so that the first colours
#: are the ones most distinct for every type of colour vision (blue, vermillion, bluish green,
#: orange, reddish purple, sky blue, yellow, black); yellow comes late as it is faint on white.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Export formats and the resolution of the raster one (journals ask for 300 dpi).
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
PNG_DPI = 300

#: The font every figure is laid out with: DejaVu Sans, which ships with matplotlib, so PNG and
#: PDF look the same on every machine; the HTML report embeds a subset of the same file so the
#: inline SVG text is measured exactly as matplotlib measured it. It is used through a renamed
#: subset (the scripts of :data:`_BLOCKS`) without the OpenType layout tables (GPOS/GSUB/GDEF/
#: MATH): matplotlib lays text out with the 'kern' table only, and embedding the full font in
#: every PDF re-parses all of it (several times slower). The DejaVu licence asks modified copies
#: to be renamed.
FONT_FAMILY = "Linewise Sans"
_FONT_SOURCES = {400: "DejaVuSans.ttf", 700: "DejaVuSans-Bold.ttf"}
_DROP_TABLES = ("GPOS", "GSUB", "GDEF", "MATH", "FFTM")

_RC = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,  # survminer's theme_survminer: no top/right frame
    "axes.spines.right": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "lines.linewidth": 1.4,
    "svg.fonttype": "none",  # text stays text: searchable, editable, like R's svglite
    "svg.hashsalt": "linewise",  # fixed salt: clip-path ids identical across runs
    "pdf.fonttype": 42,  # TrueType embedding; journals reject Type 3 fonts
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
}

# Metadata that would carry a date, a version or a path; None removes the entry.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}


#: Unicode blocks kept in the report font: Latin, Greek, punctuation, super/subscripts,
#: currency, letterlike symbols, arrows, mathematical operators, geometric shapes. Text
#: outside them falls back to the full DejaVu Sans (matplotlib and browsers both fall back
#: along the font-family list).
_BLOCKS = ((0x20, 0x24F), (0x370, 0x3FF), (0x2000, 0x20CF), (0x2100, 0x21FF), (0x2200, 0x22FF), (0x25A0, 0x25FF))


def _build_font(source: Path, target: Path, weight: int) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, recalcTimestamp=False)  # keep 'head' dates: byte-stable output
    options = subset.Options(glyph_names=True, recommended_glyphs=True, notdef_outline=True)
    options.drop_tables += list(_DROP_TABLES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[u for lo, hi in _BLOCKS for u in range(lo, hi + 1)])
    sub.subset(font)
    for tag in _DROP_TABLES:
        if tag in font:
            del font[tag]
    style = "Bold" if weight == 700 else ""
    names = {
        1: FONT_FAMILY,
        3: f"{FONT_FAMILY} {style}".strip() + " (subset of DejaVu Sans 2.35)",
        4: f"{FONT_FAMILY} {style}".strip(),
        6: "LinewiseSans" + (f"-{style}" if style else ""),
        16: FONT_FAMILY,
    }
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
    os.close(fd)
    font.save(tmp)
    os.replace(tmp, target)  # atomic: concurrent first runs never see half a file


@functools.cache
def font_files() -> dict[int, Path]:
    """The report font files (weight -> path), built once into matplotlib's cache folder.

    Also registers them with matplotlib's font manager, so figures can use them by name.
    """
    from matplotlib import font_manager

    folder = Path(matplotlib.get_cachedir()) / "linewise-fonts-2"
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for weight, name in _FONT_SOURCES.items():
        target = folder / name.replace("DejaVuSans", "LinewiseSans")
        if not target.exists():
            _build_font(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name, target, weight)
        font_manager.fontManager.addfont(str(target))
        out[weight] = target
    return out


@contextlib.contextmanager
def figure_context() -> Iterator[None]:
    """Apply the report's matplotlib settings for the duration of a block.

    Examples
    --------
    >>> import matplotlib
    >>> with figure_context():
    ...     matplotlib.rcParams["svg.fonttype"]
    'none'
    """
    font_files()
    with matplotlib.rc_context(_RC):
        yield


def group_colours(groups: Sequence) -> dict:
    """Okabe-Ito colours for groups in order (a single curve is drawn in black, as survminer).

    Examples
    --------
    >>> group_colours(["Tmab/Pmab", "Tmab"])
    {'Tmab/Pmab': '#0072B2', 'Tmab': '#D55E00'}
    """
    groups = list(groups)
    if len(groups) == 1:
        return {groups[0]: "#000000"}
    return {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(groups)}


def _save_one(fig: Figure, target, fmt: str) -> None:
    with figure_context():
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}  # zlib 6 is 3x slower, ~10% smaller
        fig.savefig(target, format=fmt, dpi=PNG_DPI, metadata=_METADATA[fmt], facecolor="white", **extra)


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.png`` (300 dpi), ``stem.svg`` and ``stem.pdf``, byte-stable.

    Returns the paths written, in the order of ``formats``.
    """
    out = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        _save_one(fig, path, fmt)
        out.append(path)
    return out


def svg_text(fig: Figure) -> str:
    """The figure as SVG markup (text as text), for embedding in the HTML report."""
    buf = io.StringIO()
    _save_one(fig, buf, "svg")
    return buf.getvalue()
