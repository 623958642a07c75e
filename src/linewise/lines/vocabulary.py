"""Breast-cancer drug vocabulary: generic names, classes, brand names and abbreviations.

Used by the importer to normalise drug names as written (``Herceptin``, ``Tmab``, ``T-DM1``)
to one generic name, and later by the line-of-therapy algorithm (drug classes, families).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class DrugClass(StrEnum):
    HER2_ANTIBODY = "her2_antibody"
    HER2_ADC = "her2_adc"
    HER2_TKI = "her2_tki"
    CHEMOTHERAPY = "chemotherapy"
    ENDOCRINE = "endocrine"
    CDK46 = "cdk4_6_inhibitor"
    PI3K_MTOR = "pi3k_mtor_inhibitor"
    PARP = "parp_inhibitor"
    IMMUNOTHERAPY = "immunotherapy"
    ANTIANGIOGENIC = "antiangiogenic"
    BONE_TARGETED = "bone_targeted"
    SUPPORTIVE = "supportive"


@dataclass(frozen=True)
class Drug:
    """One drug of the vocabulary.

    ``family`` groups drugs that substitute for one another inside a regimen (taxanes,
    platinum, trastuzumab formulations); ``synonyms`` are brand names and abbreviations.
    """

    name: str
    drug_class: DrugClass
    family: str
    synonyms: tuple[str, ...] = ()


C = DrugClass
DRUGS: tuple[Drug, ...] = (
    # HER2-targeted
    Drug("trastuzumab", C.HER2_ANTIBODY, "trastuzumab", ("herceptin", "tmab", "t-mab", "h", "herzuma", "kanjinti", "ogivri", "ontruzant", "trazimera", "trastuzumab sc", "herceptin sc", "herceptin hylecta", "trastuzumab-hyaluronidase", "trastuzumab biosimilar")),
    Drug("pertuzumab", C.HER2_ANTIBODY, "pertuzumab", ("perjeta", "pmab", "p-mab", "p", "phesgo", "pertuzumab/trastuzumab/hyaluronidase")),
    Drug("trastuzumab emtansine", C.HER2_ADC, "trastuzumab emtansine", ("t-dm1", "tdm1", "t dm1", "kadcyla", "ado-trastuzumab emtansine", "ado trastuzumab emtansine", "trastuzumab-emtansine")),
    Drug("trastuzumab deruxtecan", C.HER2_ADC, "trastuzumab deruxtecan", ("t-dxd", "tdxd", "t dxd", "enhertu", "fam-trastuzumab deruxtecan", "ds-8201", "trastuzumab-deruxtecan")),
    Drug("margetuximab", C.HER2_ANTIBODY, "margetuximab", ("margenza",)),
    Drug("lapatinib", C.HER2_TKI, "lapatinib", ("tykerb", "tyverb", "lapa")),
    Drug("neratinib", C.HER2_TKI, "neratinib", ("nerlynx",)),
    Drug("tucatinib", C.HER2_TKI, "tucatinib", ("tukysa",)),
    Drug("pyrotinib", C.HER2_TKI, "pyrotinib", ()),
    # chemotherapy
    Drug("paclitaxel", C.CHEMOTHERAPY, "taxane", ("taxol", "pac", "ptx")),
    Drug("docetaxel", C.CHEMOTHERAPY, "taxane", ("taxotere", "doc", "dtx")),
    Drug("nab-paclitaxel", C.CHEMOTHERAPY, "taxane", ("abraxane", "nab paclitaxel", "nanoparticle albumin-bound paclitaxel")),
    Drug("capecitabine", C.CHEMOTHERAPY, "fluoropyrimidine", ("xeloda", "cape", "cap")),
    Drug("fluorouracil", C.CHEMOTHERAPY, "fluoropyrimidine", ("5-fu", "5fu", "5-fluorouracil")),
    Drug("vinorelbine", C.CHEMOTHERAPY, "vinca", ("navelbine", "vnr", "vin")),
    Drug("eribulin", C.CHEMOTHERAPY, "eribulin", ("halaven", "eri")),
    Drug("gemcitabine", C.CHEMOTHERAPY, "gemcitabine", ("gemzar", "gem")),
    Drug("carboplatin", C.CHEMOTHERAPY, "platinum", ("paraplatin", "carbo")),
    Drug("cisplatin", C.CHEMOTHERAPY, "platinum", ("platinol", "cis")),
    Drug("doxorubicin", C.CHEMOTHERAPY, "anthracycline", ("adriamycin", "adria", "dox")),
    Drug("pegylated liposomal doxorubicin", C.CHEMOTHERAPY, "anthracycline", ("caelyx", "doxil", "pld", "liposomal doxorubicin")),
    Drug("epirubicin", C.CHEMOTHERAPY, "anthracycline", ("farmorubicin", "ellence", "epi")),
    Drug("cyclophosphamide", C.CHEMOTHERAPY, "alkylating", ("endoxan", "cytoxan", "cyclo", "cpa")),
    Drug("methotrexate", C.CHEMOTHERAPY, "antimetabolite", ("mtx",)),
    Drug("ixabepilone", C.CHEMOTHERAPY, "epothilone", ("ixempra",)),
    Drug("sacituzumab govitecan", C.CHEMOTHERAPY, "topoisomerase adc", ("trodelvy",)),
    # endocrine
    Drug("tamoxifen", C.ENDOCRINE, "serm", ("nolvadex", "tam")),
    Drug("letrozole", C.ENDOCRINE, "aromatase inhibitor", ("femara", "let")),
    Drug("anastrozole", C.ENDOCRINE, "aromatase inhibitor", ("arimidex", "ana")),
    Drug("exemestane", C.ENDOCRINE, "aromatase inhibitor", ("aromasin", "exe")),
    Drug("fulvestrant", C.ENDOCRINE, "serd", ("faslodex", "ful")),
    Drug("elacestrant", C.ENDOCRINE, "serd", ("orserdu",)),
    Drug("goserelin", C.ENDOCRINE, "gnrh analogue", ("zoladex",)),
    Drug("leuprorelin", C.ENDOCRINE, "gnrh analogue", ("leuprolide", "lupron", "enantone", "trenantone")),
    Drug("triptorelin", C.ENDOCRINE, "gnrh analogue", ("decapeptyl",)),
    # targeted, non-HER2
    Drug("palbociclib", C.CDK46, "cdk4/6", ("ibrance",)),
    Drug("ribociclib", C.CDK46, "cdk4/6", ("kisqali",)),
    Drug("abemaciclib", C.CDK46, "cdk4/6", ("verzenio", "verzenios")),
    Drug("everolimus", C.PI3K_MTOR, "mtor", ("afinitor",)),
    Drug("alpelisib", C.PI3K_MTOR, "pi3k", ("piqray",)),
    Drug("capivasertib", C.PI3K_MTOR, "akt", ("truqap",)),
    Drug("olaparib", C.PARP, "parp", ("lynparza",)),
    Drug("talazoparib", C.PARP, "parp", ("talzenna",)),
    Drug("pembrolizumab", C.IMMUNOTHERAPY, "pd-1", ("keytruda",)),
    Drug("atezolizumab", C.IMMUNOTHERAPY, "pd-l1", ("tecentriq",)),
    Drug("bevacizumab", C.ANTIANGIOGENIC, "vegf", ("avastin", "bev")),
    # bone-targeted and supportive: never form or advance a line
    Drug("denosumab", C.BONE_TARGETED, "rank-l", ("xgeva", "prolia")),
    Drug("zoledronic acid", C.BONE_TARGETED, "bisphosphonate", ("zometa", "zoledronate", "zol")),
    Drug("pamidronate", C.BONE_TARGETED, "bisphosphonate", ("aredia",)),
    Drug("ondansetron", C.SUPPORTIVE, "antiemetic", ("zofran",)),
    Drug("dexamethasone", C.SUPPORTIVE, "corticosteroid", ("fortecortin", "decadron", "dexa")),
    Drug("filgrastim", C.SUPPORTIVE, "g-csf", ("neupogen",)),
    Drug("pegfilgrastim", C.SUPPORTIVE, "g-csf", ("neulasta",)),
)

DRUGS_BY_NAME: dict[str, Drug] = {d.name: d for d in DRUGS}

# Single letters ("H", "P") are abbreviations only inside a regimen string such as "TCHP" or
# "P+H"; alone in a free-text field they are too ambiguous, so only the regimen parser uses them.
_SHORT_ONLY_IN_REGIMEN = {"h", "p"}

#: Common regimen acronyms expanded to their drugs.
REGIMEN_ACRONYMS: dict[str, tuple[str, ...]] = {
    "tchp": ("docetaxel", "carboplatin", "trastuzumab", "pertuzumab"),
    "tch": ("docetaxel", "carboplatin", "trastuzumab"),
    "thp": ("docetaxel", "trastuzumab", "pertuzumab"),
    "php": ("paclitaxel", "trastuzumab", "pertuzumab"),
    "ph": ("trastuzumab", "pertuzumab"),
    "hp": ("trastuzumab", "pertuzumab"),
    "ec": ("epirubicin", "cyclophosphamide"),
    "ac": ("doxorubicin", "cyclophosphamide"),
    "fec": ("fluorouracil", "epirubicin", "cyclophosphamide"),
    "cmf": ("cyclophosphamide", "methotrexate", "fluorouracil"),
}


def _key(text: str) -> str:
    """Case- and spacing-insensitive lookup key."""
    return re.sub(r"\s+", " ", text.strip().lower().replace("_", " "))


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for drug in DRUGS:
        table[_key(drug.name)] = drug.name
        for syn in drug.synonyms:
            if syn not in _SHORT_ONLY_IN_REGIMEN:
                table[_key(syn)] = drug.name
    return table


def normalize_drug(text: str) -> str | None:
    """Return the generic name of one drug as written, or ``None`` when unknown.

    Examples
    --------
    >>> normalize_drug("Kadcyla")
    'trastuzumab emtansine'
    >>> normalize_drug("T-DM1")
    'trastuzumab emtansine'
    >>> normalize_drug("ondansetron 8 mg") is None
    True
    """
    return _lookup().get(_key(text))


_SPLIT = re.compile(r"\s*(?:\+|/|,|;|&|\band\b|\bplus\b|\bwith\b|\bund\b)\s*", re.IGNORECASE)


def normalize_regimen(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a regimen as written into generic drug names.

    Returns ``(drugs, unknown_parts)``: the normalised drugs in order of first mention without
    repeats, and the parts that are not in the vocabulary.

    Examples
    --------
    >>> normalize_regimen("Herceptin + Perjeta + Docetaxel")
    (('trastuzumab', 'pertuzumab', 'docetaxel'), ())
    >>> normalize_regimen("TCHP")
    (('docetaxel', 'carboplatin', 'trastuzumab', 'pertuzumab'), ())
    >>> normalize_regimen("P+H")
    (('pertuzumab', 'trastuzumab'), ())
    """
    lookup = _lookup()
    whole = _key(text)
    if whole in lookup:
        return (lookup[whole],), ()
    drugs: list[str] = []
    unknown: list[str] = []
    for part in _SPLIT.split(text):
        key = _key(part)
        if not key:
            continue
        if key in lookup:
            found: tuple[str, ...] = (lookup[key],)
        elif key in REGIMEN_ACRONYMS:
            found = REGIMEN_ACRONYMS[key]
        elif key == "h":
            found = ("trastuzumab",)
        elif key == "p":
            found = ("pertuzumab",)
        else:
            unknown.append(part.strip())
            continue
        for name in found:
            if name not in drugs:
                drugs.append(name)
    return tuple(drugs), tuple(unknown)


def closest_drug(text: str) -> str | None:
    """The known drug name or synonym closest to ``text`` (for "did you mean" messages).

    Examples
    --------
    >>> closest_drug("pertuzamab")
    'pertuzumab'
    """
    keys = [k for k in _lookup() if len(k) > 2]
    match = difflib.get_close_matches(_key(text), keys, n=1, cutoff=0.75)
    return _lookup()[match[0]] if match else None
