"""How real spreadsheets write valid values: spellings, date styles, brand names.

Every spelling here is one the importer reads as the model value (code aliases of
:mod:`linewise.model.registry`, synonyms of :mod:`linewise.lines.vocabulary`, the receptor and
yes/no parsers); ``tests/synth`` checks that. Columns are kept dictionary-encoded
(:class:`Col`) so that millions of drug records get their mess by integer indexing.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pyarrow as pa

from ..lines.vocabulary import REGIMEN_ACRONYMS

CODE_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {"female": ("female", "F", "f", "w", "Female"), "male": ("male", "M", "m")},
    "grade": {"G1": ("G1", "1", "I", "g1", "grade 1"), "G2": ("G2", "2", "II", "g2", "grade 2"),
              "G3": ("G3", "3", "III", "g3", "grade 3")},
    "histology": {"ductal": ("ductal", "NST", "IDC", "invasive ductal"), "lobular": ("lobular", "ILC"),
                  "mixed": ("mixed",), "other": ("other",)},
    "her2_ihc": {"3+": ("3+", "3"), "2+": ("2+", "2")},
    "her2_ish": {"amplified": ("amplified", "amp", "pos", "Amplified")},
    "yesno": {"yes": ("yes", "Yes", "y", "1", "true"), "no": ("no", "No", "n", "0", "false")},
    "receptor": {"positive": ("positive", "pos", "+", "Pos"), "negative": ("negative", "neg", "-", "Neg")},
    "setting": {"neoadjuvant": ("neoadjuvant", "neo", "Neoadjuvant"), "adjuvant": ("adjuvant", "adj", "Adjuvant"),
                "metastatic": ("metastatic", "palliative", "mbc", "Metastatic")},
    "end_reason": {"progression": ("progression", "PD", "progressive disease"), "toxicity": ("toxicity", "tox", "adverse event"),
                   "completed": ("completed", "complete", "planned"), "death": ("death", "died"),
                   "patient_decision": ("patient_decision", "patient decision", "patient wish"), "other": ("other",),
                   "ongoing": ("ongoing", "continuing")},
    "response": {"CR": ("CR", "complete response", "cr"), "PR": ("PR", "partial response", "partial", "pr"),
                 "SD": ("SD", "stable disease", "stable"), "PD": ("PD", "progressive disease", "progression"),
                 "NE": ("NE", "not evaluable")},
    "progression_kind": {"radiological": ("radiological", "radiologic", "imaging", "RECIST"), "clinical": ("clinical", "clinic")},
    "route": {"iv": ("iv", "IV", "i.v.", "intravenous"), "sc": ("sc", "SC", "s.c.", "subcutaneous"),
              "oral": ("oral", "po", "p.o.", "PO"), "im": ("im", "i.m.", "intramuscular"), "other": ("other",)},
    "site": {"brain": ("brain", "CNS", "cns"), "liver": ("liver", "hepatic", "Liver"), "lung": ("lung", "pulmonary"),
             "pleura": ("pleura", "pleural"), "bone": ("bone", "osseous", "bones", "skeletal"),
             "lymph_node": ("lymph_node", "lymph node", "lymph nodes", "LN", "nodal"), "skin": ("skin", "cutaneous"),
             "other": ("other", "soft tissue")},
}
#: Optional cells left "unknown" in these spellings (the importer's missing tokens).
MISSING_SPELLINGS = ("", "", "", "NA", "unknown", "n/a")

#: Single drugs as pharmacy or chart records write them (first: the generic name).
DRUG_SPELLINGS: dict[str, tuple[str, ...]] = {
    "trastuzumab": ("trastuzumab", "Herceptin", "Trastuzumab", "HERCEPTIN", "Tmab", "Kanjinti", "Ontruzant"),
    "pertuzumab": ("pertuzumab", "Perjeta", "Pmab", "PERJETA"),
    "trastuzumab emtansine": ("trastuzumab emtansine", "Kadcyla", "T-DM1", "TDM1", "ado-trastuzumab emtansine"),
    "trastuzumab deruxtecan": ("trastuzumab deruxtecan", "Enhertu", "T-DXd"),
    "docetaxel": ("docetaxel", "Taxotere", "Docetaxel", "DOC"),
    "paclitaxel": ("paclitaxel", "Taxol", "Paclitaxel"),
    "capecitabine": ("capecitabine", "Xeloda", "Capecitabine"),
    "lapatinib": ("lapatinib", "Tykerb", "Tyverb", "Lapa"),
    "vinorelbine": ("vinorelbine", "Navelbine"),
    "eribulin": ("eribulin", "Halaven"),
    "gemcitabine": ("gemcitabine", "Gemzar"),
    "carboplatin": ("carboplatin", "Carboplatin", "Carbo"),
    "letrozole": ("letrozole", "Femara"),
    "anastrozole": ("anastrozole", "Arimidex"),
    "tamoxifen": ("tamoxifen", "Nolvadex", "Tamoxifen"),
    "fulvestrant": ("fulvestrant", "Faslodex"),
    "tucatinib": ("tucatinib", "Tukysa"),
    "neratinib": ("neratinib", "Nerlynx"),
    "epirubicin": ("epirubicin", "Epirubicin", "Farmorubicin"),
    "cyclophosphamide": ("cyclophosphamide", "Endoxan", "Cyclophosphamide"),
    "fluorouracil": ("fluorouracil", "5-FU"),
    "denosumab": ("denosumab", "Xgeva"),
    "zoledronic acid": ("zoledronic acid", "Zometa", "zoledronate"),
    "ondansetron": ("ondansetron", "Zofran", "ondansetron 8 mg"),
}
#: Trastuzumab given subcutaneously.
SC_TRASTUZUMAB = ("trastuzumab", "Herceptin SC", "trastuzumab sc", "Herceptin")
#: Inside a regimen string the one-letter abbreviations are understood too.
REGIMEN_EXTRA = {"trastuzumab": ("H",), "pertuzumab": ("P",)}
JOINERS = (" + ", " + ", "+", " / ", " and ")
N_AGENT_VARIANTS = 6

# --- dates --------------------------------------------------------------------------------------
DATE_BASE = -25567  # 1900-01-01 as days since 1970
N_DAYS = 131 * 366  # up to 2030
ISO, DOTTED, SLASH, EXCEL, MONTH, YEAR = range(6)
N_STYLES = 6
EXCEL_OFFSET = 25569  # Excel serial of 1970-01-01 (days since 1899-12-30)


@lru_cache(maxsize=1)
def date_strings() -> np.ndarray:
    """Every day 1900-2030 in every style: index ``style * N_DAYS + (day - DATE_BASE)``."""
    days = np.arange(N_DAYS) + DATE_BASE
    d64 = days.astype("datetime64[D]")
    iso = np.datetime_as_string(d64, unit="D").astype("U10")
    y, m, dd = (np.char.partition(iso, "-")[:, 0], np.char.partition(np.char.partition(iso, "-")[:, 2], "-")[:, 0],
                np.char.partition(np.char.partition(iso, "-")[:, 2], "-")[:, 2])
    dotted = np.char.add(np.char.add(np.char.add(np.char.add(dd, "."), m), "."), y)
    slash = np.char.add(np.char.add(np.char.add(np.char.add(dd, "/"), m), "/"), y)
    excel = (days + EXCEL_OFFSET).astype(str)
    month = np.char.add(np.char.add(y, "-"), m)
    return np.concatenate([iso, dotted, slash, excel, month, y]).astype(object)


def date_index(days: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Indices into :func:`date_strings` (-1 where the day is missing, i.e. -1)."""
    idx = style.astype(np.int64) * N_DAYS + (days - DATE_BASE)
    return np.where(days == -1, -1, idx).astype(np.int64)


def iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


class Col:
    """A string column as dictionary indices (-1: empty cell) into a list of strings."""

    def __init__(self, idx: np.ndarray, dictionary) -> None:
        self.idx = np.asarray(idx, dtype=np.int64)
        self.dictionary = dictionary if isinstance(dictionary, list) else list(dictionary)

    @classmethod
    def from_strings(cls, values) -> Col:
        values = np.asarray(values, dtype=object)
        empty = np.array([v is None or v == "" for v in values], dtype=bool) if values.size else np.zeros(0, bool)
        uniq, inv = np.unique(np.where(empty, "", values).astype(str), return_inverse=True)
        return cls(np.where(empty, -1, inv), uniq.tolist())

    def set(self, rows: np.ndarray, values) -> None:
        """Overwrite cells: a string per row (``None`` or "" empties the cell)."""
        rows = np.asarray(rows, dtype=np.int64)
        for r, v in zip(rows.tolist(), list(values), strict=True):
            if v is None or v == "":
                self.idx[r] = -1
            else:
                self.dictionary.append(v)
                self.idx[r] = len(self.dictionary) - 1

    def get(self, rows) -> list:
        return [None if i < 0 else self.dictionary[i] for i in self.idx[np.asarray(rows, dtype=np.int64)].tolist()]

    def take(self, rows) -> Col:
        return Col(self.idx[np.asarray(rows, dtype=np.int64)], self.dictionary)

    def to_arrow(self) -> pa.Array:
        dictionary = pa.array(self.dictionary, pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(self.idx.astype(np.int32), mask=self.idx < 0), dictionary)


def spelled(code_idx: np.ndarray, codes: tuple, family: str, u: np.ndarray, p_canonical: float = 0.6) -> Col:
    """Codes (indices into ``codes``; -1 empty) written in one of their spellings."""
    table = CODE_SPELLINGS[family]
    dictionary, base = [], []
    for code in codes:
        base.append(len(dictionary))
        dictionary.extend(table[code])
    nvar = np.array([len(table[c]) for c in codes])
    safe = np.maximum(code_idx, 0)
    k = nvar[safe]
    # canonical with p_canonical, else uniform over the other spellings
    alt = 1 + np.floor((u - p_canonical) / (1 - p_canonical) * np.maximum(k - 1, 1)).astype(np.int64)
    v = np.where((u < p_canonical) | (k == 1), 0, np.minimum(alt, k - 1))
    return Col(np.where(code_idx < 0, -1, np.array(base)[safe] + v), dictionary)


def regimen_spellings(drugs: tuple[str, ...], h: int) -> list[str]:
    """``N_AGENT_VARIANTS`` ways a chart writes one regimen (``h``: a hash for the choices)."""
    out = [" + ".join(drugs)]
    acronym = next((a.upper() for a, ds in REGIMEN_ACRONYMS.items() if set(ds) == set(drugs) and len(ds) == len(drugs)), None)
    rng = np.random.default_rng(h)
    while len(out) < N_AGENT_VARIANTS:
        if acronym and len(out) == 1:
            out.append(acronym)
            continue
        names = []
        for d in drugs:
            options = DRUG_SPELLINGS.get(d, (d,)) + (REGIMEN_EXTRA.get(d, ()) if len(drugs) > 1 else ())
            names.append(options[int(rng.integers(len(options)))])
        out.append(JOINERS[int(rng.integers(len(JOINERS)))].join(names))
    return out
