"""Per-patient treatment-sequence features, from recorded or derived lines, in the database.

Every function takes a *line table*: an Ibis table with ``patient_id, setting, line_number,
start_date, end_date, agents`` and ``drugs`` (every drug given in the line: the agents plus, for
derived lines, substitutes and add-ons); :func:`line_table` makes one from a store. An *agent*
argument is a generic drug name, a :class:`~linewise.lines.vocabulary.DrugClass` value
(``"her2_adc"``) or ``"her2_targeted"``.

Examples
--------
>>> study_c_group(index_line=2, marker_in_line1=True)
3
>>> study_c_group(index_line=1, marker_in_line1=False)
5
>>> study_c_group(index_line=None, marker_in_line1=True) is None
True
"""

from __future__ import annotations

from enum import StrEnum

import ibis

from ..errors import LinewiseError
from .vocabulary import DEFAULT, DrugClass, Vocabulary


class LineSource(StrEnum):
    """Which lines a study uses: as recorded, as derived, or recorded where present."""

    RECORDED = "recorded"
    DERIVED = "derived"
    AUTO = "auto"


def line_table(store, source: LineSource = LineSource.AUTO) -> ibis.Table:
    """Lines of a store in the shape every function here reads.

    ``auto``: a patient's recorded lines when the registry has any for them (registries that
    record lines keep them), otherwise the derived ones.
    """
    from .storage import DERIVED_LINES, derived_lines

    source = LineSource(source)
    cols = ["patient_id", "setting", "line_number", "start_date", "end_date", "agents"]
    rec = store.table("therapy_lines")
    rec = rec.select(*cols, drugs=rec.agents, source=ibis.literal(LineSource.RECORDED.value))
    if source is LineSource.RECORDED:
        return rec
    has_derived = DERIVED_LINES in store.con.list_tables()
    if source is LineSource.DERIVED or has_derived:
        der = derived_lines(store)
        der = der.select(*cols, drugs=der.drugs_given, source=ibis.literal(LineSource.DERIVED.value))
    if source is LineSource.DERIVED:
        return der
    if not has_derived:
        return rec
    return rec.union(der.anti_join(rec.select("patient_id").distinct(), "patient_id"))


