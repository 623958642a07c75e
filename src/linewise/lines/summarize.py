"""From records assigned to lines to derived lines: regimen, dates, rules, maintenance.

One set-based query (:func:`summarize_lines`) over the output of
:func:`~linewise.lines.algorithm.assign_lines`. Columns of a derived line:

``patient_id, line_seq`` (1, 2, ... over all the patient's lines), ``line_number`` (metastatic
lines 1, 2, ...; empty for neoadjuvant / adjuvant lines), ``setting``, ``phase``, ``island``
(exposure episode between gaps), ``k`` (line within the island), ``start_date``, ``end_date``
(end of the line's last exposure, at the latest the day before the next line), ``agents`` (the regimen: drugs started in the regimen
window, in order of first exposure), ``drugs_given`` (every drug of the line), ``substitutes``
(in-family substitutes started after the window), ``add_ons`` (exempt additions),
``new_agents`` (regimen drugs not given in the previous line), ``n_exposures`` (records),
``maintenance`` / ``maintenance_start`` (continuation maintenance and its first day),
``rechallenge`` (the same regimen as an earlier line), ``start_rule``, ``end_rule``,
``next_start_date`` (start of the patient's next line).
"""

from __future__ import annotations

import datetime as _dt

import ibis

from .params import EndRule, LineRules, Phase, Setting, StartRule

LINE_KEY = ("kid", "k")
_EPOCH = ibis.literal(_dt.date(1970, 1, 1))


def _date(days: ibis.Value) -> ibis.Value:
    """Days since 1970-01-01 back to a date (DATE + INTERVAL is a timestamp in SQL: cast back;
    the timestamp step keeps Ibis from dropping the cast as a no-op)."""
    return (_EPOCH + days.as_interval("D")).cast("timestamp").cast("date")


def _backend_name(t: ibis.Table) -> str | None:
    """The engine of a bound table (None for unbound ones, e.g. when only compiling SQL)."""
    try:
        return t._find_backend().name
    except Exception:  # ibis raises IbisError for unbound tables
        return None


def _strings(d: ibis.Table, where: ibis.Value) -> ibis.Value:
    """Drug names where ``where``, in order of first exposure then name; empty, not null.

    Aggregates (first day, drug) pairs and sorts the list afterwards: an ordered aggregate
    (``array_agg(... ORDER BY ...)``) is several times slower in DuckDB.
    """
    if _backend_name(d) == "postgres":
        # PostgreSQL cannot sort an array of records (UNNEST needs a column list) nor type an
        # empty ARRAY[] literal: an ordered aggregate over every row of the group (never empty),
        # nulls where `where` fails, then removed
        every = ibis.ifelse(where, d.drug, ibis.null("string")).collect(order_by=[d.first_s, d.drug], include_null=True)
        return every.filter(lambda x: x.notnull())
    pairs = ibis.struct({"s": d.first_s, "drug": d.drug}).collect(where=where)
    names = pairs.sort().map(lambda x: x.drug)
    return ibis.coalesce(names, ibis.literal([], type="array<string>"))


