"""The examples in the docstrings of the engine, pushdown and OMOP modules run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["linewise.store.engines", "linewise.store.pushdown", "linewise.stats.aggregated", "linewise.omop.cdm",
           "linewise.omop.synth", "linewise.omop.values"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
