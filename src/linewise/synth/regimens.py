"""Regimens of HER2-positive breast cancer with their administration schedules.

Each regimen is a tuple of components (drug, schedule). The schedules make the raw drug
records: q3w infusions of antibodies and ADCs, weekly paclitaxel or q3w docetaxel stopped
after ~6 cycles while the antibodies continue (maintenance), oral drugs as dispensings whose
end date is start + days supply - 1. All components with offset 0 start on the line's first
day, so the line-of-therapy regimen window (28 days) sees exactly the regimen; a component
with offset 21 joins inside the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lines.vocabulary import DRUGS_BY_NAME, DrugClass

ROUTES = ("iv", "sc", "oral", "im", "other")
IV, SC, ORAL, IM = 0, 1, 2, 3


@dataclass(frozen=True)
class Component:
    """One drug of a regimen: every ``interval`` days from ``offset``, at most ``max_cycles``
    cycles (0: until the line stops), on ``days`` of each cycle; ``supply`` > 0 for dispensings."""

    drug: str
    interval: int
    max_cycles: int = 0
    offset: int = 0
    days: tuple[int, ...] = (0,)
    route: int = IV
    supply: int = 0


@dataclass(frozen=True)
class Regimen:
    key: str
    components: tuple[Component, ...]
    hr_positive_only: bool = False
    acronym: str | None = None  # how a chart may write it (messy mode), if the vocabulary knows it

    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(c.drug for c in self.components)


def _q3w(drug, n=0, offset=0):
    return Component(drug, 21, n, offset)


def _weekly(drug, n):
    return Component(drug, 7, n)


def _oral(drug, every, supply, n=0):
    return Component(drug, every, n, route=ORAL, supply=supply)


H, P, D, PAC = "trastuzumab", "pertuzumab", "docetaxel", "paclitaxel"
CAPE, LAPA, VIN, ERI = "capecitabine", "lapatinib", "vinorelbine", "eribulin"
TDM1, TDXD = "trastuzumab emtansine", "trastuzumab deruxtecan"

REGIMENS: tuple[Regimen, ...] = (
    # --- metastatic, first line: taxane x 6 cycles (18 weeks weekly paclitaxel), antibodies to PD
    Regimen("THP_D", (_q3w(D, 6), _q3w(H), _q3w(P)), acronym="THP"),
    Regimen("THP_P", (_weekly(PAC, 18), _q3w(H), _q3w(P)), acronym="PHP"),
    Regimen("THP_D_LATE", (_q3w(D, 6), _q3w(H), _q3w(P, offset=21))),
    Regimen("LET_HP", (_oral("letrozole", 84, 84), _q3w(H), _q3w(P)), hr_positive_only=True),
    # vinorelbine + HP (VELVET): the pertuzumab first line after a recent taxane-HP early regimen
    Regimen("VIN_HP", (_oral(VIN, 21, 21), _q3w(H), _q3w(P))),
    Regimen("TH_D", (_q3w(D, 6), _q3w(H))),
    Regimen("TH_P", (_weekly(PAC, 18), _q3w(H))),
    Regimen("VIN_H", (_oral(VIN, 21, 21), _q3w(H))),
    Regimen("CAP_H", (_oral(CAPE, 21, 14), _q3w(H))),
    Regimen("LET_H", (_oral("letrozole", 84, 84), _q3w(H)), hr_positive_only=True),
    Regimen("FUL_H", (Component("fulvestrant", 28, route=IM), _q3w(H)), hr_positive_only=True),
    # --- no HER2 antibody (Study B's "neither Tmab nor Pmab")
    Regimen("CAP_LAP", (_oral(CAPE, 21, 14), _oral(LAPA, 28, 28))),
    Regimen("PAC", (_weekly(PAC, 18),)),
    Regimen("CAP", (_oral(CAPE, 21, 14),)),
    Regimen("ERI", (Component(ERI, 21, days=(0, 7)),)),
    # --- later lines
    Regimen("LAP_H", (_oral(LAPA, 28, 28), _q3w(H))),
    Regimen("ERI_H", (Component(ERI, 21, days=(0, 7)), _q3w(H))),
    Regimen("GEM_CARBO_H", (Component("gemcitabine", 21, 6, days=(0, 7)), _q3w("carboplatin", 6), _q3w(H))),
    Regimen("TDM1", (_q3w(TDM1),)),
    Regimen("TDXD", (_q3w(TDXD),)),
    Regimen("TUC_CAP_H", (_oral("tucatinib", 21, 21), _oral(CAPE, 21, 14), _q3w(H))),
    Regimen("NER_CAP", (_oral("neratinib", 28, 28), _oral(CAPE, 21, 14))),
    # --- early disease (neoadjuvant / adjuvant): trastuzumab completes 17 cycles (one year)
    Regimen("E_TCH", (_q3w(D, 6), _q3w("carboplatin", 6), _q3w(H, 17)), acronym="TCH"),
    Regimen("E_TCHP", (_q3w(D, 6), _q3w("carboplatin", 6), _q3w(H, 17), _q3w(P, 17, offset=21)), acronym="TCHP"),
    Regimen("E_PH", (_weekly(PAC, 12), _q3w(H, 17))),
    Regimen("E_EC", (_q3w("epirubicin", 4), _q3w("cyclophosphamide", 4)), acronym="EC"),
    Regimen("E_DH", (_q3w(D, 4), _q3w(H, 17))),
    Regimen("E_D", (_q3w(D, 4),)),
    Regimen("E_FEC", (_q3w("fluorouracil", 6), _q3w("epirubicin", 6), _q3w("cyclophosphamide", 6)), acronym="FEC"),
    Regimen("E_TC", (_q3w(D, 4), _q3w("cyclophosphamide", 4))),
    Regimen("E_TAM", (_oral("tamoxifen", 90, 90, 20),)),
    Regimen("E_LET", (_oral("letrozole", 90, 90, 20),)),
    Regimen("E_ANA", (_oral("anastrozole", 90, 90, 20),)),
    # --- supportive and bone-targeted (never a line): one "regimen" each, see exposures.py
    Regimen("S_DENOSUMAB", (Component("denosumab", 28, route=SC),)),
    Regimen("S_ZOL_Q4W", (Component("zoledronic acid", 28),)),
    Regimen("S_ZOL_Q12W", (Component("zoledronic acid", 84),)),
)
REGIMEN_INDEX = {r.key: i for i, r in enumerate(REGIMENS)}
N_REGIMENS = len(REGIMENS)

#: Drugs in a fixed order (ids index this tuple); ondansetron rides along with chemotherapy.
DRUG_NAMES: tuple[str, ...] = tuple(dict.fromkeys([c.drug for r in REGIMENS for c in r.components] + ["ondansetron"]))
DRUG_INDEX = {d: i for i, d in enumerate(DRUG_NAMES)}
ONDANSETRON = DRUG_INDEX["ondansetron"]
DRUG_IS_CHEMO = np.array([DRUGS_BY_NAME[d].drug_class is DrugClass.CHEMOTHERAPY for d in DRUG_NAMES])
_FAMILIES = tuple(dict.fromkeys(DRUGS_BY_NAME[d].family for d in DRUG_NAMES))
DRUG_FAMILY_BIT = np.array([1 << _FAMILIES.index(DRUGS_BY_NAME[d].family) for d in DRUG_NAMES], dtype=np.int64)

# Flat component table: regimen r owns components COMP_START[r] : COMP_START[r] + COMP_COUNT[r].
_COMPS = [(ri, c) for ri, r in enumerate(REGIMENS) for c in r.components]
COMP_COUNT = np.array([len(r.components) for r in REGIMENS], dtype=np.int64)
COMP_START = np.concatenate([[0], np.cumsum(COMP_COUNT)[:-1]]).astype(np.int64)
COMP_DRUG = np.array([DRUG_INDEX[c.drug] for _, c in _COMPS], dtype=np.int16)
COMP_INTERVAL = np.array([c.interval for _, c in _COMPS], dtype=np.int64)
COMP_MAX = np.array([c.max_cycles or 10_000 for _, c in _COMPS], dtype=np.int64)
COMP_OFFSET = np.array([c.offset for _, c in _COMPS], dtype=np.int64)
COMP_SECOND_DAY = np.array([c.days[1] if len(c.days) > 1 else -1 for _, c in _COMPS], dtype=np.int64)
COMP_ROUTE = np.array([c.route for _, c in _COMPS], dtype=np.int8)
COMP_SUPPLY = np.array([c.supply for _, c in _COMPS], dtype=np.int64)
COMP_INDEX_IN_REGIMEN = np.concatenate([np.arange(n) for n in COMP_COUNT]).astype(np.int64)

#: Families a regimen brings on its first day: the next line must bring at least one family
#: the previous line did not have, or the line-of-therapy rules would not see a new line.
CORE_FAMILIES = np.array([
    int(np.bitwise_or.reduce([DRUG_FAMILY_BIT[DRUG_INDEX[c.drug]] for c in r.components if c.offset == 0]))
    for r in REGIMENS], dtype=np.int64)
ALL_FAMILIES = np.array([int(np.bitwise_or.reduce([DRUG_FAMILY_BIT[DRUG_INDEX[c.drug]] for c in r.components]))
                         for r in REGIMENS], dtype=np.int64)
HR_POSITIVE_ONLY = np.array([r.hr_positive_only for r in REGIMENS])
HAS_PERTUZUMAB = np.array(["pertuzumab" in r.drugs for r in REGIMENS])
HAS_TDXD = np.array([TDXD in r.drugs for r in REGIMENS])
HAS_TUCATINIB = np.array(["tucatinib" in r.drugs for r in REGIMENS])
#: Taxane substitution partner (paclitaxel <-> docetaxel), by drug id; -1 for others.
TAXANE_PARTNER = np.full(len(DRUG_NAMES), -1, dtype=np.int16)
TAXANE_PARTNER[DRUG_INDEX[D]] = DRUG_INDEX[PAC]
TAXANE_PARTNER[DRUG_INDEX[PAC]] = DRUG_INDEX[D]
#: First chemotherapy component of each regimen (ondansetron is given on its days), -1 if none.
FIRST_CHEMO_COMP = np.array([
    next((COMP_START[ri] + k for k, c in enumerate(r.components) if DRUG_IS_CHEMO[DRUG_INDEX[c.drug]] and c.route == IV), -1)
    for ri, r in enumerate(REGIMENS)], dtype=np.int64)


def agents_of(regimen: int, given_mask: int) -> str:
    """The regimen's drugs (in regimen order) whose bit is set in ``given_mask``, joined by ' + '."""
    comps = REGIMENS[regimen].components
    return " + ".join(dict.fromkeys(c.drug for k, c in enumerate(comps) if given_mask >> k & 1))


