"""Helpers shared by the synth tests."""

from __future__ import annotations

import pandas as pd

TABLE_NAMES = ("patients", "metastatic_sites", "therapy_lines", "response_assessments",
               "performance_status", "drug_exposures", "truth_lines")


def read_all(path, names=TABLE_NAMES) -> dict[str, pd.DataFrame]:
    """Every table as text (``None`` for empty cells), as an importer sees it."""
    return {n: pd.read_csv(path / f"{n}.csv", dtype=str, keep_default_na=False).replace("", None) for n in names}


def importer_errors(out_dir, fmt: str = "csv") -> dict[str, pd.DataFrame]:
    """Run the importer's prepare step on every registry file; the rejected rows per table.

    Returns per table a frame (row, rule) of every *error* issue, with the patients' context
    taken from the accepted patients rows (as an import into an empty store does).
    """
    from linewise.io.importer import prepare
    from linewise.io.validate import PatientContext

    out: dict[str, pd.DataFrame] = {}
    context = None
    for name in TABLE_NAMES[:-1]:
        prep = prepare(out_dir / f"{name}.{fmt}", table=name, context=context)
        issues = prep.issues[prep.issues["severity"] == "error"]
        out[name] = issues[["row", "rule", "column"]].reset_index(drop=True)
        if name == "patients":
            cols = ["patient_id", "metastatic_diagnosis_date", "metastatic_diagnosis_date_precision",
                    "death_date", "death_date_precision"]
            context = PatientContext(prep.typed.loc[~prep.rejected, cols].reset_index(drop=True))
    return out
