"""Sequence features and the Study C classifier, on hand-made lines and on the synthetic registry."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from linewise.errors import LinewiseError
from linewise.io.importer import import_files
from linewise.lines.algorithm import derive_lines
from linewise.lines.sequences import (
    LineSource,
    drugs_of,
    exposed_before_line,
    first_line_with,
    in_line,
    line_table,
    prior_counts,
    sequence_features,
    study_c_group,
    study_c_groups,
)
from linewise.lines.storage import save_run
from linewise.lines.vocabulary import DEFAULT
from linewise.store.store import Store
from linewise.synth import generate_registry

D0 = dt.date(2018, 1, 1)
TDM1, P, H = "trastuzumab emtansine", "pertuzumab", "trastuzumab"


def _lines(rows):
    recs = []
    for pid, num, setting, start, end, agents in rows:
        recs.append({"patient_id": pid, "setting": setting, "line_number": num, "start_date": D0 + dt.timedelta(days=start),
                     "end_date": None if end is None else D0 + dt.timedelta(days=end), "agents": agents, "drugs": agents})
    df = pd.DataFrame(recs)
    df["line_number"] = df["line_number"].astype("Int64")
    return ibis.memtable(df)


LINES = _lines([
    ("g1", None, "adjuvant", -400, -100, ["docetaxel", H]),
    ("g1", 1, "metastatic", 0, 99, ["docetaxel", H]),
    ("g1", 2, "metastatic", 100, 199, [TDM1]),
    ("g2", 1, "metastatic", 0, 99, ["capecitabine", "lapatinib"]),
    ("g2", 2, "metastatic", 100, 199, ["vinorelbine", H]),
    ("g2", 3, "metastatic", 200, None, [TDM1]),
    ("g3", 1, "metastatic", 0, 299, ["docetaxel", H, P]),
    ("g3", 2, "metastatic", 300, 399, [TDM1]),
    ("g4", 1, "metastatic", 0, 299, ["paclitaxel", H, P]),
    ("g4", 2, "metastatic", 300, 399, ["capecitabine", H]),
    ("g4", 3, "metastatic", 400, 499, [TDM1]),
    ("g5", 1, "metastatic", 0, 99, [TDM1]),
    ("never", 1, "metastatic", 0, 99, ["docetaxel", H, P]),
])


def _dict(t, col):
    df = t.execute()  # once: two executions need not return rows in the same order
    return dict(zip(df["patient_id"], df[col], strict=True))


@pytest.mark.parametrize(("index", "marker", "group"), [(1, False, 5), (1, True, 5), (2, False, 1), (3, False, 2),
                                                        (7, False, 2), (2, True, 3), (3, True, 4), (None, True, None)])
def test_study_c_group_rule(index, marker, group):
    assert study_c_group(index, marker) == group


def test_study_c_groups_in_sql():
    groups = _dict(study_c_groups(LINES), "group")
    assert groups == {"g1": 1, "g2": 2, "g3": 3, "g4": 4, "g5": 5}  # 'never' has no T-DM1


def test_features():
    assert _dict(first_line_with(LINES, "Kadcyla"), "first_line") == {"g1": 2, "g2": 3, "g3": 2, "g4": 3, "g5": 1}
    assert _dict(in_line(LINES, P, 1), "present") == {"g1": False, "g2": False, "g3": True, "g4": True, "g5": False, "never": True}
    before = _dict(exposed_before_line(LINES, H, 2), "exposed")
    assert before == {"g1": True, "g2": False, "g3": True, "g4": True}
    assert _dict(exposed_before_line(LINES, "docetaxel", 1), "exposed")["g1"] is True  # adjuvant counts
    assert _dict(exposed_before_line(LINES, "docetaxel", 1, include_early=False), "exposed")["g1"] is False
    pc = prior_counts(LINES, TDM1).execute().set_index("patient_id")
    assert pc.loc["g2", "n_prior_lines"] == 2 and pc.loc["g2", "n_prior_chemo"] == 2
    # HER2 days before T-DM1 (end - start, the study feature her2_therapy_months in days): g1 adjuvant
    # 300 days + line 1 99 days; g2 lapatinib in line 1 (99) and trastuzumab in line 2 (99)
    assert pc.loc["g1", "her2_days_before"] == 399 and pc.loc["g2", "her2_days_before"] == 198
    wide = sequence_features(LINES).execute().set_index("patient_id")
    assert wide.loc["g4", "group"] == 4 and wide.loc["g4", "first_line_pertuzumab"] == 1
    assert bool(wide.loc["g4", "pertuzumab_before_index"]) and not bool(wide.loc["g2", "pertuzumab_before_index"])
    assert pd.isna(wide.loc["never", "group"])


def test_agents_by_class():
    assert drugs_of("her2_adc") == [TDM1, "trastuzumab deruxtecan"]
    assert "lapatinib" in drugs_of("her2_targeted")
    with pytest.raises(LinewiseError, match="did you mean"):
        drugs_of("pertuzumav")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("seq")
    generate_registry(out / "files", 1200, seed=21)
    store = Store.open(out / "r.duckdb")
    import_files(store, [out / "files"])
    return store


def test_study_c_groups_from_derived_lines_match_recorded_ones(synthetic):
    store = synthetic
    run = derive_lines(store)
    save_run(store, run, DEFAULT)
    run.drop()
    rec = study_c_groups(line_table(store, LineSource.RECORDED)).execute().set_index("patient_id")["group"]
    der = study_c_groups(line_table(store, LineSource.DERIVED)).execute().set_index("patient_id")["group"]
    both = pd.concat([rec, der], axis=1, keys=["rec", "der"])
    same = (both["rec"] == both["der"]) | (both["rec"].isna() & both["der"].isna())
    assert same.mean() >= 0.99
    assert set(rec.dropna().astype(int)) == {1, 2, 3, 4, 5}
    # auto: recorded lines where present (all patients here)
    assert line_table(store, LineSource.AUTO).filter(lambda t: t.source == "derived").count().execute() == 0
