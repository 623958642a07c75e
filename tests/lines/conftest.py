"""Shared fixtures of the lines tests."""

from __future__ import annotations

import ibis
import pytest


@pytest.fixture(scope="module")
def con():
    """An in-memory DuckDB backend (the algorithm runs on any Ibis backend)."""
    return ibis.duckdb.connect()
