"""From records assigned to lines to derived lines: regimen, dates, rules, maintenance.

One set-based query (:func:`summarize_lines`) over the output of
:func:`~linewise.lines.algorithm.assign_lines`. Columns of a derived line:

``patient_id, line_seq`` (1, 2, ... over all the patient's lines), ``line_number`` (metastatic
lines 1, 2, ...; empty for neoadjuvant / adjuvant lines), ``setting``, ``phase``, ``island``
(exposure episode between gaps), ``k`` (line within the island), ``start_date``, ``end_date``
(end of the line's last exposure), ``agents`` (the regimen: drugs started in the regimen
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

LINE_KEY = ("patient_id", "island", "k")
_EPOCH = ibis.literal(_dt.date(1970, 1, 1))


def _date(days: ibis.Value) -> ibis.Value:
    return (_EPOCH + days.as_interval("D")).cast("date")


def _strings(column: ibis.Value, where: ibis.Value, order: list) -> ibis.Value:
    """Array of ``column`` where ``where``, ordered; an empty array rather than null."""
    agg = column.collect(where=where, order_by=order)
    return ibis.coalesce(agg, ibis.literal([], type="array<string>"))


def summarize_lines(assigned: ibis.Table, patients: ibis.Table, rules: LineRules) -> ibis.Table:
    """Derived lines from assigned records (see the module docstring for the columns)."""
    a = assigned
    # per line and drug
    d = a.group_by([*LINE_KEY, "drug"]).agg(
        phase=a.phase.first(), first_s=a.s.min(), last_en=a.en.max(), n=a.n_records.sum(),
        in_reg=a.in_window.any(), maint=a.maint.first(), sub_family=a.sub_family.first(),
    )
    fams = d.filter(d.in_reg & d.sub_family.notnull()).select(*LINE_KEY, "sub_family").distinct()
    d = d.left_join(fams.mutate(fam_in_reg=ibis.literal(True)), [*LINE_KEY, "sub_family"])
    d = d.drop([c for c in d.columns if c.endswith("_right")])
    d = d.mutate(is_sub=~d.in_reg & ibis.coalesce(d.fam_in_reg, False))
    order = [d.first_s, d.drug]
    lines = d.group_by(list(LINE_KEY)).agg(
        phase=d.phase.first(),
        s=d.first_s.min(),
        en=d.last_en.max(),
        agents=_strings(d.drug, d.in_reg, order),
        drugs_given=_strings(d.drug, ibis.literal(True), order),
        substitutes=_strings(d.drug, d.is_sub, order),
        add_ons=_strings(d.drug, ~d.in_reg & ~d.is_sub, order),
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
        end_date=_date(lines.en),
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