def weights(spec: dict[str, float]) -> np.ndarray:
    """A weight vector over all regimens from ``{key: weight}``."""
    w = np.zeros(N_REGIMENS)
    for key, value in spec.items():
        w[REGIMEN_INDEX[key]] = value
    return w


# --- which regimens each kind of line draws from (weights, before eligibility masks) ---------
W_FIRST_PMAB = weights({"THP_D": 0.55, "THP_P": 0.33, "LET_HP": 0.10, "VIN_HP": 0.02})
W_FIRST_NO_PMAB = weights({"TH_D": 0.38, "TH_P": 0.30, "VIN_H": 0.14, "CAP_H": 0.06, "LET_H": 0.12})
W_FIRST_NO_HER2 = weights({"CAP_LAP": 0.5, "PAC": 0.25, "CAP": 0.25})
W_MID_NO_HER2 = weights({"CAP_LAP": 0.4, "ERI": 0.3, "CAP": 0.3})
W_MID = weights({"CAP_LAP": 0.30, "VIN_H": 0.15, "CAP_H": 0.12, "ERI_H": 0.10, "LAP_H": 0.08,
                 "GEM_CARBO_H": 0.05, "LET_H": 0.06, "FUL_H": 0.04})
#: Group 2 may meet pertuzumab in its 2nd line, when that starts after pertuzumab's
#: introduction: Study A's patients had T-DM1 after pertuzumab, 20.7% without it in 1st line.
W_MID_PMAB = weights({"THP_P": 1.0})
P_MID_PMAB = 0.9
W_LATER = weights({"CAP_LAP": 0.30, "VIN_H": 0.15, "CAP_H": 0.12, "ERI_H": 0.10, "LAP_H": 0.08,
                   "GEM_CARBO_H": 0.05, "LET_H": 0.05, "FUL_H": 0.05, "ERI": 0.08, "NER_CAP": 0.03})
W_LATER_TDXD = weights({"TDXD": 2.0, "TUC_CAP_H": 0.4})
W_NEVER_FIRST_PMAB = weights({"THP_D": 0.45, "THP_P": 0.23, "THP_D_LATE": 0.2, "LET_HP": 0.10, "VIN_HP": 0.02})
W_NEVER_SECOND_TDXD = weights({"TDXD": 1.0})
