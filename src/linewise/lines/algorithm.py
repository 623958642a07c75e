"""Lines of therapy from raw drug records, as set-based Ibis/SQL over the store.

The rules are iterative (a regimen window anchored at each line's start), the data large
(millions of patients), so the algorithm is a handful of set-based steps, each one SQL
statement over *all* patients; the only Python loop runs over the line number.

1. **Prepare** (:func:`prepare_exposures`): keep eligible drugs (the vocabulary's classes minus
   supportive and bone-targeted), split each patient's records into the early and the
   metastatic phase at the metastatic diagnosis, collapse duplicate records (same patient,
   drug and day), and cut each phase into *islands* at gaps: gaps-and-islands with window
   functions — the running maximum of end dates over the preceding rows (so overlapping records
   never make a false gap); a row whose start lies more than the discontinuation gap after it
   opens a new island (``sum`` of the flags = island number). Lines never cross islands. The
   collapse rides on the same window pass (first record of each run), not a hash aggregate.
2. **Iterate over line number** (:func:`next_starts`): with the start ``L`` of the current line
   of every open island, the regimen is the set of drugs started in ``[L, L + window]``; the
   next line starts at the first later record that is neither a regimen drug, nor an in-family
   substitute, nor an exempt add-on. Everything the rule needs is a function of ``L``, so one
   query per line number finds the next start of every island at once; islands without one
   drop out. Iterations = the largest number of lines in an island (about 10); each costs one
   hash join of the remaining records with the open islands plus one windowed sort.
3. **Assign** (:func:`assign_lines`): each record belongs to the last line start on or before
   it (an equi-join on the island plus the range up to the next start).

:func:`derive_lines` runs the steps batch by batch over ranges of patients (``batch_patients``):
patients are independent, and a batch's working set fits in memory where all patients' would
spill every sort to disk.

:mod:`.summarize` then aggregates the records of each line into the derived line (regimen,
dates, start and end rule, maintenance, substitutes, add-ons). Recursive SQL would express the
iteration in one statement, but Ibis has no recursive CTE and Spark SQL lacks them; a loop of
portable queries runs unchanged on DuckDB, PostgreSQL and Spark.

Examples
--------
>>> import ibis, pandas as pd
>>> con = ibis.duckdb.connect()
>>> ex = pd.DataFrame({"patient_id": ["A"] * 3, "drug": ["docetaxel", "trastuzumab", "trastuzumab emtansine"],
...                    "start_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-04-01"]).date})
>>> pt = pd.DataFrame({"patient_id": ["A"], "metastatic_diagnosis_date": pd.to_datetime(["2019-12-20"]).date})
>>> run = derive_lines(con, exposures=ex, patients=pt)
>>> for row in run.lines().itertuples():
...     print(row.line_number, f"{row.start_date:%Y-%m-%d}", list(row.agents), row.start_rule, row.end_rule)
1 2020-01-01 ['docetaxel', 'trastuzumab'] first_metastatic new_drug
2 2020-04-01 ['trastuzumab emtansine'] new_drug end_of_data
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa

from . import _sql
from .params import LineRules, Phase
from .vocabulary import DEFAULT, Vocabulary

KEY = ("patient_id", "island")
#: Default patients per batch of :func:`derive_lines`: ~26 million records, whose steps fit in
#: DuckDB's memory on the development machine (memory_limit 4 GB).
BATCH_PATIENTS = 200_000

#: Columns the algorithm reads from the registry tables (everything else is ignored).
EXPOSURE_COLUMNS = {"patient_id": dt.string, "drug": dt.string, "drug_source_value": dt.string,
                    "start_date": dt.date, "end_date": dt.date}
PATIENT_COLUMNS = {"patient_id": dt.string, "metastatic_diagnosis_date": dt.date, "surgery_date": dt.date,
                   "death_date": dt.date, "last_contact_date": dt.date}


# --- the drug table: vocabulary x rules -------------------------------------------------------
def drug_info_schema(rules: LineRules) -> ibis.Schema:
    """Schema of the per-drug table the steps join (one flag pair per add-on exemption)."""
    fields: dict[str, dt.DataType] = {"drug": dt.string, "drug_id": dt.int16, "drug_class": dt.string,
                                      "family": dt.string, "eligible": dt.boolean, "sub_fam": dt.int16,
                                      "maint": dt.boolean}
    for i in range(len(rules.add_on_exemptions)):
        fields[f"addon_{i}"] = dt.boolean
        fields[f"req_{i}"] = dt.boolean
    return ibis.schema(fields)


def drug_info(vocabulary: Vocabulary, rules: LineRules) -> pa.Table:
    """One row per vocabulary drug with what the rules make of it.

    ``drug_id``: a small integer (the steps carry integers, not names); ``eligible``: may form
    a line; ``sub_fam``: an id of its family when that family substitutes (else null);
    ``maint``: may continue alone as maintenance; ``addon_i``: is what exemption ``i`` adds;
    ``req_i``: is of the class exemption ``i`` requires in the regimen.
    """
    rows: dict[str, list] = {name: [] for name in drug_info_schema(rules).names}
    families = sorted(rules.substitution_families)
    for i, d in enumerate(vocabulary.drugs):
        rows["drug"].append(d.name)
        rows["drug_id"].append(i)
        rows["drug_class"].append(d.drug_class.value)
        rows["family"].append(d.family)
        rows["eligible"].append(d.drug_class not in rules.ignored_classes)
        rows["sub_fam"].append(families.index(d.family) if d.family in families else None)
        rows["maint"].append(d.drug_class in rules.maintenance_classes)
        for j, ex in enumerate(rules.add_on_exemptions):
            rows[f"addon_{j}"].append(d.drug_class == ex.added_class or d.family == ex.added_family)
            rows[f"req_{j}"].append(d.drug_class == ex.requires_class)
    return pa.table(rows, schema=drug_info_schema(rules).to_pyarrow())


def synonyms(vocabulary: Vocabulary) -> pa.Table:
    """Lookup key (lower-case name or synonym) -> generic name, for records without ``drug``."""
    items = sorted(vocabulary.lookup.items())
    return pa.table({"key": [k for k, _ in items], "drug": [v for _, v in items]})


def resolve_drugs(exposures: ibis.Table, synonym_table: ibis.Table) -> ibis.Table:
    """Fill a missing normalised ``drug`` from ``drug_source_value`` through the vocabulary.

    Records are matched on the same key as :func:`~linewise.lines.vocabulary.normalize_drug`:
    lower case, ``_`` as space, runs of spaces collapsed. Stores written by the importer
    (``io.normalize.normalize_table`` fills ``drug`` itself) and the OMOP mapping (``drug`` comes
    from the concept map, an inner join) never need this; it serves the inputs that bypass both:
    ``derive_lines(exposures=...)`` with a caller's frame or table, and a database given as the
    source whose ``drug_exposures`` was loaded by other tools. :func:`derive_lines` runs it only
    when some ``drug`` is missing.
    """
    key = exposures.drug_source_value.lower().replace("_", " ").re_replace(r"\s+", " ").strip()
    e = exposures.mutate(_key=key)
    e = e.left_join(synonym_table.rename(_syn_drug="drug"), e._key == synonym_table.key)
    e = e.mutate(drug=ibis.coalesce(e.drug, e._syn_drug))
    # explicit selects, not multi-column drops: Ibis keeps dropped names in a set, which would
    # make the SQL text (and its snapshot) vary between processes
    return e.select(*[c for c in e.columns if c not in ("_key", "key", "_syn_drug")])


# --- step 1: prepared exposures with islands --------------------------------------------------
def patient_keys(exposures: ibis.Table) -> ibis.Table:
    """An integer ``pid`` per patient with drug records: joins and sorts run on integers."""
    ids = exposures.select("patient_id").distinct()
    return ids.mutate(pid=ibis.row_number().over(order_by=ids.patient_id).cast("int64"))


def prepare_exposures(exposures: ibis.Table, patients: ibis.Table, keys: ibis.Table, drugs: ibis.Table,
                      rules: LineRules) -> ibis.Table:
    """Eligible exposures, one row per (patient, drug, day), with their phase and island.

    Columns: ``kid`` (island key: ``pid * 65536 + island``), ``pid``, ``island``, ``phase`` (0
    early, 1 metastatic), ``drug_id``, ``s`` / ``en`` (start and end as days since 1970-01-01,
    ``en >= s``) and ``n_records``. The drug table's flags are not copied onto every row: the
    steps that need them join the (tiny) drug table; a narrow table is cheaper to write, spill
    and scan at 100 million rows.
    """
    e = exposures.filter(exposures.drug.notnull() & exposures.start_date.notnull())
    s = e.start_date.epoch_days()
    # A missing end lasts default_exposure_days; an end before the start is read as the start.
    en = ibis.coalesce(e.end_date.epoch_days(), s + (rules.default_exposure_days - 1))
    e = e.select("patient_id", "drug", s=s.cast("int32"), en=ibis.greatest(en, s).cast("int32"))
    e = e.join(drugs.filter(drugs.eligible).select("drug", "drug_id"), "drug")
    e = e.join(keys, "patient_id")
    pk = patients.join(keys, "patient_id")
    met = pk.select("pid", met=pk.metastatic_diagnosis_date.epoch_days())
    e = e.select("pid", "drug_id", "s", "en").left_join(met, "pid")
    phase = ibis.cases(
        (e.met.isnull(), 1 if rules.undated_phase is Phase.METASTATIC else 0),
        (e.s >= e.met - rules.metastatic_tolerance_days, 1),
        else_=0,
    ).cast("int8")
    e = e.select("pid", "drug_id", "s", "en", phase=phase)
    # One sort of each patient's records (phase-major: a new phase always opens a new island)
    # does both jobs, without a hash aggregate over ~all rows (duplicates are rare):
    # * duplicates (same drug, same day) are one exposure lasting as long as the longest
    #   record: the first of its run in (s, drug, en descending) order, n_records the run length;
    # * gaps and islands: a record opens an island when it starts more than the gap after the
    #   latest end of all records before it (a running maximum, so overlapping records never
    #   make a false gap). Duplicates before it end no later than their run's first record, so
    #   the maximum over raw records is the one over collapsed exposures.
    order = [e.phase, e.s, e.drug_id, e.en.desc()]
    w = ibis.window(group_by=e.pid, order_by=order)
    before = ibis.window(group_by=e.pid, order_by=order, rows=(None, -1))
    prev_end = e.en.max().over(before)
    e = e.mutate(
        rn=ibis.row_number().over(w),
        n_all=e.pid.count().over(ibis.window(group_by=e.pid)),
        first=ibis.coalesce((e.s.lag().over(w) != e.s) | (e.drug_id.lag().over(w) != e.drug_id), True),
        opens=(prev_end.isnull() | (e.phase.lag().over(w) != e.phase)
               | (e.s - prev_end > rules.discontinuation_gap_days)).cast("int32"),
    )
    e = e.filter(e.first)
    # (pid, phase, s, drug_id) is unique now, so the order is total without `en`
    order = [e.phase, e.s, e.drug_id]
    w = ibis.window(group_by=e.pid, order_by=order)
    island = e.opens.sum().over(ibis.window(group_by=e.pid, order_by=order, rows=(None, 0))).cast("int32")
    n_records = ibis.coalesce(e.rn.lead().over(w), e.n_all) - e.rn  # run length (row_number is 0-based)
    return e.select(kid=e.pid * 65536 + island, pid=e.pid, island=island, phase=e.phase, drug_id=e.drug_id,
                    s=e.s, en=e.en, n_records=n_records.cast("int32"))


def drug_flags(drugs: ibis.Table) -> ibis.Table:
    """The drug table's columns the rules read per record: family, maintenance, exemption flags."""
    flags = [c for c in drugs.columns if c.startswith(("addon_", "req_"))]
    return drugs.select("drug_id", "sub_fam", "maint", *flags)


