"""Concept sets: which OMOP concepts mean breast cancer, metastasis, ER / PgR / HER2, a drug.

A concept set is declared by *source codes* (``vocabulary_id`` + ``concept_code``: a SNOMED
code, a LOINC code, an RxNorm RXCUI), never by ``concept_id``: concept ids are Athena's
numbering and differ between vocabulary releases (and local instances), codes do not. At run
time each set is resolved in the database through the instance's ``concept`` table, then
widened to every descendant through ``concept_ancestor`` (so a branded or clinical drug maps to
its ingredient, and a specific breast-cancer diagnosis to breast cancer).

The sets (docs/omop.md lists them with their meaning):

* breast cancer — SNOMED 254837009 *Malignant neoplasm of breast* and descendants;
* metastatic disease, one set per linewise site — SNOMED *secondary malignant neoplasm of*
  bone / brain / liver / lung / pleura / lymph node / skin, and *secondary malignant neoplastic
  disease* (site ``other``); the first such condition dates the metastatic diagnosis;
* receptor tests — LOINC: ER 16112-5 / 85337-4, PgR 16113-3 / 85339-0, HER2 by IHC
  85319-2 / 18474-7 (``value_as_number`` 0-3 = score), HER2 by ISH 85318-4 / 48676-1;
  results as ``value_as_concept_id`` in the *positive* / *negative* sets (SNOMED 10828004 /
  260385009, LOINC answers LA6576-8 / LA6577-6);
* drugs — the RxNorm ingredient (RXCUI) of every drug in :mod:`linewise.lines.vocabulary`
  that has one; a drug without an RXCUI there cannot be found in OMOP and is listed by
  :func:`drugs_without_rxnorm`.

The codes were taken from SNOMED CT, LOINC and RxNorm as published; check them against the
Athena release of your instance (``linewise omop map`` reports every set that resolves to no
concept at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import ibis

from ..lines.vocabulary import DEFAULT, Vocabulary


class Domain(StrEnum):
    CONDITION = "Condition"
    MEASUREMENT = "Measurement"
    MEAS_VALUE = "Meas Value"
    DRUG = "Drug"
    PROCEDURE = "Procedure"


@dataclass(frozen=True)
class ConceptSet:
    """Codes of one meaning; ``descendants``: include every descendant concept."""

    name: str
    domain: Domain
    codes: tuple[tuple[str, str], ...]  # (vocabulary_id, concept_code)
    description: str
    descendants: bool = True


def _s(*codes: str) -> tuple[tuple[str, str], ...]:
    return tuple(("SNOMED", c) for c in codes)


def _l(*codes: str) -> tuple[tuple[str, str], ...]:
    return tuple(("LOINC", c) for c in codes)


BREAST_CANCER = ConceptSet("breast_cancer", Domain.CONDITION, _s("254837009"),
                           "Malignant neoplasm of breast (SNOMED 254837009) and its descendants.")

#: linewise metastatic site -> concept set (SNOMED 'secondary malignant neoplasm of ...').
METASTASIS_SITES: dict[str, ConceptSet] = {
    "bone": ConceptSet("metastasis_bone", Domain.CONDITION, _s("94222008"), "Secondary malignant neoplasm of bone."),
    "brain": ConceptSet("metastasis_brain", Domain.CONDITION, _s("94225005"), "Secondary malignant neoplasm of brain."),
    "liver": ConceptSet("metastasis_liver", Domain.CONDITION, _s("94381002"), "Secondary malignant neoplasm of liver."),
    "lung": ConceptSet("metastasis_lung", Domain.CONDITION, _s("94391008"), "Secondary malignant neoplasm of lung."),
    "pleura": ConceptSet("metastasis_pleura", Domain.CONDITION, _s("94392001"), "Secondary malignant neoplasm of pleura."),
    "lymph_node": ConceptSet("metastasis_lymph_node", Domain.CONDITION, _s("94411004"),
                             "Secondary malignant neoplasm of lymph node."),
    "skin": ConceptSet("metastasis_skin", Domain.CONDITION, _s("94579000"), "Secondary malignant neoplasm of skin."),
    "other": ConceptSet("metastasis_other", Domain.CONDITION, _s("128462008"),
                        "Secondary malignant neoplastic disease (site not specified)."),
}

ER_TEST = ConceptSet("er_test", Domain.MEASUREMENT, _l("16112-5", "85337-4"), "Estrogen receptor status of the tumour.")
PGR_TEST = ConceptSet("pgr_test", Domain.MEASUREMENT, _l("16113-3", "85339-0"), "Progesterone receptor status of the tumour.")
HER2_IHC = ConceptSet("her2_ihc", Domain.MEASUREMENT, _l("85319-2", "18474-7"),
                      "HER2 by immunohistochemistry; value_as_number is the score 0-3.")
HER2_ISH = ConceptSet("her2_ish", Domain.MEASUREMENT, _l("85318-4", "48676-1"),
                      "HER2 by in-situ hybridisation; value positive = amplified.")
POSITIVE = ConceptSet("positive", Domain.MEAS_VALUE, (("SNOMED", "10828004"), ("LOINC", "LA6576-8")),
                      "Positive result.", descendants=False)
NEGATIVE = ConceptSet("negative", Domain.MEAS_VALUE, (("SNOMED", "260385009"), ("LOINC", "LA6577-6")),
                      "Negative result.", descendants=False)
ECOG = ConceptSet("ecog", Domain.MEASUREMENT, _l("89247-1"), "ECOG performance status score (value_as_number).")
BREAST_SURGERY = ConceptSet("breast_surgery", Domain.PROCEDURE, _s("69031006", "172043006"),
                            "Excision of breast tissue / mastectomy.")

ALL_SETS: tuple[ConceptSet, ...] = (BREAST_CANCER, *METASTASIS_SITES.values(), ER_TEST, PGR_TEST, HER2_IHC, HER2_ISH,
                                    POSITIVE, NEGATIVE, ECOG, BREAST_SURGERY)

#: OMOP concepts the episodes are written with (fixed standard concept ids).
CANCER_DRUG_TREATMENT = 32941  # Episode: a line of therapy
TREATMENT_REGIMEN = 32531  # Episode: the regimen of a line
EPISODE_DERIVED = 32545  # Episode type: algorithmically derived from EHR
DRUG_EXPOSURE_ID_FIELD = 1147094  # field concept: drug_exposure.drug_exposure_id


def drug_codes(vocabulary: Vocabulary = DEFAULT) -> dict[str, str]:
    """RXCUI -> linewise drug name, for every vocabulary drug with an RxNorm ingredient code."""
    return {d.rxnorm: d.name for d in vocabulary.drugs if d.rxnorm}


def drugs_without_rxnorm(vocabulary: Vocabulary = DEFAULT) -> list[str]:
    """Vocabulary drugs with no RXCUI: records of these cannot be recognised in OMOP data."""
    return [d.name for d in vocabulary.drugs if not d.rxnorm]


def codes_table(sets: tuple[ConceptSet, ...]) -> ibis.Table:
    """One row per (set, vocabulary_id, concept_code) as an in-memory table."""
    rows = [(s.name, voc, code, s.descendants) for s in sets for voc, code in s.codes]
    return ibis.memtable({"set_name": [r[0] for r in rows], "vocabulary_id": [r[1] for r in rows],
                          "concept_code": [r[2] for r in rows], "descendants": [r[3] for r in rows]})


def resolve(concept: ibis.Table, ancestor: ibis.Table | None, codes: ibis.Table) -> ibis.Table:
    """``(set_name, concept_id)`` of every concept a set means, computed in the database.

    ``concept`` / ``ancestor`` are the instance's ``concept`` and ``concept_ancestor`` tables
    (lower-case columns). Without ``concept_ancestor`` only the named concepts match.
    """
    c = concept.select("concept_id", "vocabulary_id", "concept_code")
    named = codes.join(c, ["vocabulary_id", "concept_code"]).select("set_name", "concept_id", "descendants")
    out = named.select("set_name", "concept_id")
    if ancestor is not None:
        a = ancestor.select("ancestor_concept_id", "descendant_concept_id")
        wide = named.filter(named.descendants).join(a, named.concept_id == a.ancestor_concept_id)
        out = out.union(wide.select("set_name", concept_id=wide.descendant_concept_id))
    return out.distinct()


__all__ = ["ALL_SETS", "BREAST_CANCER", "CANCER_DRUG_TREATMENT", "ConceptSet", "DRUG_EXPOSURE_ID_FIELD", "Domain",
           "EPISODE_DERIVED", "ECOG", "ER_TEST", "HER2_IHC", "HER2_ISH", "METASTASIS_SITES", "NEGATIVE", "PGR_TEST",
           "POSITIVE", "TREATMENT_REGIMEN", "codes_table", "drug_codes", "drugs_without_rxnorm", "resolve"]
