"""Study C's recipe writes its five sequence groups as expressions of the spec grammar (a readable
example of it); they must equal the one classifier, :func:`linewise.lines.sequences.study_c_group`."""

from __future__ import annotations

import pandas as pd

from linewise.lines.sequences import LineSource, line_table, study_c_group, study_c_groups

STUDY_C = "tdm1_treatment_sequences"


def test_recipe_groups_equal_study_c_group(recipe_results, synth_store):
    table = recipe_results[STUDY_C].table.set_index("patient_id")
    recipe = table["sequence"].astype(str)
    sql = study_c_groups(line_table(synth_store, LineSource.RECORDED)).execute().set_index("patient_id")
    sql = sql.reindex(recipe.index)
    assert sql["group"].notna().all()
    assert (recipe == sql["group"].astype(int).astype(str)).all()
    rule = pd.Series([study_c_group(int(i), None if pd.isna(m) else bool(m))
                      for i, m in zip(sql["index_line"], sql["marker_in_line1"], strict=True)], index=sql.index)
    assert (recipe == rule.astype(str)).all()
    assert set(recipe) == {"1", "2", "3", "4", "5"}