def progression_days(progressions: ibis.Table, keys: ibis.Table) -> ibis.Table:
    """Recorded progressions as ``pid, p`` (days since 1970-01-01)."""
    p = progressions.filter(progressions.date.notnull()).join(keys, "patient_id")
    return p.select("pid", p=p.date.epoch_days().cast("int32")).distinct()


def first_starts(prepared: ibis.Table) -> ibis.Table:
    """Line 1 of every island starts at the island's first exposure."""
    return prepared.group_by("kid").agg(L=prepared.s.min())


# --- step 2: one line number for all open islands -----------------------------------------------
def next_starts(prepared: ibis.Table, current: ibis.Table, drugs: ibis.Table, rules: LineRules,
                progressions: ibis.Table | None = None) -> ibis.Table:
    """Start of the line after ``current`` (``kid, L``) in every island that has one.

    The regimen is every drug started in ``[L, L + window]``. A later record continues the
    line when its drug is in the regimen, its family is a substitution family of a regimen
    drug, or an add-on exemption applies (to it, or to an earlier record of the same drug in
    this line: an accepted add-on stays in the line); the first record that does none starts
    the next line. With ``progressions`` (``pid, p``: days of recorded progression) and
    ``rules.progression_ends_add_on``, no exemption applies after a progression in the line.
    Exemptions need windowed look-arounds; they are computed only in the islands where an
    add-on comes before the first plain new drug (few), not in all of them.
    """
    w = rules.regimen_window_days
    x = prepared.join(current, "kid")
    x = x.filter(x.s >= x.L)
    x = x.join(drug_flags(drugs), "drug_id")
    regimen = x.filter(x.s <= x.L + w).select("kid", "drug_id").distinct()
    families = x.filter((x.s <= x.L + w) & x.sub_fam.notnull()).select("kid", "sub_fam").distinct()
    after = x.filter(x.s > x.L + w).anti_join(regimen, ["kid", "drug_id"]).anti_join(families, ["kid", "sub_fam"])
    addon_cols = [c for c in drugs.columns if c.startswith("addon_")]
    if not addon_cols:
        return after.group_by("kid").agg(L=after.s.min())
    is_addon = ibis.or_(*[after[c] for c in addon_cols])
    after = after.mutate(is_addon=is_addon)
    plain = after.filter(~after.is_addon).group_by("kid").agg(first_plain=after.s.min())
    cand = after.filter(after.is_addon).left_join(plain, "kid")
    cand = cand.filter(cand.first_plain.isnull() | (cand.s < cand.first_plain)).select("kid", "pid", "L", "s", "drug_id")
    xe = x.semi_join(cand.select("kid").distinct(), "kid")
    xe = xe.left_join(regimen.mutate(in_reg=ibis.literal(True)), ["kid", "drug_id"])
    xe = xe.select(*[c for c in xe.columns if not c.endswith("_right")]).mutate(in_reg=ibis.coalesce(ibis._.in_reg, False))
    xe = xe.mutate(exempt=_exempt(xe, rules, w)).select("kid", "s", "drug_id", "exempt")
    c = cand.join(xe, ["kid", "s", "drug_id"])
    c = c.select(*[n for n in c.columns if not n.endswith("_right")])
    if progressions is not None and rules.progression_ends_add_on:
        hit = c.join(progressions, [c.pid == progressions.pid, progressions.p > c.L, progressions.p <= c.s])
        hit = hit.select("kid", "s", "drug_id").distinct().mutate(progressed=ibis.literal(True))
        c = c.left_join(hit, ["kid", "s", "drug_id"])
        c = c.select(*[n for n in c.columns if not n.endswith("_right")])
        c = c.mutate(exempt=c.exempt & ~ibis.coalesce(c.progressed, False))
    # once exempt, a drug has joined the line: its later records continue it
    joined = c.filter(c.exempt).group_by(["kid", "drug_id"]).agg(joined_from=ibis._.s.min())
    c = c.left_join(joined, ["kid", "drug_id"])
    blocked = c.filter(~c.exempt & (c.joined_from.isnull() | (c.s < c.joined_from)))
    blocked = blocked.group_by("kid").agg(first_addon=blocked.s.min())
    both = plain.outer_join(blocked, "kid")
    both = both.select(kid=ibis.coalesce(both.kid, both.kid_right),
                       L=ibis.least(ibis.coalesce(both.first_plain, both.first_addon), ibis.coalesce(both.first_addon, both.first_plain)))
    return both


