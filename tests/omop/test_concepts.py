"""OMOP concept sets: resolution with exclusions, and every code recorded in the verification table."""

from __future__ import annotations

import pathlib
import re

import duckdb
import ibis
import pandas as pd
import pytest

from linewise.lines.vocabulary import DEFAULT
from linewise.omop import concepts as cs
from linewise.omop.cdm import Cdm
from linewise.omop.mapping import map_cdm
from linewise.omop.synth import write_omop
from linewise.omop.values import VERIFIED_ANSWERS

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "omop.md"


def _verification_text() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text[text.index("## Verification"):]


def _resolve(concepts: list[tuple[int, str, str]], ancestry: list[tuple[int, int]]) -> set[tuple[str, int]]:
    concept = ibis.memtable(pd.DataFrame(concepts, columns=["concept_id", "vocabulary_id", "concept_code"]))
    pairs = [(c, c) for c, _, _ in concepts] + ancestry
    ancestor = ibis.memtable(pd.DataFrame(pairs, columns=["ancestor_concept_id", "descendant_concept_id"]))
    out = ibis.duckdb.connect().execute(cs.resolve(concept, ancestor, cs.codes_table(cs.ALL_SETS)))
    return set(zip(out.set_name, out.concept_id.astype(int), strict=True))


def test_other_metastatic_site_excludes_the_specific_sites():
    # 128462008 is the SNOMED ancestor of every site code: without the exclusion a bone
    # metastasis (and its own descendant) would also be an "other" site.
    concepts = [(1, "SNOMED", "128462008"), (2, "SNOMED", "94222008"), (3, "SNOMED", "94493005"),
                (4, "SNOMED", "999999999"), (5, "SNOMED", "888888888")]
    ancestry = [(1, 2), (1, 3), (1, 4), (1, 5), (2, 5)]  # 5 is a specific kind of bone metastasis
    got = _resolve(concepts, ancestry)
    assert {c for s, c in got if s == "metastasis_other"} == {1, 4}
    assert {c for s, c in got if s == "metastasis_bone"} == {2, 5}
    assert {c for s, c in got if s == "metastasis_pleura"} == {3}
    # an explicit empty exclusion map gives back the plain widening
    concept = ibis.memtable(pd.DataFrame(concepts, columns=["concept_id", "vocabulary_id", "concept_code"]))
    anc = ibis.memtable(pd.DataFrame([(c, c) for c, _, _ in concepts] + ancestry,
                                     columns=["ancestor_concept_id", "descendant_concept_id"]))
    plain = ibis.duckdb.connect().execute(cs.resolve(concept, anc, cs.codes_table(cs.ALL_SETS), excludes={}))
    assert set(plain.concept_id[plain.set_name == "metastasis_other"]) == {1, 2, 3, 4, 5}


def test_site_codes_are_distinct_and_her2_interpretation_is_in_no_set():
    site_codes = [code for s in cs.METASTASIS_SITES.values() for _, code in s.codes]
    assert len(site_codes) == len(set(site_codes))
    # LOINC 48676-1 is the overall HER2 status: neither an IHC score nor an ISH result
    assert all(("LOINC", "48676-1") not in s.codes for s in cs.ALL_SETS)


@pytest.fixture(scope="module")
def cdm_with_condition_ancestry(tmp_path_factory):
    """A small synthetic instance whose concept_ancestor also links 128462008 to each site concept."""
    path = tmp_path_factory.mktemp("omop_anc") / "cdm.duckdb"
    write_omop(path, 60, seed=3)
    con = duckdb.connect(str(path))
    con.execute("""INSERT INTO concept_ancestor
        SELECT o.concept_id, s.concept_id, 1, 1 FROM concept o JOIN concept s
          ON o.vocabulary_id = 'SNOMED' AND o.concept_code = '128462008'
         AND s.concept_name LIKE 'metastasis_%' AND s.concept_id <> o.concept_id""")
    con.close()
    return path


def test_sites_do_not_double_as_other_on_a_full_hierarchy(cdm_with_condition_ancestry):
    con = duckdb.connect(str(cdm_with_condition_ancestry), read_only=True)
    # the synthetic instance codes each metastasis with its own site concept (source value 'C79: <site>')
    planted = set(con.execute("""SELECT DISTINCT CAST(person_id AS VARCHAR), substr(condition_source_value, 6)
                                 FROM condition_occurrence WHERE condition_source_value LIKE 'C79: %'""").fetchall())
    con.close()
    assert {s for _, s in planted} >= {"bone", "other"}  # the check below is not vacuous
    sites = map_cdm(Cdm.open(cdm_with_condition_ancestry)).metastatic_sites.execute()
    assert set(zip(sites.patient_id.astype(str), sites.site, strict=True)) == planted


def test_every_code_is_in_the_verification_table():
    text = _verification_text()
    codes = {code for s in cs.ALL_SETS for _, code in s.codes}
    codes |= {d.rxnorm for d in DEFAULT.drugs if d.rxnorm} | {d.atc for d in DEFAULT.drugs if d.atc}
    codes |= {str(i) for i in (cs.CANCER_DRUG_TREATMENT, cs.TREATMENT_REGIMEN, cs.EPISODE_DERIVED,
                               cs.DRUG_EXPOSURE_ID_FIELD, 8507, 8532)}
    codes |= {str(i) for i in VERIFIED_ANSWERS} | {code for _, _, code, _ in VERIFIED_ANSWERS.values()}
    missing = sorted(c for c in codes if not re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text))
    assert missing == []
