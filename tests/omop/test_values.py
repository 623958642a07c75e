"""ER / PgR / HER2 results on hand-written micro CDMs: every resolution path (verified answer id,
answer set by code, answer name, source text, number), the report's reasons and counts, the
latest-result rule, and the text grammar (property tests: the database reads it as Python does)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.omop import values as vs
from linewise.omop.cdm import TABLES, Cdm, ddl
from linewise.omop.mapping import map_cdm

# concept ids of the micro vocabulary: tests by their LOINC codes, answers local
BC, ER, PGR, IHC, ISH = 1, 2, 3, 4, 5
LA_POS_LOCAL = 900  # a local copy of LOINC LA6576-8 with a name no rule reads: found by code only
EQUIVOCAL_LOCAL = 901  # SNOMED 42425007, name unreadable: found by code only
NAMED = {910: "Negative (Score 1+)", 911: "Receptor negative (local)", 912: "Not amplified", 913: "IHC score 0",
         914: "Not performed", 915: "Equivocal"}
MISSING_ANSWER = 999  # a value_as_concept_id with no row in `concept`
D0 = dt.date(2020, 1, 1)

_CONCEPTS = [
    (BC, "Malignant neoplasm of breast", "Condition", "SNOMED", "Clinical Finding", "S", "254837009"),
    (ER, "ER", "Measurement", "LOINC", "Lab Test", "S", "16112-5"),
    (PGR, "PgR", "Measurement", "LOINC", "Lab Test", "S", "16113-3"),
    (IHC, "HER2 IHC", "Measurement", "LOINC", "Lab Test", "S", "85319-2"),
    (ISH, "HER2 ISH", "Measurement", "LOINC", "Lab Test", "S", "85318-4"),
    (LA_POS_LOCAL, "answer A", "Meas Value", "LOINC", "Answer", "S", "LA6576-8"),
    (EQUIVOCAL_LOCAL, "qualifier Q", "Meas Value", "SNOMED", "Qualifier Value", "S", "42425007"),
    *((cid, name, "Meas Value", "Local", "Answer", None, f"L{cid}") for cid, name in NAMED.items()),
]


def micro_cdm(measurements: list[tuple], observations: list[tuple] = (), persons: int = 12) -> Cdm:
    """A DuckDB CDM: ``persons`` women with breast cancer, the given results, the micro vocabulary.

    ``measurements`` / ``observations``: (person_id, test concept, day offset, value_as_number,
    value_as_concept_id, value_source_value), ids in list order.
    """
    con = ibis.duckdb.connect()
    for table in TABLES:
        con.raw_sql(ddl(table))
    raw = con.con
    raw.executemany("INSERT INTO concept VALUES (?, ?, ?, ?, ?, ?, ?, DATE '1970-01-01', DATE '2099-12-31', NULL)",
                    _CONCEPTS)
    for p in range(1, persons + 1):
        raw.execute("INSERT INTO person (person_id, gender_concept_id, year_of_birth, race_concept_id, "
                    "ethnicity_concept_id) VALUES (?, 8532, 1960, 0, 0)", [p])
        raw.execute("INSERT INTO condition_occurrence (condition_occurrence_id, person_id, condition_concept_id, "
                    "condition_start_date, condition_type_concept_id) VALUES (?, ?, ?, ?, 32879)", [p, p, BC, D0])
    for i, (p, c, day, num, val, text) in enumerate(measurements, 1):
        raw.execute("INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, measurement_date, "
                    "measurement_type_concept_id, value_as_number, value_as_concept_id, value_source_value) "
                    "VALUES (?, ?, ?, ?, 32879, ?, ?, ?)", [i, p, c, D0 + dt.timedelta(day), num, val, text])
    for i, (p, c, day, num, val, text) in enumerate(observations, 1):
        raw.execute("INSERT INTO observation (observation_id, person_id, observation_concept_id, observation_date, "
                    "observation_type_concept_id, value_as_number, value_as_concept_id, value_source_value) "
                    "VALUES (?, ?, ?, ?, 32879, ?, ?, ?)", [i, p, c, D0 + dt.timedelta(day), num, val, text])
    return Cdm(con)


def _patients(cdm: Cdm) -> pd.DataFrame:
    pt = map_cdm(cdm).patients.execute()
    pt.index = pt.patient_id.astype(int)
    return pt.sort_index()[["er_status", "pgr_status", "her2_ihc", "her2_ish"]].astype(object).where(lambda f: f.notna(), None)


def test_verified_answer_ids_need_no_concept_row():
    # 45884084 / 45878583 (LOINC) and 9191 / 9189 (SNOMED) are not in this concept table
    cdm = micro_cdm([(1, ER, 0, None, 45884084, None), (1, PGR, 0, None, 9189, None), (1, IHC, 0, None, 45884084, None),
                     (1, ISH, 0, None, 45878583, None), (2, ER, 0, None, 9191, None), (2, PGR, 0, None, 45878583, None)])
    pt = _patients(cdm)
    assert pt.loc[1].tolist() == ["positive", "negative", "3+", "not_amplified"]
    assert pt.loc[2].tolist() == ["positive", "negative", None, None]


def test_answer_sets_resolve_by_code():
    cdm = micro_cdm([(1, ER, 0, None, LA_POS_LOCAL, None), (1, IHC, 0, None, EQUIVOCAL_LOCAL, None),
                     (2, ISH, 0, None, LA_POS_LOCAL, None), (2, ER, 0, None, EQUIVOCAL_LOCAL, None)])
    pt = _patients(cdm)
    assert pt.loc[1, "er_status"] == "positive" and pt.loc[1, "her2_ihc"] == "2+"  # equivocal IHC = 2+
    assert pt.loc[2, "her2_ish"] == "amplified"
    assert pt.loc[2, "er_status"] is None  # an equivocal ER has no registry value: reported
    rep = map_cdm(cdm).report()
    assert rep.count("measurement", "not mapped: er_test, " + vs.REASONS["not_in_model"]) == 1


def test_unknown_answer_concepts_map_by_name():
    cdm = micro_cdm([(1, IHC, 0, None, 910, None), (1, ER, 0, None, 911, None), (1, ISH, 0, None, 912, None),
                     (2, IHC, 0, None, 913, None), (2, ISH, 0, None, 915, None), (3, IHC, 0, None, 914, None),
                     (4, IHC, 0, None, MISSING_ANSWER, None)])
    pt = _patients(cdm)
    assert pt.loc[1].tolist() == ["negative", None, "1+", "not_amplified"]
    assert pt.loc[2, "her2_ihc"] == "0" and pt.loc[2, "her2_ish"] is None
    assert pt.loc[3, "her2_ihc"] is None and pt.loc[4, "her2_ihc"] is None
    bad = map_cdm(cdm).report().unmapped_values
    unknown = bad[bad.reason == vs.REASONS["unknown_concept"]].sort_values("value_as_concept_id")
    assert unknown[["test", "value_as_concept_id", "records"]].values.tolist() == [["her2_ihc", 914, 1],
                                                                                   ["her2_ihc", MISSING_ANSWER, 1]]
    assert unknown.answer_name.tolist()[0] == "Not performed" and pd.isna(unknown.answer_name.tolist()[1])
    assert bad[bad.reason == vs.REASONS["not_in_model"]][["test", "answer_name"]].values.tolist() == [["her2_ish", "Equivocal"]]


def test_source_text_and_numbers():
    cdm = micro_cdm([(1, IHC, 0, None, None, "IHC 2+"), (1, ER, 0, None, 0, "pos"), (1, PGR, 0, None, None, "NEG."),
                     (1, ISH, 0, None, 0, "non-amplified"), (2, IHC, 0, 1.0, None, None), (3, IHC, 0, 0.0, None, None),
                     (4, IHC, 0, 7.0, None, None), (5, ER, 0, None, 0, "see report"), (6, IHC, 0, None, None, None),
                     (7, ER, 0, None, None, "ER positive, 3+ intensity"), (8, IHC, 0, None, None, "HER2 score 0")])
    pt = _patients(cdm)
    assert pt.loc[1].tolist() == ["positive", "negative", "2+", "not_amplified"]
    assert [pt.loc[p, "her2_ihc"] for p in (2, 3, 4, 6, 8)] == ["1+", "0", None, None, "0"]
    assert pt.loc[5, "er_status"] is None and pt.loc[7, "er_status"] == "positive"
    rep = map_cdm(cdm).report()
    assert rep.count("measurement", "not mapped: her2_ihc, " + vs.REASONS["bad_number"]) == 1
    assert rep.count("measurement", "not mapped: her2_ihc, " + vs.REASONS["no_value"]) == 1
    assert rep.count("measurement", "not mapped: er_test, " + vs.REASONS["unparsed_text"]) == 1
    bad = rep.unmapped_values
    assert bad[bad.reason == vs.REASONS["unparsed_text"]].value_text.tolist() == ["see report"]
    assert bad[bad.reason == vs.REASONS["bad_number"]].value_as_number.tolist() == [7.0]


def test_sources_in_order_first_registry_value_wins():
    cdm = micro_cdm([
        (1, IHC, 0, 1.0, 45878583, None),  # "Negative" IHC (0 or 1+) with the score as a number: 1+
        (2, ER, 0, None, 45884084, "neg"),  # the answer id before the text
        (3, IHC, 0, 3.0, 910, "2+"),  # the answer's name before the text before the number
        (4, IHC, 0, 2.0, None, "IHC 3+"),  # the text before the number
        (5, IHC, 0, 1.0, MISSING_ANSWER, None),  # an unknown answer, yet a usable number
    ])
    pt = _patients(cdm)
    assert [pt.loc[p, "her2_ihc"] for p in (1, 3, 4, 5)] == ["1+", "1+", "3+", "1+"]
    assert pt.loc[2, "er_status"] == "positive"


def test_latest_resolved_result_counts():
    cdm = micro_cdm([
        (1, ER, 0, None, 45884084, None), (1, ER, 30, None, 45878583, None),  # later wins: negative
        (2, ER, 0, None, 45878583, None), (2, ER, 30, None, 0, "pending"),  # a later unresolved one is ignored
        (3, IHC, 5, 2.0, None, None), (3, IHC, 5, 3.0, None, None),  # same day: the higher measurement_id
        (4, PGR, 5, None, 45884084, None),  # same day as its observation below: measurement first
    ], observations=[(4, PGR, 5, None, 45878583, None), (5, ER, 3, None, 9191, None), (5, PGR, 3, None, None, "neg")])
    pt = _patients(cdm)
    assert pt.loc[1, "er_status"] == "negative" and pt.loc[2, "er_status"] == "negative"
    assert pt.loc[3, "her2_ihc"] == "3+" and pt.loc[4, "pgr_status"] == "positive"
    assert pt.loc[5, ["er_status", "pgr_status"]].tolist() == ["positive", "negative"]  # from observation


def test_every_result_record_is_counted_once():
    meas = [(1, ER, 0, None, 45884084, None), (2, IHC, 0, None, 914, None), (3, IHC, 0, None, None, "2/3"),
            (4, ISH, 0, None, EQUIVOCAL_LOCAL, None), (5, IHC, 0, 2.0, None, None), (6, PGR, 0, None, None, None),
            (7, 77, 0, 1.0, None, None)]  # the last is outside every set
    obs = [(8, ER, 0, None, 911, None), (9, 78, 0, None, None, "x"), (10, IHC, 0, None, None, "no idea")]
    rep = map_cdm(micro_cdm(meas, obs)).report()
    m = rep.counts[rep.counts.table == "measurement"].set_index("outcome")["records"]
    o = rep.counts[rep.counts.table == "observation"].set_index("outcome")["records"]
    assert m.sum() == len(meas) and o.sum() == len(obs)
    mapped = m[m.index.str.startswith("mapped")].sum()
    reported = m[m.index.str.startswith("not mapped: ") & ~m.index.str.endswith("outside the concept sets")].sum()
    assert (mapped, reported, m["not mapped: outside the concept sets"]) == (2, 4, 1)
    assert o.to_dict() == {"mapped (er_test)": 1, "not mapped: her2_ihc, " + vs.REASONS["unparsed_text"]: 1,
                           "read, not used (outside the ER / PgR / HER2 sets)": 1}
    # the detail list holds every unresolved record
    assert rep.unmapped_values.records.sum() == reported + 1


def test_without_concept_names_only_ids_text_and_numbers_resolve():
    recs = ibis.memtable(pd.DataFrame({
        "i": range(4), "set_name": ["her2_ihc", "her2_ihc", "er_test", "her2_ihc"], "value_as_concept_id": [910, None, 45878583, None],
        "value_text": [None, "3+", None, None], "value_as_number": [None, None, None, 2.0]}),
        schema={"i": "int64", "set_name": "string", "value_as_concept_id": "int64", "value_text": "string", "value_as_number": "float64"})
    sets = ibis.memtable({"set_name": ["positive"], "concept_id": [LA_POS_LOCAL]})
    out = ibis.duckdb.connect().execute(vs.resolved_results(recs, sets, None).order_by("i"))
    assert out.value.tolist()[1:] == ["3+", "negative", "2+"]
    assert pd.isna(out.value.tolist()[0]) and out.reason.tolist()[0] == "unknown_concept"


# --- the text grammar ------------------------------------------------------------------------
_WORDS = ["ihc", "her2", "HER2/neu", "score", "pos", "neg", "Positive", "negative", "not", "non", "no", "amplified",
          "Amplification", "equivocal", "borderline", "0", "1", "2", "3", "+", "3+", "2 +", "1+", "10", "(", ")",
          "/", ",", "-", ":", "see", "report", "for", "weakly", "ER", "%", "90"]
_texts = st.lists(st.sampled_from(_WORDS), max_size=6).flatmap(
    lambda ws: st.lists(st.sampled_from(["", " ", "  ", "-", "/", ", "]), min_size=len(ws), max_size=len(ws)).map(
        lambda seps: "".join(w + s for w, s in zip(ws, seps, strict=True))))
_ascii = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=25)
_DB = ibis.duckdb.connect()


def _db_read(texts: list[str], scores_first: bool) -> list[str | None]:
    t = ibis.memtable(pd.DataFrame({"i": range(len(texts)), "text": texts}), schema={"i": "int64", "text": "string"})
    got = _DB.execute(t.select("i", raw=vs.read_text_expr(t.text, scores_first)).order_by("i"))
    return [None if pd.isna(x) else x for x in got.raw]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_texts, _ascii), min_size=1, max_size=30), st.booleans())
def test_database_reads_the_grammar_as_python_does(texts, scores_first):
    assert _db_read(texts, scores_first) == [vs.read_text(x, scores_first) for x in texts]


_pad = st.sampled_from(["", " ", "(", ")", ".", ":", " - ", "  "])
_case = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(vs.SCORES), st.sampled_from(["", "IHC ", "HER2 ", "HER2 IHC ", "score ", "HER2 score ", "ihc"]),
       _pad, _pad, _case, st.booleans())
def test_scores_are_read_in_any_dress(score, prefix, left, right, case, scores_first):
    if prefix == "ihc" and score == "0":
        prefix = "ihc "  # "ihc0" is not a score (only "ihcN+" glues)
    text = case(left + prefix + score + right)
    assert vs.read_text(text, scores_first) == score
    assert vs.interpret("her2_ihc", vs.read_text(text)) == score


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([("positive", "positive"), ("pos", "positive"), ("negative", "negative"), ("neg", "negative"),
                        ("equivocal", "equivocal"), ("borderline", "equivocal"), ("amplified", "positive"),
                        ("not amplified", "negative"), ("non-amplified", "negative"), ("nonamplified", "negative"),
                        ("no amplification", "negative"), ("negative for amplification", "negative")]),
       st.sampled_from(["", "ER ", "PgR ", "HER2 ", "result: ", "weakly "]), _pad, _pad, _case, st.booleans())
def test_words_are_read_in_any_dress(pair, prefix, left, right, case, scores_first):
    word, raw = pair
    assert vs.read_text(case(left + prefix + word + right), scores_first) == raw


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["not", "no", "non", "NOT"]), st.sampled_from(["positive", "pos", "done", "performed", "3+ x"]),
       _pad, st.booleans())
def test_negated_words_are_never_a_positive(neg, word, pad, scores_first):
    got = vs.read_text(f"{pad}{neg} {word}", scores_first)
    assert got != "positive" and (got is None or word == "3+ x")


@pytest.mark.parametrize(("text", "raw"), [("HER2+", None), ("10+", None), ("2/3", None), ("", None), ("   ", None),
                                           ("Negative (Score 1+)", "1+"), ("Positive (Score 3+)", "3+"),
                                           ("Equivocal (Score 2+)", "2+"), ("ihc2+", "2+")])
def test_grammar_edges(text, raw):
    assert vs.read_text(text) == raw