def _exempt(x: ibis.Table, rules: LineRules, window: int) -> ibis.Value:
    """Is each record an exempt add-on to the line it would join (see AddOnExemption)?"""
    group = ibis.window(group_by=x.kid)
    before = ibis.window(group_by=x.kid, order_by=x.s, range=(None, -1))
    same_day = ibis.window(group_by=x.kid, order_by=x.s, range=(0, 0))
    after = ibis.window(group_by=x.kid, order_by=x.s, range=(1, None))
    induction = x.in_reg & ~x.maint  # regimen drugs that stop when maintenance begins
    induction_end = ibis.ifelse(induction, x.en, ibis.null("int32")).max().over(before)
    induction_today = induction.any().over(same_day)
    # Maintenance: the induction drugs have stopped and a maintenance drug of the regimen has
    # been given alone since (a switch at progression stops everything at once).
    last_maint = ibis.ifelse(x.in_reg & x.maint, x.s, ibis.null("int32")).max().over(before)
    in_maintenance = (induction_end.notnull() & (induction_end < x.s) & ~induction_today
                      & (last_maint > induction_end))
    terms = []
    for i, ex in enumerate(rules.add_on_exemptions):
        req, addon = x[f"req_{i}"], x[f"addon_{i}"]
        term = addon & (req & (x.s <= x.L + window)).any().over(group)
        if ex.during_maintenance:
            term &= in_maintenance
        if ex.continuity_days is not None:
            last_req = ibis.ifelse(req, x.s, ibis.null("int32")).max().over(before)
            next_req = ibis.ifelse(req, x.s, ibis.null("int32")).min().over(after)
            term &= (last_req >= x.s - ex.continuity_days) & (next_req <= x.s + ex.continuity_days)
        terms.append(ibis.coalesce(term, False))
    return ibis.or_(*terms)


