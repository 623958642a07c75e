"""A straightforward pandas implementation of the same line rules: the test oracle.

Patient by patient (``groupby(...).apply``), record by record, exactly as the rules read in
``docs/lines.md``. It is slow (a Python loop per patient and per line) and exists to check the
set-based SQL of :mod:`.algorithm` on random data and to measure it in the benchmark.

Examples
--------
>>> import pandas as pd
>>> ex = pd.DataFrame({"patient_id": ["A", "A"], "drug": ["docetaxel", "trastuzumab emtansine"],
...                    "start_date": pd.to_datetime(["2020-01-01", "2020-04-01"])})
>>> pt = pd.DataFrame({"patient_id": ["A"], "metastatic_diagnosis_date": pd.to_datetime(["2019-12-01"])})
>>> derive_lines_pandas(ex, pt)[["line_number", "agents", "start_rule", "end_rule"]].values.tolist()
[[1, ('docetaxel',), 'first_metastatic', 'new_drug'], [2, ('trastuzumab emtansine',), 'new_drug', 'end_of_data']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .params import EndRule, LineRules, Phase, Setting, StartRule
from .vocabulary import DEFAULT, Vocabulary

_EPOCH = np.datetime64("1970-01-01", "D")
COLUMNS = ["patient_id", "line_seq", "line_number", "setting", "start_date", "end_date", "agents", "start_rule", "end_rule"]


def _days(values) -> pd.Series:
    d = pd.to_datetime(pd.Series(values))
    return pd.Series(np.where(d.isna(), np.nan, (d.values.astype("datetime64[D]") - _EPOCH).astype("int64")), index=d.index)


def _date(day: float):
    return None if day is None or day != day else (_EPOCH + np.timedelta64(int(day), "D")).astype("datetime64[D]").item()


def derive_lines_pandas(exposures: pd.DataFrame, patients: pd.DataFrame, rules: LineRules | None = None,
                        vocabulary: Vocabulary = DEFAULT, progressions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Derived lines (columns :data:`COLUMNS`), one row per line, by a per-patient loop.

    ``progressions``: ``patient_id, date`` of recorded progressions (RECIST PD).
    """
    rules = rules or LineRules()
    info = {d.name: d for d in vocabulary.drugs if d.drug_class not in rules.ignored_classes}
    ex = exposures[exposures["drug"].isin(list(info)) & exposures["start_date"].notna()].copy()
    ex["s"] = _days(ex["start_date"]).to_numpy()
    end = _days(ex["end_date"]).to_numpy() if "end_date" in ex else np.full(len(ex), np.nan)
    ex["en"] = np.maximum(np.where(np.isnan(end), ex["s"] + rules.default_exposure_days - 1, end), ex["s"])
    pt = patients.set_index("patient_id")
    dates = {c: _days(pt[c]) if c in pt else pd.Series(np.nan, index=pt.index)
             for c in ("metastatic_diagnosis_date", "surgery_date", "death_date", "last_contact_date")}
    prog: dict = {}
    if progressions is not None and rules.progression_ends_add_on and len(progressions):
        pr = progressions.assign(p=_days(progressions["date"]).to_numpy()).dropna(subset=["p"])
        prog = {pid: sorted(g["p"]) for pid, g in pr.groupby("patient_id")}
    out = [
        _patient(pid, grp, {c: v.get(pid, np.nan) for c, v in dates.items()}, rules, info, prog.get(pid, []))
        for pid, grp in ex.groupby("patient_id", sort=True)
    ]
    rows = [r for lines in out for r in lines]
    return pd.DataFrame(rows, columns=COLUMNS)


def _phase(s: float, met: float, rules: LineRules) -> str:
    if met != met:
        return rules.undated_phase.value
    return Phase.METASTATIC.value if s >= met - rules.metastatic_tolerance_days else Phase.EARLY.value


