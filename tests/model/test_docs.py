"""The data-model document is generated from the model and must not go stale."""

from pathlib import Path

from linewise.model.docs import render_markdown
from linewise.model.registry import TABLES, all_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_data_model_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), "run `linewise schema --out docs/data-model.md`"


def test_every_table_column_and_rule_is_documented():
    text = render_markdown()
    for table in TABLES:
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text
    for rule_id in all_rules():
        assert f"| `{rule_id}` |" in text


def test_codes_are_unique_and_aliases_point_to_codes():
    for table in TABLES:
        names = [c.name for c in table.columns]
        assert len(names) == len(set(names))
        for col in table.columns:
            assert len(set(col.codes)) == len(col.codes)
            assert set(col.code_aliases.values()) <= set(col.codes), col.name