# --- step 3: records to lines ---------------------------------------------------------------
def assign_lines(prepared: ibis.Table, starts: ibis.Table, rules: LineRules) -> ibis.Table:
    """Every prepared record with its line (``k``, the line's start ``L``, ``in_window``).

    A record belongs to the line whose start is the last one on or before it: an equi-join
    on the island plus the range ``L <= s < next L`` (a few lines per island, so the hash
    join's residual filter is cheap; a running maximum over the records is slower).
    """
    nxt = starts.mutate(L_next=starts.L.lead().over(ibis.window(group_by=starts.kid, order_by=starts.k)))
    a = prepared.join(nxt, [prepared.kid == nxt.kid, prepared.s >= nxt.L,
                            prepared.s < ibis.coalesce(nxt.L_next, 2**31 - 1)])
    a = a.select(*[c for c in a.columns if not c.endswith("_right") and c != "L_next"])
    return a.mutate(in_window=a.s <= a.L + rules.regimen_window_days)


# --- the driver ----------------------------------------------------------------------------
@dataclass
class LineRun:
    """The outcome of :func:`derive_lines`: temp tables on ``con`` plus counts.

    ``lines_table`` holds the derived lines (see :mod:`.summarize`), ``assigned_table`` every
    eligible record with its line (``None`` unless derived with ``keep_assigned=True``);
    ``scratch`` the drug table and the patient keys. They live as long as the connection (or
    :meth:`drop`).
    """

    con: ibis.BaseBackend
    rules: LineRules
    lines_table: str
    assigned_table: str | None
    iterations: int
    counts: dict[str, int] = field(default_factory=dict)
    scratch: list[str] = field(default_factory=list)

    def lines(self, patient_id: str | None = None) -> pd.DataFrame:
        t = self.con.table(self.lines_table)
        if patient_id is not None:
            t = t.filter(t.patient_id == patient_id)
        return t.order_by(["patient_id", "line_seq"]).execute()

    def assigned(self, patient_id: str | None = None) -> pd.DataFrame:
        """Records with their line (``kid, pid, island, k, drug_id, s, en, ...``) and ``patient_id``."""
        if self.assigned_table is None:
            raise ValueError("the records' lines were not kept: derive_lines(..., keep_assigned=True)")
        t = self.con.table(self.assigned_table).join(self.con.table(self.scratch[1]), "pid")
        if patient_id is not None:
            t = t.filter(t.patient_id == patient_id)
        return t.order_by(["kid", "s", "drug_id"]).execute()

    def drop(self) -> None:
        for name in [*self.scratch, self.lines_table, self.assigned_table]:
            if name is not None:
                _sql.drop(self.con, name)