def drugs_of(agent: str, vocabulary: Vocabulary = DEFAULT) -> list[str]:
    """Generic names an agent argument stands for.

    >>> drugs_of("her2_adc")
    ['trastuzumab emtansine', 'trastuzumab deruxtecan']
    >>> drugs_of("Kadcyla")
    ['trastuzumab emtansine']
    """
    key = agent.strip().lower()
    if key == "her2_targeted":
        return [d.name for d in vocabulary.drugs if d.drug_class.is_her2_targeted]
    if key in {c.value for c in DrugClass}:
        return [d.name for d in vocabulary.drugs if d.drug_class.value == key]
    name = vocabulary.normalize_drug(agent)
    if name is None:
        hint = vocabulary.closest_drug(agent)
        raise LinewiseError(f"unknown agent {agent!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                            + "; give a drug name, a drug class or 'her2_targeted'")
    return [name]


def _has(lines: ibis.Table, drugs: list[str]) -> ibis.Value:
    """Does the line's ``drugs`` array contain any of ``drugs``?"""
    out = ibis.literal(False)
    for d in drugs:
        out |= ibis.coalesce(lines.drugs.contains(d), False)
    return out


def agents_by_line(lines: ibis.Table) -> ibis.Table:
    """One row per patient, line and drug given (long form)."""
    return lines.select("patient_id", "setting", "line_number", "start_date", drug=lines.drugs.unnest())


def index_line(lines: ibis.Table, agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """The first metastatic line with ``agent``: ``patient_id, index_line, index_start``."""
    met = lines.filter(lines.line_number.notnull() & _has(lines, drugs_of(agent, vocabulary)))
    return met.group_by("patient_id").agg(index_line=met.line_number.min(), index_start=met.start_date.min())


def first_line_with(lines: ibis.Table, agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """Line of first exposure to ``agent``: ``patient_id, first_line`` (metastatic line number)."""
    return index_line(lines, agent, vocabulary).select("patient_id", first_line="index_line")


def in_line(lines: ibis.Table, agent: str, k: int, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """"``agent`` in line ``k``": ``patient_id, present`` for every patient with a line ``k``."""
    lk = lines.filter(lines.line_number == k)
    return lk.group_by("patient_id").agg(present=_has(lk, drugs_of(agent, vocabulary)).any())


def exposed_before_line(lines: ibis.Table, agent: str, k: int, *, include_early: bool = True,
                        vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """"Prior exposure to ``agent`` before line ``k``": ``patient_id, exposed`` for patients with a line ``k``.

    With ``include_early`` neoadjuvant / adjuvant lines count as prior exposure.
    """
    lk = lines.filter(lines.line_number == k).select("patient_id", k_start="start_date")
    j = lines.join(lk, "patient_id")
    before = (j.line_number < k) if not include_early else (j.line_number < k) | (j.line_number.isnull() & (j.start_date < j.k_start))
    hit = _has(j, drugs_of(agent, vocabulary)) & ibis.coalesce(before, False)
    return j.group_by("patient_id").agg(exposed=hit.any())


def prior_counts(lines: ibis.Table, index_agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """Before each patient's first ``index_agent`` line: number of metastatic lines, of
    chemotherapy-containing metastatic lines, and days of HER2-targeted therapy (early lines
    included; a line's days are ``end - start + 1``, an open end counts to the index start).
    """
    idx = index_line(lines, index_agent, vocabulary)
    j = lines.join(idx, "patient_id")
    before_met = j.line_number.notnull() & (j.line_number < j.index_line)
    before_any = j.start_date < j.index_start
    chemo = _has(j, drugs_of(DrugClass.CHEMOTHERAPY.value, vocabulary))
    her2 = _has(j, drugs_of("her2_targeted", vocabulary))
    end = ibis.least(ibis.coalesce(j.end_date, j.index_start), j.index_start)
    days = end.epoch_days() - j.start_date.epoch_days() + 1
    return j.group_by("patient_id").agg(
        index_line=j.index_line.max(),
        n_prior_lines=before_met.cast("int32").sum(),
        n_prior_chemo=(before_met & chemo).cast("int32").sum(),
        her2_days_before=ibis.ifelse(before_any & her2, days, 0).sum(),
    )


def study_c_group(index_line: int | None, marker_in_line1: bool | None) -> int | None:
    """Study C's five sequence groups (STUDIES.md) for one patient.

    1: line 1 without the marker (pertuzumab), index (T-DM1) in line 2; 2: without, index in
    line 3 or later; 3: with, line 2; 4: with, line 3+; 5: index in line 1. ``None`` when the
    patient never had the index drug (or line 1 is unknown).
    """
    if index_line is None or index_line != index_line:
        return None
    if index_line == 1:
        return 5
    if marker_in_line1 is None:
        return None
    return (3 if marker_in_line1 else 1) if index_line == 2 else (4 if marker_in_line1 else 2)


def study_c_groups(lines: ibis.Table, index_agent: str = "trastuzumab emtansine", marker: str = "pertuzumab",
                   vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """:func:`study_c_group` for every patient with the index drug: ``patient_id, index_line,
    marker_in_line1, group`` (as SQL, the same rule)."""
    idx = index_line(lines, index_agent, vocabulary)
    first = in_line(lines, marker, 1, vocabulary).select("patient_id", marker_in_line1="present")
    j = idx.left_join(first, "patient_id").drop("patient_id_right")
    group = ibis.cases(
        (j.index_line == 1, 5),
        (j.marker_in_line1.isnull(), ibis.null("int32")),
        ((j.index_line == 2) & j.marker_in_line1, 3),
        (j.index_line == 2, 1),
        (j.marker_in_line1, 4),
        else_=2,
    )
    return j.select("patient_id", "index_line", "marker_in_line1", group=group.cast("int32"))


def sequence_features(lines: ibis.Table, index_agent: str = "trastuzumab emtansine",
                      agents: tuple[str, ...] = ("trastuzumab", "pertuzumab", "lapatinib", "trastuzumab emtansine"),
                      marker: str = "pertuzumab", vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """One row per patient with lines: index line, prior counts, Study C group and, per agent,
    first line, presence in line 1 and exposure before the index line.

    Columns per agent use its name with spaces as underscores (``first_line_trastuzumab_emtansine``).
    """
    patients = lines.select("patient_id").distinct()
    out = patients.left_join(prior_counts(lines, index_agent, vocabulary), "patient_id").drop("patient_id_right")
    groups = study_c_groups(lines, index_agent, marker, vocabulary).select("patient_id", "marker_in_line1", "group")
    out = out.left_join(groups, "patient_id").drop("patient_id_right")
    idx = index_line(lines, index_agent, vocabulary).select("patient_id", idx_start="index_start")
    for agent in agents:
        col = agent.replace(" ", "_").replace("-", "_")
        first = first_line_with(lines, agent, vocabulary).rename({f"first_line_{col}": "first_line"})
        l1 = in_line(lines, agent, 1, vocabulary).rename({f"{col}_in_line1": "present"})
        j = lines.join(idx, "patient_id")
        prior = j.group_by("patient_id").agg(
            **{f"{col}_before_index": (_has(j, drugs_of(agent, vocabulary)) & (j.start_date < j.idx_start)).any()})
        for t in (first, l1, prior):
            out = out.left_join(t, "patient_id").drop("patient_id_right")
    return out
