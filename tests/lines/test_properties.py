"""Properties on random timelines: the SQL equals the pandas oracle; lines never overlap and
cover every eligible record once; row order and a common date shift change nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lines._support import BASE, frames
from linewise.lines.algorithm import derive_lines
from linewise.lines.oracle import COLUMNS, derive_lines_pandas
from linewise.lines.params import LineRules

DRUGS = ["docetaxel", "paclitaxel", "trastuzumab", "pertuzumab", "capecitabine", "letrozole", "goserelin",
         "trastuzumab emtansine", "denosumab", "ondansetron", None]

record = st.tuples(st.sampled_from(DRUGS), st.integers(0, 700), st.one_of(st.none(), st.integers(0, 100)))
patient = st.fixed_dictionaries({
    "records": st.lists(record, min_size=1, max_size=25),
    "met": st.one_of(st.none(), st.integers(-50, 300)),
    "surgery": st.one_of(st.none(), st.integers(-200, 100)),
    "death": st.one_of(st.none(), st.integers(600, 1000)),
    "pd": st.lists(st.integers(0, 700), max_size=3),
})
cohort = st.lists(patient, min_size=1, max_size=4)
rules_st = st.sampled_from([LineRules(), LineRules(add_on_exemptions=()), LineRules(regimen_window_days=14, discontinuation_gap_days=60),
                            LineRules(substitution_families=(), maintenance_min_days=0, metastatic_tolerance_days=10)])
SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _inputs(pats, shift=0):
    recs, info, prog = [], {}, []
    for i, p in enumerate(pats):
        pid = f"P{i}"
        for drug, s, dur in p["records"]:
            recs.append((pid, drug, s + shift, None if dur is None else s + dur + shift))
        info[pid] = {k: (None if p[k] is None else p[k] + shift) for k in ("met", "surgery", "death")}
        prog += [{"patient_id": pid, "date": BASE + dt.timedelta(days=d + shift)} for d in p["pd"]]
    ex, pt = frames(recs, info)
    return ex, pt, pd.DataFrame(prog, columns=["patient_id", "date"])


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    df = df[COLUMNS].copy()
    df["agents"] = df["agents"].map(tuple)
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    df["line_number"] = df["line_number"].astype("Int64")
    return df.sort_values(["patient_id", "line_seq"]).reset_index(drop=True)


def _sql(con, ex, pt, rules, prog):
    run = derive_lines(con, rules, exposures=ex, patients=pt, progressions=prog, keep_assigned=True)
    try:
        return run.lines(), run.counts, len(run.assigned())
    finally:
        run.drop()


@SETTINGS
@given(pats=cohort, rules=rules_st)
def test_sql_equals_oracle_and_lines_partition_the_records(con, pats, rules):
    ex, pt, prog = _inputs(pats)
    lines, counts, n_assigned = _sql(con, ex, pt, rules, prog)
    expected = derive_lines_pandas(ex, pt, rules, progressions=prog)
    pd.testing.assert_frame_equal(_norm(lines), _norm(expected), check_dtype=False)
    # every eligible record (after merging same-day duplicates) is in exactly one line
    assert lines["n_exposures"].sum() == counts["exposures_used"]
    assert n_assigned <= counts["exposures_used"]
    for _, g in lines.groupby("patient_id"):
        g = g.sort_values("line_seq")
        assert (g["start_date"] <= g["end_date"]).all()
        assert (g["start_date"].iloc[1:].to_numpy() > g["end_date"].iloc[:-1].to_numpy()).all()  # no overlap


@SETTINGS
@given(pats=cohort, shift=st.integers(-3000, 3000), seed=st.integers(0, 2**16))
def test_row_order_and_date_shift_change_nothing(con, pats, shift, seed):
    ex, pt, prog = _inputs(pats)
    base = _norm(_sql(con, ex, pt, LineRules(), prog)[0])
    shuffled = _norm(_sql(con, ex.sample(frac=1, random_state=seed), pt.sample(frac=1, random_state=seed), LineRules(), prog)[0])
    pd.testing.assert_frame_equal(base, shuffled)
    ex2, pt2, prog2 = _inputs(pats, shift)
    moved = _norm(_sql(con, ex2, pt2, LineRules(), prog2)[0])
    delta = pd.Timedelta(days=shift)
    base["start_date"] += delta
    base["end_date"] += delta
    pd.testing.assert_frame_equal(base, moved)


def test_base_date_is_the_same_as_the_helpers():
    assert BASE.isoformat() == "2020-01-01"