def _as_table(con: ibis.BaseBackend, data, name: str, columns: dict[str, dt.DataType], scratch: list[str]) -> ibis.Table:
    """A data frame / Arrow table becomes a temp table with the columns the algorithm reads."""
    if isinstance(data, ibis.Table):
        return data
    frame = pa.Table.from_pandas(data, preserve_index=False) if isinstance(data, pd.DataFrame) else data
    cols = {}
    for col, typ in columns.items():
        arr = frame.column(col) if col in frame.column_names else pa.nulls(frame.num_rows)
        cols[col] = arr.cast(typ.to_pyarrow())
    scratch.append(name)
    return _sql.create_from_arrow(con, name, pa.table(cols))


@contextlib.contextmanager
def _step(progress: Callable[[str], None] | None, text: str) -> Iterator[None]:
    if progress is not None:
        progress(text)
    yield


def derive_lines(
    source,
    rules: LineRules | None = None,
    vocabulary: Vocabulary = DEFAULT,
    *,
    exposures=None,
    patients=None,
    progressions=None,
    patient_ids: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    max_iterations: int = 200,
    batch_patients: int | None = BATCH_PATIENTS,
    keep_assigned: bool = False,
) -> LineRun:
    """Derive lines of therapy for every patient (or ``patient_ids``) of ``source``.

    Parameters
    ----------
    source
        A :class:`~linewise.store.store.Store` or an Ibis backend.
    rules, vocabulary
        The line rules and the drug vocabulary (defaults: :class:`LineRules`, the built-in one).
    exposures, patients
        Override the store's ``drug_exposures`` / ``patients`` (an Ibis table, a pandas or Arrow
        table); missing columns are read as empty.
    progressions
        Dates of recorded progression (``patient_id, date``); from a store, its RECIST ``PD``
        assessments (``response_assessments``). Used by ``rules.progression_ends_add_on``.
    progress
        Called with a short text before each step (the CLI shows it).
    batch_patients
        Patients per batch (``None``: all at once). Patients are independent, so the steps run
        batch by batch over consecutive patient keys and append to the same two tables: the
        working set stays that of one batch whatever the number of patients (at 1 million
        patients, ~130 million records, DuckDB otherwise spills every step's sort and hash
        table to disk). Results do not depend on it.
    keep_assigned
        Keep every eligible record with its line (:meth:`LineRun.assigned`, what ``linewise
        lines explain`` shows); off by default: at scale it is a copy of all records.
    """

    rules = rules or LineRules()
    con = source if isinstance(source, ibis.BaseBackend) else source.con
    token = secrets.token_hex(4)
    scratch: list[str] = []
    if con.name == "duckdb":
        _sql.run(con, "SET enable_progress_bar = false")  # progress is ours to show

    def tmp(name: str) -> str:
        full = f"_lw_{token}_{name}"
        scratch.append(full)
        return full

    def materialize(name: str, expr: ibis.Table) -> ibis.Table:
        return _sql.create_as(con, name, expr)

    store_tables = not isinstance(source, ibis.BaseBackend)
    ex = _as_table(con, exposures if exposures is not None else (source.table("drug_exposures") if store_tables else None),
                   tmp("in_exposures"), EXPOSURE_COLUMNS, scratch)
    pt = _as_table(con, patients if patients is not None else (source.table("patients") if store_tables else None),
                   tmp("in_patients"), PATIENT_COLUMNS, scratch)
    if patient_ids is not None:
        ex = ex.filter(ex.patient_id.isin(patient_ids))
        pt = pt.filter(pt.patient_id.isin(patient_ids))
    if "drug_source_value" in ex.columns and bool(ex.drug.isnull().any().execute()):
        syn = _sql.create_from_arrow(con, tmp("synonyms"), synonyms(vocabulary))
        ex = materialize(tmp("resolved"), resolve_drugs(ex.select(*EXPOSURE_COLUMNS), syn))
    drugs_name = tmp("drugs")
    drugs = _sql.create_from_arrow(con, drugs_name, drug_info(vocabulary, rules))

    keys = materialize(tmp("keys"), patient_keys(ex))
    prog = None
    if progressions is None and store_tables and rules.progression_ends_add_on:
        ra = source.table("response_assessments")
        progressions = ra.filter(ra.response == "PD").select("patient_id", date="assessment_date")
    if progressions is not None and rules.progression_ends_add_on:
        pr = _as_table(con, progressions, tmp("in_progressions"), {"patient_id": dt.string, "date": dt.date}, scratch)
        prog = materialize(tmp("progressions"), progression_days(pr, keys))
    n_patients = int(keys.count().execute())
    size = max(1, batch_patients or n_patients)
    # pid is 0-based (row_number)
    batches = [(lo, min(lo + size, n_patients) - 1) for lo in range(0, n_patients, size)] or [(0, -1)]
    assigned_name, lines_name = f"_lw_{token}_assigned", f"_lw_{token}_lines"
    iterations, used = 1, 0
    for b, (lo, hi) in enumerate(batches):
        where = f"patients {lo + 1:,}-{hi + 1:,} of {n_patients:,}: " if len(batches) > 1 else ""
        batch_ex, batch_pt, batch_keys = ex, pt, keys
        if len(batches) > 1:
            # pid follows patient_id order, so a batch is a range of patient ids: filtering the
            # records by it first lets every join of the batch see only its own records (and a
            # store clustered by patient skips the other row groups)
            batch_keys = keys.filter(keys.pid.between(lo, hi))
            first, last = batch_keys.aggregate(a=batch_keys.patient_id.min(), b=batch_keys.patient_id.max()).execute().iloc[0]
            batch_ex = ex.filter(ex.patient_id.between(first, last))
            batch_pt = pt.filter(pt.patient_id.between(first, last))
        batch_tables: list[str] = []
        k, prepared, assigned, lines = _derive_batch(con, f"_lw_{token}_b", batch_tables, batch_ex, batch_pt, batch_keys,
                                                     drugs, prog, rules, lambda text, where=where: _step(progress, where + text),
                                                     max_iterations)
        iterations = max(iterations, k)
        used += int(prepared.n_records.sum().execute() or 0)
        for name, expr in ((assigned_name, assigned if keep_assigned else None), (lines_name, lines)):
            if expr is None:
                continue
            if b == 0:
                _sql.create_as(con, name, expr)
            else:
                con.insert(name, expr)
        for name in batch_tables:
            _sql.drop(con, name)
    counts = _counts(con, ex, drugs, used, con.table(lines_name))
    keep = (drugs_name, keys.get_name())
    for name in scratch:
        if name not in keep:
            _sql.drop(con, name)
    scratch = list(keep)
    return LineRun(con, rules, lines_name, assigned_name if keep_assigned else None, iterations=iterations,
                   counts=counts, scratch=scratch)


