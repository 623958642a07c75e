"""Shared synthetic registries for the synth tests (generated once per session)."""

from __future__ import annotations

import pytest

from linewise.synth import generate_registry
from synth._support import TABLE_NAMES, read_all  # noqa: F401


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

