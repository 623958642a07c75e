"""Shared test helpers: the one tolerance used against R golden values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

GOLDEN_DIR = Path(__file__).parent / "golden" / "data"

#: Relative tolerance for agreement with R ``survival`` (DESIGN.md: 1e-6 relative).
R_RTOL = 1e-6
#: Absolute floor for values that are zero in R (e.g. a p-value of 0 or a coefficient of 0).
R_ATOL = 1e-10


def assert_matches_r(actual, expected, *, rtol: float = R_RTOL, atol: float = R_ATOL, what: str = ""):
    """Assert ``actual`` equals R's ``expected`` to ``rtol`` relative (NaN matches NaN, inf matches inf)."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != R shape {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def load_golden(name: str):
    """Load a golden JSON file written by a ``tests/golden/*.R`` script."""
    return json.loads((GOLDEN_DIR / name).read_text())
