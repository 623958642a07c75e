"""Fixtures of the study-engine tests: hand-made registries and one synthetic registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from linewise.io.importer import import_files
from linewise.store.store import Store

#: Size and seed of the synthetic registry the recipes run on (Study C's 2nd-line groups get
#: about 300 patients each, enough for the published directions to show).
SYNTH_PATIENTS = 1200
SYNTH_SEED = 11


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    from linewise.synth import generate_registry

    out = tmp_path_factory.mktemp("synth") / "registry"
    generate_registry(out, SYNTH_PATIENTS, seed=SYNTH_SEED)
    return out


@pytest.fixture(scope="session")
def synth_store(synth_dir, tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("synthstore") / "registry.duckdb")
    reports = import_files(store, [synth_dir])
    assert not any(r.rows_rejected for r in reports)
    return store


@pytest.fixture(scope="session")
def recipe_results(synth_store):
    """Each recipe run once on the synthetic registry."""
    from linewise.study import list_recipes, run_study

    return {name: run_study(name, synth_store) for name in list_recipes()}
