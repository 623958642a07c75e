"""Assemble one chunk's registry tables (clean, typed Arrow) and the ground-truth lines."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..model.registry import TABLES_BY_NAME
from . import params as p
from . import regimens as rg
from ._random import Random, S
from .exposures import SUPPORT_SLOT, FlatLines, make_exposures
from .population import Patients, make_patients
from .profile import RegistryProfile
from .sequences import N_EARLY, SETTINGS
from .timeline import DEATH, END_REASONS, make_timelines, scan_jitter

GRADES = ("G1", "G2", "G3")
HISTOLOGIES = ("ductal", "lobular", "mixed", "other")
RESPONSES = ("CR", "PR", "SD", "PD", "NE")
CR, PR, SD, PD, NE = range(5)
TRUTH_COLUMNS = ("patient_id", "line_number", "setting", "start_date", "end_date", "agents")


def patient_ids(gid: np.ndarray, n_total: int) -> np.ndarray:
    """``P0000001``-style ids (at least 7 digits, more when the registry needs them)."""
    width = max(7, len(str(n_total)))
    return np.char.add("P", np.char.zfill((gid + 1).astype(str), width)).astype(object)


def _dates(days: np.ndarray, valid=None) -> pa.Array:
    """Days since 1970 as dates; -1 marks a missing date unless ``valid`` is given."""
    days = np.asarray(days, dtype=np.int64)
    mask = days == -1 if valid is None else ~np.asarray(valid)
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def _codes(values: tuple, idx: np.ndarray, valid=None) -> pa.Array:
    """Dictionary-encoded strings (cheap to take and to write), null where not ``valid``."""
    idx = np.asarray(idx, dtype=np.int32)
    mask = None if valid is None else ~np.asarray(valid)
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=mask), pa.array(list(values), pa.string()))


class Chunk:
    """One generated chunk: clean Arrow tables by name, the truth lines, and the arrays the
    messy layer needs (patients, metastatic diagnosis and death per row)."""


def make_chunk(rnd: Random, start: int, stop: int, n_total: int, prof: RegistryProfile) -> Chunk:
    """Generate patients ``start`` .. ``stop - 1`` (global 0-based numbers) and their rows
    from the registry profile ``prof``."""
    gid = np.arange(start, stop, dtype=np.int64)
    pt = make_patients(rnd, gid, prof)
    lines, early = make_timelines(rnd, pt, prof)
    ids = patient_ids(gid, n_total)
    n = pt.n
    dead = pt.death >= 0
    window = pt.last_contact  # last day anything can be recorded (the death day when dead)
    last_ok = np.where(dead, pt.death - 1, window)

    # --- all lines, patient-major, in time order: 3 early slots then metastatic lines 1..8
    met_start = pt.met_dx[:, None] + lines.start
    exists = np.concatenate([early.exists, lines.exists & (met_start <= window[:, None])], axis=1)
    start_abs = np.concatenate([early.start, met_start], axis=1)
    stop = np.concatenate([early.stop, lines.stop], axis=1)
    regimen = np.concatenate([early.regimen, lines.regimen], axis=1)
    pidx, col = np.nonzero(exists)
    nl = pidx.size
    support = _support(rnd, pt, lines, window, last_ok)
    fl = FlatLines(
        np.concatenate([pidx, support[0]]), np.concatenate([gid[pidx], gid[support[0]]]),
        np.concatenate([col, np.full(support[0].size, SUPPORT_SLOT)]),
        np.concatenate([regimen[pidx, col], support[1]]),
        np.concatenate([start_abs[pidx, col], support[2]]),
        np.concatenate([stop[pidx, col], support[3]]),
        np.concatenate([last_ok[pidx] - start_abs[pidx, col], last_ok[support[0]] - support[2]]),
    )
    is_line = np.arange(fl.n) < nl
    ex, given, line_end = make_exposures(rnd, fl, is_line)
    given, line_end = given[:nl], line_end[:nl]
    agents_lookup = {}
    reg_l = regimen[pidx, col]
    agent_key = reg_l * 64 + given
    uniq, inv = np.unique(agent_key, return_inverse=True)
    agents = [agents_lookup.setdefault(int(k), rg.agents_of(int(k) // 64, int(k) % 64)) for k in uniq]

    is_met = col >= N_EARLY
    mcol = np.maximum(col - N_EARLY, 0)
    line_number = np.where(is_met, mcol + 1, -1)
    setting = np.where(is_met, 2, early.setting[pidx, np.minimum(col, N_EARLY - 1)])
    s_abs = start_abs[pidx, col]

    # --- metastatic line outcomes as observed at the end of follow-up
    kind = lines.kind[pidx, mcol]
    lstop = lines.stop[pidx, mcol]
    prog_rel = lines.prog[pidx, mcol]
    w = window[pidx]
    ended = s_abs + lstop <= w
    end_reason = np.where(ended, kind, np.where(pt.lost[pidx], -1, 6))
    prog_seen = is_met & (prog_rel >= 0) & (s_abs + prog_rel <= w)
    prog_date = np.where(prog_seen, s_abs + prog_rel, -1)
    radiological = lines.radiological[pidx, mcol]
    # early lines: completed, or stopped at relapse (progression = metastatic diagnosis)
    trunc = early.truncated[pidx, np.minimum(col, N_EARLY - 1)] & ~is_met
    end_reason = np.where(is_met, end_reason, np.where(trunc, 0, 2))
    prog_date = np.where(is_met, prog_date, np.where(trunc, pt.met_dx[pidx], -1))
    ended = np.where(is_met, ended, True)

    scans, scan_pidx, bor, bor_date = _scans(rnd, pt, lines, pidx, mcol, is_met, s_abs, w, prog_seen, radiological,
                                  ended, reg_l, ids, prof)

    ch = Chunk()
    ch.n = n
    ch.pt = pt
    ch.ids = ids
    ch.tables = {}
    ch.tables["patients"] = _patients_table(pt, ids, prof.n_centres)
    ch.tables["metastatic_sites"], site_pidx = _sites_table(pt, ids, lines, window)
    tl_end = np.where(ended & (end_reason != 6) & (end_reason >= 0), line_end, -1)
    ch.tables["therapy_lines"] = pa.table({
        "patient_id": pa.array(ids[pidx], pa.string()),
        "line_number": pa.array(line_number, pa.int32(), mask=line_number < 0),
        "setting": _codes(SETTINGS, setting),
        "start_date": _dates(s_abs),
        "end_date": _dates(tl_end),
        "agents": _codes(tuple(agents), inv),
        "end_reason": _codes(END_REASONS + ("ongoing",), np.maximum(end_reason, 0), end_reason >= 0),
        "progression_date": _dates(prog_date),
        "progression_kind": _codes(("radiological", "clinical"), np.where(radiological, 0, 1), prog_seen),
        "best_response": _codes(RESPONSES, np.maximum(bor, 0), bor >= 0),
        "best_response_date": _dates(bor_date),
    })
    ch.tables["response_assessments"] = scans
    ps_day = s_abs - rnd.integers(S.PS_JITTER, 0, 8, gid[pidx], col)
    ps_day = np.maximum(ps_day, pt.met_dx[pidx])
    ch.tables["performance_status"] = pa.table({
        "patient_id": pa.array(ids[pidx[is_met]], pa.string()),
        "assessment_date": _dates(ps_day[is_met]),
        "ecog": pa.array(lines.ecog[pidx, mcol][is_met].astype(np.int32)),
    })
    ch.tables["drug_exposures"] = pa.table({
        "patient_id": pa.DictionaryArray.from_arrays(pa.array(ex.pidx.astype(np.int32)), pa.array(ids, pa.string())),
        "drug_source_value": _codes(rg.DRUG_NAMES, ex.drug),
        "drug": _codes(rg.DRUG_NAMES, ex.drug),
        "start_date": _dates(ex.start),
        "end_date": _dates(ex.end),
        "route": _codes(rg.ROUTES, ex.route),
    })
    ch.truth = pa.table({
        "patient_id": pa.array(ids[pidx], pa.string()),
        "line_number": pa.array(line_number, pa.int32(), mask=line_number < 0),
        "setting": _codes(SETTINGS, setting),
        "start_date": _dates(s_abs),
        "end_date": _dates(line_end),
        "agents": _codes(tuple(agents), inv),
    })
    # the patient (chunk-local index) of every row: the messy layer keeps planted errors
    # single, lists cascades and keeps valid mess valid with it
    ch.row_pidx = {"patients": np.arange(n), "metastatic_sites": site_pidx, "therapy_lines": pidx,
                   "response_assessments": scan_pidx, "performance_status": pidx[is_met],
                   "drug_exposures": ex.pidx}
    ch.line_is_met = is_met
    ch.line_last = np.r_[pidx[1:] != pidx[:-1], True] if pidx.size else np.zeros(0, dtype=bool)
    ch.line_has_prog = prog_date >= 0
    ch.line_has_end = tl_end >= 0
    return ch


def _support(rnd: Random, pt: Patients, lines, window, last_ok):
    """Bone-targeted drug segments for patients with bone metastases (denosumab or zoledronic acid)."""
    gid = pt.gid
    use = pt.bone & (rnd.uniform(S.BONE_DRUG, gid) < 0.6)
    start = pt.met_dx + lines.start[:, 0] + rnd.integers(S.BONE_TIMES, 0, 61, gid)
    use &= start <= last_ok
    which = rnd.choice(S.BONE_DRUG, (0.4, 0.3, 0.3), gid, 1)
    reg = np.array([rg.REGIMEN_INDEX[k] for k in ("S_DENOSUMAB", "S_ZOL_Q4W", "S_ZOL_Q12W")])[which]
    # some stop after about two years (de-escalation), the rest continue to the end of follow-up
    dur = np.where(rnd.uniform(S.BONE_TIMES, gid, 1) < 0.4, 700, 100_000)
    idx = np.flatnonzero(use)
    return idx, reg[idx], start[idx], dur[idx]


def _scans(rnd, pt, lines, pidx, mcol, is_met, s_abs, w, prog_seen, radiological, ended, reg_l, ids, prof):
    """Restaging scans of metastatic lines (RECIST responses) and each line's best response."""
    gid = pt.gid[pidx]
    k = mcol + 1
    interval = lines.interval[pidx, mcol]
    prog_rel = lines.prog[pidx, mcol]
    limit = np.where(prog_rel >= 0, prog_rel, lines.stop[pidx, mcol])  # scans strictly before
    obs = w - s_abs  # and on or before the end of observation

    def count(lim, strict):
        nmax = np.maximum((lim - (1 if strict else 0)) // np.maximum(interval, 1), 0)
        late = nmax * interval + scan_jitter(rnd, gid, k, nmax)
        over = (late >= lim) if strict else (late > lim)
        return np.where((nmax > 0) & over, nmax - 1, nmax)

    n_a = np.where(is_met, np.minimum(count(limit, True), count(obs, False)), 0)
    has_pd = prog_seen & radiological
    # best response: more scans before the event (longer PFS), more likely a response
    g = pt.group[pidx]
    base = np.select([rg.HAS_TDXD[reg_l], reg_l == rg.REGIMEN_INDEX["TDM1"], k == 1],
                     [p.ORR_TDXD, np.array([p.ORR_LATER, *(prof.orr_tdm1[i] for i in range(1, 6))])[g], p.ORR_LINE1], p.ORR_LATER)
    p_resp = np.clip(base * np.clip(0.5 + n_a / 4, 0.5, 1.6), 0.0, 0.95)
    responder = rnd.uniform(S.RESPONSE, gid, k) < p_resp
    best = np.where(responder, np.where(rnd.uniform(S.RESPONSE_CR, gid, k) < p.P_CR_OF_RESPONSE, CR, PR), SD)
    at = np.where((n_a == 1) | (rnd.uniform(S.RESPONSE_AT, gid, k) < 0.6), 1, 2)
    bor = np.select([n_a >= 1, prog_seen, ended & is_met], [best, PD, NE], -1)
    bor_date = np.select([n_a >= 1, prog_seen], [s_abs + at * interval + scan_jitter(rnd, gid, k, at), s_abs + prog_rel], -1)

    nrow = n_a + has_pd
    li = np.repeat(np.arange(pidx.size), nrow)
    j = np.arange(li.size) - np.repeat(np.cumsum(nrow) - nrow, nrow) + 1
    is_pd = j > n_a[li]
    day = np.where(is_pd, s_abs[li] + prog_rel[li],
                   s_abs[li] + j * interval[li] + scan_jitter(rnd, gid[li], k[li], j))
    b = best[li]
    resp = np.where(is_pd, PD, np.where(j >= at[li], b, np.where(b == CR, PR, SD)))
    table = pa.table({
        "patient_id": pa.array(ids[pidx[li]], pa.string()),
        "assessment_date": _dates(day),
        "response": _codes(RESPONSES, resp),
        "line_number": pa.array(k[li].astype(np.int32)),
    })
    return table, pidx[li], np.where(is_met, bor, -1), np.where(is_met & (bor >= 0) & (bor != NE), bor_date, -1)


def _patients_table(pt: Patients, ids: np.ndarray, n_centres: int) -> pa.Table:
    birth = pt.met_dx - np.round(pt.age * 365.25).astype(np.int64)
    return pa.table({
        "patient_id": pa.array(ids, pa.string()),
        "centre": _codes(tuple(f"C{i:02d}" for i in range(1, n_centres + 1)), pt.centre - 1),
        "birth_date": _dates(birth, np.ones(pt.n, dtype=bool)),
        "sex": _codes(("female", "male"), np.where(pt.female, 0, 1)),
        "primary_diagnosis_date": _dates(pt.primary_dx),
        "surgery_date": _dates(pt.surgery),
        "metastatic_diagnosis_date": _dates(pt.met_dx),
        "de_novo_metastatic": _codes(("yes", "no"), np.where(pt.de_novo, 0, 1)),
        "er_status": _codes(("positive", "negative"), np.where(pt.er_pos, 0, 1)),
        "er_percent": pa.array(pt.er_pct.astype(np.int32), mask=~pt.pct_known),
        "pgr_status": _codes(("positive", "negative"), np.where(pt.pgr_pos, 0, 1)),
        "pgr_percent": pa.array(pt.pgr_pct.astype(np.int32), mask=~pt.pct_known),
        "her2_ihc": _codes(("3+", "2+"), np.where(pt.her2_ihc3, 0, 1)),
        "her2_ish": _codes(("amplified",), np.zeros(pt.n, dtype=np.int32), pt.ish_done),
        "ki67_percent": pa.array(np.nan_to_num(pt.ki67).astype(np.int32), mask=np.isnan(pt.ki67)),
        "grade": _codes(GRADES, np.minimum(pt.grade, 2), pt.grade < 3),
        "histology": _codes(HISTOLOGIES, pt.histology),
        "enrolment_date": _dates(pt.enrolment),
        "last_contact_date": _dates(pt.last_contact),
        "death_date": _dates(pt.death),
        "lost_to_follow_up": _codes(("yes", "no"), np.where(pt.lost, 0, 1)),
    })


def _sites_table(pt: Patients, ids: np.ndarray, lines, window) -> pa.Table:
    """One row per site; later sites are dated at the first recorded progression."""
    pidx, site = np.nonzero(pt.site_mask)
    first_prog = np.full(pt.n, -1, dtype=np.int64)
    for c in range(p.MAX_LINES - 1, -1, -1):
        d = pt.met_dx + lines.start[:, c] + lines.prog[:, c]
        ok = lines.exists[:, c] & (lines.prog[:, c] >= 0) & (d <= window) & (lines.kind[:, c] != DEATH)
        first_prog = np.where(ok, d, first_prog)
    later = pt.site_later[pidx, site] & (first_prog[pidx] >= 0)
    date = np.where(later, first_prog[pidx], pt.met_dx[pidx])
    return pa.table({
        "patient_id": pa.array(ids[pidx], pa.string()),
        "site": _codes(p.SITES, site),
        "date_detected": _dates(date),
    }), pidx


def check_columns(name: str, table: pa.Table) -> None:
    """The chunk's columns are exactly the model's (a guard against drift from the model)."""
    expected = TABLES_BY_NAME[name].column_names if name != "truth_lines" else TRUTH_COLUMNS
    assert tuple(table.column_names) == tuple(expected), (name, table.column_names)
