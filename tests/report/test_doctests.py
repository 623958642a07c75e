"""The examples in the report's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["adapt", "attrition", "blocks", "build", "example", "fmt", "forest", "html", "inputs", "km_plot",
           "methods", "style", "suppress", "tables"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"linewise.report.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