def summarize_lines(assigned: ibis.Table, keys: ibis.Table, patients: ibis.Table, drugs: ibis.Table,
                    rules: LineRules) -> ibis.Table:
    """Derived lines from assigned records (see the module docstring for the columns).

    ``keys`` maps ``pid`` to ``patient_id``, ``drugs`` ``drug_id`` to the drug name.
    """
    a = assigned
    # per line and drug
    # Values constant within the group are taken with max()/any(): PostgreSQL has no FIRST()
    # aggregate and Spark's first() is non-deterministic; on constants all agree.
    d = a.group_by([*LINE_KEY, "drug_id"]).agg(
        pid=a.pid.max(), island=a.island.max(), phase_id=a.phase.max(), first_s=a.s.min(),
        last_en=a.en.max(), n=a.n_records.sum(), in_reg=a.in_window.any(),
    )
    d = d.join(drugs.select("drug_id", "drug", "sub_fam", "maint"), "drug_id")
    fams = d.filter(d.in_reg & d.sub_fam.notnull()).select(*LINE_KEY, "sub_fam").distinct()
    d = d.left_join(fams.mutate(fam_in_reg=ibis.literal(True)), [*LINE_KEY, "sub_fam"])
    d = d.select(*[c for c in d.columns if not c.endswith("_right")])  # a select: drop order is a set
    d = d.mutate(is_sub=~d.in_reg & ibis.coalesce(d.fam_in_reg, False))
    lines = d.group_by(list(LINE_KEY)).agg(
        pid=d.pid.max(),
        island=d.island.max(),
        phase=ibis.ifelse(d.phase_id.max() == 1, Phase.METASTATIC.value, Phase.EARLY.value),
        s=d.first_s.min(),
        en=d.last_en.max(),
        agents=_strings(d, d.in_reg),
        drugs_given=_strings(d, ibis.literal(True)),
        substitutes=_strings(d, d.is_sub),
        add_ons=_strings(d, ~d.in_reg & ~d.is_sub),
        n_exposures=d.n.sum(),
        induction_end=d.last_en.max(where=d.in_reg & ~d.maint),
        maint_end=d.last_en.max(where=d.maint),
    )
    p = patients.select(
        "patient_id",
        met=patients.metastatic_diagnosis_date.epoch_days(),
        surgery=patients.surgery_date.epoch_days(),
        death=patients.death_date.epoch_days(),
        last_contact=patients.last_contact_date.epoch_days(),
    )
    lines = lines.join(keys, "pid")
    lines = lines.left_join(p, "patient_id").drop("patient_id_right")

    lines = lines.mutate(phase_rank=ibis.ifelse(lines.phase == Phase.EARLY.value, 0, 1))
    by_patient = ibis.window(group_by=lines.patient_id, order_by=[lines.phase_rank, lines.s, lines.island, lines.k])
    by_phase = ibis.window(group_by=[lines.patient_id, lines.phase], order_by=[lines.s, lines.island, lines.k])
    first_island = lines.island.min().over(ibis.window(group_by=[lines.patient_id, lines.phase]))
    lines = lines.mutate(
        line_seq=(ibis.row_number().over(by_patient) + 1).cast("int32"),
        phase_seq=(ibis.row_number().over(by_phase) + 1).cast("int32"),
        next_s=lines.s.lead().over(by_patient),
        next_phase=lines.phase.lead().over(by_patient),
        next_island=lines.island.lead().over(by_patient),
        prev_given=lines.drugs_given.lag().over(by_patient),
        first_island=first_island,
    )
    gap = rules.discontinuation_gap_days
    is_met = lines.phase == Phase.METASTATIC.value
    start_rule = ibis.cases(
        (lines.k > 1, StartRule.NEW_DRUG.value),
        (lines.island != lines.first_island, StartRule.AFTER_GAP.value),
        (is_met, StartRule.FIRST_METASTATIC.value),
        else_=StartRule.FIRST_EARLY.value,
    )
    end_rule = ibis.cases(
        (lines.next_island == lines.island, EndRule.NEW_DRUG.value),
        (lines.next_phase == lines.phase, EndRule.GAP.value),
        (~is_met & lines.met.notnull() & (lines.met - lines.en <= gap), EndRule.METASTATIC_DIAGNOSIS.value),
        (~is_met & lines.met.notnull(), EndRule.GAP.value),
        (lines.death.notnull() & (lines.death - lines.en <= gap), EndRule.DEATH.value),
        (lines.last_contact.notnull() & (lines.last_contact - lines.en > gap), EndRule.GAP.value),
        else_=EndRule.END_OF_DATA.value,
    )
    setting = ibis.cases(
        (is_met, Setting.METASTATIC.value),
        (lines.surgery.notnull() & (lines.s < lines.surgery), Setting.NEOADJUVANT.value),
        else_=Setting.ADJUVANT.value,
    )
    maintenance = lines.induction_end.notnull() & lines.maint_end.notnull() & (
        lines.maint_end - lines.induction_end > rules.maintenance_min_days)
    prev = lines.prev_given
    new_agents = lines.agents.filter(lambda drug: ~ibis.coalesce(prev.contains(drug), False))
    regimen_key = lines.agents.sort().join(" + ")
    lines = lines.mutate(regimen_key=regimen_key)
    same_regimen = ibis.window(group_by=[lines.patient_id, lines.regimen_key], order_by=[lines.phase_rank, lines.s])
    out = lines.select(
        "patient_id",
        "line_seq",
        line_number=ibis.ifelse(is_met, lines.phase_seq, ibis.null("int32")),
        setting=setting,
        phase="phase",
        island="island",
        k=lines.k.cast("int32"),
        start_date=_date(lines.s),
        # A line ends at the latest the day before the next one starts (a long oral dispensing
        # of the old regimen may reach into the new line): lines never overlap.
        end_date=_date(ibis.ifelse(lines.next_s.notnull(), ibis.least(lines.en, lines.next_s - 1), lines.en)),
        agents="agents",
        drugs_given="drugs_given",
        substitutes="substitutes",
        add_ons="add_ons",
        new_agents=new_agents,
        n_exposures=lines.n_exposures.cast("int64"),
        maintenance=ibis.coalesce(maintenance, False),
        maintenance_start=ibis.ifelse(maintenance, _date(lines.induction_end + 1), ibis.null("date")),
        rechallenge=ibis.row_number().over(same_regimen) > 0,
        start_rule=start_rule,
        end_rule=end_rule,
        next_start_date=_date(lines.next_s),
    )
    return out
