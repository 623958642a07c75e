"""Breast-cancer drug vocabulary: generic names, classes, families, brand names, codes.

Used by the importer to normalise drug names as written (``Herceptin``, ``Tmab``, ``T-DM1``)
to one generic name, and by the line-of-therapy algorithm (drug classes decide which drugs
form lines, families decide which changes are substitutions).

Codes: ``rxnorm`` is the RxNorm ingredient concept (RXCUI, term type IN) and ``atc`` the WHO
ATC 5th-level code (2024 structure: HER2 antibodies moved from L01XC to L01FD in 2022). Every
code was checked against public sources (docs/omop.md, section *Verification*: all ATC codes
confirmed by the ATC-DE 2024 value set of the German Medical Informatics Initiative; two RXCUIs,
triptorelin and pamidronate, found in no source that names the drug; kept, as nothing shows
them wrong). A code is left empty where none was confirmed; a user YAML
(:meth:`Vocabulary.with_yaml`) can fill or correct codes, add drugs or change a drug's class.

Examples
--------
>>> normalize_drug("Kadcyla")
'trastuzumab emtansine'
>>> DEFAULT.get("trastuzumab").atc
'L01FD01'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from ..errors import LinewiseError


class DrugClass(StrEnum):
    """Therapeutic class of a drug, as the line algorithm uses it."""

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

    @property
    def is_her2_targeted(self) -> bool:
        return self in (DrugClass.HER2_ANTIBODY, DrugClass.HER2_ADC, DrugClass.HER2_TKI)

    @property
    def is_anticancer(self) -> bool:
        """Systemic anticancer therapy (SACT): everything except bone-targeted and supportive."""
        return self not in (DrugClass.BONE_TARGETED, DrugClass.SUPPORTIVE)


@dataclass(frozen=True)
class Drug:
    """One drug of the vocabulary.

    ``family`` groups drugs that may substitute for one another inside a regimen (taxanes,
    platinum, trastuzumab formulations); which families count as substitutions is a line rule
    (:class:`~linewise.lines.params.LineRules`). ``synonyms`` are brand names and
    abbreviations; ``rxnorm`` / ``atc`` are codes ('' when not confirmed).
    """

    name: str
    drug_class: DrugClass
    family: str
    synonyms: tuple[str, ...] = ()
    rxnorm: str = ""
    atc: str = ""


C = DrugClass
# fmt: off
DRUGS: tuple[Drug, ...] = (
    # HER2-targeted. Trastuzumab IV, subcutaneous (with hyaluronidase) and biosimilars are one
    # generic drug: they substitute for one another by construction.
    Drug("trastuzumab", C.HER2_ANTIBODY, "trastuzumab", ("herceptin", "tmab", "t-mab", "h", "herzuma", "kanjinti", "ogivri", "ontruzant", "trazimera", "zercepac", "trastuzumab sc", "herceptin sc", "herceptin hylecta", "trastuzumab-hyaluronidase", "trastuzumab biosimilar", "trastuzumab-dkst", "trastuzumab-pkrb", "trastuzumab-dttb", "trastuzumab-qyyp", "trastuzumab-anns"), "224905", "L01FD01"),
    Drug("pertuzumab", C.HER2_ANTIBODY, "pertuzumab", ("perjeta", "pmab", "p-mab", "p", "phesgo", "pertuzumab/trastuzumab/hyaluronidase"), "1298944", "L01FD02"),
    Drug("trastuzumab emtansine", C.HER2_ADC, "trastuzumab emtansine", ("t-dm1", "tdm1", "t dm1", "kadcyla", "ado-trastuzumab emtansine", "ado trastuzumab emtansine", "trastuzumab-emtansine"), "1371041", "L01FD03"),
    Drug("trastuzumab deruxtecan", C.HER2_ADC, "trastuzumab deruxtecan", ("t-dxd", "tdxd", "t dxd", "enhertu", "fam-trastuzumab deruxtecan", "ds-8201", "trastuzumab-deruxtecan"), "", "L01FD04"),
    Drug("margetuximab", C.HER2_ANTIBODY, "margetuximab", ("margenza",), "", "L01FD06"),
    Drug("lapatinib", C.HER2_TKI, "lapatinib", ("tykerb", "tyverb", "lapa"), "480167", "L01EH01"),
    Drug("neratinib", C.HER2_TKI, "neratinib", ("nerlynx",), "", "L01EH02"),
    Drug("tucatinib", C.HER2_TKI, "tucatinib", ("tukysa",), "", "L01EH03"),
    Drug("pyrotinib", C.HER2_TKI, "pyrotinib", ()),
    # chemotherapy
    Drug("paclitaxel", C.CHEMOTHERAPY, "taxane", ("taxol", "pac", "ptx"), "56946", "L01CD01"),
    Drug("docetaxel", C.CHEMOTHERAPY, "taxane", ("taxotere", "doc", "dtx"), "72962", "L01CD02"),
    # nab-paclitaxel has no RxNorm ingredient of its own (it is paclitaxel, protein-bound) and
    # shares paclitaxel's ATC code.
    Drug("nab-paclitaxel", C.CHEMOTHERAPY, "taxane", ("abraxane", "nab paclitaxel", "nanoparticle albumin-bound paclitaxel", "paclitaxel protein-bound"), "", "L01CD01"),
    Drug("capecitabine", C.CHEMOTHERAPY, "fluoropyrimidine", ("xeloda", "cape", "cap"), "194000", "L01BC06"),
    Drug("fluorouracil", C.CHEMOTHERAPY, "fluoropyrimidine", ("5-fu", "5fu", "5-fluorouracil"), "4492", "L01BC02"),
    Drug("vinorelbine", C.CHEMOTHERAPY, "vinca", ("navelbine", "vnr", "vin"), "39541", "L01CA04"),
    Drug("eribulin", C.CHEMOTHERAPY, "eribulin", ("halaven", "eri"), "1045453", "L01XX41"),
    Drug("gemcitabine", C.CHEMOTHERAPY, "gemcitabine", ("gemzar", "gem"), "12574", "L01BC05"),
    Drug("carboplatin", C.CHEMOTHERAPY, "platinum", ("paraplatin", "carbo"), "40048", "L01XA02"),
    Drug("cisplatin", C.CHEMOTHERAPY, "platinum", ("platinol", "cis"), "2555", "L01XA01"),
    Drug("doxorubicin", C.CHEMOTHERAPY, "anthracycline", ("adriamycin", "adria", "dox"), "3639", "L01DB01"),
    Drug("pegylated liposomal doxorubicin", C.CHEMOTHERAPY, "anthracycline", ("caelyx", "doxil", "pld", "liposomal doxorubicin"), "", "L01DB01"),
    Drug("epirubicin", C.CHEMOTHERAPY, "anthracycline", ("farmorubicin", "ellence", "epi"), "3995", "L01DB03"),
    Drug("cyclophosphamide", C.CHEMOTHERAPY, "alkylating", ("endoxan", "cytoxan", "cyclo", "cpa"), "3002", "L01AA01"),
    Drug("methotrexate", C.CHEMOTHERAPY, "antimetabolite", ("mtx",), "6851", "L01BA01"),
    Drug("ixabepilone", C.CHEMOTHERAPY, "epothilone", ("ixempra",), "", "L01DC04"),
    Drug("sacituzumab govitecan", C.CHEMOTHERAPY, "topoisomerase adc", ("trodelvy",), "", "L01FX17"),
    # endocrine
    Drug("tamoxifen", C.ENDOCRINE, "serm", ("nolvadex", "tam"), "10324", "L02BA01"),
    Drug("letrozole", C.ENDOCRINE, "aromatase inhibitor", ("femara", "let"), "72965", "L02BG04"),
    Drug("anastrozole", C.ENDOCRINE, "aromatase inhibitor", ("arimidex", "ana"), "84857", "L02BG03"),
    Drug("exemestane", C.ENDOCRINE, "aromatase inhibitor", ("aromasin", "exe"), "258494", "L02BG06"),
    Drug("fulvestrant", C.ENDOCRINE, "serd", ("faslodex", "ful"), "282357", "L02BA03"),
    Drug("elacestrant", C.ENDOCRINE, "serd", ("orserdu",), "", "L02BA04"),
    Drug("goserelin", C.ENDOCRINE, "gnrh analogue", ("zoladex",), "50610", "L02AE03"),
    Drug("leuprorelin", C.ENDOCRINE, "gnrh analogue", ("leuprolide", "lupron", "enantone", "trenantone"), "42375", "L02AE02"),
    Drug("triptorelin", C.ENDOCRINE, "gnrh analogue", ("decapeptyl",), "38782", "L02AE04"),
    # targeted, non-HER2
    Drug("palbociclib", C.CDK46, "cdk4/6", ("ibrance",), "1601374", "L01EF01"),
    Drug("ribociclib", C.CDK46, "cdk4/6", ("kisqali",), "1873916", "L01EF02"),
    Drug("abemaciclib", C.CDK46, "cdk4/6", ("verzenio", "verzenios"), "1946825", "L01EF03"),
    Drug("everolimus", C.PI3K_MTOR, "mtor", ("afinitor",), "141704", "L01EG02"),
    Drug("alpelisib", C.PI3K_MTOR, "pi3k", ("piqray",), "", "L01EM03"),
    Drug("capivasertib", C.PI3K_MTOR, "akt", ("truqap",)),
    Drug("olaparib", C.PARP, "parp", ("lynparza",), "1597582", "L01XK01"),
    Drug("talazoparib", C.PARP, "parp", ("talzenna",), "", "L01XK04"),
    Drug("pembrolizumab", C.IMMUNOTHERAPY, "pd-1", ("keytruda",), "1547545", "L01FF02"),
    Drug("atezolizumab", C.IMMUNOTHERAPY, "pd-l1", ("tecentriq",), "1792776", "L01FF05"),
    Drug("bevacizumab", C.ANTIANGIOGENIC, "vegf", ("avastin", "bev"), "253337", "L01FG01"),
    # bone-targeted and supportive: never form or advance a line
    Drug("denosumab", C.BONE_TARGETED, "rank-l", ("xgeva", "prolia"), "993449", "M05BX04"),
    Drug("zoledronic acid", C.BONE_TARGETED, "bisphosphonate", ("zometa", "zoledronate", "zol"), "77655", "M05BA08"),
    Drug("pamidronate", C.BONE_TARGETED, "bisphosphonate", ("aredia",), "11473", "M05BA03"),
    Drug("ondansetron", C.SUPPORTIVE, "antiemetic", ("zofran",), "26225", "A04AA01"),
    Drug("dexamethasone", C.SUPPORTIVE, "corticosteroid", ("fortecortin", "decadron", "dexa"), "3264", "H02AB02"),
    Drug("filgrastim", C.SUPPORTIVE, "g-csf", ("neupogen",), "68442", "L03AA02"),
    Drug("pegfilgrastim", C.SUPPORTIVE, "g-csf", ("neulasta",), "338036", "L03AA13"),
)
# fmt: on

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


_SPLIT = re.compile(r"\s*(?:\+|/|,|;|&|\band\b|\bplus\b|\bwith\b|\bund\b)\s*", re.IGNORECASE)
_RXNORM = re.compile(r"^\d{1,9}$")
_ATC = re.compile(r"^[A-Z]\d\d[A-Z][A-Z]\d\d$")


@dataclass(frozen=True)
class Vocabulary:
    """A drug vocabulary: the built-in one (:data:`DEFAULT`) or it plus a user's additions.

    Examples
    --------
    >>> voc = DEFAULT.with_drugs([Drug("inavolisib", DrugClass.PI3K_MTOR, "pi3k", ("itovebi",))])
    >>> voc.normalize_drug("Itovebi")
    'inavolisib'
    >>> DEFAULT.normalize_drug("Itovebi") is None
    True
    """

    drugs: tuple[Drug, ...]
    acronyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(REGIMEN_ACRONYMS))

    @cached_property
    def by_name(self) -> dict[str, Drug]:
        return {d.name: d for d in self.drugs}

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Lookup key (name or synonym) -> generic name; later drugs win over earlier ones."""
        table: dict[str, str] = {}
        for drug in self.drugs:
            table[_key(drug.name)] = drug.name
            for syn in drug.synonyms:
                if syn not in _SHORT_ONLY_IN_REGIMEN:
                    table[_key(syn)] = drug.name
        return table

    def get(self, name: str) -> Drug:
        """The drug with generic name ``name`` (KeyError with a suggestion when unknown)."""
        try:
            return self.by_name[name]
        except KeyError:
            hint = self.closest_drug(name)
            raise KeyError(f"{name!r} is not in the drug vocabulary" + (f" (did you mean {hint!r}?)" if hint else "")) from None

    def normalize_drug(self, text: str) -> str | None:
        """Generic name of one drug as written, or ``None`` when unknown."""
        return self.lookup.get(_key(text))

    def normalize_regimen(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Split a regimen as written into generic drug names: ``(drugs, unknown_parts)``."""
        lookup = self.lookup
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
            elif key in self.acronyms:
                found = tuple(self.acronyms[key])
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

    def closest_drug(self, text: str) -> str | None:
        """The known drug closest to ``text`` (for "did you mean" messages)."""
        keys = [k for k in self.lookup if len(k) > 2]
        match = difflib.get_close_matches(_key(text), keys, n=1, cutoff=0.75)
        return self.lookup[match[0]] if match else None

    def with_drugs(self, drugs: Iterable[Drug]) -> Vocabulary:
        """A new vocabulary with ``drugs`` added, or replacing drugs of the same name."""
        merged = dict(self.by_name)
        for drug in drugs:
            merged[drug.name] = drug
        return Vocabulary(tuple(merged.values()), dict(self.acronyms))

    def with_yaml(self, path: str | Path) -> Vocabulary:
        """This vocabulary plus the drugs of a user YAML file (see :func:`parse_overrides`)."""
        import yaml

        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LinewiseError(f"{p}: no such vocabulary file") from None
        except yaml.YAMLError as exc:
            raise LinewiseError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
        return self.with_overrides(data, source=str(p))

    def with_overrides(self, data: object, *, source: str = "overrides") -> Vocabulary:
        """This vocabulary plus drugs given as plain data (the parsed YAML).

        Examples
        --------
        >>> voc = DEFAULT.with_overrides({"drugs": [
        ...     {"name": "zoledronic acid", "synonyms": ["zoledronsaeure"]},
        ...     {"name": "inavolisib", "class": "pi3k_mtor_inhibitor", "family": "pi3k"}]})
        >>> voc.normalize_drug("Zoledronsaeure"), voc.get("inavolisib").drug_class.value
        ('zoledronic acid', 'pi3k_mtor_inhibitor')
        """
        drugs, acronyms = parse_overrides(data, self, source=source)
        voc = self.with_drugs(drugs)
        return Vocabulary(voc.drugs, {**voc.acronyms, **acronyms})


def parse_overrides(data: object, base: Vocabulary, *, source: str) -> tuple[list[Drug], dict[str, tuple[str, ...]]]:
    """Validate a user vocabulary document.

    The document is a mapping with ``drugs`` (a list) and optionally ``regimens`` (acronym ->
    list of generic names). Each drug entry has ``name`` and any of ``class``, ``family``,
    ``synonyms`` (added to the existing ones), ``rxnorm``, ``atc``. A new drug needs ``class``;
    an existing one keeps every field not given. Mistakes raise :class:`LinewiseError` naming
    the entry.
    """
    if not isinstance(data, dict) or not isinstance(data.get("drugs", []), list):
        raise LinewiseError(f"{source}: expected a mapping with a 'drugs' list")
    unknown_keys = set(data) - {"drugs", "regimens"}
    if unknown_keys:
        raise LinewiseError(f"{source}: unknown section(s) {sorted(unknown_keys)}; expected 'drugs' and 'regimens'")
    allowed = {"name", "class", "family", "synonyms", "rxnorm", "atc"}
    out: list[Drug] = []
    for i, entry in enumerate(data.get("drugs", []), start=1):
        where = f"{source}: drug #{i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise LinewiseError(f"{where}: each drug needs a 'name'")
        extra = set(entry) - allowed
        if extra:
            raise LinewiseError(f"{where} ({entry['name']}): unknown field(s) {sorted(extra)}; allowed: {sorted(allowed)}")
        name = _key(entry["name"])
        old = base.by_name.get(name)
        cls_text = entry.get("class")
        if cls_text is None and old is None:
            raise LinewiseError(f"{where} ({name}): a new drug needs a 'class' (one of {', '.join(c.value for c in DrugClass)})")
        try:
            drug_class = DrugClass(str(cls_text).strip().lower()) if cls_text is not None else old.drug_class
        except ValueError:
            raise LinewiseError(f"{where} ({name}): unknown class {cls_text!r}; one of {', '.join(c.value for c in DrugClass)}") from None
        synonyms = entry.get("synonyms", [])
        if isinstance(synonyms, str) or not all(isinstance(s, str) for s in synonyms):
            raise LinewiseError(f"{where} ({name}): 'synonyms' must be a list of strings")
        rxnorm, atc = str(entry.get("rxnorm", old.rxnorm if old else "") or ""), str(entry.get("atc", old.atc if old else "") or "")
        if rxnorm and not _RXNORM.match(rxnorm):
            raise LinewiseError(f"{where} ({name}): rxnorm {rxnorm!r} is not an RXCUI (digits)")
        if atc and not _ATC.match(atc):
            raise LinewiseError(f"{where} ({name}): atc {atc!r} is not a 7-character ATC code like L01FD01")
        family = _key(str(entry.get("family", old.family if old else name)))
        base_syn = old.synonyms if old else ()
        drug = Drug(name, drug_class, family, tuple(dict.fromkeys([*base_syn, *(_key(s) for s in synonyms)])), rxnorm, atc)
        out.append(replace(drug))
    acronyms: dict[str, tuple[str, ...]] = {}
    regimens = data.get("regimens", {}) or {}
    if not isinstance(regimens, dict):
        raise LinewiseError(f"{source}: 'regimens' must map an acronym to a list of drugs")
    known = {**base.by_name, **{d.name: d for d in out}}
    for acronym, names in regimens.items():
        if not isinstance(names, list) or not names:
            raise LinewiseError(f"{source}: regimen {acronym!r} must list its drugs")
        bad = [n for n in names if _key(str(n)) not in known]
        if bad:
            raise LinewiseError(f"{source}: regimen {acronym!r} names unknown drug(s) {bad}")
        acronyms[_key(str(acronym))] = tuple(_key(str(n)) for n in names)
    return out, acronyms


#: The built-in vocabulary.
DEFAULT = Vocabulary(DRUGS)


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
    return DEFAULT.normalize_drug(text)


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
    return DEFAULT.normalize_regimen(text)


def closest_drug(text: str) -> str | None:
    """The known drug name or synonym closest to ``text`` (for "did you mean" messages).

    Examples
    --------
    >>> closest_drug("pertuzamab")
    'pertuzumab'
    """
    return DEFAULT.closest_drug(text)
