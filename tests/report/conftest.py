"""Fixtures of the report tests: a seeded example study, its report, and a suppressed report.

The example results are built with linewise.stats from a fixed seed (linewise.report.example),
so every number is known independently of the report code.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from linewise.report import ReportOptions, write_report
from linewise.report.example import example_results

#: The example study of most tests: Study-B-like, two groups.
EXAMPLE_N, EXAMPLE_SEED = 240, 11
#: A small study whose tables are full of counts below 5 (suppression has work to do).
SMALL_N, SMALL_SEED = 48, 5
#: Planted identifiers: must never reach any output.
PLANTED_ID = "P-0004711"

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="session")
def example() -> dict:
    return example_results(EXAMPLE_N, EXAMPLE_SEED)


@pytest.fixture(scope="session")
def report(example, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(example, out)


@pytest.fixture(scope="session")
def released(report) -> dict:
    """report.json as written (the numbers of the report)."""
    return json.loads(report.json.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small_with_ids() -> dict:
    """A small study with patient identifiers planted where a careless producer might put them."""
    r = copy.deepcopy(example_results(SMALL_N, SMALL_SEED))
    r["patient_id"] = PLANTED_ID
    r["attrition"][1]["patient_ids"] = [PLANTED_ID, "P-0004712"]
    r["survival"][0]["curves"][0]["mrn"] = PLANTED_ID
    r["warnings"].append({"code": "x", "message": "see record", "record_id": PLANTED_ID})
    return r


@pytest.fixture(scope="session")
def suppressed(small_with_ids, tmp_path_factory):
    out = tmp_path_factory.mktemp("suppressed")
    return write_report(small_with_ids, out, ReportOptions(min_cell_count=5))


@pytest.fixture(scope="session")
def unsuppressed_small(small_with_ids, tmp_path_factory):
    out = tmp_path_factory.mktemp("unsuppressed")
    return write_report(small_with_ids, out)
