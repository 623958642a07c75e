"""linewise: real-world treatment-sequence studies in oncology.

Registry, chart-review or EHR/claims data in; lines of therapy, study cohorts, survival
statistics that match R's ``survival`` package and a publishable report out.
"""

__version__ = "0.1.0"
