"""The one episode writer on hand-made lines: ids, concepts, parents, events, id maps."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from linewise.omop import concepts as cs
from linewise.omop.cdm import schema
from linewise.omop.episodes import episode_rows, event_rows, person_map, store_exposures

D0 = dt.date(2020, 1, 1)
LONG = ["trastuzumab deruxtecan", "capecitabine", "tucatinib", "trastuzumab"]  # regimen text > 50 characters


def _lines(ids: tuple[str, str]) -> pd.DataFrame:
    a, b = ids
    rows = [  # (patient, line_seq, line_number, setting, start, end, agents)
        (b, 1, None, "adjuvant", 0, 99, ["docetaxel", "trastuzumab"]),
        (b, 2, 1, "metastatic", 400, 499, LONG),
        (a, 1, 1, "metastatic", 10, 60, ["trastuzumab emtansine"]),
    ]
    return pd.DataFrame([{"patient_id": p, "line_seq": s, "line_number": n, "setting": st,
                          "start_date": D0 + dt.timedelta(days=s0), "end_date": D0 + dt.timedelta(days=e0),
                          "agents": ag, "drugs_given": ag} for p, s, n, st, s0, e0, ag in rows]
                        ).astype({"line_number": "Int64"})


@pytest.mark.parametrize(("ids", "persons"), [(("P2", "P10"), {"P10": 1, "P2": 2}),  # registry ids: ranked
                                              (("2", "10"), {"2": 2, "10": 10}),  # OMOP person ids: kept
                                              (("2", "010"), {"010": 1, "2": 2}),  # a leading zero: ranked
                                              (("2", "3000000000"), {"2": 1, "3000000000": 2})])  # > 32 bit
def test_episode_rows(ids, persons):
    lines = ibis.memtable(_lines(ids))
    assert dict(person_map(lines).execute().itertuples(index=False)) == persons
    ep = episode_rows(lines, offset=100).execute().sort_values("episode_id").reset_index(drop=True)
    assert ep.columns.tolist() == list(schema("episode").names)
    assert ep.episode_id.tolist() == list(range(101, 107))
    line = ep[ep.episode_concept_id == cs.CANCER_DRUG_TREATMENT]
    regimen = ep[ep.episode_concept_id == cs.TREATMENT_REGIMEN]
    assert len(line) == len(regimen) == 3 and set(ep.episode_type_concept_id) == {cs.EPISODE_DERIVED}
    assert line.episode_parent_id.isna().all() and regimen.episode_parent_id.tolist() == line.episode_id.tolist()
    assert (ep.episode_object_concept_id == 0).all()
    # numbered by (person_id, line_seq): the person with the smaller person id first
    first = min(persons, key=persons.get)
    assert ep.person_id.iloc[0] == persons[first]
    src = line.set_index("person_id").sort_index().episode_source_value.tolist()
    b = persons[ids[1]]
    by_person = line[line.person_id == b].sort_values("episode_id")
    assert by_person.episode_source_value.tolist() == ["adjuvant: docetaxel + trastuzumab",
                                                       ("line 1: " + " + ".join(LONG))[:50]]
    assert by_person.episode_number.isna().tolist() == [True, False]
    assert all(len(s) <= 50 for s in src)
    assert regimen[regimen.person_id == b].episode_source_value.tolist()[1] == " + ".join(LONG)[:50]


def test_event_rows_link_records_inside_their_line():
    lines = ibis.memtable(_lines(("P2", "P10")))
    ex = pd.DataFrame({
        "drug_exposure_id": [1, 2, 3, 4, 5, 6],
        "patient_id": ["P10", "P10", "P10", "P10", "P2", "P2"],
        "drug": ["docetaxel", "tucatinib", "docetaxel", "denosumab", "trastuzumab emtansine", "trastuzumab emtansine"],
        "start_date": [D0, D0 + dt.timedelta(days=420), D0 + dt.timedelta(days=420), D0 + dt.timedelta(days=5),
                       D0 + dt.timedelta(days=60), D0 + dt.timedelta(days=61)],
    })
    ev = event_rows(lines, ibis.memtable(ex)).execute()
    assert set(ev.episode_event_field_concept_id) == {cs.DRUG_EXPOSURE_ID_FIELD}
    # P10 (person 1): adjuvant line = episodes 1, 2; metastatic = 3, 4; P2 (person 2): 5, 6.
    # docetaxel at day 420 is not a drug of line 2, denosumab never a line drug, day 61 after the line
    got = sorted(map(tuple, ev[["episode_id", "event_id"]].to_numpy().tolist()))
    assert got == [(1, 1), (2, 1), (3, 2), (4, 2), (5, 5), (6, 5)]


def test_store_exposures_ids():
    base = {"patient_id": ["b", "a", "a"], "drug_source_value": ["x", "y", "x"],
            "start_date": [D0, D0 + dt.timedelta(days=1), D0]}
    one = ibis.memtable(pd.DataFrame({**base, "_import_id": [4, 4, 4], "_source_row": [7, 3, 9]}))
    assert store_exposures(one).execute().drug_exposure_id.tolist() == [7, 3, 9]  # the file's rows
    two = ibis.memtable(pd.DataFrame({**base, "_import_id": [5, 4, 4], "_source_row": [1, 3, 2]}))
    got = store_exposures(two).execute().set_index("_source_row").drug_exposure_id.to_dict()
    assert got == {2: 1, 3: 2, 1: 3}  # (import, row) order
    bare = ibis.memtable(pd.DataFrame(base))
    got = store_exposures(bare).execute()
    assert dict(zip(zip(got.patient_id, got.drug_source_value, strict=True), got.drug_exposure_id, strict=True)) == {
        ("a", "x"): 1, ("a", "y"): 2, ("b", "x"): 3}