def _patient(pid, grp: pd.DataFrame, d: dict, rules: LineRules, info: dict, prog: list) -> list[list]:
    met = d["metastatic_diagnosis_date"]
    recs = {}
    for drug, s, en in zip(grp["drug"], grp["s"], grp["en"], strict=True):
        key = (_phase(s, met, rules), drug, s)
        recs[key] = max(recs.get(key, en), en)  # duplicates: one record, the longest
    lines = []  # [phase, s, en, regimen, island]
    for phase in (Phase.EARLY.value, Phase.METASTATIC.value):
        rows = sorted((s, en, drug) for (ph, drug, s), en in recs.items() if ph == phase)
        islands, run_end = [], None
        for r in rows:
            if run_end is None or r[0] - run_end > rules.discontinuation_gap_days:
                islands.append([])
            islands[-1].append(r)
            run_end = r[1] if run_end is None else max(run_end, r[1])
        for isl_no, isl in enumerate(islands):
            for line in _island_lines(isl, rules, info, prog):
                lines.append([phase, *line, isl_no])
    out = []
    n_met = 0
    for i, (phase, s, en, regimen, k, isl_no) in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if phase == Phase.METASTATIC.value:
            n_met += 1
            setting = Setting.METASTATIC.value
        else:
            surgery = d["surgery_date"]
            setting = Setting.NEOADJUVANT.value if surgery == surgery and s < surgery else Setting.ADJUVANT.value
        if k > 1:
            start_rule = StartRule.NEW_DRUG.value
        elif isl_no > 0:
            start_rule = StartRule.AFTER_GAP.value
        else:
            start_rule = StartRule.FIRST_METASTATIC.value if phase == Phase.METASTATIC.value else StartRule.FIRST_EARLY.value
        gap = rules.discontinuation_gap_days
        if nxt is not None and nxt[0] == phase and nxt[5] == isl_no:
            end_rule = EndRule.NEW_DRUG.value
        elif nxt is not None and nxt[0] == phase:
            end_rule = EndRule.GAP.value
        elif phase == Phase.EARLY.value and met == met:
            end_rule = EndRule.METASTATIC_DIAGNOSIS.value if met - en <= gap else EndRule.GAP.value
        elif d["death_date"] == d["death_date"] and d["death_date"] - en <= gap:
            end_rule = EndRule.DEATH.value
        elif d["last_contact_date"] == d["last_contact_date"] and d["last_contact_date"] - en > gap:
            end_rule = EndRule.GAP.value
        else:
            end_rule = EndRule.END_OF_DATA.value
        end = min(en, nxt[1] - 1) if nxt is not None else en
        out.append([pid, i + 1, n_met if phase == Phase.METASTATIC.value else None, setting, _date(s), _date(end),
                    regimen, start_rule, end_rule])
    return out


def _island_lines(rows: list[tuple], rules: LineRules, info: dict, prog: list) -> list[tuple]:
    """Lines of one island: (start, end, regimen, k) with the regimen in order of first exposure."""
    w = rules.regimen_window_days
    out = []
    start_idx, k = 0, 1
    while start_idx < len(rows):
        L = rows[start_idx][0]
        x = rows[start_idx:]
        first: dict[str, float] = {}
        for s, _en, drug in x:
            if s <= L + w and drug not in first:
                first[drug] = s
        regimen = set(first)
        families = {info[dr].family for dr in regimen if info[dr].family in rules.substitution_families}
        nxt = None
        joined: set[str] = set()  # accepted add-ons stay in the line
        for i, (s, _en, drug) in enumerate(x):
            if s <= L + w or drug in regimen or drug in joined:
                continue
            if info[drug].family in rules.substitution_families and info[drug].family in families:
                continue
            progressed = any(L < p <= s for p in prog)
            if not progressed and _exempt(x, i, L, regimen, rules, info):
                joined.add(drug)
                continue
            nxt = start_idx + i
            break
        if nxt is not None:
            # records of the same day as the next start belong to the next line
            while rows[nxt - 1][0] == rows[nxt][0]:
                nxt -= 1
        stop = nxt if nxt is not None else len(rows)
        en = max(r[1] for r in rows[start_idx:stop])
        out.append((L, en, tuple(sorted(regimen, key=lambda dr: (first[dr], dr))), k))
        if nxt is None:
            break
        start_idx, k = nxt, k + 1
    return out


def _exempt(x: list[tuple], i: int, L: float, regimen: set, rules: LineRules, info: dict) -> bool:
    s, _en, drug = x[i]
    cls, fam = info[drug].drug_class, info[drug].family
    for ex in rules.add_on_exemptions:
        if not (cls == ex.added_class or fam == ex.added_family):
            continue
        if not any(info[dr].drug_class == ex.requires_class for dr in regimen):
            continue
        if ex.during_maintenance:
            induction = [(s2, e2) for s2, e2, d2 in x if d2 in regimen and info[d2].drug_class not in rules.maintenance_classes and s2 <= s]
            before = [e2 for s2, e2 in induction if s2 < s]
            if not before or max(before) >= s or any(s2 == s for s2, _ in induction):
                continue
            maint = [s2 for s2, _e2, d2 in x if d2 in regimen and info[d2].drug_class in rules.maintenance_classes and s2 < s]
            if not maint or max(maint) <= max(before):
                continue
        if ex.continuity_days is not None:
            req = [s2 for s2, _e2, d2 in x if info[d2].drug_class == ex.requires_class]
            last = max((r for r in req if r < s), default=None)
            nxt = min((r for r in req if r > s), default=None)
            if last is None or nxt is None or last < s - ex.continuity_days or nxt > s + ex.continuity_days:
                continue
        return True
    return False