def _derive_batch(con, prefix, made, ex, pt, keys, drugs, prog, rules, step, max_iterations):
    """Steps 1-3 and the summary for the patients of ``keys``: (iterations, prepared,
    assigned, lines), the last three over the batch's tables (``prefix_*``, listed in ``made``)."""
    from .summarize import summarize_lines

    def materialize(name: str, expr: ibis.Table) -> ibis.Table:
        made.append(f"{prefix}_{name}")
        return _sql.create_as(con, made[-1], expr)

    with step("preparing exposures"):
        prepared = materialize("prepared", prepare_exposures(ex, pt, keys, drugs, rules))
    current = materialize("current_1", first_starts(prepared))
    starts = materialize("starts", current.mutate(k=ibis.literal(1, "int32")))
    k = 1
    while True:
        with step(f"line {k + 1}: finding next starts"):
            nxt = materialize(f"current_{k + 1}", next_starts(prepared, current, drugs, rules, prog))
        if int(nxt.count().execute()) == 0:
            break
        k += 1
        if k > max_iterations:
            raise RuntimeError(f"more than {max_iterations} lines in one island: check the rules")
        con.insert(starts.get_name(), nxt.mutate(k=ibis.literal(k, "int32")))
        current = nxt
    with step("assigning records to lines"):
        assigned = materialize("assigned", assign_lines(prepared, starts, rules))
    with step("summarising lines"):
        lines = summarize_lines(assigned, keys, pt, drugs, rules)
    return k, prepared, assigned, lines




def _counts(con, ex: ibis.Table, drugs: ibis.Table, used: int, lines: ibis.Table) -> dict[str, int]:
    """Records read, used, ignored (by reason), patients and lines: nothing leaves unexplained."""
    j = ex.left_join(drugs.select("drug", "eligible"), "drug")
    row = j.aggregate(
        records=j.count(),
        unknown_drug=(j.drug.isnull() | j.eligible.isnull()).sum(),
        never_a_line=(j.eligible == False).sum(),  # noqa: E712 - SQL comparison
        no_start_date=(j.drug.notnull() & j.eligible & j.start_date.isnull()).sum(),
    ).execute().iloc[0]
    out = {k: int(v or 0) for k, v in row.items()}
    out["exposures_used"] = used
    agg = lines.aggregate(lines=lines.count(), patients=lines.patient_id.nunique(),
                          metastatic=(lines.setting == "metastatic").sum()).execute().iloc[0]
    out.update({k: int(v or 0) for k, v in agg.items()})
    return out
