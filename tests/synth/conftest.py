"""Shared synthetic registries for the synth tests (generated once per session)."""

from __future__ import annotations

import pandas as pd
import pytest

from linewise.synth import generate_registry

TABLE_NAMES = ("patients", "metastatic_sites", "therapy_lines", "response_assessments",
               "performance_status", "drug_exposures", "truth_lines")


def read_all(path, names=TABLE_NAMES) -> dict[str, pd.DataFrame]:
    """Every table as text (``None`` for empty cells), as an importer sees it."""
    return {n: pd.read_csv(path / f"{n}.csv", dtype=str, keep_default_na=False).replace("", None) for n in names}


@pytest.fixture(scope="session")
def clean_small(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean_small")
    res = generate_registry(out, 1500, seed=7)
    return out, res


@pytest.fixture(scope="session")
def clean_large(tmp_path_factory):
    """20,000 patients: about 17,000 in the T-DM1 cohort, enough for 2-point share tolerances."""
    out = tmp_path_factory.mktemp("clean_large")
    generate_registry(out, 20_000, seed=2020)
    return out, read_all(out, ("patients", "metastatic_sites", "therapy_lines"))


@pytest.fixture(scope="session")
def messy_small(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy_small")
    res = generate_registry(out, 3000, seed=11, messy=True)
    return out, res
