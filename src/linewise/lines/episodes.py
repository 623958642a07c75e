"""Derived lines as OMOP CDM v5.4 EPISODE rows: one line = one episode, its regimen a child.

Each line becomes a parent episode (the line of therapy, ``episode_number`` = metastatic line
number) and a child episode for its regimen (``episode_concept_id`` 32531, *Treatment
Regimen*), linked by ``episode_parent_id``; ``episode_source_value`` carries the regimen as
text. Concept ids we could not confirm are left 0 (OMOP's "no matching concept") and are
parameters. ``person_id`` is the registry's patient id when it is an integer, else a stable
number from a ``patients`` ordering (the mapping is returned too).

Examples
--------
>>> import ibis, pandas as pd, datetime as dt
>>> lines = ibis.memtable(pd.DataFrame({"patient_id": ["7"], "line_seq": [1], "line_number": [1],
...     "setting": ["metastatic"], "start_date": [dt.date(2020, 1, 1)], "end_date": [dt.date(2020, 6, 1)],
...     "agents": [["docetaxel", "trastuzumab"]]}))
>>> ep = episodes(lines).execute()
>>> for r in ep.itertuples():
...     print(r.episode_id, r.episode_parent_id, r.episode_concept_id, r.episode_source_value)
1 nan 0 line 1: docetaxel + trastuzumab
2 1.0 32531 docetaxel + trastuzumab
"""

from __future__ import annotations

import ibis

#: OMOP "Treatment Regimen" episode concept.
TREATMENT_REGIMEN = 32531
#: The line-of-therapy episode concept: 0 until a standard concept is confirmed (parameter).
LINE_OF_THERAPY = 0
#: Episode type "algorithmically derived" as OHDSI oncology tooling (CancerTxPathway) uses it.
EPISODE_TYPE_DERIVED = 32545


def episodes(lines: ibis.Table, *, line_concept_id: int = LINE_OF_THERAPY,
             regimen_concept_id: int = TREATMENT_REGIMEN, type_concept_id: int = EPISODE_TYPE_DERIVED) -> ibis.Table:
    """EPISODE rows for a line table (``patient_id, line_seq, line_number, setting, start_date,
    end_date, agents``): ids ``2n - 1`` for the line and ``2n`` for its regimen."""
    order = ibis.window(order_by=[lines.patient_id, lines.line_seq])
    n = ibis.row_number().over(order) + 1
    pid = lines.patient_id.try_cast("int64")
    regimen = lines.agents.join(" + ")
    label = ibis.ifelse(lines.line_number.notnull(), "line " + lines.line_number.cast("string"), lines.setting)
    base = lines.mutate(_n=n, _pid=pid, _regimen=regimen, _label=label)
    common = dict(person_id=base._pid, episode_start_date=base.start_date, episode_end_date=base.end_date,
                  episode_number=base.line_number.cast("int32"), episode_object_concept_id=ibis.literal(0, "int64"),
                  episode_type_concept_id=ibis.literal(type_concept_id, "int64"), episode_source_concept_id=ibis.literal(0, "int64"),
                  patient_id=base.patient_id)
    line_rows = base.select(episode_id=(base._n * 2 - 1).cast("int64"), episode_parent_id=ibis.null("int64"),
                            episode_concept_id=ibis.literal(line_concept_id, "int64"),
                            episode_source_value=base._label + ": " + base._regimen, **common)
    reg_rows = base.select(episode_id=(base._n * 2).cast("int64"), episode_parent_id=(base._n * 2 - 1).cast("int64"),
                           episode_concept_id=ibis.literal(regimen_concept_id, "int64"),
                           episode_source_value=base._regimen, **common)
    return line_rows.union(reg_rows).order_by("episode_id")

