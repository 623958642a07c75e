"""LineRules: validation, recording, YAML."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from linewise.errors import LinewiseError
from linewise.lines.params import AddOnExemption, LineRules
from linewise.lines.vocabulary import DrugClass


def test_defaults_are_the_published_ones():
    r = LineRules()
    assert (r.regimen_window_days, r.discontinuation_gap_days) == (28, 180)
    assert {"trastuzumab", "taxane", "platinum"} <= set(r.substitution_families)
    assert r.add_on_exemptions[0].added_class is DrugClass.ENDOCRINE


def test_rules_are_frozen_and_validated():
    r = LineRules()
    with pytest.raises(ValidationError):
        r.regimen_window_days = 10
    with pytest.raises(ValidationError):
        LineRules(discontinuation_gap_days=0)
    with pytest.raises(ValidationError, match="never form a line"):
        LineRules(ignored_classes=(DrugClass.SUPPORTIVE,))
    with pytest.raises(ValidationError, match="both ignored and maintenance"):
        LineRules(ignored_classes=(DrugClass.SUPPORTIVE, DrugClass.BONE_TARGETED, DrugClass.ENDOCRINE))
    with pytest.raises(ValidationError, match="exactly one"):
        AddOnExemption(name="x", requires_class=DrugClass.ENDOCRINE)
    with pytest.raises(ValidationError):
        LineRules(unknown_parameter=1)


def test_every_parameter_is_recorded_and_fingerprinted():
    r = LineRules()
    d = r.to_dict()
    assert set(d) == set(LineRules.model_fields)
    assert LineRules(**d) == r
    assert LineRules(regimen_window_days=21).fingerprint() != r.fingerprint()
    assert len(r.describe()) >= 10


def test_yaml(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text("regimen_window_days: 21\nsubstitution_families: [Taxane]\n", encoding="utf-8")
    r = LineRules.from_yaml(p)
    assert r.regimen_window_days == 21 and r.substitution_families == ("taxane",)
    p.write_text("regimen_window_days: -3\n", encoding="utf-8")
    with pytest.raises(LinewiseError, match="regimen_window_days"):
        LineRules.from_yaml(p)
    with pytest.raises(LinewiseError, match="no such rules file"):
        LineRules.from_yaml(tmp_path / "missing.yaml")
