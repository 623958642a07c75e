"""Publication-ready report of a study run: ``results.json`` in; HTML, figures, tables out.

:func:`write_report` writes one self-contained HTML file (inline SVG figures, embedded font,
no network request), every figure as PNG (300 dpi), SVG and PDF, the tables as CSV and
``report.json`` (the results as released, after small-cell suppression). The report reads
results and never computes statistics; what it reads is documented in ``schema.md`` next to
this file. :mod:`.blocks` helps producers write that sub-schema from :mod:`linewise.stats`.
"""

from .build import ReportOptions, ReportOutput, write_report  # noqa: F401
from .inputs import ResultsError, load_results, prepare_results  # noqa: F401
from .km_plot import KMPlotOptions, km_figure  # noqa: F401
from .suppress import SuppressionPolicy, suppress_results  # noqa: F401

__all__ = [
    "KMPlotOptions",
    "ReportOptions",
    "ReportOutput",
    "ResultsError",
    "SuppressionPolicy",
    "km_figure",
    "load_results",
    "prepare_results",
    "suppress_results",
    "write_report",
]
