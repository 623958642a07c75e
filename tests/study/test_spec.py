"""Study specs: schema validation, YAML errors that name the line and field, recipes, hashing."""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic import ValidationError

from linewise.study import SpecError, list_recipes, load_spec, recipe_text, spec_from_yaml
from linewise.study.cohort import PatientScope
from linewise.study.spec import StudySpec

GOOD = """\
schema_version: 1
name: demo
title: Demo study
index:
  label: first T-DM1 line
  line: "setting == 'metastatic' and has('T-DM1')"
cohort:
  - id: prior_tdm1
    label: Prior T-DM1
    exclude: "prior('trastuzumab emtansine')"
groups:
  levels:
    - {name: Pmab, when: "prior('pertuzumab')"}
    - {name: Tmab, when: "prior('trastuzumab')"}
  reference: Tmab
covariates:
  age: age_at_index
endpoints:
  pfs: {preset: pfs_radiological}
analyses:
  - {id: km, kind: kaplan_meier, endpoint: pfs}
"""


def replace_line(text: str, lineno: int, new: str) -> str:
    lines = text.splitlines()
    lines[lineno - 1] = new
    return "\n".join(lines) + "\n"


def located(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        spec_from_yaml(text, "study.yaml")
    return info.value


def test_good_spec_loads():
    spec = spec_from_yaml(GOOD, "study.yaml")
    assert spec.groups.reference_level == "Tmab"
    assert spec.cohort[0].is_exclusion
    assert spec.covariates["age"].expr == "age_at_index"


@pytest.mark.parametrize("lineno, new, line, field, message", [
    (19, "  pfs: {preset: pfs_radiologic}", 19, "endpoints.pfs.preset", "did you mean 'pfs_radiological'"),
    (10, "    exlude: \"prior('trastuzumab emtansine')\"", 10, "cohort[0].exlude", "unknown field"),
    (1, "schema_version: 2", 1, "schema_version", "schema_version 1, not 2"),
    (21, "  - {id: km, kind: kaplan_meier, endpoint: os}", 21, "analyses[0].endpoint", "unknown endpoint 'os'"),
    (21, "  - {id: km, kind: kaplan_mayer, endpoint: pfs}", 21, "analyses[0]", "kind 'kaplan_mayer'"),
    (15, "  reference: Tmab2", 15, "groups.reference", "reference 'Tmab2' is not one of the levels"),
])
def test_schema_errors_name_line_and_field(lineno, new, line, field, message):
    err = located(replace_line(GOOD, lineno, new))
    assert err.line == line, str(err)
    assert str(err).startswith(f"study.yaml:{line}:")
    assert f" {field}:" in str(err)
    assert message in str(err)


def test_missing_field_points_at_its_parent():
    text = GOOD.replace("  label: first T-DM1 line\n", "")
    err = located(text)
    assert err.line == 5 and "index.label" in str(err) and "missing required field 'label'" in str(err)


def test_duplicate_key_is_an_error():
    err = located(GOOD + "title: Again\n")
    assert err.line == 22 and "'title' appears twice" in str(err)


def test_yaml_syntax_error_has_its_line():
    err = located(replace_line(GOOD, 6, '  line: "unterminated'))
    assert "not valid YAML" in str(err) and err.line is not None and err.line >= 6


def test_not_a_mapping():
    assert "a study spec is a mapping" in str(located("- just\n- a list\n"))


@pytest.mark.parametrize("lineno, new, column_text, message", [
    (10, "    exclude: \"prior('trastuzumab emtanzine')\"", "'trastuzumab emtanzine'", "did you mean 'trastuzumab emtansine'"),
    (10, "    exclude: \"prior('T-DM1') and agee > 3\"", "agee", "unknown feature 'agee'"),
    (10, "    exclude: prior_tdm1 ==", None, "expected a value"),
])
def test_expression_errors_point_at_the_token(tmp_path, lineno, new, column_text, message):
    """Expression errors surface when the spec is compiled (run), with line and column."""
    from linewise.store.store import Store
    from linewise.study import run_study

    path = tmp_path / "study.yaml"
    text = replace_line(GOOD, lineno, new)
    path.write_text(text)
    spec = load_spec(path)
    store = Store.open(tmp_path / "empty.duckdb")
    with pytest.raises(SpecError) as info:
        run_study(spec, store)
    err = info.value
    assert err.line == lineno and str(err).startswith(f"{path}:{lineno}:")
    assert "cohort[0].exclude" in str(err) and message in str(err)
    if column_text is not None:
        # the column points at the offending token inside the quoted expression
        assert text.splitlines()[lineno - 1][err.column - 1:].startswith(column_text)


def test_code_values_are_checked_with_a_suggestion(tmp_path):
    from linewise.store.store import Store
    from linewise.study import run_study

    text = replace_line(GOOD, 6, "  line: \"setting == 'metastic' and has('T-DM1')\"")
    with pytest.raises(SpecError, match=r"study.yaml:6:.*index.line: 'metastic' is not an allowed value.*did you mean 'metastatic'"):
        run_study(spec_from_yaml(text, "study.yaml"), Store.open(tmp_path / "e.duckdb"))


def test_group_condition_must_be_boolean(tmp_path):
    from linewise.store.store import Store
    from linewise.study import run_study

    text = replace_line(GOOD, 13, "    - {name: Pmab, when: \"index_line_number + 1\"}")
    with pytest.raises(SpecError, match=r"study.yaml:13:.*groups.levels\[0\].when: must be a boolean"):
        run_study(spec_from_yaml(text, "study.yaml"), Store.open(tmp_path / "e.duckdb"))


def test_python_objects_are_validated_the_same_way():
    data = yaml.safe_load(GOOD)
    data["cohort"][0]["include"] = "true"  # both include and exclude
    with pytest.raises(ValidationError, match="exactly one of 'include'"):
        StudySpec.model_validate(data)


def test_spec_is_frozen_and_hash_ignores_layout():
    a = spec_from_yaml(GOOD, "a.yaml")
    b = spec_from_yaml("# a comment\n" + GOOD.replace("title: Demo study", "title:   'Demo study'"), "b.yaml")
    assert a.spec_hash() == b.spec_hash()
    c = spec_from_yaml(GOOD.replace("Demo study", "Other"), "c.yaml")
    assert c.spec_hash() != a.spec_hash()
    with pytest.raises(ValidationError, match="frozen"):
        a.name = "x"


@pytest.mark.parametrize("name", ["tdm1_after_pertuzumab_by_line", "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"])
def test_recipes_load_and_every_expression_resolves(name):
    spec = load_spec(name)
    scope = PatientScope(spec, {n: None for n in spec.covariates}, spec.groups.name if spec.groups else None)
    texts = [(("covariates", n, "expr"), c.expr) for n, c in spec.covariates.items()]
    texts += [(("cohort", i, "x"), s.condition) for i, s in enumerate(spec.cohort)]
    texts += [(("groups", i), lv.when) for i, lv in enumerate(spec.groups.levels)]
    texts += [(("analyses", i), a.where) for i, a in enumerate(spec.analyses) if a.where]
    for path, text in texts:
        scope.parse(text, path)
    assert re.match(r"^[a-z0-9_]+$", spec.name) and spec.name == name


def test_unknown_recipe_suggests_the_closest():
    with pytest.raises(SpecError, match="did you mean 'tdm1_tmab_vs_tmab_pmab'"):
        load_spec("tdm1_tmab_vs_tmab")
    assert set(list_recipes()) == {"tdm1_after_pertuzumab_by_line", "tdm1_tmab_vs_tmab_pmab", "tdm1_treatment_sequences"}
    assert recipe_text("tdm1_treatment_sequences").startswith("#")
