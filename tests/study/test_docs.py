"""docs/study-spec.md: generated sections current; every recipe and preset documented."""

from __future__ import annotations

from pathlib import Path

from linewise.study import list_recipes
from linewise.study.docs import refresh, sections
from linewise.study.spec import EndpointPreset

DOC = Path(__file__).resolve().parents[2] / "docs" / "study-spec.md"


def test_generated_sections_are_current():
    text = DOC.read_text(encoding="utf-8")
    assert refresh(text) == text, "run: python -c \"from linewise.study.docs import refresh_file; refresh_file('docs/study-spec.md')\""
    for body in sections().values():
        assert body in text


def test_recipes_presets_and_analysis_kinds_are_documented():
    text = DOC.read_text(encoding="utf-8")
    for name in list_recipes():
        assert f"`{name}`" in text
    for preset in EndpointPreset:
        assert f"`{preset.value}`" in text
    for kind in ("table_one", "kaplan_meier", "cox", "response", "follow_up", "subgroup", "landmark"):
        assert f"| `{kind}` |" in text
